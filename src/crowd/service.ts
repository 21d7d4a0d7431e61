/** Serving subjects and counting votes: the crowd's request path. */
import crypto from 'node:crypto';
import type { DbHandle } from '../db/index.js';
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { batchedTransaction } from '../db/write-batch.js';
import { UserError } from '../web/errors.js';
import { observeGold, uniformPrior } from './aggregators/index.js';
import { expectedInformation } from './credit.js';
import { countVoteAndLockSubject, countVotesAndLockSubject, ensureVolunteer, pickAndStoreServe, servableSubjects, servedSubject, storeServe, voterStanding, writeVote, writeVotes, type SubjectChange, type SubjectRow, type VolunteerCount, type Workflow } from './repo.js';
import { signServe, type ServeClaim } from './token.js';
import { drawWeighted, ROUTE_AMONG } from './routing.js';
import { holdVolunteerVotes, onlineStep, passesFastShare, voteWeight, type FastRule } from './weights.js';
import { goldClassOrder, trainingState, type TrainingView } from './training/service.js';

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
  /** Entropy routing chose the subject (not the retirement rule). */
  routed: boolean;
  /** Where the voter stands in training (gold only until promoted). */
  status: TrainingView;
}

/** A subject picked for a serve; `stored` when the pick also stored the serve (pickAndStoreServe). */
interface Picked {
  subject: SubjectRow;
  routed: boolean;
  stored?: boolean;
}

/** A new subject is drawn at random among the tied ones in this many of the next in line. */
const PICK_AMONG = 8;

/** Chance that the n-th subject (0-based) served to a volunteer is gold; the last entry is the floor. */
export function trainingChance(chances: number[], n: number): number {
  if (!chances.length) return 0;
  return chances[Math.min(n, chances.length - 1)];
}

export interface ServeOptions {
  reserveMinutes: number;
  /**
   * Store the serve (false for a browser that sent no cookie yet: a client that keeps none would
   * otherwise add a row per request; its signed token is proof enough of the serve).
   */
  store: boolean;
  rand?: () => number;
  /** The clock (ms); a simulated crowd passes its own so its volunteers spend a realistic time on each page. */
  now?: () => number;
  /**
   * Chance that a live serve goes to a known source while any is left for the voter (CROWD_KNOWN_SHARE),
   * on top of the share the serving rule gives them. Without it a small crowd working through the
   * subjects in order reaches too few of them to measure itself.
   */
  knownShare?: number;
  /** A class as the volunteer sees it named, in the training status's sentence (the class's own name by default). */
  displayName?: (cls: string) => string;
}

/**
 * The subject to show: the one served and not yet answered (within the reserve window, so a reload
 * shows the same subject), else a new one this voter has been neither served nor has answered.
 * A voter in training (not yet promoted, training/promotion.ts) is served gold only; once promoted,
 * gold comes with the workflow's training chance for the voter's experience. Gold is drawn from the
 * class the voter has answered least gold of. A voter still in training who has answered every gold
 * subject left to them gets live subjects: their votes are weighed by the confusion matrix their
 * gold answers taught, as anyone's, so a poor record counts for little. Null when nothing is left.
 */
