/**
 * The crowd's AMS next to the models', for challenges scored by AMS (HiggsML). The reference
 * consensus (the one the page sets against ML) gives every event a posterior probability of the
 * positive class `s`; events whose posterior passes a threshold are the crowd's selection, scored
 * with the official AMS on the same test events as the baseline's and the best entry's selections
 * (their files' Class column), per subset, with paired seeded bootstrap intervals; and the AMS
 * against the fraction selected, for the crowd ranked by posterior and for ML by RankOrder.
 *
 * The threshold. It is chosen on known sources: training rows with their class, served and
 * aggregated exactly like test events (is_gold = 0, gold_class set), so their posteriors are on the
 * test events' scale, and volunteers never learn their class. Gold subjects (is_gold = 1) cannot
 * serve: Dawid–Skene clamps them to their class and the live posterior never moves on them, so
 * every threshold would look perfect there. Their weights come from the training file. No test
 * label, weight or Usage is read to choose it (chooseCrowdThreshold sees the known rows only).
 *
 * Everything here uses the hidden solution: the service computes it only for viewers allowed hidden
 * results (visibility.ts), and the panel is hiddenOnly.
 *
 * Cost: the bootstrap is memoised by the content it is computed from (every input array, the
 * options and CROWD_AMS_VERSION), so a new vote, a new consensus or a new ML entry recomputes and
 * nothing else does; parsed ML files and training weights are kept by file version.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { Db } from '../../db/index.js';
import { AMS_DEFAULTS } from '../../../scorers/ams.js';
import type { Interval } from '../../../scorers/bootstrap.js';
import { amsCurve, amsWithInterval, chooseCrowdThreshold, crowdSelection, CROWD_AMS_VERSION, evenFractions, type AmsCurvePoint, type CrowdThreshold } from '../../../scorers/crowd-ams.js';
import { USAGE, type Solution, type Subset } from '../../../scorers/types.js';
import { findChallengeById, type Challenge } from '../../challenges/repo.js';
import { loadChallengeSolution } from '../../challenges/service.js';
import { readMaybeGzipped } from '../../gzip.js';
import { findSubmission } from '../../submissions/repo.js';
import { parseStoredSubmission } from '../../submissions/service.js';
import { amsCurveSvg, type AmsCurveSeries } from '../plots/ams-curve.js';
import { LIVE_AGGREGATOR } from '../compare.js';
import type { Workflow } from '../repo.js';
import { BASELINE_METHOD, BEST_METHOD, type MethodsNote } from './page.js';
import { BOOTSTRAP_LEVEL, DEFAULT_BOOTSTRAP, type BootstrapSettings } from './tables.js';
import { fileKeyIn, type ObjectStorage } from '../../storage/index.js';

export const AMS_METRIC = 'ams';
export const CROWD_METHOD = 'crowd';
export const SUBSETS: Subset[] = ['public', 'private'];
const SUBSET_TITLES: Record<Subset, string> = { public: 'Public', private: 'Private' };
/** Points per curve: every 2% of the events. */
const CURVE_STEPS = 50;

export type AmsMethodKind = 'crowd' | 'baseline' | 'ml';

export interface AmsMethodFigures {
  name: string;
  kind: AmsMethodKind;
  submissionId: number | null;
  /** The official AMS of this selection on the subset (as the leaderboard scores it), with its interval. */
  ams: Interval;
  s: number;
  b: number;
  selected: number;
}

export interface AmsCurve {
  method: string;
  kind: AmsMethodKind;
  points: AmsCurvePoint[];
  /** Where the method's own selection sits: its share of the events and its AMS. */
  operatingPoint: { fraction: number; ams: number } | null;
}

export interface AmsSubsetFigures {
  subset: Subset;
  /** Events of this subset among the panel's events. */
  events: number;
  methods: AmsMethodFigures[];
  /** Paired differences crowd − each ML method (none without a crowd selection). */
  differences: { name: string; difference: Interval }[];
  curves: AmsCurve[];
}

export interface AmsPanel {
  version: string;
  /** The consensus the crowd's posteriors come from (the page's reference). */
  reference: { aggregator: string; source: 'batch' | 'live' } | null;
  /** Whether simulated volunteers cast votes behind it, and how many of the weighted votes. */
  simulated: { votes: number; total: number } | null;
  minConsensusVotes: number;
  /** Test events the panel scores: live subjects in the solution with a reference consensus from enough votes. */
  events: number;
  /** Known sources with a consensus from enough votes: the candidates the threshold is chosen on. */
  knownSources: number;
  /** The crowd's threshold on the posterior of `s`, and its AMS on the known sources; null with a note when none qualifies. */
  threshold: CrowdThreshold | null;
  positiveClass: string;
  ams: { Ns: number; Nb: number; bReg: number };
  bootstrap: { seed: number; resamples: number; level: number };
  subsets: AmsSubsetFigures[];
  notes: string[];
}

