import type { Generated } from 'kysely';
import type { IsoTime } from '../schema.js';

/** One rejected upload (invalid or too large file), for the per-user hourly limit. */
export interface UploadRejectionsTable {
  id: Generated<number>;
  user_id: number;
  created_at: IsoTime;
}

/** The submission an Idempotency-Key produced; (user_id, key) is the primary key. */
export interface IdempotencyKeysTable {
  user_id: number;
  key: string;
  /** Null only inside the transaction that creates the submission. */
  submission_id: number | null;
  /** sha256 of the file sent with the key: the same key with another file is refused. */
  sha256: string;
  created_at: IsoTime;
}

/** Table types of the upload guards (issue 9, migration 0007). */
export interface UploadTables {
  upload_rejections: UploadRejectionsTable;
  idempotency_keys: IdempotencyKeysTable;
}
