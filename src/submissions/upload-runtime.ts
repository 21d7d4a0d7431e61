import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { logger } from '../log.js';
import { defaultValidationThreads, inlineValidator, validationPool, type UploadValidator } from './validation.js';

const MB = 1024 * 1024;
/** A temporary upload untouched for this long belongs to no request any more (multer rewrites it while receiving). */
export const STALE_UPLOAD_MS = 60 * 60_000;
const SWEEP_EVERY_MS = 10 * 60_000;

export interface UploadLimits {
  maxUploadBytes: number;
  maxDecompressedBytes: number;
  inFlightPerUser: number;
  rejectedPerHour: number;
}

/** What a web process holds for uploads: the validation threads, the limits, and uploads in flight per user. */
export interface UploadRuntime {
  tmpDir: string;
  validator: UploadValidator;
  limits: UploadLimits;
  /** Uploads being received or validated, per user id: per process (a limit across processes would cost a database round trip per upload). */
  inFlight: Map<number, number>;
  close(): Promise<void>;
}

export function uploadLimits(config: Config): UploadLimits {
  return {
    maxUploadBytes: Math.round(config.MAX_UPLOAD_MB * MB),
    maxDecompressedBytes: Math.round((config.MAX_DECOMPRESSED_MB ?? config.MAX_UPLOAD_MB) * MB),
    inFlightPerUser: config.UPLOADS_IN_FLIGHT_PER_USER,
    rejectedPerHour: config.REJECTED_UPLOADS_PER_HOUR,
  };
}

/**
 * Starts the validation pool (VALIDATION_THREADS; 0 threads is not offered: validation always leaves
 * the event loop) and the sweep of stale temporary uploads, now and every 10 minutes.
 */
export function startUploadRuntime(config: Config, opts: { inline?: boolean } = {}): UploadRuntime {
  const tmpDir = path.join(config.dataDir, 'uploads');
  fs.mkdirSync(tmpDir, { recursive: true });
  const validator = opts.inline ? inlineValidator : validationPool(config.VALIDATION_THREADS ?? defaultValidationThreads());
  const sweep = () => void sweepStaleUploads(tmpDir).catch((err) => logger.warn({ err }, 'upload sweep failed'));
  sweep();
  const timer = setInterval(sweep, SWEEP_EVERY_MS);
  timer.unref();
  return {
    tmpDir,
    validator,
    limits: uploadLimits(config),
    inFlight: new Map(),
    async close() {
      clearInterval(timer);
      await validator.close();
    },
  };
}

/** Removes temporary uploads not written to for STALE_UPLOAD_MS (left by a crash or a lost request); returns how many. */
export async function sweepStaleUploads(dir: string, now = Date.now()): Promise<number> {
  let removed = 0;
  for (const entry of await fs.promises.readdir(dir, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(dir, entry.name);
    const st = await fs.promises.stat(file).catch(() => null);
    if (st && now - st.mtimeMs > STALE_UPLOAD_MS) {
      await fs.promises.rm(file, { force: true });
      removed++;
    }
  }
  return removed;
}
