/**
 * Bot votes: a vote's weight (0 for a too-fast vote until an organizer restores it, and for every vote
 * of a volunteer held for review), the hold itself, and replaying a subject's online posterior when
 * weights change. On PostgreSQL each transaction here locks the volunteer's row before any subject row,
 * and subjects in id order, as the vote path does, so two of them never wait on each other in a cycle.
 */
import type { Transaction } from 'kysely';
import type { Db, DbHandle } from '../db/index.js';
import { nowIso } from '../db/index.js';
import type { Database } from '../db/schema.js';
import { batchedTransaction } from '../db/write-batch.js';
import { UserError } from '../web/errors.js';
import { answerLikelihood, information, newConfusion, observeGold, uniformPrior, updatePosterior } from './aggregators/index.js';
import type { Workflow } from './repo.js';

type Tx = Transaction<Database>;

export interface FastRule {
  /** Hold a volunteer once more than this share of their votes (since their last release) was too fast… */
  fastShare: number;
  /** …out of at least this many votes. */
  fastMinVotes: number;
}

export const voteWeight = (v: { flagged: boolean; restored: boolean; held: boolean }): number => ((v.flagged && !v.restored) || v.held ? 0 : 1);

export const passesFastShare = (votes: number, fast: number, rule: FastRule): boolean => votes >= rule.fastMinVotes && fast / votes > rule.fastShare;

export const argmax = (p: ArrayLike<number>): number => {
  let b = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[b]) b = i;
  return b;
};

/** One counted vote on a live subject (SWAP, O(k²)): the new posterior, the information it added, the leading class, and whether the subject retires. */
export function onlineStep(wf: Workflow, before: Float64Array, confusion: Float64Array, answer: number, countedBefore: number) {
  const posterior = updatePosterior(before, answerLikelihood(confusion, wf.classes.length, answer));
  const bits = information(before, posterior);
  const best = argmax(posterior);
  const votes = countedBefore + 1;
  const retired = wf.retirement === 'fixed' ? votes >= wf.retireCount : votes >= wf.adaptiveMinVotes && posterior[best] >= wf.adaptiveThreshold;
  return { posterior, infoBits: Number.isFinite(bits) ? bits : 0, best, retired };
}

/**
 * Replays a live subject's online posterior from the prior over its weighted votes in the order they
 * came, each weighed by its volunteer's confusion matrix as it is now (the matrices of the time are
 * not kept), stopping at retirement as the vote path does; stores the posterior, the counted votes and
 * each vote's counted flag and information.
 */
export async function replaySubject(tx: Tx, wf: Workflow, subjectId: number, pg: boolean): Promise<void> {
  const subject = await tx.selectFrom('crowd_subjects').select(['id', 'is_gold']).where('id', '=', subjectId).where('workflow_id', '=', wf.id).$if(pg, (q) => q.forNoKeyUpdate()).executeTakeFirst();
  if (!subject || subject.is_gold) return;
  const votes = await tx
    .selectFrom('crowd_votes as v')
    .leftJoin('crowd_volunteers as vol', (join) => join.onRef('vol.workflow_id', '=', 'v.workflow_id').onRef('vol.user_id', '=', 'v.user_id'))
    .select(['v.id', 'v.answer', 'v.weight', 'v.counted', 'v.info_bits', 'v.created_at', 'vol.confusion_json'])
    .where('v.subject_id', '=', subjectId)
    .where('v.user_id', 'is not', null)
    .orderBy('v.id')
    .execute();
  let posterior = uniformPrior(wf.classes.length);
  let counted = 0;
  let best = -1;
  let retiredAt: string | null = null;
  for (const v of votes) {
    let bits = 0;
    const counts = v.weight > 0 && retiredAt === null && v.confusion_json !== null;
    if (counts) {
      const step = onlineStep(wf, posterior, Float64Array.from(JSON.parse(v.confusion_json!) as number[]), v.answer, counted);
      ({ posterior, best } = step);
      bits = step.infoBits;
      counted++;
      if (step.retired) retiredAt = v.created_at;
    }
    if ((v.counted === 1) !== counts || v.info_bits !== bits) await tx.updateTable('crowd_votes').set({ counted: counts ? 1 : 0, info_bits: bits }).where('id', '=', v.id).execute();
  }
  await tx
    .updateTable('crowd_subjects')
    .set({ posterior_json: JSON.stringify(Array.from(posterior)), vote_count: counted, consensus_class: counted ? best : null, consensus_confidence: counted ? posterior[best] : null, retired_at: retiredAt })
    .where('id', '=', subjectId)
    .execute();
}

