import type { Transaction } from 'kysely';
import type { Db, DbHandle } from '../db/index.js';
import type { Database } from '../db/schema.js';
import { nowIso } from '../db/index.js';
import type { Challenge } from '../challenges/repo.js';
import type { LocalChallenge } from '../challenges/service.js';
import { UserError } from '../web/errors.js';
import { addCredit, creditForFlops, racAt, storedAverage } from './credit.js';
import { compareResults, validateUnit } from './validator.js';
import { configurations, estimateFlops } from './search-space.js';
import { trainingData } from './training-data.js';
import { decodePredictions } from './out-of-fold.js';
import * as repo from './repo.js';

/** BOINC's initial replication and minimum quorum: two results from two different volunteers. */
export const INITIAL_REPLICATION = 2;
export const MIN_QUORUM = 2;
/** Replicas a unit may be sent as in all, errors and disagreements included, before it is given up. */
export const MAX_RESULTS = 6;
/** Units a host with a clean record may hold at once. */
export const HOST_IN_PROGRESS_LIMIT = 4;
/** Finished results before a host's error and invalid rate counts. */
const HOST_RECORD_MIN_RESULTS = 4;

/**
 * Units a host may hold at once: the limit scaled by the square of its share of good results, at
 * least one. A host with a quarter of its results invalid or in error holds 2 of 4; half, 1.
 */
export function hostInProgressLimit(h: Pick<repo.HostRow, 'results' | 'invalid_results' | 'error_results'>): number {
  if (h.results < HOST_RECORD_MIN_RESULTS) return HOST_IN_PROGRESS_LIMIT;
  const good = 1 - badRate(h);
  return Math.max(1, Math.floor(HOST_IN_PROGRESS_LIMIT * good * good));
}

const badRate = (h: Pick<repo.HostRow, 'results' | 'invalid_results' | 'error_results'>) => (h.results > 0 ? (h.invalid_results + h.error_results) / h.results : 0);

/** The organizer's "start search": configurations × folds units from baseline.yaml's `search:`. */
export async function startSearch(db: Db, c: LocalChallenge, userId: number, datasetsDir: string | undefined) {
  const data = trainingData(c, datasetsDir);
  if (!data.search) throw new UserError(409, 'no_search_space', `${c.slug}'s baseline.yaml has no search: section to generate units from.`);
  if (await repo.runningSearch(db, c.id)) throw new UserError(409, 'search_running', `A search of ${c.slug} is running already; it ends when all its units are validated.`);
  const configs = configurations(data.search, data.spec.model);
  const now = nowIso();
  const units = configs.flatMap((model, configuration) =>
    data.foldRows.map((validationRows, fold) => ({
      configuration,
      config_json: JSON.stringify(model),
      fold,
      validation_rows: validationRows,
      outputs: data.outputs,
      estimated_flops: estimateFlops(model, data.features.length, data.outputs, data.rows - validationRows, validationRows),
      state: 'open' as const,
      wanted_results: INITIAL_REPLICATION,
      quorum: MIN_QUORUM,
      max_results: MAX_RESULTS,
      created_at: now,
    })),
  );
  const search = await repo.insertSearch(
    db,
    { challenge_id: c.id, created_by: userId, state: 'running', space_json: JSON.stringify(data.search), folds: data.folds, delay_bound_seconds: data.search.delay_bound_seconds, created_at: now },
    units,
  );
  return { search, configurations: configs.length, units: units.length };
}

export interface HostInfo {
  key: string;
  platform: string;
  backend: string;
}

/** The scheduler: frees overdue replicas, then sends this volunteer's host one unit it may take, or says why not. */
export async function requestWork(handle: DbHandle, userId: number, hostInfo: HostInfo, challenge: Challenge | null, now = new Date()) {
  const nowText = now.toISOString();
  await repo.expireOverdue(handle.db, nowText, handle.dialect === 'postgres');
  const host = await repo.upsertHost(handle.db, userId, hostInfo.key, hostInfo.platform, hostInfo.backend, nowText);
  const limit = hostInProgressLimit(host);
  if ((await repo.inProgressOnHost(handle.db, host.id)) >= limit) {
    return { unit: null, host: hostView(host), reason: `This host holds ${limit} unit${limit === 1 ? '' : 's'} already, its limit; report them first.` };
  }
  // A few candidates: another volunteer may take a unit's last place between our read and our claim.
  for (let attempt = 0; attempt < 3; attempt++) {
    const candidates = await repo.candidateUnits(handle.db, userId, challenge?.id ?? null, 8);
    if (!candidates.length) break;
    for (const { id } of candidates) {
      const unit = await repo.findUnit(handle.db, id);
      if (!unit) continue;
      const search = await handle.db.selectFrom('compute_searches').select(['delay_bound_seconds', 'challenge_id']).where('id', '=', unit.search_id).executeTakeFirstOrThrow();
      const deadline = new Date(now.getTime() + search.delay_bound_seconds * 1000).toISOString();
      const result = await repo.claimUnit(handle.db, unit.id, userId, host.id, nowText, deadline);
      if (result) return { unit: await unitView(handle.db, unit, result), host: hostView(host), reason: null };
    }
  }
  return { unit: null, host: hostView(host), reason: 'No unit needs this volunteer now; ask again later.' };
}

