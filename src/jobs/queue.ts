import { sql, type Transaction } from 'kysely';
import type { Db, DbDialect } from '../db/index.js';
import { nowIso } from '../db/index.js';
import type { Database, JobsTable } from '../db/schema.js';
import type { Selectable } from 'kysely';

export type Job = Selectable<JobsTable>;

export async function enqueue(db: Db | Transaction<Database>, kind: string, payload: unknown, maxAttempts = 3): Promise<number> {
  const now = nowIso();
  const row = await db
    .insertInto('jobs')
    .values({ kind, payload_json: JSON.stringify(payload), status: 'queued', attempts: 0, max_attempts: maxAttempts, created_at: now, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * Claims the oldest runnable job: queued, or running with an expired lease (its worker died).
 * One UPDATE statement, so two workers never claim the same job; PostgreSQL skips rows another
 * worker is claiming instead of waiting for them.
 */
export async function claim(db: Db, dialect: DbDialect, owner: string, kinds: string[], leaseSeconds: number): Promise<Job | undefined> {
  const now = nowIso();
  const leaseUntil = new Date(Date.now() + leaseSeconds * 1000).toISOString();
  const lock = dialect === 'postgres' ? sql`FOR UPDATE SKIP LOCKED` : sql``;
  const result = await sql<Job>`
    UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_owner = ${owner},
      lease_expires_at = ${leaseUntil}, updated_at = ${now}
    WHERE id = (
      SELECT id FROM jobs
      WHERE kind IN (${sql.join(kinds)})
        AND (status = 'queued' OR (status = 'running' AND lease_expires_at < ${now}))
      ORDER BY id LIMIT 1 ${lock}
    )
    RETURNING *`.execute(db);
  return result.rows[0];
}

export async function complete(db: Db, job: Job): Promise<void> {
  await db
    .updateTable('jobs')
    .set({ status: 'done', lease_expires_at: null, updated_at: nowIso() })
    .where('id', '=', job.id)
    .where('lease_owner', '=', job.lease_owner)
    .execute();
}

/**
 * Heartbeat: pushes the lease forward while the job runs, so a long job (a re-score of
 * thousands of submissions) is not taken up by a second worker. False when the lease was
 * lost meanwhile (this worker stalled past it and another claimed the job).
 */
export async function extendLease(db: Db, job: Job, leaseSeconds: number): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set({ lease_expires_at: new Date(Date.now() + leaseSeconds * 1000).toISOString(), updated_at: nowIso() })
    .where('id', '=', job.id)
    .where('status', '=', 'running')
    .where('lease_owner', '=', job.lease_owner)
    .where('attempts', '=', job.attempts)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** A failed attempt goes back to the queue until max_attempts, then stays failed. A worker that lost its lease writes nothing. */
export async function fail(db: Db, job: Job, error: string): Promise<'retry' | 'failed' | 'lost'> {
  const final = job.attempts >= job.max_attempts;
  const result = await db
    .updateTable('jobs')
    .set({ status: final ? 'failed' : 'queued', last_error: error.slice(0, 2000), lease_expires_at: null, updated_at: nowIso() })
    .where('id', '=', job.id)
    .where('lease_owner', '=', job.lease_owner)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return 'lost';
  return final ? 'failed' : 'retry';
}
