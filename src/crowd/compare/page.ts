/**
 * The comparison page as CLAXSON published it: for known sources (train rows with their class, served
 * like test rows) and for unknown sources (test rows, scored against the hidden solution), a CLAXSON
 * table with bootstrap intervals per method, paired crowd-minus-ML differences, per-class F1 for a
 * forest plot, and the methods note. buildComparison computes everything; forViewer keeps what the
 * viewer may see (see visibility.ts).
 */
import type { Db } from '../../db/index.js';
import { ABSTAIN } from '../../../scorers/claxson.js';
import { readOutOfFold } from '../../baseline/oof.js';
import type { BaselineRecord } from '../../baseline/train.js';
import { storedBaselineRecord } from '../../baseline/service.js';
import type { ForestRow } from '../plots/forest.js';
import { forestRowsOf } from '../plots/forest.js';
import type { Workflow } from '../repo.js';
import { evaluationSet, loadComparisonInputs, referenceOf, solutionComparison, type ComparisonInputs, type ComparisonResult, type EvalSubject } from '../compare.js';
import { BOOTSTRAP_LEVEL, crowdCodes, DEFAULT_BOOTSTRAP, mlCodes, sourcePanel, type BootstrapSettings, type MethodInput, type Source, type SourcePanel } from './tables.js';
import { baselineFolderKey, type ObjectStorage } from '../../storage/index.js';

export const BASELINE_METHOD = 'baseline';
export const BEST_METHOD = 'best ML';
export const NO_OOF = 'The baseline has no out-of-fold predictions; retrain it.';
export const BEST_NOT_APPLICABLE = 'Not applicable: ML entries predict the test rows only, never the training rows the known sources come from.';

export const SOURCE_TITLES: Record<Source, string> = { known: 'known sources', unknown: 'unknown sources (test rows)' };

export interface Spread {
  /** Subjects counted. */
  n: number;
  median: number;
  min: number;
  max: number;
}

export interface MethodsNote {
  aggregators: string[];
  reference: { aggregator: string; source: 'batch' | 'live' } | null;
  retirement: string;
  minConsensusVotes: number;
  /** Counted votes per scored subject, per source (null when none is scored). */
  votesPerSubject: Record<Source, Spread | null>;
  volunteers: { total: number; simulated: number };
  votes: { total: number; simulated: number };
  baseline: { submissionId: number | null; backend: string | null; seed: number | null; trainedAt: string | null; outOfFold: boolean } | null;
  /** The best ML entry: which one it is follows the organizers' view of the board, so it is hidden while the challenge is open. */
  best: { submissionId: number; name: string; createdAt: string } | null;
  bootstrap: { seed: number; resamples: number; level: number; why: string };
  consensusComputedAt: string | null;
}

export interface FullComparison {
  classes: string[];
  known: SourcePanel;
  unknown: SourcePanel;
  /** The summary, crowd × ML agreement and disagreement lists on the test rows. */
  solution: ComparisonResult;
  methods: MethodsNote;
  forest: Record<Source, ForestRow[]>;
  /** Notes about known sources only (safe for everyone). */
  notes: string[];
}

export const BOOTSTRAP_WHY =
  'Seed and resample count are fixed so that the page, its exports and the API give the same intervals on every load and anyone can recompute them; 1,000 resamples put the Monte Carlo error of each 2.5%/97.5% bound near ±0.01, well inside the intervals themselves.';

/** Median and range of `values` (null when empty). */
export function spread(values: number[]): Spread | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { n: sorted.length, median, min: sorted[0], max: sorted[sorted.length - 1] };
}

export function retirementRule(wf: Workflow): string {
  return wf.retirement === 'fixed'
    ? `fixed: a subject retires after ${wf.retireCount} counted votes`
    : `adaptive: a subject retires once its leading class reaches a posterior of ${wf.adaptiveThreshold} after at least ${wf.adaptiveMinVotes} counted votes`;
}

/** Volunteers with a counted vote on the workflow, and how many of them are simulated. */
async function volunteerCounts(db: Db, workflowId: number): Promise<{ total: number; simulated: number }> {
  const rows = await db
    .selectFrom('crowd_votes as v')
    .innerJoin('users as u', 'u.id', 'v.user_id')
    .select(['u.id', 'u.simulated'])
    .distinct()
    .where('v.workflow_id', '=', workflowId)
    .where('v.weight', '>', 0)
    .execute();
  return { total: rows.length, simulated: rows.filter((r) => r.simulated !== null).length };
}

/**
 * The training record of the baseline behind `submissionId`: the run that submitted it, else the
 * record on disk (a baseline submitted before runs kept their submission, or from the CLI).
 */
async function baselineRecord(db: Db, storage: ObjectStorage, slug: string, submissionId: number | null): Promise<Pick<BaselineRecord, 'backend' | 'seed' | 'createdAt'> | null> {
  if (submissionId !== null) {
    const run = await db.selectFrom('baseline_runs').select('record_json').where('submission_id', '=', submissionId).orderBy('id', 'desc').executeTakeFirst();
    if (run?.record_json) return JSON.parse(run.record_json) as BaselineRecord;
  }
  return storedBaselineRecord(storage, slug);
}

/** The baseline's class code per known source from its out-of-fold file (ABSTAIN for a row it lacks), or why there is none. */
function outOfFoldCodes(oof: Map<string, string> | null, subjects: EvalSubject[], classes: string[]): Int32Array | string {
  if (!oof) return NO_OOF;
  return Int32Array.from(subjects, (s) => {
    const label = oof.get(s.name);
    return label === undefined ? ABSTAIN : classes.indexOf(label);
  });
}