export async function serveNext(handle: DbHandle, wf: Workflow, voter: Voter, secret: Buffer, opts: ServeOptions): Promise<Served | null> {
  const db = handle.db;
  const { reserveMinutes, rand = Math.random, now = Date.now } = opts;
  const cutoff = new Date(now() - reserveMinutes * 60_000).toISOString();
  const [standing, { view: status, answers: goldAnswered }] = await Promise.all([voterStanding(db, wf.id, voter, cutoff), trainingState(db, wf, voter, { now, displayName: opts.displayName })]);
  const n = standing.answered;
  if (standing.openSubjectId !== null) {
    // A reload: the open serve again, with the time it was served (its token stays valid as issued).
    const open = await servedSubject(db, voter.key, standing.openSubjectId);
    if (open && !open.answered) {
      const { served_at_v, routed_v, answered: _answered, ...subject } = open;
      const routed = routed_v === 1;
      return { subject, servedAt: served_at_v, training: subject.is_gold === 1, experience: n, routed, status, token: signServe(secret, { voter: voter.key, workflowId: wf.id, subjectId: subject.id, servedAt: Date.parse(served_at_v), routed }) };
    }
  }

  const expertMember = standing.expert === 1;
  if (voter.userId !== null && standing.expert === null) await ensureVolunteer(db, wf.id, voter.userId, wf.classes.length);
  const wantGold = !status.promoted || rand() < trainingChance(wf.trainingChances, n);
  // On PostgreSQL a serve by the retirement rule is picked and stored in one statement, a round trip
  // fewer (bench:crowd). It draws before it knows whether anything is left to serve, so a seeded
  // crowd (opts.rand, the simulations) keeps the two statements: its draws stay in the same order on
  // both databases.
  const pickStores = opts.store && opts.rand === undefined && handle.dialect === 'postgres';
  let servedAt = '';
  const byRetirement = async (gold: boolean, knownOnly = false, goldClass?: number): Promise<{ subject: SubjectRow; stored?: boolean } | undefined> => {
    // Live subjects closest to retirement first keeps the number of open subjects small; ties among
    // the first few are broken at random. The id breaks ties among candidates in a fixed order (not
    // the storage order, which PostgreSQL changes on update), so a seeded simulated crowd is served
    // the same subjects on every run.
    const shape = { order: 'retirement', gold, expertFirst: expertMember, knownOnly, goldClass: goldClass !== undefined } as const;
    if (pickStores) return pickAndStoreServe(db, shape, wf.id, voter.key, goldClass ?? 0, PICK_AMONG, rand(), servedAt, false);
    const first = await servableSubjects(db, shape, wf.id, voter.key, goldClass ?? 0, PICK_AMONG);
    const tied = first.filter((x) => x.vote_count === first[0].vote_count && x.expert === first[0].expert);
    return tied.length ? { subject: tied[Math.floor(rand() * tied.length)] } : undefined;
  };
  // Entropy routing (live subjects only): one of the ROUTE_AMONG most doubtful, drawn in proportion to
  // its entropy. Subjects the baseline has no prediction for (known sources, which are train rows) are
  // left to the random share, as in CLAXSON they are mixed in among the rest: the votes that measure
  // the crowd are then drawn without looking at the model. With no entropy anywhere yet, or none left
  // for this voter, the retirement rule serves.
  const byEntropy = async (): Promise<Picked | undefined> => {
    const top = await servableSubjects(db, { order: 'entropy', gold: false, expertFirst: expertMember, knownOnly: false, goldClass: false }, wf.id, voter.key, 0, ROUTE_AMONG);
    const best = top.filter((x) => x.expert === top[0]?.expert);
    if (best.length) return { subject: best[drawWeighted(best.map((x) => x.entropy ?? 0), rand())], routed: true };
    const picked = await byRetirement(false);
    return picked && { ...picked, routed: false };
  };
  // Gold stratified by class: the class this voter has answered least gold of, then the retirement rule within it.
  const byClass = async (): Promise<Picked | undefined> => {
    for (const cls of await goldClassOrder(db, wf, voter, rand, goldAnswered)) {
      const picked = await byRetirement(true, false, cls);
      if (picked) return { ...picked, routed: false };
    }
    return undefined;
  };
  const pick = async (gold: boolean): Promise<Picked | undefined> => {
    if (gold) return byClass();
    if (opts.knownShare && rand() < opts.knownShare) {
      const known = await byRetirement(false, true);
      if (known) return { ...known, routed: false };
    }
    if (wf.routing === 'entropy' && !(rand() < wf.randomShare)) return byEntropy();
    const picked = await byRetirement(false);
    return picked && { ...picked, routed: false };
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    // Before the pick, which may store the serve with this time.
    servedAt = new Date(now()).toISOString();
    const picked = (await pick(wantGold)) ?? (await pick(!wantGold));
    if (!picked) return null;
    const { subject, routed } = picked;
    const token = signServe(secret, { voter: voter.key, workflowId: wf.id, subjectId: subject.id, servedAt: Date.parse(servedAt), routed });
    if (!opts.store) return { subject, servedAt, training: subject.is_gold === 1, experience: n, token, routed, status };
    // Served to this voter by a concurrent request: pick again.
    if (!(picked.stored ?? (await storeServe(db, wf.id, subject.id, voter.key, servedAt, routed)))) continue;
    return { subject, servedAt, training: subject.is_gold === 1, experience: n, token, routed, status };
  }
  return null;
}

export interface VoteInput {
  claim: ServeClaim | null;
  answer: unknown;
  ipHash: string;
}

