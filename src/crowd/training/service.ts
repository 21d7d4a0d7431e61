/**
 * Volunteer training (issue 11, section 4): where a voter stands on the way from gold-only training
 * to live subjects, which class of gold to show next, and whether to show the tutorial first.
 * Signed-in and anonymous voters follow the same rule, by their voter key ('u:<id>' or 'a:<cookie>').
 */
import type { Db } from '../../db/index.js';
import { ensureVolunteer, type Workflow } from '../repo.js';
import type { Voter } from '../service.js';
import { classesToLearn, promotionStatus, statusSentence, type TrainingStatus } from './promotion.js';
import { seenWorkflows } from './tutorial.js';
import { goldAnswers, goldCountsByClass, hasVoted, markTutorialSeen, promotedAt, recordPromotion, tutorialSeenAt, type GoldAnswer } from './repo.js';

/** The training status with its sentence, as the classify and feedback pages show it. */
export interface TrainingView extends TrainingStatus {
  sentence: string;
}

export const ruleOf = (wf: Pick<Workflow, 'promoteCorrect' | 'promoteWindow' | 'promoteEachClass'>) => ({ correct: wf.promoteCorrect, window: wf.promoteWindow, eachClass: wf.promoteEachClass });

/** A workflow's gold changes only when subjects are added; its counts are read again after this long. */
const GOLD_COUNTS_TTL_MS = 60_000;
/** Per database (a process may open several, as tests do), per workflow. */
const goldCountsCache = new WeakMap<Db, Map<number, { counts: Promise<Map<number, number>>; at: number }>>();

/** Gold subjects per class (code), from a short cache: serving reads them on every gold serve. */
function goldCounts(db: Db, workflowId: number): Promise<Map<number, number>> {
  let cache = goldCountsCache.get(db);
  if (!cache) goldCountsCache.set(db, (cache = new Map()));
  const hit = cache.get(workflowId);
  if (hit && Date.now() - hit.at < GOLD_COUNTS_TTL_MS) return hit.counts;
  if (cache.size > 1000) cache.clear();
  const counts = goldCountsByClass(db, workflowId);
  cache.set(workflowId, { counts, at: Date.now() });
  counts.catch(() => cache.delete(workflowId));
  return counts;
}

export interface TrainingState {
  view: TrainingView;
  /** The voter's gold answers, newest first, when they were read (a voter in training); null once promoted. */
  answers: GoldAnswer[] | null;
}

/**
 * Where the voter stands, with the gold answers it was computed from. A voter who meets the rule is
 * promoted here and stays promoted; a promoted voter's answers are not read again (their counts show 0).
 */
export async function trainingState(db: Db, wf: Workflow, voter: Pick<Voter, 'key'>, opts: { now?: () => number; displayName?: (cls: string) => string } = {}): Promise<TrainingState> {
  const rule = ruleOf(wf);
  const view = (s: TrainingStatus): TrainingView => ({ ...s, sentence: statusSentence(s, opts.displayName) });
  if (rule.window === 0) return { view: view(promotionStatus(rule, [], new Set(), [])), answers: null };
  const at = await promotedAt(db, wf.id, voter.key);
  if (at) return { view: view({ ...promotionStatus({ ...rule, correct: 0, eachClass: false }, [], new Set(), []), promotedAt: at, window: rule.window, correctNeeded: rule.correct }), answers: null };
  const [answers, gold] = await Promise.all([goldAnswers(db, wf.id, voter.key), goldCounts(db, wf.id)]);
  const right = new Set(answers.filter((a) => a.correct).map((a) => wf.classes[a.goldClass]));
  const goldClasses = rule.eachClass ? classesToLearn(gold, answers).map((c) => wf.classes[c]) : [];
  const status = promotionStatus(rule, answers.map((a) => a.correct), right, goldClasses);
  if (status.promoted) status.promotedAt = await recordPromotion(db, wf.id, voter.key, new Date((opts.now ?? Date.now)()).toISOString());
  return { view: view(status), answers };
}

/** Where the voter stands (see trainingState). */
export async function trainingStatus(db: Db, wf: Workflow, voter: Pick<Voter, 'key'>, opts: { now?: () => number; displayName?: (cls: string) => string } = {}): Promise<TrainingView> {
  return (await trainingState(db, wf, voter, opts)).view;
}

/**
 * The order in which to look for the next gold subject's class: the classes this voter has answered
 * least gold of first, ties in random order (`rand`), so a new volunteer meets every class early.
 * (Answered, not served: a served gold subject stays this voter's until answered, unless they leave
 * it past the reserve window.) Classes whose gold the voter has all answered are left out.
 * `answers` when already read, else they are read here.
 */
export async function goldClassOrder(db: Db, wf: Workflow, voter: Pick<Voter, 'key'>, rand: () => number, answers: GoldAnswer[] | null = null): Promise<number[]> {
  const [gold, answered] = await Promise.all([goldCounts(db, wf.id), answers ?? goldAnswers(db, wf.id, voter.key)]);
  const shown = new Map<number, number>();
  for (const a of answered) shown.set(a.goldClass, (shown.get(a.goldClass) ?? 0) + 1);
  const codes = [...gold.keys()].filter((c) => (shown.get(c) ?? 0) < gold.get(c)!);
  for (let i = codes.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [codes[i], codes[j]] = [codes[j], codes[i]];
  }
  return codes.sort((a, b) => (shown.get(a) ?? 0) - (shown.get(b) ?? 0));
}

/**
 * Whether the classify page should send this voter to the tutorial first: on their first visit
 * only, that is, not seen yet (signed in: recorded; anonymous: in their TUTORIAL_COOKIE) and nothing answered
 * yet (a volunteer from before tutorials is not sent back to the start).
 */
export async function shouldShowTutorial(db: Db, wf: Workflow, voter: Voter | null, tutorialCookie: unknown): Promise<boolean> {
  if (voter?.userId != null) {
    if (await tutorialSeenAt(db, wf.id, voter.userId)) return false;
  } else if (seenWorkflows(tutorialCookie).includes(wf.id)) return false;
  return !voter || !(await hasVoted(db, wf.id, voter.key));
}

/** Records that a signed-in volunteer saw the tutorial (anonymous ones get a cookie from the route). */
export async function tutorialSeen(db: Db, wf: Workflow, userId: number, now = Date.now()): Promise<void> {
  await ensureVolunteer(db, wf.id, userId, wf.classes.length);
  await markTutorialSeen(db, wf.id, userId, new Date(now).toISOString());
}
