import type { Selectable } from 'kysely';
import { sql } from 'kysely';
import type { Db } from '../db/index.js';
import { reusableQuery } from '../db/compiled.js';
import type { ChallengesTable } from '../db/schema.js';
import type { SubmissionFormat } from './types.js';

export type ChallengeRow = Selectable<ChallengesTable>;

/** A challenge as the services use it: JSON columns decoded, booleans and dates typed. */
export interface Challenge extends Omit<ChallengeRow, 'higher_is_better' | 'format_json' | 'classes_json' | 'metric_options_json' | 'folder'> {
  /** The storage key under which its files live (challenges/<slug>): ask the storage for them. */
  folder_key: string;
  higherIsBetter: boolean;
  format: SubmissionFormat;
  classes: string[];
  metricOptions: Record<string, unknown>;
}

const RAW_COLUMNS = new Set<string>(['higher_is_better', 'format_json', 'classes_json', 'metric_options_json', 'folder']);

export function toChallenge(row: ChallengeRow): Challenge {
  // A loop, not object rest and spread: on the 30-column row those took 19 us against 4 (every request reads a challenge).
  const rest: Record<string, unknown> = {};
  for (const key in row) if (!RAW_COLUMNS.has(key)) rest[key] = row[key as keyof ChallengeRow];
  return Object.assign(rest as Omit<Challenge, 'folder_key' | 'higherIsBetter' | 'format' | 'classes' | 'metricOptions'>, {
    folder_key: row.folder,
    higherIsBetter: row.higher_is_better === 1,
    format: JSON.parse(row.format_json) as SubmissionFormat,
    classes: JSON.parse(row.classes_json) as string[],
    metricOptions: JSON.parse(row.metric_options_json) as Record<string, unknown>,
  });
}

export async function listChallenges(db: Db): Promise<Challenge[]> {
  const rows = await db.selectFrom('challenges').selectAll().where('state', '!=', 'draft').orderBy('opens_at', 'desc').execute();
  return rows.map(toChallenge);
}

// Every challenge page, board read and upload starts here (compiled once: src/db/compiled.ts).
const challengeBySlug = reusableQuery((db, _shape, slug: string) => db.selectFrom('challenges').selectAll().where('slug', '=', slug));
// Answered from the index on (slug, revision) alone.
const challengeRevisionBySlug = reusableQuery((db, _shape, slug: string) => db.selectFrom('challenges').select(['id', 'revision']).where('slug', '=', slug));

/** The challenges this process has decoded, per database handle, by slug: shared by every request, so frozen. */
const decodedBySlug = new WeakMap<Db, Map<string, Challenge>>();

/** Freezes decoded JSON all the way down (format.classes is an array inside an object). */
function frozenJson<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) frozenJson(inner);
    Object.freeze(value);
  }
  return value;
}

function frozen(c: Challenge): Challenge {
  frozenJson(c.format);
  frozenJson(c.classes);
  frozenJson(c.metricOptions);
  return Object.freeze(c);
}

/**
 * The challenge with this slug, decoded once per revision: the database bumps a row's revision on
 * every update (migration 0027), so a copy whose revision is current is the row as committed now,
 * whichever process changed it. The returned object is frozen; spread it to change a copy.
 */
export async function findChallengeBySlug(db: Db, slug: string): Promise<Challenge | undefined> {
  // A transaction may see its own uncommitted update, or roll it back: it reads afresh and keeps nothing.
  if (db.isTransaction) {
    const [row] = await challengeBySlug(db, '', slug);
    return row && toChallenge(row);
  }
  let decoded = decodedBySlug.get(db);
  if (!decoded) decodedBySlug.set(db, (decoded = new Map()));
  const known = decoded.get(slug);
  if (known) {
    const [current] = await challengeRevisionBySlug(db, '', slug);
    if (current && current.id === known.id && current.revision === known.revision) return known;
  }
  const [row] = await challengeBySlug(db, '', slug);
  if (!row) {
    decoded.delete(slug);
    return undefined;
  }
  const c = frozen(toChallenge(row));
  decoded.set(slug, c);
  return c;
}

export async function findChallengeById(db: Db, id: number): Promise<Challenge | undefined> {
  const row = await db.selectFrom('challenges').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toChallenge(row);
}

export async function slugExists(db: Db, slug: string): Promise<boolean> {
  return !!(await db.selectFrom('challenges').select('id').where('slug', '=', slug).executeTakeFirst());
}

/** Per challenge: its submissions and entrants (users, or teams, with at least one), the baseline left out. */
export async function submissionCounts(db: Db): Promise<Map<number, { submissions: number; entrants: number }>> {
  const rows = await db
    .selectFrom('submissions')
    .where('is_baseline', '=', 0)
    .groupBy('challenge_id')
    .select([
      'challenge_id',
      sql<number | string>`COUNT(*)`.as('submissions'),
      // An entrant as the leaderboards count one: a team, or a user outside any team.
      sql<number | string>`COUNT(DISTINCT CASE WHEN team_id IS NULL THEN 'u:' || CAST(user_id AS TEXT) ELSE 't:' || CAST(team_id AS TEXT) END)`.as('entrants'),
    ])
    .execute();
  return new Map(rows.map((r) => [r.challenge_id, { submissions: Number(r.submissions), entrants: Number(r.entrants) }]));
}

/** Ids of the challenges whose crowd workflow is live: volunteers can join them. */
export async function challengesWithLiveCrowd(db: Db): Promise<Set<number>> {
  const rows = await db.selectFrom('crowd_workflows').select('challenge_id').where('active', '=', 1).execute();
  return new Set(rows.map((r) => r.challenge_id));
}
