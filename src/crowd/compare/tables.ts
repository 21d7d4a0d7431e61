/**
 * The CLAXSON panel of one source (known sources or test rows): a CLAXSON table with bootstrap
 * intervals for each method, and paired crowd-minus-ML differences, all on the same subjects.
 *
 * Pure: it takes class codes per subject and returns figures; loading and visibility are elsewhere.
 */
import { createHash } from 'node:crypto';
import { bootstrapIntervals, formatDifference, pairedBootstrapDifferences, type BootstrapIntervals, type BootstrapOptions, type Interval } from '../../../scorers/bootstrap.js';
import { ABSTAIN, claxsonTable, type ClaxsonTable } from '../../../scorers/claxson.js';
import type { CrowdLabels, EvalSubject } from '../compare.js';

/**
 * Fixed so that the page, its exports and the API give the same intervals on every load, and anyone
 * can recompute them (scorers/bootstrap.ts is seeded and deterministic).
 */
export const BOOTSTRAP_SEED = 20261010;
/**
 * 1,000 resamples: the Monte Carlo error of a 2.5% / 97.5% percentile is then about ±0.01 on a
 * proportion, well under the intervals' own width at the demo's sizes, while 7 methods × 2 sources
 * plus the paired differences still compute in well under a second (and the result is cached).
 */
export const BOOTSTRAP_RESAMPLES = 1000;
export const BOOTSTRAP_LEVEL = 0.95;

export type Source = 'known' | 'unknown';
export type MethodKind = 'crowd' | 'baseline' | 'ml';

export interface MethodInput {
  /** The aggregator's name, or "baseline" / "best ML". */
  method: string;
  kind: MethodKind;
  submissionId: number | null;
  /** Class codes per subject (ABSTAIN where the method gave no label), or why this method has none here. */
  pred: Int32Array | string;
}

export interface MethodTable {
  method: string;
  kind: MethodKind;
  submissionId: number | null;
  table: ClaxsonTable | null;
  intervals: BootstrapIntervals | null;
  /** Why there is no table (no out-of-fold predictions, not applicable...). */
  missing: string | null;
}

export type DifferenceFigure = 'precision' | 'recall' | 'f1' | 'accuracy' | 'macroF1';

export interface DifferenceLine extends Interval {
  figure: DifferenceFigure;
  /** Null for accuracy and macro-F1. */
  className: string | null;
  /** "crowd XRB recall − baseline XRB recall = +0.21 [0.05, 0.37]". */
  text: string;
}

export interface Difference {
  /** The crowd method (the reference consensus) and the ML method it is set against. */
  a: string;
  b: string;
  /** The short names the lines use ("crowd", "baseline", "best ML"). */
  labelA: string;
  labelB: string;
  /** Subjects both methods label: the differences are taken on these alone, so both sides share every draw. */
  subjects: number;
  lines: DifferenceLine[];
}

export interface SourcePanel {
  source: Source;
  /** Subjects every crowd method has a consensus for: every table of this source is on these. */
  subjects: number;
  tables: MethodTable[];
  differences: Difference[];
}

export interface BootstrapSettings {
  seed: number;
  resamples: number;
}

export const DEFAULT_BOOTSTRAP: BootstrapSettings = { seed: BOOTSTRAP_SEED, resamples: BOOTSTRAP_RESAMPLES };

/**
 * Bootstrap results by the content they were computed from (codes, classes, seed, resamples): the
 * page recomputes nothing while the votes, consensus and ML entries stay the same, and can never
 * serve intervals of other data, since the key is the data itself.
 */
const MEMO_LIMIT = 256;
const memo = new Map<string, BootstrapIntervals>();

function memoised(preds: Int32Array[], truth: Int32Array, k: number, opts: BootstrapOptions, compute: () => BootstrapIntervals): BootstrapIntervals {
  const hash = createHash('sha256').update(JSON.stringify([preds.length, truth.length, k, opts.seed, opts.resamples, opts.level]));
  for (const a of [truth, ...preds]) hash.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  const key = hash.digest('base64');
  const hit = memo.get(key);
  if (hit) return hit;
  const value = compute();
  if (memo.size >= MEMO_LIMIT) memo.delete(memo.keys().next().value!);
  memo.set(key, value);
  return value;
}