/** What the comparison view carries about AMS: nothing for other metrics; the panel only for viewers allowed hidden results. */
export type AmsView = { scoredByAms: false } | { scoredByAms: true; panel: AmsPanel | null };

export const THRESHOLD_RULE =
  'The crowd selects the events whose posterior probability of s is at least a threshold. The threshold is the one that maximises the AMS on the known sources (training events with their class, served and aggregated exactly like test events; their weights renormalised to Ns and Nb) among those selecting at least 10 of them; no test label, weight or subset is read to choose it.';

export const isScoredByAms = (c: Pick<Challenge, 'metric'>): boolean => c.metric === AMS_METRIC;

/** The arrays the panel is computed from: one entry per scored test event, and per known source. */
export interface AmsInputs {
  positiveClass: string;
  ams: { Ns: number; Nb: number; bReg: number };
  /** Per test event: crowd posterior of `s`, truth, weight and USAGE code. */
  posteriorS: Float64Array;
  isSignal: Uint8Array;
  weight: Float64Array;
  usage: Uint8Array;
  /** Per known source. */
  known: { posteriorS: Float64Array; isSignal: Uint8Array; weight: Float64Array };
  /** The baseline and the best entry: selection (1 = Class s) and RankOrder per test event (null when the format has none). */
  ml: Array<{ name: string; kind: 'baseline' | 'ml'; submissionId: number; selected: Uint8Array; rank: Float64Array | null }>;
  crowdName: string;
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

const MEMO_LIMIT = 32;
const memo = new Map<string, { threshold: CrowdThreshold | null; subsets: AmsSubsetFigures[]; notes: string[] }>();

/** Memo key: the data itself, the options and CROWD_AMS_VERSION, so a stale result can never be served. */
function memoKey(inputs: AmsInputs, bootstrap: BootstrapSettings): string {
  const hash = createHash('sha256').update(JSON.stringify([CROWD_AMS_VERSION, inputs.ams, bootstrap, inputs.crowdName, inputs.ml.map((m) => [m.name, m.kind, m.submissionId, m.rank !== null])]));
  const arrays: ArrayBufferView[] = [inputs.posteriorS, inputs.isSignal, inputs.weight, inputs.usage, inputs.known.posteriorS, inputs.known.isSignal, inputs.known.weight];
  for (const m of inputs.ml) arrays.push(m.selected, ...(m.rank ? [m.rank] : []));
  for (const a of arrays) hash.update(JSON.stringify(a.byteLength)).update(bytesOf(a));
  return hash.digest('base64');
}

/**
 * The threshold (from the known sources alone), then per subset the AMS of every method with paired
 * intervals and the curves. Pure; memoised by content.
 */
export function computeAms(inputs: AmsInputs, bootstrap: BootstrapSettings = DEFAULT_BOOTSTRAP): { threshold: CrowdThreshold | null; subsets: AmsSubsetFigures[]; notes: string[] } {
  const key = memoKey(inputs, bootstrap);
  const hit = memo.get(key);
  if (hit) return hit;
  const notes: string[] = [];
  const { known, ams } = inputs;
  const threshold = chooseCrowdThreshold(known.posteriorS, known.isSignal, known.weight, new Uint8Array(known.posteriorS.length).fill(1), ams);
  if (!threshold) notes.push(`No crowd selection: the threshold needs at least 10 known sources with a consensus, including signal (${known.posteriorS.length} have one, ${known.isSignal.reduce((n, v) => n + v, 0)} of them signal).`);
  const crowdSelected = threshold ? crowdSelection(inputs.posteriorS, threshold.threshold) : null;
  const methods = [
    ...(crowdSelected ? [{ name: inputs.crowdName, kind: 'crowd' as const, submissionId: null, selected: crowdSelected }] : []),
    ...inputs.ml.map((m) => ({ name: m.name, kind: m.kind, submissionId: m.submissionId, selected: m.selected })),
  ];

  const subsets: AmsSubsetFigures[] = [];
  for (const subset of SUBSETS) {
    const code = subset === 'public' ? USAGE.Public : USAGE.Private;
    const rows = Uint8Array.from(inputs.usage, (u) => (u === code ? 1 : 0));
    const events = rows.reduce((n, v) => n + v, 0);
    if (events === 0 || methods.length === 0) {
      if (events === 0) notes.push(`No ${SUBSET_TITLES[subset]} event among the scored events.`);
      continue;
    }
    const cmp = amsWithInterval(methods, inputs.isSignal, inputs.weight, rows, { seed: bootstrap.seed, resamples: bootstrap.resamples, level: BOOTSTRAP_LEVEL, ...ams });
    const figures = cmp.methods.map((f, k): AmsMethodFigures => ({ name: f.name, kind: methods[k].kind, submissionId: methods[k].submissionId, ams: f.ams, s: f.s, b: f.b, selected: f.selected }));
    const operatingPoint = (k: number) => (figures[k].ams.estimate === null ? null : { fraction: figures[k].selected / events, ams: figures[k].ams.estimate });
    const fractions = evenFractions(CURVE_STEPS);
    const curves: AmsCurve[] = [];
    if (crowdSelected) curves.push({ method: inputs.crowdName, kind: 'crowd', points: amsCurve(inputs.posteriorS, inputs.isSignal, inputs.weight, fractions, rows, ams), operatingPoint: operatingPoint(0) });
    inputs.ml.forEach((m, j) => {
      if (m.rank) curves.push({ method: m.name, kind: m.kind, points: amsCurve(m.rank, inputs.isSignal, inputs.weight, fractions, rows, ams), operatingPoint: operatingPoint(j + (crowdSelected ? 1 : 0)) });
    });
    subsets.push({ subset, events, methods: figures, differences: crowdSelected ? cmp.differences : [], curves });
  }
  return remember(memo, key, { threshold, subsets, notes }, MEMO_LIMIT);
}

/** Keeps at most `limit` entries, dropping the oldest. */
function remember<V>(cache: Map<string, V>, key: string, value: V, limit: number): V {
  if (cache.size >= limit) cache.delete(cache.keys().next().value!);
  cache.set(key, value);
  return value;
}

/** Parsed ML files by submission, file and solution version (stored files never change). */
const predictions = new Map<string, { label: Int32Array; rank: Int32Array | null } | string>();

async function storedPrediction(db: Db, storage: ObjectStorage, c: Challenge, solution: Solution, submissionId: number): Promise<{ label: Int32Array; rank: Int32Array | null } | string> {
  const sub = await findSubmission(db, submissionId);
  if (!sub) return 'the submission no longer exists';
  const key = JSON.stringify([submissionId, sub.file_path, solution.sha256, c.format]);
  const hit = predictions.get(key);
  if (hit) return hit;
  let value: { label: Int32Array; rank: Int32Array | null } | string;
  try {
    const outcome = await parseStoredSubmission(storage, sub, c, solution);
    value = outcome.ok ? { label: outcome.prediction.label, rank: outcome.prediction.rank ?? null } : `its stored file no longer matches the solution (${outcome.errors[0]?.message ?? 'invalid'})`;
  } catch (err) {
    return `its stored file cannot be read (${err instanceof Error ? err.message : String(err)})`;
  }
  return remember(predictions, key, value, 8);
}

/** Training weights by row id, by training file version (the known sources' weights; 1 without a weight column). */
const trainWeights = new Map<string, Map<string, number>>();

async function trainingWeights(storage: ObjectStorage, c: Challenge): Promise<Map<string, number> | null> {
  if (!c.weight_column) return null;
  const file = await storage.localPath(fileKeyIn(c.folder_key, c.train_file)).catch(() => null);
  if (!file) return new Map();
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (!st) return new Map();
  const key = JSON.stringify([file, st.mtimeMs, st.size, c.id_column, c.weight_column]);
  const hit = trainWeights.get(key);
  if (hit) return hit;
  const records = parse(readMaybeGzipped(file), { columns: true, skip_empty_lines: true, bom: true, relax_column_count: true }) as Record<string, string>[];
  const weights = new Map<string, number>();
  for (const r of records) {
    const w = Number(r[c.weight_column]);
    if (r[c.id_column] !== undefined && Number.isFinite(w)) weights.set(r[c.id_column], w);
  }
  return remember(trainWeights, key, weights, 4);
}

function amsOptions(c: Challenge): { Ns: number; Nb: number; bReg: number } {
  const o = c.metricOptions;
  const num = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
  return { Ns: num(o.Ns, AMS_DEFAULTS.Ns), Nb: num(o.Nb, AMS_DEFAULTS.Nb), bReg: num(o.b_reg, AMS_DEFAULTS.bReg) };
}

/** One consensus per subject: the posterior over the workflow's classes and the votes behind it. */
type Posteriors = Map<number, { posterior: number[]; votes: number }>;

async function referencePosteriors(db: Db, wf: Workflow, aggregator: string): Promise<Posteriors> {
  const out: Posteriors = new Map();
  if (aggregator === LIVE_AGGREGATOR) {
    const rows = await db.selectFrom('crowd_subjects').select(['id', 'posterior_json', 'vote_count', 'consensus_class']).where('workflow_id', '=', wf.id).where('is_gold', '=', 0).where('vote_count', '>', 0).execute();
    for (const r of rows) if (r.consensus_class !== null) out.set(r.id, { posterior: JSON.parse(r.posterior_json) as number[], votes: r.vote_count });
    return out;
  }
  const rows = await db.selectFrom('crowd_consensus').select(['subject_id', 'posterior_json', 'n_votes']).where('workflow_id', '=', wf.id).where('aggregator', '=', aggregator).execute();
  for (const r of rows) out.set(r.subject_id, { posterior: JSON.parse(r.posterior_json) as number[], votes: r.n_votes });
  return out;
}

/**
 * Loads the panel's arrays: the reference consensus on the test events and known sources with at
 * least `minVotes` votes, the solution's truth, weights and Usage on those test events, the known
 * sources' weights from the training file, and the ML entries' selections and RankOrders.
 */
export async function loadAmsInputs(
  db: Db,
  wf: Workflow,
  storage: ObjectStorage,
  c: Challenge,
  methods: Pick<MethodsNote, 'reference' | 'baseline' | 'best' | 'votes'>,
  minVotes: number,
): Promise<{ inputs: AmsInputs | null; notes: string[] }> {
  const notes: string[] = [];
  const solution = await loadChallengeSolution(storage, c);
  const positiveClass = typeof c.metricOptions.positive_class === 'string' ? c.metricOptions.positive_class : 's';
  const positive = solution.classes.indexOf(positiveClass);
  const crowdPositive = wf.classes.indexOf(positiveClass);
  if (positive < 0) return { inputs: null, notes: [`The solution has no class '${positiveClass}' (the AMS's signal class).`] };
  if (crowdPositive < 0) return { inputs: null, notes: [`Volunteers cannot choose '${positiveClass}' (the AMS's signal class), so the crowd has no posterior of it.`] };
  if (!methods.reference) return { inputs: null, notes: ['No subject has a crowd consensus yet.'] };

  const consensus = await referencePosteriors(db, wf, methods.reference.aggregator);
  const subjects = await db.selectFrom('crowd_subjects').select(['id', 'external_id', 'gold_class']).where('workflow_id', '=', wf.id).where('is_gold', '=', 0).orderBy('id').execute();
  const weights = await trainingWeights(storage, c);
  const events: Array<{ row: number; p: number }> = [];
  const known: Array<{ p: number; signal: number; weight: number }> = [];
  let tooFew = 0;
  let noWeight = 0;
  for (const s of subjects) {
    const cons = consensus.get(s.id);
    const row = s.gold_class === null ? solution.index.get(s.external_id) : undefined;
    if (s.gold_class === null && row === undefined) continue;
    if (!cons) continue;
    if (cons.votes < minVotes) {
      tooFew++;
      continue;
    }
    const p = cons.posterior[crowdPositive] ?? NaN;
    if (row !== undefined) events.push({ row, p });
    else {
      const weight = weights === null ? 1 : weights.get(s.external_id);
      if (weight === undefined) noWeight++;
      else known.push({ p, signal: s.gold_class === crowdPositive ? 1 : 0, weight });
    }
  }
  if (tooFew) notes.push(`${tooFew} subject(s) have a consensus from fewer than ${minVotes} votes and are left out.`);
  if (noWeight) notes.push(`${noWeight} known source(s) have no weight in the training file and are left out of the threshold.`);
  if (!events.length) return { inputs: null, notes: [...notes, `No test event has a crowd consensus from ${minVotes} or more votes yet.`] };

  const ml: AmsInputs['ml'] = [];
  const entries = [
    { kind: 'baseline' as const, name: BASELINE_METHOD, id: methods.baseline?.submissionId ?? null },
    { kind: 'ml' as const, name: BEST_METHOD, id: methods.best?.submissionId ?? null },
  ];
  for (const e of entries) {
    if (e.id === null) {
      notes.push(e.kind === 'baseline' ? 'No baseline to set against the crowd yet.' : 'No scored ML entry to set against the crowd yet.');
      continue;
    }
    const pred = await storedPrediction(db, storage, c, solution, e.id);
    if (typeof pred === 'string') {
      notes.push(`The ${e.name} (submission #${e.id}) is left out: ${pred}.`);
      continue;
    }
    const rank = pred.rank;
    ml.push({ name: e.name, kind: e.kind, submissionId: e.id, selected: Uint8Array.from(events, (ev) => (pred.label[ev.row] === positive ? 1 : 0)), rank: rank ? Float64Array.from(events, (ev) => rank[ev.row]) : null });
  }

  const simulated = methods.votes.simulated > 0;
  return {
    inputs: {
      positiveClass,
      ams: amsOptions(c),
      posteriorS: Float64Array.from(events, (e) => e.p),
      isSignal: Uint8Array.from(events, (e) => (solution.label[e.row] === positive ? 1 : 0)),
      weight: Float64Array.from(events, (e) => solution.weight[e.row]),
      usage: Uint8Array.from(events, (e) => solution.usage[e.row]),
      known: { posteriorS: Float64Array.from(known, (k) => k.p), isSignal: Uint8Array.from(known, (k) => k.signal), weight: Float64Array.from(known, (k) => k.weight) },
      ml,
      crowdName: simulated ? `${CROWD_METHOD} (simulated)` : CROWD_METHOD,
    },
    notes,
  };
}

/**
 * The AMS part of the comparison view: nothing for a challenge not scored by AMS, no figure for a
 * viewer not allowed hidden results (nothing is even computed), else the panel.
 */
export async function amsView(
  db: Db,
  wf: Workflow,
  storage: ObjectStorage,
  methods: MethodsNote,
  hiddenShown: boolean,
  minVotes: number,
  bootstrap: BootstrapSettings = DEFAULT_BOOTSTRAP,
): Promise<AmsView> {
  const c = await findChallengeById(db, wf.challengeId);
  if (!c || !isScoredByAms(c)) return { scoredByAms: false };
  if (!hiddenShown) return { scoredByAms: true, panel: null };
  const { inputs, notes } = await loadAmsInputs(db, wf, storage, c, methods, minVotes);
  const computed = inputs ? computeAms(inputs, bootstrap) : { threshold: null, subsets: [], notes: [] };
  return {
    scoredByAms: true,
    panel: {
      version: CROWD_AMS_VERSION,
      reference: methods.reference,
      simulated: methods.votes.simulated > 0 ? { votes: methods.votes.simulated, total: methods.votes.total } : null,
      minConsensusVotes: minVotes,
      events: inputs?.posteriorS.length ?? 0,
      knownSources: inputs?.known.posteriorS.length ?? 0,
      threshold: computed.threshold,
      positiveClass: inputs?.positiveClass ?? 's',
      ams: inputs?.ams ?? amsOptions(c),
      bootstrap: { seed: bootstrap.seed, resamples: bootstrap.resamples, level: BOOTSTRAP_LEVEL },
      subsets: computed.subsets,
      notes: [...notes, ...computed.notes],
    },
  };
}

const two = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(2));

