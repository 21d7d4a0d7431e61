import type { Insertable, Selectable, Transaction } from 'kysely';
import type { Db } from '../db/index.js';
import type { Database } from '../db/schema.js';
import type { ComputeHostsTable, ComputeResultsTable, ComputeSearchesTable, ComputeUnitsTable } from '../db/tables/compute.js';

export type SearchRow = Selectable<ComputeSearchesTable>;
export type UnitRow = Selectable<ComputeUnitsTable>;
export type ResultRow = Selectable<ComputeResultsTable>;
export type HostRow = Selectable<ComputeHostsTable>;
type Tx = Transaction<Database> | Db;

export async function insertSearch(db: Db, search: Insertable<ComputeSearchesTable>, units: Array<Omit<Insertable<ComputeUnitsTable>, 'search_id'>>): Promise<SearchRow> {
  return db.transaction().execute(async (tx) => {
    const row = await tx.insertInto('compute_searches').values(search).returningAll().executeTakeFirstOrThrow();
    // A few hundred rows per statement stays under both databases' bound-parameter limits.
    for (let i = 0; i < units.length; i += 200) {
      await tx
        .insertInto('compute_units')
        .values(units.slice(i, i + 200).map((u) => ({ ...u, search_id: row.id })))
        .execute();
    }
    return row;
  });
}

export const runningSearch = (db: Db, challengeId: number) =>
  db.selectFrom('compute_searches').selectAll().where('challenge_id', '=', challengeId).where('state', '=', 'running').orderBy('id', 'desc').executeTakeFirst();

export const searchesOf = (db: Db, challengeId: number) => db.selectFrom('compute_searches').selectAll().where('challenge_id', '=', challengeId).orderBy('id', 'desc').execute();

export const findSearch = (db: Db, challengeId: number, id: number) =>
  db.selectFrom('compute_searches').selectAll().where('challenge_id', '=', challengeId).where('id', '=', id).executeTakeFirst();

export const unitsOf = (db: Db, searchId: number) => db.selectFrom('compute_units').selectAll().where('search_id', '=', searchId).orderBy('id').execute();

/** A host by the key its client keeps, created on first sight and refreshed (platform, backend) after. */
export async function upsertHost(db: Db, userId: number, key: string, platform: string, backend: string, now: string): Promise<HostRow> {
  return db
    .insertInto('compute_hosts')
    .values({ user_id: userId, host_key: key, platform, backend, created_at: now, last_seen_at: now })
    .onConflict((oc) => oc.columns(['user_id', 'host_key']).doUpdateSet({ platform, backend, last_seen_at: now }))
    .returningAll()
    .executeTakeFirstOrThrow();
}

export const hostsOf = (db: Db, userId: number) => db.selectFrom('compute_hosts').selectAll().where('user_id', '=', userId).orderBy('id').execute();