export interface VoteOptions extends FastRule {
  minVoteMs: number;
  tokenHours: number;
  /** The clock (ms), as in ServeOptions. */
  now?: () => number;
}

export interface VoteResult {
  voteId: number;
  subjectId: number;
  externalId: string;
  answer: string;
  /**
   * The vote counts toward its subject. Under adaptive retirement it says only that the vote carries
   * weight, not whether the subject retired between serve and vote (that depends on the other votes).
   */
  counted: boolean;
  flagged: boolean;
  timeMs: number;
  /**
   * The credit the vote earns (credit.ts): on a live subject, the information a volunteer of this
   * gold record is expected to give, the same whatever the answer; 0 for gold, anonymous and
   * weightless votes. Never the information the vote added to the posterior, which would reveal
   * whether the answer agreed with the other votes.
   */
  infoBits: number;
  /**
   * Whether the vote retired its subject; null on a live subject under adaptive retirement, where
   * retiring depends on the other votes (a fixed count reveals nothing).
   */
  retired: boolean | null;
  /** For gold subjects: the correct class and its clues. */
  feedback: { trueClass: string; correct: boolean; clues: string } | null;
}

export function parseAnswer(wf: Workflow, answer: unknown): number {
  const i = typeof answer === 'number' ? answer : wf.classes.indexOf(String(answer ?? ''));
  if (!Number.isInteger(i) || i < 0 || i >= wf.classes.length) throw new UserError(400, 'bad_answer', `The answer must be one of ${wf.classes.join(', ')}.`);
  return i;
}

/** A vote checked and ready to store: what planVote and the batched path need of it. */
interface CastInput {
  voter: Voter;
  claim: ServeClaim;
  answer: number;
  flagged: boolean;
  timeMs: number;
  now: string;
  ipHash: string;
}

interface CastOutcome {
  vote: VoteResult;
  /** The subject as read before the vote (for the feedback page; its gold class never goes to the voter's JSON). */
  subject: SubjectRow;
  newlyHeld: boolean;
  retired: boolean;
}

/**
 * What a vote stores and changes, given the voter's volunteer row (counted, under its lock) and its
 * subject as it stands before the vote: the vote row, the subject's change, the volunteer's new
 * confusion matrix after a gold answer, and the voter's result (its voteId still to fill in).
 */
function planVote(wf: Workflow, cast: CastInput, volunteer: VolunteerCount | undefined, subject: SubjectRow) {
  const { voter, claim, answer, flagged, timeMs, now } = cast;
  const k = wf.classes.length;
  const weight = voteWeight({ flagged, restored: false, held: !!volunteer?.held_at });
  const gold = subject.is_gold === 1 && subject.gold_class !== null;
  const correct = gold ? answer === subject.gold_class : null;
  const record = volunteer ? Float64Array.from(JSON.parse(volunteer.confusion_json) as number[]) : null;
  // The volunteer's confusion matrix: a gold answer updates it, a live vote is weighed by it.
  const confusion = weight > 0 ? record : null;
  let step: ReturnType<typeof onlineStep> | null = null;
  // The credit of a live vote, fixed now from the volunteer's gold record alone (a gold answer, the
  // only change to the matrix, earns none); it earns on the boards while the vote carries weight (a
  // restored fast vote, a released volunteer's).
  const credit = !gold && record ? expectedInformation(record, k, uniformPrior(k)) : 0;
  if (gold && confusion) observeGold(confusion, k, subject.gold_class!, answer);
  if (!gold && subject.retired_at === null && confusion) step = onlineStep(wf, Float64Array.from(JSON.parse(subject.posterior_json) as number[]), confusion, answer, subject.vote_count);

  const voteRow = {
    workflow_id: wf.id,
    subject_id: subject.id,
    voter: voter.key,
    user_id: voter.userId,
    anon_id: voter.anonId,
    answer,
    is_gold: gold ? 1 : 0,
    correct: correct === null ? null : correct ? 1 : 0,
    counted: step ? 1 : 0,
    flagged: flagged ? 1 : 0,
    weight,
    info_bits: step?.infoBits ?? 0,
    credit_bits: credit,
    routed: claim.routed ? 1 : 0,
    time_ms: timeMs,
    ip_hash: cast.ipHash,
    served_at: new Date(claim.servedAt).toISOString(),
    created_at: now,
    day: now.slice(0, 10),
  };
  const subjectChange: SubjectChange = step
    ? { kind: 'posterior', posterior_json: JSON.stringify(Array.from(step.posterior)), vote_count: subject.vote_count + 1, consensus_class: step.best, consensus_confidence: step.posterior[step.best], retired_at: step.retired ? now : null }
    : !gold && voter.userId === null && weight > 0
      ? { kind: 'anon' }
      : null;
  // Only gold answers change what we know of the volunteer (counts come from crowd_votes).
  const confusionJson = gold && confusion && voter.userId !== null ? JSON.stringify(Array.from(confusion)) : null;
  const trueClass = gold ? wf.classes[subject.gold_class!] : null;
  const adaptiveLive = !gold && wf.retirement === 'adaptive';
  const result: VoteResult = {
    voteId: 0,
    subjectId: subject.id,
    externalId: subject.external_id,
    answer: wf.classes[answer],
    counted: adaptiveLive ? !!confusion : !!step,
    flagged,
    timeMs,
    infoBits: weight > 0 ? credit : 0,
    retired: adaptiveLive ? null : !!step?.retired,
    feedback: trueClass ? { trueClass, correct: !!correct, clues: wf.clues[trueClass] ?? '' } : null,
  };
  return { voteRow, subjectChange, confusionJson, result, retired: !!step?.retired };
}

