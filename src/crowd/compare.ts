/**
 * The organizers' comparison page: crowd consensus, the baseline and the best ML entry scored against
 * the hidden solution on the same live subjects, and crowd consensus against ML.
 *
 * The arithmetic is in plain functions (scoringClasses, evaluationSet, figures, crowdComparison,
 * mlComparison, crowdVsMl, pickMlEntries); compareWithSolution loads what they need: the subjects
 * and their consensus from the database, the solution, and the ML predictions from the submissions'
 * stored files (read as the scorer reads them).
 */
import type { Db } from '../db/index.js';
import { classificationReport, matrixRows } from '../../scorers/classification.js';
import type { Solution } from '../../scorers/types.js';
import { findChallengeById, type Challenge } from '../challenges/repo.js';
import { loadChallengeSolution, privateRevealed } from '../challenges/service.js';
import { board, type Board, type BoardRow } from '../leaderboards/service.js';
import { findSubmission } from '../submissions/repo.js';
import { parseStoredSubmission } from '../submissions/service.js';
import { aggregators } from './aggregators/index.js';
import type { Workflow } from './repo.js';
import { CROWD_BASELINE_NAME } from '../baseline/service.js';
import type { ObjectStorage } from '../storage/index.js';

/** The live online posterior kept on each subject, shown beside the batch aggregators. */
export const LIVE_AGGREGATOR = 'live_swap';
/** The crowd consensus set against ML: Dawid–Skene once the batch job has run, else the live posterior. */
export const REFERENCE_AGGREGATOR = 'dawid_skene';
/** Longest list of subjects (disagreements, errors) a section carries; the totals count them all. */
export const LIST_LIMIT = 100;

export const BEST_ML_RULE =
  'The best ML entry is the competitor ranked first on the private leaderboard once it is revealed (the challenge has closed), else on the public leaderboard as organizers see it (a public freeze is ignored): each entrant (team, or participant alone) counts with the submission that leaderboard ranks them by, and the baseline is never a candidate. The baseline is the Baseline account\'s row on that same leaderboard.';

/** A live subject with a known true class (an index into the scoring classes). */
export interface EvalSubject {
  id: number;
  name: string;
  truth: number;
}

/** One crowd method's consensus per subject id; labels are indices into the scoring classes. */
export type CrowdLabels = Map<number, { label: number; confidence: number; votes: number }>;

export interface ClassFigures {
  name: string;
  precision: number;
  recall: number;
  f1: number;
  /** Subjects of this true class. */
  support: number;
  /** Subjects given this class. */
  predicted: number;
}

/** A method's labels against the solution. */
export interface Figures {
  n: number;
  correct: number;
  accuracy: number;
  /** Mean F1 over the classes present among the true or predicted labels (as scikit-learn). */
  macroF1: number;
  classes: ClassFigures[];
  /** Rows: true class, columns: the method's class, in the order of `classes`. */
  confusion: number[][];
}

export interface Comparison extends Figures {
  aggregator: string;
  /** The method's most confident errors (at most LIST_LIMIT). */
  disagreements: Array<{ subjectId: number; name: string; crowd: string; truth: string; confidence: number; votes: number }>;
  nDisagreements: number;
}

export interface MlEntry {
  role: 'baseline' | 'best';
  submissionId: number;
  /** The entrant: team name, or the participant's. */
  name: string;
  board: Board;
  boardScore: number;
  rank: number | null;
  createdAt: string;
}

export interface MlComparison extends Figures, MlEntry {
  /** Subjects the entry gets wrong, those the crowd consensus gets right first (at most LIST_LIMIT). */
  errors: Array<{ subjectId: number; name: string; ml: string; truth: string; crowd: string }>;
  nErrors: number;
}

export type WhoIsRight = 'crowd' | 'ml' | 'neither';

export interface CrowdVsMl {
  /** The crowd consensus used (dawid_skene or live_swap) and where it comes from. */
  aggregator: string;
  source: 'batch' | 'live';
  /** The ML side: the best entry, or the baseline while no competitor has a scored entry. */
  role: MlEntry['role'];
  submissionId: number;
  name: string;
  n: number;
  agreed: number;
  /** agreed / n. */
  agreement: number;
  /** How the subjects split by who matches the solution. */
  outcomes: { both: number; crowdOnly: number; mlOnly: number; neither: number };
  /** Rows: crowd label, columns: ML label, in the order of the scoring classes. */
  confusion: number[][];
  /** Exactly-one-right cases first, then neither right; within each, most confident crowd first (at most LIST_LIMIT). */
  disagreements: Array<{ subjectId: number; name: string; crowd: string; ml: string; truth: string; right: WhoIsRight; confidence: number; votes: number }>;
  nDisagreements: number;
}

