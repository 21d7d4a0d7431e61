/** Serving subjects and counting votes: the crowd's request path. */
import crypto from 'node:crypto';
import type { DbHandle } from '../db/index.js';
import { nowIso } from '../db/index.js';
import { batchedTransaction } from '../db/write-batch.js';
import { UserError } from '../web/errors.js';
import { answerLikelihood, information, observeGold, updatePosterior } from './aggregators/index.js';
import { ensureVolunteer, type SubjectRow, type Workflow } from './repo.js';
import { signServe, type ServeClaim } from './token.js';

/** Who is classifying: a signed-in user, or an anonymous browser (its cookie id). */
export interface Voter {
  key: string;
  userId: number | null;
  anonId: string | null;
}

export const userVoter = (userId: number): Voter => ({ key: `u:${userId}`, userId, anonId: null });
export const anonVoter = (anonId: string): Voter => ({ key: `a:${anonId}`, userId: null, anonId });

export interface Served {
  subject: SubjectRow;
  token: string;
  servedAt: string;
  /** A gold (training) subject: the answer is shown after the vote. */
  training: boolean;
  /** How many subjects this voter has answered in the workflow. */
  experience: number;
}

/** A new subject is drawn at random among the tied ones in this many of the next in line. */
const PICK_AMONG = 8;

/** Chance that the n-th subject (0-based) served to a volunteer is gold; the last entry is the floor. */
export function trainingChance(chances: number[], n: number): number {
  if (!chances.length) return 0;
  return chances[Math.min(n, chances.length - 1)];
}

async function experience(handle: DbHandle, wf: Workflow, voter: Voter): Promise<number> {
  const r = await handle.db.selectFrom('crowd_votes').select((eb) => eb.fn.countAll<number>().as('n')).where('voter', '=', voter.key).where('workflow_id', '=', wf.id).executeTakeFirstOrThrow();
  return Number(r.n);
}

/**
 * The subject to show: the one served and not yet answered (within the reserve window, so a reload
 * shows the same subject), else a new one this voter has never been served. Gold comes with the
 * workflow's training chance for the voter's experience. Null when nothing is left.
 */
export async function serveNext(handle: DbHandle, wf: Workflow, voter: Voter, secret: Buffer, reserveMinutes: number, rand: () => number = Math.random): Promise<Served | null> {
  const db = handle.db;
  const n = await experience(handle, wf, voter);
  const cutoff = new Date(Date.now() - reserveMinutes * 60_000).toISOString();
  // A new subject is served only when none is open, so the open one, if any, is the latest serve.
  const latest = await db
    .selectFrom('crowd_serves as v')
    .innerJoin('crowd_subjects as s', 's.id', 'v.subject_id')
    .selectAll('s')
    .select('v.served_at as served_at_v')
    .select(({ exists, selectFrom }) => exists(selectFrom('crowd_votes as x').select('x.id').whereRef('x.voter', '=', 'v.voter').whereRef('x.subject_id', '=', 'v.subject_id')).as('answered'))
    .where('v.voter', '=', voter.key)
    .where('v.workflow_id', '=', wf.id)
    .where('v.served_at', '>', cutoff)
    .orderBy('v.served_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  const open = latest && !latest.answered ? latest : undefined;
  if (open) {
    const { served_at_v, answered: _answered, ...subject } = open;
    const servedMs = Date.parse(served_at_v);
    return { subject, servedAt: served_at_v, training: subject.is_gold === 1, experience: n, token: signServe(secret, { voter: voter.key, workflowId: wf.id, subjectId: subject.id, servedAt: servedMs }) };
  }

  let expertMember = false;
  if (voter.userId !== null) {
    const v = await db.selectFrom('crowd_volunteers').select('expert').where('workflow_id', '=', wf.id).where('user_id', '=', voter.userId).executeTakeFirst();
    if (v) expertMember = v.expert === 1;
    else await ensureVolunteer(db, wf.id, voter.userId, wf.classes.length);
  }
  const wantGold = rand() < trainingChance(wf.trainingChances, n);
  const pick = async (gold: boolean) => {
    let q = db
      .selectFrom('crowd_subjects as s')
      .selectAll('s')
      .where('s.workflow_id', '=', wf.id)
      .where('s.is_gold', '=', gold ? 1 : 0)
      .where('s.retired_at', 'is', null)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('crowd_serves as v').select('v.id').where('v.voter', '=', voter.key).whereRef('v.subject_id', '=', 's.id'))));
    if (expertMember) q = q.orderBy('s.expert', 'desc');
    else q = q.where('s.expert', '=', 0);
    // Live subjects closest to retirement first keeps the number of open subjects small. The index
    // (workflow_id, is_gold, retired_at, vote_count) yields them in that order without sorting them
    // all; ties among the first few are broken at random.
    const first = await q.orderBy('s.vote_count', gold ? 'asc' : 'desc').limit(PICK_AMONG).execute();
    const tied = first.filter((x) => x.vote_count === first[0].vote_count && x.expert === first[0].expert);
    return tied.length ? tied[Math.floor(rand() * tied.length)] : undefined;
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    const subject = (await pick(wantGold)) ?? (await pick(!wantGold));
    if (!subject) return null;
    const servedAt = nowIso();
    const inserted = await db
      .insertInto('crowd_serves')
      .values({ workflow_id: wf.id, subject_id: subject.id, voter: voter.key, served_at: servedAt })
      .onConflict((oc) => oc.columns(['voter', 'subject_id']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) continue; // served to this voter by a concurrent request: pick again
    return { subject, servedAt, training: subject.is_gold === 1, experience: n, token: signServe(secret, { voter: voter.key, workflowId: wf.id, subjectId: subject.id, servedAt: Date.parse(servedAt) }) };
  }
  return null;
}