async function unitView(db: Db, unit: repo.UnitRow, result: repo.ResultRow) {
  const c = await db
    .selectFrom('compute_searches as s')
    .innerJoin('challenges as c', 'c.id', 's.challenge_id')
    .select(['c.slug', 's.folds'])
    .where('s.id', '=', unit.search_id)
    .executeTakeFirstOrThrow();
  return {
    resultId: result.id,
    unitId: unit.id,
    searchId: unit.search_id,
    challenge: c.slug,
    dataUrl: `/challenges/${c.slug}/compute/data`,
    configuration: unit.configuration,
    model: JSON.parse(unit.config_json) as Record<string, unknown>,
    fold: unit.fold,
    folds: c.folds,
    validationRows: unit.validation_rows,
    outputs: unit.outputs,
    estimatedFlops: unit.estimated_flops,
    sentAt: result.sent_at,
    deadline: result.deadline_at,
  };
}

function hostView(h: repo.HostRow) {
  return {
    id: h.id,
    key: h.host_key,
    platform: h.platform,
    backend: h.backend,
    results: h.results,
    validResults: h.valid_results,
    invalidResults: h.invalid_results,
    errorResults: h.error_results,
    errorRate: h.results ? h.error_results / h.results : 0,
    invalidRate: h.results ? h.invalid_results / h.results : 0,
    inProgressLimit: hostInProgressLimit(h),
    credit: h.credit,
    lastSeenAt: h.last_seen_at,
  };
}

export type Report = { kind: 'result'; metric: number; predictions: Float32Array; weightsHash: string } | { kind: 'error'; error: string };

/** Checks a reported body against its replica before anything is written: the predictions must fill the fold. */
export async function checkReport(db: Db, userId: number, resultId: number, report: Report): Promise<void> {
  const result = await repo.findResult(db, resultId);
  if (!result || result.user_id !== userId) throw new UserError(404, 'not_found', `You hold no unit result ${resultId}.`);
  if (report.kind !== 'result') return;
  const unit = await repo.findUnit(db, result.unit_id);
  const want = unit!.validation_rows * unit!.outputs;
  if (report.predictions.length !== want) {
    throw new UserError(400, 'invalid_request', `Invalid body: predictions: must hold ${want} numbers (${unit!.validation_rows} rows of fold ${unit!.fold} × ${unit!.outputs}), not ${report.predictions.length}`, {
      issues: [{ in: 'body', field: 'predictions', message: `must hold ${want} numbers` }],
    });
  }
}

/**
 * A volunteer reports a replica. An error frees its place for someone else. A result waits for
 * validation; when the unit has a quorum, the validator picks the canonical result, the agreeing
 * ones are valid and earn the unit's credit (the same for each, as BOINC grants), the others are
 * invalid and earn none. Results that disagree with no quorum ask for one more replica. A result
 * arriving after the canonical one is judged against it.
 */
export async function reportResult(handle: DbHandle, userId: number, resultId: number, report: Report, now = new Date()) {
  await checkReport(handle.db, userId, resultId, report);
  const nowText = now.toISOString();
  const pg = handle.dialect === 'postgres';
  await handle.db.transaction().execute(async (tx) => {
    const first = (await repo.findResult(tx, resultId))!;
    const unit = await repo.lockUnit(tx, first.unit_id, pg);
    const result = (await repo.findResult(tx, resultId))!;
    if (result.state !== 'in_progress') {
      throw new UserError(409, result.state === 'timed_out' ? 'deadline_passed' : 'already_reported', result.state === 'timed_out' ? `Result ${resultId} passed its deadline (${result.deadline_at}); the unit went to someone else.` : `Result ${resultId} was reported already.`);
    }
    if (result.deadline_at < nowText) throw new UserError(409, 'deadline_passed', `Result ${resultId} passed its deadline (${result.deadline_at}); the unit goes to someone else.`);

    if (report.kind === 'error') {
      await tx.updateTable('compute_results').set({ state: 'error', reported_at: nowText, error: report.error }).where('id', '=', result.id).execute();
      await tx.updateTable('compute_units').set(repo.freePlace(unit)).where('id', '=', unit.id).execute();
      await repo.countOnHost(tx, result.host_id, { error: 1 });
      await repo.finishSearchIfDone(tx, unit.search_id);
      return;
    }
    await tx
      .updateTable('compute_results')
      .set({ state: 'pending_validation', reported_at: nowText, metric: report.metric, predictions_b64: Buffer.from(report.predictions.buffer, report.predictions.byteOffset, report.predictions.byteLength).toString('base64'), weights_hash: report.weightsHash })
      .where('id', '=', result.id)
      .execute();
    await validate(tx, unit, now, pg);
  });
  const after = (await repo.findResult(handle.db, resultId))!;
  return { resultId, state: after.state, credit: after.credit };
}

