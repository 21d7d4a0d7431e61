/** The organizer console's queries: a challenge's activity per day, its participants and its jobs. */
import { sql } from 'kysely';
import type { Db, DbDialect } from '../db/index.js';
import type { JobStatus } from '../db/schema.js';

const UTC_DAY = sql<string>`substr(created_at, 1, 10)`;

/** The console's list: the challenges a user organizes ('all' for admins), newest first. */
export async function consoleChallenges(db: Db, ids: number[] | 'all') {
  let q = db.selectFrom('challenges').select(['id', 'slug', 'title', 'state', 'opens_at', 'closes_at']).orderBy('created_at', 'desc');
  if (ids !== 'all') q = q.where('id', 'in', ids.length ? ids : [-1]);
  return q.execute();
}

/** Participants' submissions (not the Baseline's) per UTC day that has any. */
export async function submissionsPerDay(db: Db, challengeId: number): Promise<Array<{ day: string; count: number }>> {
  const rows = await db
    .selectFrom('submissions')
    .select((eb) => [UTC_DAY.as('day'), eb.fn.countAll<number>().as('count')])
    .where('challenge_id', '=', challengeId)
    .where('is_baseline', '=', 0)
    .groupBy(UTC_DAY)
    .execute();
  return rows.map((r) => ({ day: r.day, count: Number(r.count) }));
}

/** The UTC day of each participant's first submission (the Baseline is no participant). */
export async function entrantFirstDays(db: Db, challengeId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('submissions')
    .select((eb) => ['user_id', eb.fn.min('created_at').as('first')])
    .where('challenge_id', '=', challengeId)
    .where('is_baseline', '=', 0)
    .groupBy('user_id')
    .execute();
  return rows.map((r) => String(r.first).slice(0, 10));
}

export interface SubmissionCounts {
  submissions: number;
  scored: number;
  failed: number;
  /** Queued or being scored. */
  waiting: number;
  /** Distinct submitters. */
  entrants: number;
}

/** A challenge's submissions by status, the participants' apart from the Baseline's. */
export async function submissionCounts(db: Db, challengeId: number): Promise<{ participants: SubmissionCounts; baseline: SubmissionCounts }> {
  const rows = await db
    .selectFrom('submissions')
    .select((eb) => [
      'is_baseline',
      eb.fn.countAll<number>().as('submissions'),
      eb.fn.count<number>('user_id').distinct().as('entrants'),
      eb.fn.sum<number>(eb.case().when('status', '=', 'scored').then(1).else(0).end()).as('scored'),
      eb.fn.sum<number>(eb.case().when('status', '=', 'failed').then(1).else(0).end()).as('failed'),
      eb.fn.sum<number>(eb.case().when('status', 'in', ['queued', 'scoring']).then(1).else(0).end()).as('waiting'),
    ])
    .where('challenge_id', '=', challengeId)
    .groupBy('is_baseline')
    .execute();
  const of = (baseline: number): SubmissionCounts => {
    const r = rows.find((x) => Number(x.is_baseline) === baseline);
    return { submissions: Number(r?.submissions ?? 0), scored: Number(r?.scored ?? 0), failed: Number(r?.failed ?? 0), waiting: Number(r?.waiting ?? 0), entrants: Number(r?.entrants ?? 0) };
  };
  return { participants: of(0), baseline: of(1) };
}

export async function teamCount(db: Db, challengeId: number): Promise<number> {
  const t = await db.selectFrom('teams').select((eb) => eb.fn.countAll<number>().as('n')).where('challenge_id', '=', challengeId).executeTakeFirstOrThrow();
  return Number(t.n);
}

/** Which jobs belong to a challenge: a job kind, the id its payload names, and the table that id points into. */
export interface JobSource {
  kind: string;
  payloadField: string;
  table: 'submissions' | 'rescore_runs' | 'crowd_workflows';
}

/** The challenge's jobs (of the given sources) per status, and when the oldest queued one was queued. */
export async function jobCounts(db: Db, dialect: DbDialect, challengeId: number, sources: JobSource[]): Promise<{ counts: Partial<Record<JobStatus, number>>; oldestQueuedAt: string | null }> {
  // Payloads are JSON text; reading a field out of them is the one thing the two databases spell differently.
  const field = (name: string) => (dialect === 'postgres' ? sql`CAST(CAST(j.payload_json AS json) ->> ${name} AS INTEGER)` : sql`CAST(json_extract(j.payload_json, ${`$.${name}`}) AS INTEGER)`);
  const belongs = sources.map((s) => sql`(j.kind = ${s.kind} AND ${field(s.payloadField)} IN (SELECT id FROM ${sql.table(s.table)} WHERE challenge_id = ${challengeId}))`);
  if (!belongs.length) return { counts: {}, oldestQueuedAt: null };
  const { rows } = await sql<{ status: JobStatus; n: number; oldest: string | null }>`
    SELECT j.status, COUNT(*) AS n, MIN(CASE WHEN j.status = 'queued' THEN j.created_at END) AS oldest
    FROM jobs j WHERE ${sql.join(belongs, sql` OR `)}
    GROUP BY j.status`.execute(db);
  const counts: Partial<Record<JobStatus, number>> = {};
  for (const r of rows) counts[r.status] = Number(r.n);
  return { counts, oldestQueuedAt: rows.find((r) => r.oldest)?.oldest ?? null };
}

/** Signed-in volunteers who joined a crowd workflow. */
export async function volunteerCount(db: Db, workflowId: number): Promise<number> {
  const r = await db.selectFrom('crowd_volunteers').select((eb) => eb.fn.countAll<number>().as('n')).where('workflow_id', '=', workflowId).executeTakeFirstOrThrow();
  return Number(r.n);
}
