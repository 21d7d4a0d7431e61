import { sql, type ExpressionBuilder, type Selectable, type Transaction } from 'kysely';
import type { Db } from '../db/index.js';
import type { Database, SubmissionsTable } from '../db/schema.js';
import { teamIdOf } from '../teams/repo.js';

export type SubmissionRow = Selectable<SubmissionsTable>;

/** Where-clause for an entrant's submissions: all of the team's when in a team, else the user's solo ones. */
export const ofEntrant = (userId: number, teamId: number | null) => (eb: ExpressionBuilder<Database, 'submissions'>) =>
  teamId !== null ? eb('team_id', '=', teamId) : eb.and([eb('user_id', '=', userId), eb('team_id', 'is', null)]);

export const utcDay = (d = new Date()): string => d.toISOString().slice(0, 10);

export async function quotaUsed(db: Db, challengeId: number, entrant: string, day: string): Promise<number> {
  const row = await db
    .selectFrom('submission_quota')
    .select('used')
    .where('challenge_id', '=', challengeId)
    .where('entrant', '=', entrant)
    .where('day', '=', day)
    .executeTakeFirst();
  return row?.used ?? 0;
}

/**
 * Takes one submission slot if fewer than `limit` are used today. A single upsert, so parallel
 * uploads cannot both take the last slot on either database. Returns the new count, or null when full.
 */
export async function takeQuotaSlot(tx: Transaction<Database>, challengeId: number, entrant: string, day: string, limit: number): Promise<number | null> {
  const row = await tx
    .insertInto('submission_quota')
    .values({ challenge_id: challengeId, entrant, day, used: 1 })
    .onConflict((oc) =>
      oc
        .columns(['challenge_id', 'entrant', 'day'])
        .doUpdateSet({ used: sql<number>`submission_quota.used + 1` })
        .where('submission_quota.used', '<', limit),
    )
    .returning('used')
    .executeTakeFirst();
  return row ? row.used : null;
}

export async function findSubmission(db: Db, id: number): Promise<SubmissionRow | undefined> {
  return db.selectFrom('submissions').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A user's submissions in a challenge: their team's (every member's) when they are in a team. */
/** Whether a user may see a submission: theirs, or their team's. */
export async function ownsSubmission(db: Db, s: SubmissionRow, userId: number): Promise<boolean> {
  if (s.user_id === userId && s.team_id === null) return true;
  const teamId = await teamIdOf(db, s.challenge_id, userId);
  return teamId !== null ? s.team_id === teamId : s.user_id === userId;
}

/** The submissions of a user's entrant: all of their team's when they are in one, else their own. */
export async function listEntrantSubmissions(db: Db, challengeId: number, userId: number, teamId: number | null): Promise<SubmissionRow[]> {
  return db
    .selectFrom('submissions')
    .selectAll()
    .where('challenge_id', '=', challengeId)
    .where(ofEntrant(userId, teamId))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

export async function recordRejection(db: Db, userId: number, at: string, forgetBefore: string): Promise<void> {
  await db.deleteFrom('upload_rejections').where('user_id', '=', userId).where('created_at', '<', forgetBefore).execute();
  await db.insertInto('upload_rejections').values({ user_id: userId, created_at: at }).execute();
}

/** Times of the user's newest rejected uploads since `since`, newest first, at most `limit`. */
export async function recentRejections(db: Db, userId: number, since: string, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('upload_rejections')
    .select('created_at')
    .where('user_id', '=', userId)
    .where('created_at', '>=', since)
    .orderBy('created_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => r.created_at);
}

export async function findIdempotencyKey(db: Db, userId: number, key: string, since: string) {
  return db.selectFrom('idempotency_keys').selectAll().where('user_id', '=', userId).where('key', '=', key).where('created_at', '>=', since).executeTakeFirst();
}

/**
 * Claims a key inside the transaction that creates its submission (expired keys of the user are dropped first).
 * False when the key is taken: on PostgreSQL a concurrent claim waits for the other transaction, then finds it.
 */
export async function claimIdempotencyKey(tx: Transaction<Database>, userId: number, key: string, sha256: string, at: string, expiredBefore: string): Promise<boolean> {
  // The user's expired keys go too (this one included), so the table holds at most a day of keys per user.
  await tx.deleteFrom('idempotency_keys').where('user_id', '=', userId).where('created_at', '<', expiredBefore).execute();
  const row = await tx
    .insertInto('idempotency_keys')
    .values({ user_id: userId, key, submission_id: null, sha256, created_at: at })
    .onConflict((oc) => oc.columns(['user_id', 'key']).doNothing())
    .returning('key')
    .executeTakeFirst();
  return row !== undefined;
}

export async function setIdempotencyKeySubmission(tx: Transaction<Database>, userId: number, key: string, submissionId: number): Promise<void> {
  await tx.updateTable('idempotency_keys').set({ submission_id: submissionId }).where('user_id', '=', userId).where('key', '=', key).execute();
}
