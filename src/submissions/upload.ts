import fs from 'node:fs';
import multer from 'multer';
import { z } from 'zod';
import type { NextFunction, Request, Response } from 'express';
import type { AppContext } from '../app.js';
import { UserError } from '../web/errors.js';
import { formString } from '../web/validate.js';
import { checkDeferredCsrf, deferredCsrfFileFilter } from '../web/middleware.js';
import { admitUpload, recordRejection } from './service.js';

/** What a client may send as Idempotency-Key (header, or the web form's hidden field): a UUID fits. */
export const idempotencyKey = z
  .string()
  .min(8, 'must be at least 8 characters')
  .max(128, 'must be at most 128 characters')
  .regex(/^[A-Za-z0-9_.:-]+$/, 'may hold only letters, digits and _ . : -');

/** The fields of a submission upload besides the file (multipart form or API). */
export const submissionFields = z.object({
  message: formString(500).optional(),
  idempotency_key: idempotencyKey.optional(),
});

/** The Idempotency-Key header, validated (400 naming the header when malformed). */
export function idempotencyKeyHeader(req: Request): string | undefined {
  const raw = req.get('Idempotency-Key');
  if (raw === undefined) return undefined;
  const parsed = idempotencyKey.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ in: 'header', field: 'Idempotency-Key', message: i.message }));
  throw new UserError(400, 'invalid_request', `Invalid header: Idempotency-Key ${issues.map((i) => i.message).join('; ')}.`, { issues });
}

/** Before the body is read: refuses a user past the in-flight or rejected-per-hour limit (429 with Retry-After). */
export function admitUploads(ctx: AppContext) {
  return async (req: Request, res: Response, next: NextFunction) => {
    // A 429 goes to the error handler, which sets Retry-After from it.
    res.once('close', await admitUpload(ctx.db.db, ctx.uploads, req.user!.id));
    next();
  };
}

/** Removes the request's temporary upload, whatever happened to it. */
export async function discardUpload(req: Request): Promise<void> {
  if (req.file) await fs.promises.rm(req.file.path, { force: true });
}

/**
 * Receives one prediction file (field `file`) to DATA_DIR/uploads, within MAX_UPLOAD_MB.
 * Multer's errors become UserErrors (and count as rejected uploads); with `deferErrors` they are
 * kept in res.locals.uploadError for the handler (so a browser gets the submit page back),
 * otherwise passed to next().
 */
export function receivePrediction(ctx: AppContext, opts: { deferErrors?: boolean } = {}) {
  const config = ctx.config;
  const upload = multer({ dest: ctx.uploads.tmpDir, limits: { fileSize: ctx.uploads.limits.maxUploadBytes, files: 1, fields: 10 }, fileFilter: deferredCsrfFileFilter }).single('file');
  return (req: Request, res: Response, next: NextFunction) =>
    upload(req, res, (err: unknown) => {
      if (!(err instanceof multer.MulterError)) return next(err ?? checkDeferredCsrf(req) ?? undefined);
      const error =
        err.code === 'LIMIT_FILE_SIZE'
          ? new UserError(413, 'file_too_large', `The file is larger than the ${config.MAX_UPLOAD_MB} MB limit.`)
          : new UserError(400, 'bad_upload', `Upload rejected: ${err.message} (field '${err.field ?? ''}'). Send one file in the field 'file'.`);
      void discardUpload(req)
        .then(() => (req.user ? recordRejection(ctx.db.db, req.user.id) : undefined))
        .then(
          () => {
            if (!opts.deferErrors) return next(error);
            res.locals.uploadError = error;
            next();
          },
          next,
        );
    });
}