type Tx = Transaction<Database>;


async function validate(tx: Tx, unit: repo.UnitRow, now: Date, pg: boolean): Promise<void> {
  const reported = await repo.reportedResults(tx, unit.id);
  const results = reported.map((r) => ({ volunteerId: r.user_id, metric: r.metric!, predictions: decodePredictions(r.predictions_b64!) }));
  let verdicts: Array<'valid' | 'invalid' | 'pending'>;
  let canonicalIndex: number | null;
  const canonicalAt = reported.findIndex((r) => r.id === unit.canonical_result_id);
  if (canonicalAt >= 0) {
    // The unit is decided: a late result is judged against the canonical one alone, as BOINC does.
    canonicalIndex = canonicalAt;
    verdicts = reported.map((r, i) => (r.state === 'valid' || compareResults(results[canonicalAt], results[i]).agree ? 'valid' : 'invalid'));
  } else {
    const outcome = validateUnit(results, unit.quorum);
    canonicalIndex = outcome.canonical;
    verdicts = outcome.verdicts;
  }
  if (canonicalIndex === null) {
    const pending = reported.length;
    // Every replica out has come back and they disagree: ask for one more, up to the unit's limit.
    if (pending >= unit.wanted_results) {
      if (unit.issued_results < unit.max_results) await tx.updateTable('compute_units').set({ wanted_results: unit.wanted_results + 1 }).where('id', '=', unit.id).execute();
      else if (unit.active_results - pending === 0) {
        await tx.updateTable('compute_units').set({ state: 'failed' }).where('id', '=', unit.id).execute();
        await repo.finishSearchIfDone(tx, unit.search_id);
      }
    }
    return;
  }
  const credit = creditForFlops(unit.estimated_flops);
  let decided = 0;
  // Hosts and credit rows are locked in volunteer order, the same in every transaction, so grants never deadlock.
  const byVolunteer = reported.map((_, i) => i).sort((x, y) => reported[x].user_id - reported[y].user_id);
  for (const i of byVolunteer) {
    const r = reported[i];
    if (r.state !== 'pending_validation') continue;
    decided++;
    if (verdicts[i] === 'valid') {
      await tx.updateTable('compute_results').set({ state: 'valid', credit }).where('id', '=', r.id).execute();
      await repo.countOnHost(tx, r.host_id, { valid: 1, credit });
      const row = await repo.lockCredit(tx, r.user_id, pg);
      const avg = addCredit(storedAverage(row), credit, now.getTime(), Date.parse(r.sent_at));
      await tx
        .updateTable('compute_credit')
        .set({ total: row.total + credit, rac: avg.rac, rac_at: new Date(avg.racAt!).toISOString() })
        .where('user_id', '=', r.user_id)
        .execute();
    } else {
      await tx.updateTable('compute_results').set({ state: 'invalid', credit: 0 }).where('id', '=', r.id).execute();
      await repo.countOnHost(tx, r.host_id, { invalid: 1 });
    }
  }
  const canonical = reported[canonicalIndex];
  await tx
    .updateTable('compute_units')
    .set({ state: 'valid', canonical_result_id: canonical.id, canonical_metric: canonical.metric, validated_at: unit.validated_at ?? now.toISOString(), active_results: unit.active_results - decided })
    .where('id', '=', unit.id)
    .execute();
  await repo.finishSearchIfDone(tx, unit.search_id);
}

/** A volunteer's units, newest first, with their credit totals (the recent average decayed to now). */
export async function myUnits(db: Db, userId: number, now = Date.now()) {
  const rows = await repo.resultsOfUser(db, userId, 200);
  const credit = await repo.creditOf(db, userId);
  return {
    credit: { total: credit?.total ?? 0, rac: credit ? racAt(storedAverage(credit), now) : 0 },
    units: rows.map((r) => ({
      resultId: r.id,
      unitId: r.unit_id,
      challenge: r.slug,
      searchId: r.search_id,
      configuration: r.configuration,
      fold: r.fold,
      hostId: r.host_id,
      status: r.state,
      sentAt: r.sent_at,
      deadline: r.deadline_at,
      reportedAt: r.reported_at,
      credit: r.credit,
    })),
  };
}

export async function myHosts(db: Db, userId: number) {
  return { hosts: (await repo.hostsOf(db, userId)).map(hostView) };
}

export async function searchList(db: Db, c: Challenge) {
  return { searches: (await repo.searchesOf(db, c.id)).map((s) => ({ id: s.id, state: s.state, folds: s.folds, createdAt: s.created_at })) };
}