/** The panel as the page prints it: figures with intervals, and one curve figure per subset. */
export function amsPageModel(panel: AmsPanel) {
  return {
    ...panel,
    rule: THRESHOLD_RULE,
    thresholdText: panel.threshold && { threshold: panel.threshold.threshold.toFixed(3), ams: two(panel.threshold.ams), selected: panel.threshold.selected, gold: panel.threshold.gold },
    subsets: panel.subsets.map((s) => ({
      ...s,
      title: SUBSET_TITLES[s.subset],
      rows: s.methods.map((m) => ({ ...m, estimate: two(m.ams.estimate), interval: m.ams.lo === null ? '' : `[${two(m.ams.lo)}, ${two(m.ams.hi)}]`, share: s.events ? m.selected / s.events : null })),
      differenceRows: s.differences.map((d) => ({ name: d.name, estimate: d.difference.estimate === null ? '—' : `${d.difference.estimate >= 0 ? '+' : ''}${two(d.difference.estimate)}`, interval: d.difference.lo === null ? '' : `[${two(d.difference.lo)}, ${two(d.difference.hi)}]` })),
      svg: s.curves.length
        ? amsCurveSvg(
            s.curves.map((c): AmsCurveSeries => ({ method: c.method, points: c.points, operatingPoint: c.operatingPoint ?? undefined })),
            { title: `${SUBSET_TITLES[s.subset]} events (${s.events})`, description: `${SUBSET_TITLES[s.subset]} test events; crowd ranked by its posterior of ${panel.positiveClass}, ML by RankOrder${panel.simulated ? '; the crowd is simulated' : ''}.`, width: 560 },
          )
        : null,
    })),
  };
}