export interface SummaryRow {
  method: string;
  kind: 'crowd' | 'baseline' | 'ml';
  n: number;
  accuracy: number;
  macroF1: number;
  submissionId: number | null;
}

export interface ComparisonResult {
  /** The scoring classes: the workflow's, then any solution class volunteers cannot choose. */
  classes: string[];
  /** Live subjects every crowd method has a consensus for: all rows below are scored on these. */
  subjects: number;
  /** When the batch aggregators last ran; null when never. */
  computedAt: string | null;
  /** One per crowd method: live_swap, then the batch aggregators. */
  comparisons: Comparison[];
  /** One row per method (crowd aggregators, baseline, best ML), all on the same subjects. */
  summary: SummaryRow[];
  ml: { board: Board | null; rule: string; baseline: MlComparison | null; best: MlComparison | null };
  /** The crowd consensus (reference) against the best ML entry. */
  agreement: CrowdVsMl | null;
  reference: { aggregator: string; source: 'batch' | 'live' } | null;
  /** Why something is missing (no ML entry, no baseline, class mismatches...). */
  notes: string[];
  /** Weighted votes of signed-in volunteers, and how many of them come from simulated volunteers (`sift crowd simulate`). */
  votes: { total: number; simulated: number };
}

/**
 * The classes everything is scored over: the workflow's (crowd labels index them), then the
 * solution's classes volunteers cannot choose. The notes say what does not match.
 */
export function scoringClasses(workflowClasses: string[], solutionClasses: string[]): { classes: string[]; notes: string[] } {
  const extra = solutionClasses.filter((c) => !workflowClasses.includes(c));
  const unused = workflowClasses.filter((c) => !solutionClasses.includes(c));
  const notes: string[] = [];
  if (extra.length) notes.push(`The solution and the ML submissions use class(es) ${extra.join(', ')} that volunteers cannot choose; they are added as extra columns, and the crowd is never right on those subjects.`);
  if (unused.length) notes.push(`Volunteers can choose class(es) ${unused.join(', ')} that the solution does not have; such crowd answers always count as wrong.`);
  return { classes: [...workflowClasses, ...extra], notes };
}

/** The subjects every crowd method has a consensus for. */
export function evaluationSet(candidates: EvalSubject[], methods: CrowdLabels[]): EvalSubject[] {
  return candidates.filter((s) => methods.every((m) => m.has(s.id)));
}

/** Accuracy, macro-F1, per-class precision / recall / F1 and the confusion matrix of `predicted` on `subjects`. */
export function figures(subjects: EvalSubject[], predicted: (s: EvalSubject) => number, classes: string[]): Figures {
  const k = classes.length;
  const rep = classificationReport(Int32Array.from(subjects, (s) => s.truth), Int32Array.from(subjects, predicted), k);
  return {
    n: rep.n,
    correct: rep.correct,
    accuracy: rep.accuracy,
    macroF1: rep.macroF1,
    classes: classes.map((name, c) => ({ name, precision: rep.precision[c], recall: rep.recall[c], f1: rep.f1[c], support: rep.support[c], predicted: rep.predicted[c] })),
    confusion: matrixRows(rep.confusion, k),
  };
}

/** One crowd method against the solution; its errors most confident first. */
export function crowdComparison(aggregator: string, subjects: EvalSubject[], labels: CrowdLabels, classes: string[]): Comparison {
  const of = (s: EvalSubject) => labels.get(s.id)!;
  const wrong = subjects.filter((s) => of(s).label !== s.truth);
  wrong.sort((a, b) => of(b).confidence - of(a).confidence || a.id - b.id);
  return {
    aggregator,
    ...figures(subjects, (s) => of(s).label, classes),
    disagreements: wrong.slice(0, LIST_LIMIT).map((s) => ({ subjectId: s.id, name: s.name, crowd: classes[of(s).label], truth: classes[s.truth], confidence: of(s).confidence, votes: of(s).votes })),
    nDisagreements: wrong.length,
  };
}

/** An ML entry against the solution; its errors that the crowd (`reference`) gets right come first. */
export function mlComparison(entry: MlEntry, subjects: EvalSubject[], ml: Map<number, number>, reference: CrowdLabels, classes: string[]): MlComparison {
  const wrong = subjects.filter((s) => ml.get(s.id) !== s.truth);
  const crowdRight = (s: EvalSubject) => (reference.get(s.id)!.label === s.truth ? 0 : 1);
  wrong.sort((a, b) => crowdRight(a) - crowdRight(b) || a.id - b.id);
  return {
    ...entry,
    ...figures(subjects, (s) => ml.get(s.id)!, classes),
    errors: wrong.slice(0, LIST_LIMIT).map((s) => ({ subjectId: s.id, name: s.name, ml: classes[ml.get(s.id)!], truth: classes[s.truth], crowd: classes[reference.get(s.id)!.label] })),
    nErrors: wrong.length,
  };
}

