/** Batch consensus over all votes (a job) and organizer exports; the comparison page's figures are in compare.ts. */
import type { Db, DbHandle } from '../db/index.js';
import { nowIso } from '../db/index.js';
import type { JobHandler } from '../jobs/runner.js';
import { logger } from '../log.js';
import type { Insertable } from 'kysely';
import type { CrowdConsensusTable } from '../db/tables/crowd.js';
import { aggregators, swapPriorStrength, votesPerSubject } from './aggregators/index.js';
import { loadCrowdConfig } from './config.js';
import type { VoteSet } from './aggregators/types.js';
import { workflowById, type Workflow } from './repo.js';
import { LIVE_AGGREGATOR } from './compare.js';
import { csvLine } from '../csv.js';

export const CROWD_CONSENSUS_JOB = 'crowd-consensus';

/**
 * Weighted votes of signed-in volunteers only (anonymous votes, fast ones not restored and those of
 * volunteers held for review carry no weight), gold subjects included
 * with their known class so gold-aware methods can learn from them.
 */
export async function loadVoteSet(db: Db, wf: Workflow): Promise<{ votes: VoteSet; subjectIds: number[]; counts: Int32Array }> {
  const subjects = await db.selectFrom('crowd_subjects').select(['id', 'gold_class', 'is_gold']).where('workflow_id', '=', wf.id).orderBy('id').execute();
  const index = new Map<number, number>();
  const gold = new Int32Array(subjects.length).fill(-1);
  subjects.forEach((s, i) => {
    index.set(s.id, i);
    if (s.is_gold && s.gold_class !== null) gold[i] = s.gold_class;
  });
  const rows = await db.selectFrom('crowd_votes').select(['subject_id', 'user_id', 'answer']).where('workflow_id', '=', wf.id).where('user_id', 'is not', null).where('weight', '>', 0).orderBy('id').execute();
  const vol = new Map<number, number>();
  const n = rows.length;
  const subject = new Int32Array(n), volunteer = new Int32Array(n), answer = new Int32Array(n);
  rows.forEach((r, i) => {
    let v = vol.get(r.user_id!);
    if (v === undefined) vol.set(r.user_id!, (v = vol.size));
    subject[i] = index.get(r.subject_id)!;
    volunteer[i] = v;
    answer[i] = r.answer;
  });
  const votes: VoteSet = { nSubjects: subjects.length, nVolunteers: vol.size, k: wf.classes.length, subject, volunteer, answer, gold };
  return { votes, subjectIds: subjects.map((s) => s.id), counts: votesPerSubject(votes) };
}

/**
 * The prior strength (pseudo-votes per confusion row) an aggregator's consensus is computed with:
 * Dawid–Skene's setting, online SWAP's fixed default, none for the others.
 */
export function priorStrengthOf(aggregator: string, k: number, priorStrength: number): number | null {
  if (aggregator === 'dawid_skene') return priorStrength;
  if (aggregator === 'online_swap' || aggregator === LIVE_AGGREGATOR) return swapPriorStrength(k);
  return null;
}

/**
 * Runs every aggregator over the workflow's votes and stores one consensus row per subject and
 * aggregator, with the prior strength it used.
 */