/** The methods of one source: every crowd aggregator, then the baseline and the best ML entry. */
function methodInputs(inputs: ComparisonInputs, source: Source, subjects: EvalSubject[], minVotes: number, baseline: Int32Array | string, best: Int32Array | string): MethodInput[] {
  return [
    ...inputs.methods.map((m): MethodInput => ({ method: m, kind: 'crowd', submissionId: null, pred: crowdCodes(subjects, inputs.crowd.get(m)!, minVotes) })),
    { method: BASELINE_METHOD, kind: 'baseline', submissionId: inputs.ml.baseline?.entry.submissionId ?? null, pred: baseline },
    // Which entry is best follows the organizers' view of the board: named only where the test rows are (hidden while open).
    { method: BEST_METHOD, kind: 'ml', submissionId: source === 'unknown' ? (inputs.ml.best?.entry.submissionId ?? null) : null, pred: best },
  ];
}

/** The per-class F1 rows of the forest plot: the reference crowd, the baseline and the best ML entry. */
function forestOf(panel: SourcePanel, reference: string | null, classes: string[]): ForestRow[] {
  const label = (m: string) => `${m === reference ? 'crowd' : m} · ${panel.source}`;
  return panel.tables.filter((t) => (t.method === reference || t.kind !== 'crowd') && t.intervals).flatMap((t) => forestRowsOf(label(t.method), t.intervals!.f1, classes));
}

export interface BuildOptions {
  minConsensusVotes: number;
  bootstrap?: BootstrapSettings;
}

/** Everything the comparison page shows, hidden parts included (forViewer filters them). */
export async function buildComparison(db: Db, wf: Workflow, storage: ObjectStorage, opts: BuildOptions): Promise<FullComparison> {
  const inputs = await loadComparisonInputs(db, wf, storage);
  const solution = solutionComparison(inputs);
  const { classes, challenge } = inputs;
  const bootstrap = opts.bootstrap ?? DEFAULT_BOOTSTRAP;
  const minVotes = opts.minConsensusVotes;
  const reference = challenge ? referenceOf(inputs.crowd) : null;
  const pairs: Array<[string, string, string, string]> = reference ? [[reference.aggregator, BASELINE_METHOD, 'crowd', 'baseline'], [reference.aggregator, BEST_METHOD, 'crowd', 'best ML']] : [];
  const crowdMaps = inputs.methods.map((m) => inputs.crowd.get(m)!);
  const notes: string[] = [];

  const known = challenge ? evaluationSet(inputs.known, crowdMaps) : [];
  if (challenge) await storage.localDir(baselineFolderKey(challenge.slug));
  const oof = challenge ? readOutOfFold(storage.localRoot, challenge.slug) : null;
  const knownBaseline = outOfFoldCodes(oof, known, classes);
  if (typeof knownBaseline === 'string') notes.push(NO_OOF);
  else {
    const lacking = knownBaseline.filter((c) => c === ABSTAIN).length;
    if (lacking) notes.push(`${lacking} known source(s) have no out-of-fold prediction from the baseline (it was trained on other rows): counted as abstentions.`);
  }
  const truthOf = (subjects: EvalSubject[]) => Int32Array.from(subjects, (s) => s.truth);
  const knownPanel = sourcePanel('known', truthOf(known), methodInputs(inputs, 'known', known, minVotes, knownBaseline, BEST_NOT_APPLICABLE), classes, pairs, bootstrap);

  const unknown = challenge ? evaluationSet(inputs.unknown, crowdMaps) : [];
  const missingMl = (role: 'baseline' | 'best') => `No ${role === 'baseline' ? 'baseline' : 'scored ML entry'} to score on the ${inputs.board ?? 'public'} leaderboard (see the notes).`;
  const unknownBaseline = inputs.ml.baseline ? mlCodes(unknown, inputs.ml.baseline.labels) : missingMl('baseline');
  const unknownBest = inputs.ml.best ? mlCodes(unknown, inputs.ml.best.labels) : missingMl('best');
  const unknownPanel = sourcePanel('unknown', truthOf(unknown), methodInputs(inputs, 'unknown', unknown, minVotes, unknownBaseline, unknownBest), classes, pairs, bootstrap);

  const votesOf = (subjects: EvalSubject[]) => spread(subjects.map((s) => inputs.voteCount.get(s.id) ?? 0));
  const baselineEntry = inputs.ml.baseline?.entry ?? null;
  const record = challenge ? await baselineRecord(db, storage, challenge.slug, baselineEntry?.submissionId ?? null) : null;
  const best = inputs.ml.best?.entry ?? null;
  const methods: MethodsNote = {
    aggregators: inputs.methods,
    reference: reference && { aggregator: reference.aggregator, source: reference.source },
    retirement: retirementRule(wf),
    minConsensusVotes: minVotes,
    votesPerSubject: { known: votesOf(known), unknown: votesOf(unknown) },
    volunteers: await volunteerCounts(db, wf.id),
    votes: inputs.votes,
    baseline: baselineEntry || record ? { submissionId: baselineEntry?.submissionId ?? null, backend: record?.backend ?? null, seed: record?.seed ?? null, trainedAt: record?.createdAt ?? null, outOfFold: oof !== null } : null,
    best: best && { submissionId: best.submissionId, name: best.name, createdAt: best.createdAt },
    bootstrap: { ...bootstrap, level: BOOTSTRAP_LEVEL, why: BOOTSTRAP_WHY },
    consensusComputedAt: inputs.computedAt,
  };
  const refName = reference?.aggregator ?? null;
  return { classes, known: knownPanel, unknown: unknownPanel, solution, methods, forest: { known: forestOf(knownPanel, refName, classes), unknown: forestOf(unknownPanel, refName, classes) }, notes };
}