/**
 * Crowd consensus against an ML entry's labels: agreement, the crowd × ML confusion matrix, and the
 * subjects where they differ. Those where exactly one of them is right come first, then those where
 * neither is; within each group the most confident crowd consensus first (then by subject id).
 */
export function crowdVsMl(
  crowd: { aggregator: string; source: 'batch' | 'live'; labels: CrowdLabels },
  entry: Pick<MlEntry, 'submissionId' | 'name' | 'role'>,
  subjects: EvalSubject[],
  ml: Map<number, number>,
  classes: string[],
): CrowdVsMl {
  const k = classes.length;
  const confusion = new Float64Array(k * k);
  const outcomes = { both: 0, crowdOnly: 0, mlOnly: 0, neither: 0 };
  const differ: Array<CrowdVsMl['disagreements'][number]> = [];
  for (const s of subjects) {
    const c = crowd.labels.get(s.id)!;
    const m = ml.get(s.id)!;
    confusion[c.label * k + m]++;
    const crowdRight = c.label === s.truth;
    const mlRight = m === s.truth;
    outcomes[crowdRight ? (mlRight ? 'both' : 'crowdOnly') : mlRight ? 'mlOnly' : 'neither']++;
    if (c.label === m) continue;
    const right: WhoIsRight = crowdRight ? 'crowd' : mlRight ? 'ml' : 'neither';
    differ.push({ subjectId: s.id, name: s.name, crowd: classes[c.label], ml: classes[m], truth: classes[s.truth], right, confidence: c.confidence, votes: c.votes });
  }
  const group = (d: { right: WhoIsRight }) => (d.right === 'neither' ? 1 : 0);
  differ.sort((a, b) => group(a) - group(b) || b.confidence - a.confidence || a.subjectId - b.subjectId);
  const n = subjects.length;
  return {
    aggregator: crowd.aggregator,
    source: crowd.source,
    role: entry.role,
    submissionId: entry.submissionId,
    name: entry.name,
    n,
    agreed: n - differ.length,
    agreement: n ? (n - differ.length) / n : NaN,
    outcomes,
    confusion: matrixRows(confusion, k),
    disagreements: differ.slice(0, LIST_LIMIT),
    nDisagreements: differ.length,
  };
}

/** The board BEST_ML_RULE reads, and the baseline and best competitor rows on it. */
export function pickMlEntries(rows: BoardRow[]): { baseline: BoardRow | null; best: BoardRow | null } {
  return { baseline: rows.find((r) => r.isBaseline && r.name !== CROWD_BASELINE_NAME) ?? null, best: rows.find((r) => !r.isBaseline && r.rank !== null) ?? null };
}

export const mlBoard = (c: Challenge): Board => (privateRevealed(c) ? 'private' : 'public');

/** A stored submission's predicted class codes (solution order), or why they cannot be read. */
async function storedLabels(db: Db, storage: ObjectStorage, c: Challenge, solution: Solution, submissionId: number): Promise<Int32Array | string> {
  const sub = await findSubmission(db, submissionId);
  if (!sub) return 'the submission no longer exists';
  try {
    const outcome = await parseStoredSubmission(storage, sub, c, solution);
    if (!outcome.ok) return `its stored file no longer matches the solution (${outcome.errors[0]?.message ?? 'invalid'})`;
    return outcome.prediction.label;
  } catch (err) {
    return `its stored file cannot be read (${err instanceof Error ? err.message : String(err)})`;
  }
}