/** The volunteer's confusion matrix learnt again from the prior and their weighted gold answers. */
async function relearnConfusion(tx: Tx, wf: Workflow, userId: number): Promise<void> {
  const k = wf.classes.length;
  const confusion = newConfusion(k);
  const gold = await tx
    .selectFrom('crowd_votes as v')
    .innerJoin('crowd_subjects as s', 's.id', 'v.subject_id')
    .select(['v.answer', 's.gold_class'])
    .where('v.workflow_id', '=', wf.id)
    .where('v.user_id', '=', userId)
    .where('v.is_gold', '=', 1)
    .where('v.weight', '>', 0)
    .execute();
  for (const g of gold) if (g.gold_class !== null) observeGold(confusion, k, g.gold_class, g.answer);
  await tx.updateTable('crowd_volunteers').set({ confusion_json: JSON.stringify(Array.from(confusion)) }).where('workflow_id', '=', wf.id).where('user_id', '=', userId).execute();
}

/** Replays the live subjects of these changed votes, in id order; relearns the volunteer's matrix when a gold vote changed. */
async function applyWeightChanges(tx: Tx, wf: Workflow, userId: number, changed: Array<{ subject_id: number; is_gold: number }>, pg: boolean): Promise<void> {
  if (changed.some((c) => c.is_gold)) await relearnConfusion(tx, wf, userId);
  const subjects = [...new Set(changed.filter((c) => !c.is_gold).map((c) => c.subject_id))].sort((a, b) => a - b);
  for (const id of subjects) await replaySubject(tx, wf, id, pg);
}

const lockVolunteer = (tx: Tx, wf: Workflow, userId: number, pg: boolean) =>
  tx.selectFrom('crowd_volunteers').select(['held_at']).where('workflow_id', '=', wf.id).where('user_id', '=', userId).$if(pg, (q) => q.forUpdate()).executeTakeFirst();

/** Takes the weight off every vote of a volunteer just held, and replays the subjects those votes counted on. */
export async function holdVolunteerVotes(handle: DbHandle, wf: Workflow, userId: number): Promise<void> {
  const pg = handle.dialect === 'postgres';
  await batchedTransaction(handle, async (tx) => {
    const vol = await lockVolunteer(tx, wf, userId, pg);
    if (!vol?.held_at) return; // released meanwhile
    const changed = await tx.updateTable('crowd_votes').set({ weight: 0 }).where('workflow_id', '=', wf.id).where('user_id', '=', userId).where('weight', '>', 0).returning(['subject_id', 'is_gold']).execute();
    await applyWeightChanges(tx, wf, userId, changed, pg);
  });
}

/** An organizer's release of a held volunteer: their votes weigh again (except the fast ones not restored) and their fast share starts afresh. */
export async function releaseVolunteer(handle: DbHandle, wf: Workflow, userId: number, organizerId: number): Promise<void> {
  const pg = handle.dialect === 'postgres';
  await batchedTransaction(handle, async (tx) => {
    const vol = await lockVolunteer(tx, wf, userId, pg);
    if (!vol) throw new UserError(404, 'not_found', `No volunteer ${userId} in this workflow.`);
    if (!vol.held_at) throw new UserError(409, 'not_held', `Volunteer ${userId} is not held for review.`);
    await tx
      .updateTable('crowd_volunteers')
      .set({ held_at: null, released_at: nowIso(), reviewed_by: organizerId, votes_since_review: 0, fast_since_review: 0 })
      .where('workflow_id', '=', wf.id)
      .where('user_id', '=', userId)
      .execute();
    const changed = await tx
      .updateTable('crowd_votes')
      .set({ weight: 1 })
      .where('workflow_id', '=', wf.id)
      .where('user_id', '=', userId)
      .where('weight', '=', 0)
      .where((eb) => eb.or([eb('flagged', '=', 0), eb('restored_at', 'is not', null)]))
      .returning(['subject_id', 'is_gold'])
      .execute();
    await applyWeightChanges(tx, wf, userId, changed, pg);
  });
}