export interface VoteInput {
  claim: ServeClaim | null;
  answer: unknown;
  ipHash: string;
}

export interface VoteOptions {
  minVoteMs: number;
  tokenHours: number;
}

export interface VoteResult {
  voteId: number;
  subjectId: number;
  externalId: string;
  answer: string;
  counted: boolean;
  flagged: boolean;
  timeMs: number;
  infoBits: number;
  retired: boolean;
  /** For gold subjects: the correct class and its clues. */
  feedback: { trueClass: string; correct: boolean; clues: string } | null;
}

export function parseAnswer(wf: Workflow, answer: unknown): number {
  const i = typeof answer === 'number' ? answer : wf.classes.indexOf(String(answer ?? ''));
  if (!Number.isInteger(i) || i < 0 || i >= wf.classes.length) throw new UserError(400, 'bad_answer', `The answer must be one of ${wf.classes.join(', ')}.`);
  return i;
}

const argmax = (p: ArrayLike<number>) => {
  let b = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[b]) b = i;
  return b;
};

/**
 * Records a vote. It must carry a genuine serve token issued to this voter for this workflow; the
 * UNIQUE(user_id, subject_id) and UNIQUE(voter, subject_id) constraints make a repeat count once.
 * A signed-in volunteer's vote on a live subject updates the subject's online posterior with the
 * volunteer's confusion matrix (O(1)) and may retire it; a gold answer updates the confusion matrix.
 * Anonymous votes are stored but carry no weight.
 */