/** The subject after a vote's change, as the next vote on it in the same transaction reads it. */
function subjectAfter(subject: SubjectRow, change: SubjectChange): SubjectRow {
  if (change?.kind === 'posterior') {
    const { kind: _kind, ...set } = change;
    return { ...subject, ...set };
  }
  if (change?.kind === 'anon') return { ...subject, anon_count: subject.anon_count + 1 };
  return subject;
}

/** Thrown inside castTogether when a case is for the one-vote path; the batcher then runs each vote alone. */
class RunAlone extends Error {}

/**
 * PostgreSQL: the votes on one subject that arrived together, in one transaction of two statements
 * (the volunteers' counts with the subject's lock, then the votes with the subject's final state and
 * the gold answers' matrices) instead of two per vote. The votes are planned in arrival order, each
 * on the subject as the one before left it, as the one-vote path would. Anything unusual (an
 * anonymous voter, a volunteer's first vote or hold, a repeat) runs each vote alone instead.
 */
async function castTogether(tx: Transaction<Database>, wf: Workflow, items: CastInput[], opts: FastRule): Promise<CastOutcome[]> {
  const userIds = items.map((c) => c.voter.userId);
  if (userIds.some((id) => id === null) || new Set(userIds).size !== items.length) throw new RunAlone();
  const subjectId = items[0].claim.subjectId;
  const { volunteers, subject } = await countVotesAndLockSubject(tx, wf.id, items.map((c) => ({ userId: c.voter.userId!, flagged: c.flagged })), subjectId);
  if (!subject) throw new RunAlone();
  let state = subject;
  const plans = items.map((cast) => {
    const volunteer = volunteers.get(cast.voter.userId!);
    if (!volunteer || (!volunteer.held_at && passesFastShare(volunteer.votes_since_review, volunteer.fast_since_review, opts))) throw new RunAlone();
    const before = state;
    const plan = planVote(wf, cast, volunteer, before);
    state = subjectAfter(before, plan.subjectChange);
    return { ...plan, before };
  });
  const lastChange = [...plans].reverse().find((p) => p.subjectChange?.kind === 'posterior')?.subjectChange ?? null;
  const ids = await writeVotes(tx, wf.id, plans.map((p) => p.voteRow), subjectId, lastChange, plans.flatMap((p) => (p.confusionJson === null ? [] : [{ userId: p.voteRow.user_id!, confusionJson: p.confusionJson }])));
  // A repeat vote is not inserted, and then nothing else was written: the batcher rolls back and each vote runs alone.
  if (!ids) throw new RunAlone();
  return plans.map((p) => ({ vote: { ...p.result, voteId: ids.get(p.voteRow.user_id!)! }, subject: p.before, newlyHeld: false, retired: p.retired }));
}