export async function runConsensus(handle: DbHandle, workflowId: number, priorStrength = loadCrowdConfig().CROWD_PRIOR_STRENGTH): Promise<Record<string, { ms: number; iterations?: number }>> {
  const wf = await workflowById(handle.db, workflowId);
  if (!wf) throw new Error(`no crowd workflow ${workflowId}`);
  const { votes, subjectIds, counts } = await loadVoteSet(handle.db, wf);
  const k = wf.classes.length;
  const now = nowIso();
  const summary: Record<string, { ms: number; iterations?: number }> = {};
  const rows: Array<Insertable<CrowdConsensusTable>> = [];
  for (const agg of Object.values(aggregators)) {
    const t0 = performance.now();
    const c = agg.aggregate(votes, { priorStrength });
    const strength = priorStrengthOf(agg.name, k, priorStrength);
    summary[agg.name] = { ms: performance.now() - t0, iterations: c.iterations };
    for (let s = 0; s < votes.nSubjects; s++) {
      if (c.label[s] < 0) continue;
      rows.push({
        workflow_id: wf.id,
        subject_id: subjectIds[s],
        aggregator: agg.name,
        label: c.label[s],
        confidence: c.confidence[s],
        posterior_json: JSON.stringify(Array.from(c.posterior.subarray(s * k, s * k + k)).map((p) => Math.round(p * 1e6) / 1e6)),
        n_votes: counts[s],
        prior_strength: strength,
        computed_at: now,
      });
    }
  }
  await handle.db.transaction().execute(async (tx) => {
    await tx.deleteFrom('crowd_consensus').where('workflow_id', '=', wf.id).execute();
    for (let i = 0; i < rows.length; i += 500) await tx.insertInto('crowd_consensus').values(rows.slice(i, i + 500)).execute();
  });
  return summary;
}

export function crowdConsensusHandler(handle: DbHandle): JobHandler {
  return {
    async run(payload: { workflowId: number }) {
      const summary = await runConsensus(handle, payload.workflowId);
      logger.info({ workflow: payload.workflowId, summary }, 'crowd consensus computed');
    },
    async giveUp(payload: { workflowId: number }, reason: string) {
      logger.error({ workflow: payload.workflowId, reason }, 'crowd consensus gave up');
    },
  };
}

/** A CSV export read in id order a thousand rows at a time (keyset pages), each page one chunk. */
async function* pagedCsv<R extends { id: number }>(header: string[], page: (after: number, limit: number) => Promise<R[]>, cells: (r: R) => unknown[]): AsyncGenerator<string> {
  yield csvLine(header);
  for (let after = 0; ; ) {
    const rows = await page(after, 1000);
    if (!rows.length) return;
    yield rows.map((r) => csvLine(cells(r))).join('');
    after = rows[rows.length - 1].id;
  }
}

/**
 * One row per vote, in the Zooniverse classification-export spirit. info_bits is what the vote added
 * to its subject's posterior; credit_bits the credit its volunteer was shown; routed is 1 when entropy
 * routing chose the subject, 0 when the retirement rule did (keep routed = 0 for a sample of subjects
 * chosen without looking at the baseline).
 */
export function classificationsCsv(db: Db, wf: Workflow): AsyncGenerator<string> {
  return pagedCsv(
    ['classification_id', 'user_id', 'user_name', 'simulated', 'anonymous_id', 'subject_id', 'subject_name', 'answer', 'gold', 'gold_class', 'correct', 'counted', 'flagged_fast', 'weight', 'time_on_page_ms', 'served_at', 'created_at', 'info_bits', 'credit_bits', 'routed', 'ip_hash'],
    (after, limit) =>
      db
        .selectFrom('crowd_votes as v')
        .innerJoin('crowd_subjects as s', 's.id', 'v.subject_id')
        .leftJoin('users as u', 'u.id', 'v.user_id')
        .select(['v.id', 'v.user_id', 'u.name as user_name', 'u.simulated', 'v.anon_id', 'v.subject_id', 's.external_id', 'v.answer', 'v.is_gold', 's.gold_class', 'v.correct', 'v.counted', 'v.flagged', 'v.weight', 'v.time_ms', 'v.served_at', 'v.created_at', 'v.info_bits', 'v.credit_bits', 'v.routed', 'v.ip_hash'])
        .where('v.workflow_id', '=', wf.id)
        .where('v.id', '>', after)
        .orderBy('v.id')
        .limit(limit)
        .execute(),
    (r) => [r.id, r.user_id, r.user_name, r.simulated === null ? 0 : 1, r.anon_id, r.subject_id, r.external_id, wf.classes[r.answer], r.is_gold, r.is_gold && r.gold_class !== null ? wf.classes[r.gold_class] : '', r.correct, r.counted, r.flagged, r.weight, r.time_ms, r.served_at, r.created_at, r.info_bits.toFixed(6), r.credit_bits.toFixed(6), r.routed, r.ip_hash],
  );
}