export async function inProgressOnHost(db: Db, hostId: number): Promise<number> {
  const row = await db.selectFrom('compute_results').select((eb) => eb.fn.countAll<number>().as('n')).where('host_id', '=', hostId).where('state', '=', 'in_progress').executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Marks replicas past their deadline as timed out and frees their places on the unit, so it goes to
 * someone else; a timeout counts as an error of its host. Each replica changes state once, by a
 * conditional UPDATE, so concurrent sweeps never free one place twice. Locks are taken in the order
 * every writer here uses (unit, then its results, then hosts), so a sweep and a report never deadlock.
 */
export async function expireOverdue(db: Db, now: string, pg: boolean): Promise<number> {
  const overdue = await db.selectFrom('compute_results').select(['id', 'unit_id']).where('state', '=', 'in_progress').where('deadline_at', '<', now).orderBy('id').limit(500).execute();
  let expired = 0;
  for (const r of overdue) {
    await db.transaction().execute(async (tx) => {
      const unit = await lockUnit(tx, r.unit_id, pg);
      const row = await tx.updateTable('compute_results').set({ state: 'timed_out' }).where('id', '=', r.id).where('state', '=', 'in_progress').returning('host_id').executeTakeFirst();
      if (!row) return;
      expired++;
      await tx.updateTable('compute_units').set(freePlace(unit)).where('id', '=', r.unit_id).execute();
      await finishSearchIfDone(tx, unit.search_id);
      await countOnHost(tx, row.host_id, { error: 1 });
    });
  }
  return expired;
}

/** A replica gives its place back; a unit sent its most times with nothing left out and no canonical result is given up. */
export const freePlace = (unit: UnitRow) => ({
  active_results: unit.active_results - 1,
  ...(unit.state === 'open' && unit.issued_results >= unit.max_results && unit.active_results - 1 === 0 ? { state: 'failed' as const } : {}),
});

/**
 * Units this volunteer could be sent: open, in a running search, with a free place, and none of
 * whose replicas they ever held. Units already out with someone come first, so quorums complete
 * before new units start (as BOINC's feeder prefers).
 */
export function candidateUnits(db: Db, userId: number, challengeId: number | null, limit: number) {
  return db
    .selectFrom('compute_units as u')
    .innerJoin('compute_searches as s', 's.id', 'u.search_id')
    .innerJoin('challenges as c', 'c.id', 's.challenge_id')
    .select(['u.id'])
    .where('s.state', '=', 'running')
    // A draft's data is served to its organizers only, so its units wait until it is published.
    .where('c.state', '!=', 'draft')
    .$if(challengeId !== null, (q) => q.where('s.challenge_id', '=', challengeId!))
    .where('u.state', '=', 'open')
    .whereRef('u.active_results', '<', 'u.wanted_results')
    .whereRef('u.issued_results', '<', 'u.max_results')
    .where((eb) => eb.not(eb.exists(eb.selectFrom('compute_results as r').select('r.id').whereRef('r.unit_id', '=', 'u.id').where('r.user_id', '=', userId))))
    .orderBy('u.active_results', 'desc')
    .orderBy('u.id')
    .limit(limit)
    .execute();
}

/**
 * Takes a place on the unit and records the replica, in one transaction: the conditional UPDATE
 * lets only as many claims through as the unit has free places (PostgreSQL re-checks the condition
 * after a concurrent claim commits; SQLite runs write transactions one at a time), and the unique
 * (unit, user) key turns a second replica for the same volunteer into no row. Null when either lost.
 */
export async function claimUnit(db: Db, unitId: number, userId: number, hostId: number, now: string, deadline: string): Promise<ResultRow | null> {
  return db.transaction().execute(async (tx) => {
    const took = await tx
      .updateTable('compute_units')
      .set((eb) => ({ active_results: eb('active_results', '+', 1), issued_results: eb('issued_results', '+', 1) }))
      .where('id', '=', unitId)
      .where('state', '=', 'open')
      .whereRef('active_results', '<', 'wanted_results')
      .whereRef('issued_results', '<', 'max_results')
      .executeTakeFirst();
    if (Number(took.numUpdatedRows) !== 1) return null;
    const result = await tx
      .insertInto('compute_results')
      .values({ unit_id: unitId, user_id: userId, host_id: hostId, state: 'in_progress', sent_at: now, deadline_at: deadline })
      .onConflict((oc) => oc.columns(['unit_id', 'user_id']).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!result) {
      await tx
        .updateTable('compute_units')
        .set((eb) => ({ active_results: eb('active_results', '-', 1), issued_results: eb('issued_results', '-', 1) }))
        .where('id', '=', unitId)
        .execute();
      return null;
    }
    return result;
  });
}

export const findUnit = (db: Db, id: number) => db.selectFrom('compute_units').selectAll().where('id', '=', id).executeTakeFirst();

/** The unit row, locked on PostgreSQL until the transaction ends (SQLite's write transaction already excludes others). */
export const lockUnit = (tx: Tx, id: number, pg: boolean) => tx.selectFrom('compute_units').selectAll().where('id', '=', id).$if(pg, (q) => q.forUpdate()).executeTakeFirstOrThrow();

export const findResult = (tx: Tx, id: number) => tx.selectFrom('compute_results').selectAll().where('id', '=', id).executeTakeFirst();

export const reportedResults = (tx: Tx, unitId: number) =>
  tx.selectFrom('compute_results').selectAll().where('unit_id', '=', unitId).where('state', 'in', ['pending_validation', 'valid']).orderBy('reported_at').orderBy('id').execute();

/** Adds to a host's counters. */
export async function countOnHost(tx: Tx, hostId: number, add: { valid?: number; invalid?: number; error?: number; credit?: number }): Promise<void> {
  await tx
    .updateTable('compute_hosts')
    .set((eb) => ({
      results: eb('results', '+', (add.valid ?? 0) + (add.invalid ?? 0) + (add.error ?? 0)),
      valid_results: eb('valid_results', '+', add.valid ?? 0),
      invalid_results: eb('invalid_results', '+', add.invalid ?? 0),
      error_results: eb('error_results', '+', add.error ?? 0),
      credit: eb('credit', '+', add.credit ?? 0),
    }))
    .where('id', '=', hostId)
    .execute();
}

/** The volunteer's credit row, created empty when missing and locked on PostgreSQL, so two grants never overwrite each other. */
export async function lockCredit(tx: Tx, userId: number, pg: boolean) {
  await tx.insertInto('compute_credit').values({ user_id: userId, total: 0, rac: 0, rac_at: null }).onConflict((oc) => oc.column('user_id').doNothing()).execute();
  return tx.selectFrom('compute_credit').selectAll().where('user_id', '=', userId).$if(pg, (q) => q.forUpdate()).executeTakeFirstOrThrow();
}

export const creditOf = (db: Db, userId: number) => db.selectFrom('compute_credit').selectAll().where('user_id', '=', userId).executeTakeFirst();

export function resultsOfUser(db: Db, userId: number, limit: number) {
  return db
    .selectFrom('compute_results as r')
    .innerJoin('compute_units as u', 'u.id', 'r.unit_id')
    .innerJoin('compute_searches as s', 's.id', 'u.search_id')
    .innerJoin('challenges as c', 'c.id', 's.challenge_id')
    .select(['r.id', 'r.unit_id', 'r.host_id', 'r.state', 'r.sent_at', 'r.deadline_at', 'r.reported_at', 'r.metric', 'r.credit', 'u.search_id', 'u.configuration', 'u.fold', 'u.estimated_flops', 'c.slug'])
    .where('r.user_id', '=', userId)
    .orderBy('r.id', 'desc')
    .limit(limit)
    .execute();
}

/** Volunteers with valid results in a search, by credit earned there. */
export function contributorsOf(db: Db, searchId: number) {
  return db
    .selectFrom('compute_results as r')
    .innerJoin('compute_units as u', 'u.id', 'r.unit_id')
    .innerJoin('users as us', 'us.id', 'r.user_id')
    .select((eb) => ['us.name', eb.fn.countAll<number>().as('valid_results'), eb.fn.sum<number>('r.credit').as('credit')])
    .where('u.search_id', '=', searchId)
    .where('r.state', '=', 'valid')
    .groupBy(['r.user_id', 'us.name'])
    .orderBy('credit', 'desc')
    .execute();
}

export async function finishSearchIfDone(tx: Tx, searchId: number): Promise<void> {
  const open = await tx.selectFrom('compute_units').select('id').where('search_id', '=', searchId).where('state', '=', 'open').limit(1).executeTakeFirst();
  if (!open) await tx.updateTable('compute_searches').set({ state: 'done' }).where('id', '=', searchId).where('state', '=', 'running').execute();
}

/** Stored predictions of these results, by result id. */
export async function predictionsOf(db: Db, resultIds: number[]): Promise<Map<number, string>> {
  if (!resultIds.length) return new Map();
  const rows = await db.selectFrom('compute_results').select(['id', 'predictions_b64']).where('id', 'in', resultIds).execute();
  return new Map(rows.map((r) => [r.id, r.predictions_b64 ?? '']));
}
