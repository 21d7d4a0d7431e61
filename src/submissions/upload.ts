import fs from 'node:fs';
import path from 'node:path';
import multer from 'multer';
import type { NextFunction, Request, Response } from 'express';
import type { Config } from '../config.js';
import { UserError } from '../web/errors.js';

/**
 * Receives one prediction file (field `file`) to DATA_DIR/uploads, within MAX_UPLOAD_MB.
 * Multer's errors become UserErrors; with `deferErrors` they are kept in res.locals.uploadError
 * for the handler (so a browser gets the submit page back), otherwise passed to next().
 */
export function receivePrediction(config: Config, opts: { deferErrors?: boolean } = {}) {
  const tmpDir = path.join(config.dataDir, 'uploads');
  fs.mkdirSync(tmpDir, { recursive: true });
  const upload = multer({ dest: tmpDir, limits: { fileSize: Math.round(config.MAX_UPLOAD_MB * 1024 * 1024), files: 1, fields: 10 } }).single('file');
  return (req: Request, res: Response, next: NextFunction) =>
    upload(req, res, (err: unknown) => {
      if (!(err instanceof multer.MulterError)) return next(err);
      const error =
        err.code === 'LIMIT_FILE_SIZE'
          ? new UserError(413, 'file_too_large', `The file is larger than the ${config.MAX_UPLOAD_MB} MB limit.`)
          : new UserError(400, 'bad_upload', `Upload rejected: ${err.message} (field '${err.field ?? ''}'). Send one file in the field 'file'.`);
      if (!opts.deferErrors) return next(error);
      res.locals.uploadError = error;
      next();
    });
}