export async function castVote(handle: DbHandle, wf: Workflow, voter: Voter, input: VoteInput, opts: VoteOptions): Promise<{ vote: VoteResult; subject: SubjectRow }> {
  const claim = input.claim;
  if (!claim || claim.voter !== voter.key || claim.workflowId !== wf.id) {
    throw new UserError(403, 'not_served', 'This subject was not served to you. Classify the subject shown on the Classify page.');
  }
  const nowMs = Date.now();
  if (nowMs - claim.servedAt > opts.tokenHours * 3600_000) throw new UserError(403, 'token_expired', 'This subject was served too long ago; here is a fresh one.');
  const answer = parseAnswer(wf, input.answer);
  const k = wf.classes.length;
  const pg = handle.dialect === 'postgres';
  const timeMs = Math.max(0, nowMs - claim.servedAt);
  const flagged = timeMs < opts.minVoteMs;
  const now = new Date(nowMs).toISOString();

  try {
    return await batchedTransaction(handle, async (tx) => {
      // One statement reads the subject and the volunteer's confusion matrix.
      const row = await tx
        .selectFrom('crowd_subjects as s')
        .selectAll('s')
        .select((eb) =>
          eb
            .selectFrom('crowd_volunteers as v')
            .select('v.confusion_json')
            .where('v.workflow_id', '=', wf.id)
            .where('v.user_id', '=', voter.userId ?? -1)
            .as('confusion'),
        )
        .where('s.id', '=', claim.subjectId)
        .where('s.workflow_id', '=', wf.id)
        .$if(pg, (q) => q.forUpdate())
        .executeTakeFirst();
      if (!row) throw new UserError(404, 'not_found', 'No such subject.');
      const { confusion: storedConfusion, ...subject } = row;
      let volunteer: { confusion_json: string } | undefined;
      if (voter.userId !== null) {
        volunteer = storedConfusion ? { confusion_json: storedConfusion } : await ensureVolunteer(tx, wf.id, voter.userId, k);
      }
      const gold = subject.is_gold === 1 && subject.gold_class !== null;
      if (gold && pg && voter.userId !== null && storedConfusion) {
        // A gold answer rewrites the matrix: lock the volunteer's row so concurrent gold answers never lose an update.
        volunteer = await tx.selectFrom('crowd_volunteers').select('confusion_json').where('workflow_id', '=', wf.id).where('user_id', '=', voter.userId).forUpdate().executeTakeFirstOrThrow();
      }
      const correct = gold ? answer === subject.gold_class : null;
      // The volunteer's confusion matrix: a gold answer updates it, a live vote is weighed by it.
      const confusion = volunteer ? Float64Array.from(JSON.parse(volunteer.confusion_json) as number[]) : null;
      let counted = false;
      let infoBits = 0;
      let retired = false;
      let posterior: Float64Array | null = null;
      let best = -1;
      if (gold && confusion) observeGold(confusion, k, subject.gold_class!, answer);
      if (!gold && voter.userId !== null && subject.retired_at === null && confusion) {
        counted = true;
        const before = Float64Array.from(JSON.parse(subject.posterior_json) as number[]);
        posterior = updatePosterior(before, answerLikelihood(confusion, k, answer));
        infoBits = information(before, posterior);
        if (!Number.isFinite(infoBits)) infoBits = 0;
        const votes = subject.vote_count + 1;
        best = argmax(posterior);
        retired = wf.retirement === 'fixed' ? votes >= wf.retireCount : votes >= wf.adaptiveMinVotes && posterior[best] >= wf.adaptiveThreshold;
      }

      const vote = await tx
        .insertInto('crowd_votes')
        .values({
          workflow_id: wf.id,
          subject_id: subject.id,
          voter: voter.key,
          user_id: voter.userId,
          anon_id: voter.anonId,
          answer,
          is_gold: gold ? 1 : 0,
          correct: correct === null ? null : correct ? 1 : 0,
          counted: counted ? 1 : 0,
          flagged: flagged ? 1 : 0,
          info_bits: infoBits,
          time_ms: timeMs,
          ip_hash: input.ipHash,
          served_at: new Date(claim.servedAt).toISOString(),
          created_at: now,
          day: now.slice(0, 10),
        })
        .onConflict((oc) => oc.doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!vote) throw new UserError(409, 'duplicate_vote', 'You have already classified this subject; it counts once.');

      if (posterior) {
        await tx
          .updateTable('crowd_subjects')
          .set({ posterior_json: JSON.stringify(Array.from(posterior)), vote_count: subject.vote_count + 1, consensus_class: best, consensus_confidence: posterior[best], retired_at: retired ? now : null })
          .where('id', '=', subject.id)
          .execute();
      } else if (!gold && voter.userId === null) {
        await tx.updateTable('crowd_subjects').set((eb) => ({ anon_count: eb('anon_count', '+', 1) })).where('id', '=', subject.id).execute();
      }
      // Only gold answers change what we know of the volunteer (counts come from crowd_votes).
      if (gold && confusion && voter.userId !== null) {
        await tx.updateTable('crowd_volunteers').set({ confusion_json: JSON.stringify(Array.from(confusion)) }).where('workflow_id', '=', wf.id).where('user_id', '=', voter.userId).execute();
      }
      const trueClass = gold ? wf.classes[subject.gold_class!] : null;
      const result: VoteResult = {
        voteId: vote.id,
        subjectId: subject.id,
        externalId: subject.external_id,
        answer: wf.classes[answer],
        counted,
        flagged,
        timeMs,
        infoBits,
        retired,
        feedback: trueClass ? { trueClass, correct: !!correct, clues: wf.clues[trueClass] ?? '' } : null,
      };
      // The subject as read before the vote (for the feedback page; its gold class never goes to the voter's JSON).
      return { vote: result, subject };
    });
  } catch (err) {
    // A concurrent duplicate can also surface as a unique violation on PostgreSQL.
    if (!(err instanceof UserError) && /unique|duplicate/i.test(String((err as Error)?.message))) {
      throw new UserError(409, 'duplicate_vote', 'You have already classified this subject; it counts once.');
    }
    throw err;
  }
}

export const newAnonId = (): string => crypto.randomBytes(12).toString('base64url');