/**
 * Records a vote. It must carry a genuine serve token issued to this voter for this workflow; the
 * UNIQUE(user_id, subject_id) and UNIQUE(voter, subject_id) constraints make a repeat count once.
 * A signed-in volunteer's vote on a live subject updates the subject's online posterior with the
 * volunteer's confusion matrix (O(1)) and may retire it; a gold answer updates the confusion matrix.
 * Anonymous votes are stored but carry no weight. Nor does a vote cast faster than the minimum time
 * (until an organizer restores it), nor any vote of a volunteer held for review: a volunteer is held
 * once their share of fast votes passes the rule, and their earlier votes lose their weight too.
 */
export async function castVote(handle: DbHandle, wf: Workflow, voter: Voter, input: VoteInput, opts: VoteOptions): Promise<{ vote: VoteResult; subject: SubjectRow; retired: boolean }> {
  const claim = input.claim;
  if (!claim || claim.voter !== voter.key || claim.workflowId !== wf.id) {
    throw new UserError(403, 'not_served', 'This subject was not served to you. Classify the subject shown on the Classify page.');
  }
  const nowMs = (opts.now ?? Date.now)();
  if (nowMs - claim.servedAt > opts.tokenHours * 3600_000) throw new UserError(403, 'token_expired', 'This subject was served too long ago; here is a fresh one.');
  const answer = parseAnswer(wf, input.answer);
  const k = wf.classes.length;
  const pg = handle.dialect === 'postgres';
  const timeMs = Math.max(0, nowMs - claim.servedAt);
  const flagged = timeMs < opts.minVoteMs;
  const now = new Date(nowMs).toISOString();

  const cast: CastInput = { voter, claim, answer, flagged, timeMs, now, ipHash: input.ipHash };

  // `retired` (the vote retired its subject) is for the server's own use, as the voter's VoteResult may withhold it.
  let outcome: CastOutcome;
  try {
    // Votes on one subject share a transaction on PostgreSQL too: they would otherwise queue on its row lock, one commit each.
    outcome = await batchedTransaction(handle, async (tx) => {
      // The volunteer's row first (as every weight change does), so this vote's count toward the fast
      // share and a gold answer's update of the matrix are made under its lock.
      let newlyHeld = false;
      // On PostgreSQL the volunteer's count and the subject's lock are one round trip (the volunteer's row still first).
      let { volunteer, subject } = await countVoteAndLockSubject(tx, pg, wf.id, voter.userId, claim.subjectId, flagged);
      if (voter.userId !== null) {
        const userId = voter.userId;
        if (!volunteer) {
          await ensureVolunteer(tx, wf.id, userId, k);
          volunteer = (await countVoteAndLockSubject(tx, false, wf.id, userId, claim.subjectId, flagged)).volunteer!;
        }
        if (!volunteer.held_at && passesFastShare(volunteer.votes_since_review, volunteer.fast_since_review, opts)) {
          newlyHeld = true;
          volunteer.held_at = now;
          await tx.updateTable('crowd_volunteers').set({ held_at: now }).where('workflow_id', '=', wf.id).where('user_id', '=', userId).execute();
        }
      }
      subject ??= await tx.selectFrom('crowd_subjects').selectAll().where('id', '=', claim.subjectId).where('workflow_id', '=', wf.id).$if(pg, (q) => q.forNoKeyUpdate()).executeTakeFirst();
      if (!subject) throw new UserError(404, 'not_found', 'No such subject.');
      const plan = planVote(wf, cast, volunteer, subject);
      const vote = await writeVote(tx, pg, plan.voteRow, plan.subjectChange, plan.confusionJson);
      if (!vote) throw new UserError(409, 'duplicate_vote', 'You have already classified this subject; it counts once.');
      return { vote: { ...plan.result, voteId: vote.id }, subject, newlyHeld, retired: plan.retired };
    }, { key: `crowd_subjects:${claim.subjectId}`, together: { item: cast, run: (tx, items) => castTogether(tx, wf, items as CastInput[], opts) } });
  } catch (err) {
    // A concurrent duplicate can also surface as a unique violation on PostgreSQL.
    if (!(err instanceof UserError) && /unique|duplicate/i.test(String((err as Error)?.message))) {
      throw new UserError(409, 'duplicate_vote', 'You have already classified this subject; it counts once.');
    }
    throw err;
  }
  // Its own transaction, locking subjects in id order after the volunteer (see weights.ts).
  if (outcome.newlyHeld) await holdVolunteerVotes(handle, wf, voter.userId!);
  return { vote: outcome.vote, subject: outcome.subject, retired: outcome.retired };
}

export const newAnonId = (): string => crypto.randomBytes(12).toString('base64url');