/** Crowd methods in a stable order: the live posterior, then the batch aggregators as registered, then any other. */
function methodOrder(names: string[]): string[] {
  const known = [LIVE_AGGREGATOR, ...Object.keys(aggregators)];
  const rank = (n: string) => (known.includes(n) ? known.indexOf(n) : known.length);
  return [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** The votes every consensus is built from, and the simulated share of them. */
async function weightedVotes(db: Db, workflowId: number): Promise<{ total: number; simulated: number }> {
  const r = await db
    .selectFrom('crowd_votes as v')
    .innerJoin('users as u', 'u.id', 'v.user_id')
    .select((eb) => [eb.fn.countAll<number>().as('total'), eb.fn.count<number>('u.simulated').as('simulated')])
    .where('v.workflow_id', '=', workflowId)
    .where('v.weight', '>', 0)
    .executeTakeFirstOrThrow();
  return { total: Number(r.total), simulated: Number(r.simulated) };
}

/** Known sources: live subjects taken from the train rows with their class (volunteers cannot tell them from test rows). */
export interface KnownSubject extends EvalSubject {
  votes: number;
}

/** What every comparison panel is built from, loaded once. */
export interface ComparisonInputs {
  challenge: Challenge | null;
  /** The scoring classes (see scoringClasses). */
  classes: string[];
  /** Test rows in the solution, truth from the solution (hidden). */
  unknown: EvalSubject[];
  /** Known sources, truth from their stored class. */
  known: KnownSubject[];
  /** Counted votes per subject id (known and unknown). */
  voteCount: Map<number, number>;
  /** Consensus per crowd method, over known and unknown subjects. */
  crowd: Map<string, CrowdLabels>;
  /** The crowd methods in display order. */
  methods: string[];
  computedAt: string | null;
  board: Board | null;
  /** ML labels on every unknown subject, by role; null with a note when missing. */
  ml: Record<MlEntry['role'], { entry: MlEntry; labels: Map<number, number> } | null>;
  /** Why something is missing; they concern the test rows, so they are as hidden as the solution. */
  notes: string[];
  votes: { total: number; simulated: number };
}

/**
 * Loads the subjects (test rows and known sources), every crowd consensus, and the baseline's and
 * best ML entry's labels from their stored files. `storage` holds the submission files.
 */
export async function loadComparisonInputs(db: Db, wf: Workflow, storage: ObjectStorage): Promise<ComparisonInputs> {
  const inputs: ComparisonInputs = { challenge: null, classes: wf.classes, unknown: [], known: [], voteCount: new Map(), crowd: new Map(), methods: [], computedAt: null, board: null, ml: { baseline: null, best: null }, notes: [], votes: await weightedVotes(db, wf.id) };
  const challenge = await findChallengeById(db, wf.challengeId);
  if (!challenge) return { ...inputs, notes: ['The challenge no longer exists.'] };
  inputs.challenge = challenge;
  const solution = await loadChallengeSolution(storage, challenge);
  const { classes, notes } = scoringClasses(wf.classes, solution.classes);
  Object.assign(inputs, { classes, notes });
  const toClass = Int32Array.from(solution.classes, (c) => classes.indexOf(c));

  const subjects = await db.selectFrom('crowd_subjects').select(['id', 'external_id', 'gold_class', 'vote_count', 'consensus_class', 'consensus_confidence']).where('workflow_id', '=', wf.id).where('is_gold', '=', 0).orderBy('id').execute();
  const live = subjects.filter((s) => s.gold_class === null);
  const row = new Map<number, number>();
  const scored = new Set<number>();
  for (const s of live) {
    const r = solution.index.get(s.external_id);
    if (r === undefined) continue;
    row.set(s.id, r);
    scored.add(s.id);
    inputs.unknown.push({ id: s.id, name: s.external_id, truth: toClass[solution.label[r]] });
  }
  if (inputs.unknown.length < live.length) notes.push(`${live.length - inputs.unknown.length} live subject(s) are not in the solution and are left out.`);
  for (const s of subjects) {
    inputs.voteCount.set(s.id, s.vote_count);
    if (s.gold_class === null || s.gold_class < 0 || s.gold_class >= wf.classes.length) continue;
    scored.add(s.id);
    inputs.known.push({ id: s.id, name: s.external_id, truth: s.gold_class, votes: s.vote_count });
  }

  const known = (label: number | null): label is number => label !== null && label >= 0 && label < wf.classes.length;
  inputs.crowd.set(LIVE_AGGREGATOR, new Map(subjects.filter((s) => s.vote_count > 0 && known(s.consensus_class) && scored.has(s.id)).map((s) => [s.id, { label: s.consensus_class!, confidence: s.consensus_confidence ?? 0, votes: s.vote_count }])));
  const batch = await db.selectFrom('crowd_consensus').select(['subject_id', 'aggregator', 'label', 'confidence', 'n_votes', 'computed_at']).where('workflow_id', '=', wf.id).execute();
  for (const b of batch) {
    if (!scored.has(b.subject_id) || !known(b.label)) continue;
    if (!inputs.crowd.has(b.aggregator)) inputs.crowd.set(b.aggregator, new Map());
    inputs.crowd.get(b.aggregator)!.set(b.subject_id, { label: b.label, confidence: b.confidence, votes: b.n_votes });
  }
  inputs.computedAt = batch[0]?.computed_at ?? null;
  inputs.methods = methodOrder([...inputs.crowd.keys()]);

  const which = mlBoard(challenge);
  inputs.board = which;
  const picked = pickMlEntries(await board(db, challenge, which, false, { live: true }));
  for (const role of ['baseline', 'best'] as const) {
    const entry = picked[role];
    if (!entry) {
      notes.push(role === 'baseline' ? `No baseline on the ${which} leaderboard yet.` : `No scored ML submission on the ${which} leaderboard yet.`);
      continue;
    }
    const codes = await storedLabels(db, storage, challenge, solution, entry.submissionId);
    if (typeof codes === 'string') {
      notes.push(`The ${role === 'baseline' ? 'baseline' : 'ML submission'} #${entry.submissionId} is left out: ${codes}.`);
      continue;
    }
    const labels = new Map(inputs.unknown.map((s) => [s.id, toClass[codes[row.get(s.id)!]]]));
    inputs.ml[role] = { entry: { role, submissionId: entry.submissionId, name: entry.name, board: which, boardScore: entry.score, rank: entry.rank, createdAt: entry.createdAt }, labels };
  }
  return inputs;
}

/**
 * Crowd consensus (each aggregator), the baseline and the best ML entry against the hidden solution,
 * all on the live subjects every crowd method has a consensus for, and the crowd consensus against
 * the best ML entry (it uses the labels: hidden while the challenge is open).
 */
export function solutionComparison(inputs: ComparisonInputs): ComparisonResult {
  const { classes, crowd, methods } = inputs;
  const notes = [...inputs.notes];
  const result: ComparisonResult = { classes, subjects: 0, computedAt: inputs.computedAt, comparisons: [], summary: [], ml: { board: inputs.board, rule: BEST_ML_RULE, baseline: null, best: null }, agreement: null, reference: null, notes, votes: inputs.votes };
  if (!inputs.challenge) return result;
  const subjects = evaluationSet(inputs.unknown, methods.map((m) => crowd.get(m)!));
  result.subjects = subjects.length;
  const liveOnly = evaluationSet(inputs.unknown, [crowd.get(LIVE_AGGREGATOR)!]).length - subjects.length;
  if (liveOnly > 0) notes.push(`${liveOnly} subject(s) have a live consensus but none from the last consensus job; run the job again to include them.`);
  if (!subjects.length) {
    notes.push('No live subject has a crowd consensus yet.');
    return result;
  }

  const reference = referenceOf(crowd);
  result.reference = { aggregator: reference.aggregator, source: reference.source };
  result.comparisons = methods.map((m) => crowdComparison(m, subjects, crowd.get(m)!, classes));
  result.summary = result.comparisons.map((c) => ({ method: c.aggregator, kind: 'crowd' as const, n: c.n, accuracy: c.accuracy, macroF1: c.macroF1, submissionId: null }));
  for (const role of ['baseline', 'best'] as const) {
    const ml = inputs.ml[role];
    if (!ml) continue;
    const cmp = mlComparison(ml.entry, subjects, ml.labels, reference.labels, classes);
    result.ml[role] = cmp;
    result.summary.push({ method: role === 'baseline' ? `baseline (${ml.entry.name})` : `best ML (${ml.entry.name})`, kind: role === 'baseline' ? 'baseline' : 'ml', n: cmp.n, accuracy: cmp.accuracy, macroF1: cmp.macroF1, submissionId: ml.entry.submissionId });
  }
  // Against the best entry; a new challenge (or the demo) has none yet, and its baseline is then the ML side.
  const side = inputs.ml.best && result.ml.best ? { cmp: result.ml.best, labels: inputs.ml.best.labels } : inputs.ml.baseline && result.ml.baseline ? { cmp: result.ml.baseline, labels: inputs.ml.baseline.labels } : null;
  if (side) result.agreement = crowdVsMl(reference, side.cmp, subjects, side.labels, classes);
  return result;
}

/** The crowd consensus set against ML: Dawid–Skene once the batch job has run, else the live posterior. */
export function referenceOf(crowd: Map<string, CrowdLabels>): { aggregator: string; source: 'batch' | 'live'; labels: CrowdLabels } {
  const name = crowd.has(REFERENCE_AGGREGATOR) ? REFERENCE_AGGREGATOR : LIVE_AGGREGATOR;
  return { aggregator: name, source: name === LIVE_AGGREGATOR ? 'live' : 'batch', labels: crowd.get(name)! };
}

/** The solution comparison of a workflow (loads its inputs). */
export async function compareWithSolution(db: Db, wf: Workflow, storage: ObjectStorage): Promise<ComparisonResult> {
  return solutionComparison(await loadComparisonInputs(db, wf, storage));
}