/** An organizer's restore of a too-fast vote: it weighs again (unless its volunteer is held) and its subject is replayed. */
export async function restoreVote(handle: DbHandle, wf: Workflow, voteId: number, organizerId: number): Promise<{ weight: number }> {
  const pg = handle.dialect === 'postgres';
  return batchedTransaction(handle, async (tx) => {
    const vote = await tx.selectFrom('crowd_votes').select(['id', 'user_id', 'subject_id', 'is_gold', 'flagged', 'restored_at']).where('id', '=', voteId).where('workflow_id', '=', wf.id).executeTakeFirst();
    if (!vote) throw new UserError(404, 'not_found', `No vote ${voteId} in this workflow.`);
    if (vote.user_id === null) throw new UserError(409, 'anonymous_vote', 'Anonymous votes carry no weight; there is nothing to restore.');
    if (!vote.flagged) throw new UserError(409, 'not_fast', `Vote ${voteId} was not too fast; it already counts.`);
    const vol = await lockVolunteer(tx, wf, vote.user_id, pg);
    const weight = voteWeight({ flagged: true, restored: true, held: !!vol?.held_at });
    if (vote.restored_at) return { weight };
    await tx.updateTable('crowd_votes').set({ weight, restored_by: organizerId, restored_at: nowIso() }).where('id', '=', voteId).execute();
    if (weight > 0) await applyWeightChanges(tx, wf, vote.user_id, [vote], pg);
    return { weight };
  });
}

/** Too-fast votes of signed-in volunteers still without weight, in the given challenges ('all' for admins), newest first. */
export async function fastVoteQueue(db: Db, challengeIds: number[] | 'all') {
  let q = db
    .selectFrom('crowd_votes as v')
    .innerJoin('crowd_subjects as s', 's.id', 'v.subject_id')
    .innerJoin('crowd_workflows as w', 'w.id', 'v.workflow_id')
    .innerJoin('challenges as c', 'c.id', 'w.challenge_id')
    .innerJoin('users as u', 'u.id', 'v.user_id')
    .select(['v.id', 'v.time_ms', 'v.created_at', 'v.answer', 'v.is_gold', 's.id as subject_id', 's.external_id', 'c.slug', 'w.classes_json', 'u.id as user_id', 'u.name'])
    .where('v.flagged', '=', 1)
    .where('v.weight', '=', 0)
    .where('v.restored_at', 'is', null)
    .orderBy('v.id', 'desc')
    .limit(500);
  if (challengeIds !== 'all') q = q.where('w.challenge_id', 'in', challengeIds.length ? challengeIds : [-1]);
  return (await q.execute()).map((r) => ({
    id: r.id,
    slug: r.slug,
    subjectId: r.subject_id,
    subjectName: r.external_id,
    userId: r.user_id,
    volunteer: r.name,
    answer: (JSON.parse(r.classes_json) as string[])[r.answer],
    gold: r.is_gold === 1,
    timeMs: r.time_ms,
    createdAt: r.created_at,
  }));
}

/** Volunteers held for review in the given challenges, longest held first. */
export async function heldVolunteerQueue(db: Db, challengeIds: number[] | 'all') {
  let q = db
    .selectFrom('crowd_volunteers as vol')
    .innerJoin('crowd_workflows as w', 'w.id', 'vol.workflow_id')
    .innerJoin('challenges as c', 'c.id', 'w.challenge_id')
    .innerJoin('users as u', 'u.id', 'vol.user_id')
    .select(['vol.user_id', 'u.name', 'vol.held_at', 'vol.votes_since_review', 'vol.fast_since_review', 'c.slug'])
    .where('vol.held_at', 'is not', null)
    .orderBy('vol.held_at')
    .limit(500);
  if (challengeIds !== 'all') q = q.where('w.challenge_id', 'in', challengeIds.length ? challengeIds : [-1]);
  return (await q.execute()).map((r) => ({ userId: r.user_id, volunteer: r.name, slug: r.slug, heldAt: r.held_at!, votes: r.votes_since_review, fastVotes: r.fast_since_review }));
}