/** A crowd method's codes on `subjects`: its label, or ABSTAIN when the consensus rests on fewer than `minVotes` weighted votes. */
export function crowdCodes(subjects: EvalSubject[], labels: CrowdLabels, minVotes: number): Int32Array {
  return Int32Array.from(subjects, (s) => {
    const c = labels.get(s.id);
    return c && c.votes >= minVotes ? c.label : ABSTAIN;
  });
}

/** Codes of an ML method known on every subject (a Map from subject id). */
export function mlCodes(subjects: EvalSubject[], labels: Map<number, number>): Int32Array {
  return Int32Array.from(subjects, (s) => labels.get(s.id) ?? ABSTAIN);
}

/** The per-class and overall difference lines of A − B, worded with formatDifference. */
export function differenceLines(labelA: string, labelB: string, d: BootstrapIntervals, classes: string[]): DifferenceLine[] {
  const line = (figure: DifferenceFigure, className: string | null, i: Interval, words: string): DifferenceLine => ({
    figure,
    className,
    ...i,
    text: formatDifference(`${labelA} ${words}`, `${labelB} ${words}`, i),
  });
  const lines: DifferenceLine[] = [];
  classes.forEach((name, c) => {
    lines.push(line('recall', name, d.recall[c], `${name} recall`));
    lines.push(line('precision', name, d.precision[c], `${name} precision`));
    lines.push(line('f1', name, d.f1[c], `${name} F1`));
  });
  lines.push(line('accuracy', null, d.accuracy, 'accuracy'), line('macroF1', null, d.macroF1, 'macro-F1'));
  return lines;
}

/**
 * The panel of one source: each method's CLAXSON table and intervals, and for each pair [A, B, labelA,
 * labelB] the paired differences A − B. Every method is resampled with the same seed over the same
 * subjects, so the intervals share their draws and the differences are paired.
 */
export function sourcePanel(
  source: Source,
  truth: Int32Array,
  methods: MethodInput[],
  classes: string[],
  pairs: Array<[a: string, b: string, labelA: string, labelB: string]>,
  bootstrap: BootstrapSettings = DEFAULT_BOOTSTRAP,
): SourcePanel {
  const k = classes.length;
  const opts = { seed: bootstrap.seed, resamples: bootstrap.resamples, level: BOOTSTRAP_LEVEL };
  const tables = methods.map((m): MethodTable => {
    const base = { method: m.method, kind: m.kind, submissionId: m.submissionId };
    if (typeof m.pred === 'string') return { ...base, table: null, intervals: null, missing: m.pred };
    const empty = truth.length === 0;
    return { ...base, table: claxsonTable(m.pred, truth, k), intervals: empty ? null : memoised([m.pred as Int32Array], truth, k, opts, () => bootstrapIntervals(m.pred as Int32Array, truth, k, opts)), missing: null };
  });
  const differences: Difference[] = [];
  for (const [a, b, labelA, labelB] of pairs) {
    const predA = methods.find((m) => m.method === a)?.pred;
    const predB = methods.find((m) => m.method === b)?.pred;
    if (!(predA instanceof Int32Array) || !(predB instanceof Int32Array) || truth.length === 0) continue;
    // A subject either side abstains on is left out of both, so each figure compares the two methods
    // on the same subjects (the crowd abstains wherever its consensus rests on too few votes).
    const both = (x: number, i: number) => (predA[i] === ABSTAIN || predB[i] === ABSTAIN ? ABSTAIN : x);
    const [sharedA, sharedB] = [predA.map(both), predB.map(both)];
    const d = memoised([sharedA, sharedB], truth, k, opts, () => pairedBootstrapDifferences(sharedA, sharedB, truth, k, opts));
    differences.push({ a, b, labelA, labelB, subjects: sharedA.filter((x) => x !== ABSTAIN).length, lines: differenceLines(labelA, labelB, d, classes) });
  }
  return { source, subjects: truth.length, tables, differences };
}