/** Talk comments as written (markdown), one row each, for reading alongside the classifications. */
export function commentsCsv(db: Db, wf: Workflow): AsyncGenerator<string> {
  return pagedCsv(
    ['comment_id', 'subject_id', 'subject_name', 'user_id', 'user_name', 'comment', 'created_at'],
    (after, limit) =>
      db
        .selectFrom('crowd_comments as c')
        .innerJoin('crowd_subjects as s', 's.id', 'c.subject_id')
        .innerJoin('users as u', 'u.id', 'c.user_id')
        .select(['c.id', 'c.subject_id', 's.external_id', 'c.user_id', 'u.name', 'c.body_md', 'c.created_at'])
        .where('s.workflow_id', '=', wf.id)
        .where('c.id', '>', after)
        .orderBy('c.id')
        .limit(limit)
        .execute(),
    (r) => [r.id, r.subject_id, r.external_id, r.user_id, r.name, r.body_md, r.created_at],
  );
}

/** What a consensus export shows for a consensus from fewer votes than the minimum, instead of its class. */
export const TOO_FEW_VOTES = 'too few votes';

/**
 * Consensus per live subject and aggregator (the batch ones from the last job, and the live
 * posterior). A consensus from fewer than `minVotes` votes reads "too few votes" instead of a class,
 * with no confidence or probabilities, and is marked in the too_few_votes column.
 */
export async function* consensusCsv(db: Db, wf: Workflow, minVotes = loadCrowdConfig().CROWD_MIN_CONSENSUS_VOTES): AsyncGenerator<string> {
  yield csvLine(['subject_id', 'subject_name', 'aggregator', 'label', 'confidence', 'votes', 'too_few_votes', 'retired', ...wf.classes.map((c) => `p_${c}`), 'prior_strength', 'computed_at']);
  const subjects = await db.selectFrom('crowd_subjects').select(['id', 'external_id', 'vote_count', 'posterior_json', 'consensus_class', 'consensus_confidence', 'retired_at']).where('workflow_id', '=', wf.id).where('is_gold', '=', 0).orderBy('id').execute();
  const batch = await db.selectFrom('crowd_consensus').selectAll().where('workflow_id', '=', wf.id).orderBy('subject_id').orderBy('aggregator').execute();
  const bySubject = new Map<number, typeof batch>();
  for (const b of batch) {
    const list = bySubject.get(b.subject_id) ?? [];
    list.push(b);
    bySubject.set(b.subject_id, list);
  }
  const k = wf.classes.length;
  const liveStrength = priorStrengthOf(LIVE_AGGREGATOR, k, 0);
  const line = (s: { id: number; external_id: string; retired_at: string | null }, aggregator: string, label: number, confidence: number | null, votes: number, posteriorJson: string, strength: number | null, computedAt: string) => {
    const tooFew = votes < minVotes;
    const shown = tooFew ? [TOO_FEW_VOTES, '', votes, 1] : [wf.classes[label], confidence?.toFixed(6), votes, 0];
    const probabilities = tooFew ? new Array<string>(k).fill('') : (JSON.parse(posteriorJson) as number[]).map((p) => p.toFixed(6));
    return csvLine([s.id, s.external_id, aggregator, ...shown, s.retired_at ? 1 : 0, ...probabilities, strength, computedAt]);
  };
  let chunk = '';
  for (const s of subjects) {
    if (s.vote_count > 0 && s.consensus_class !== null) chunk += line(s, LIVE_AGGREGATOR, s.consensus_class, s.consensus_confidence, s.vote_count, s.posterior_json, liveStrength, '');
    for (const b of bySubject.get(s.id) ?? []) chunk += line(s, b.aggregator, b.label, b.confidence, b.n_votes, b.posterior_json, b.prior_strength, b.computed_at);
    if (chunk.length > 64_000) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}
