/**
 * Seeded percentile-bootstrap intervals for the CLAXSON figures (accuracy, macro-F1, per-class
 * precision / recall / F1), and paired intervals for the difference between two methods.
 *
 * Subjects are resampled with replacement, as many as there are, `resamples` times; each statistic
 * is recomputed on each resample exactly as claxsonTable computes it on the whole set (abstentions
 * left out, macro-F1 over the classes present in that resample). A statistic that is undefined in a
 * resample (zero denominator: a class never drawn, say) is skipped for that statistic only, and each
 * interval reports how many resamples it rests on (`usable`). The interval bounds are the
 * (1 − level)/2 and (1 + level)/2 quantiles of the usable values, linearly interpolated between
 * order statistics (numpy's default, Hyndman–Fan type 7).
 *
 * The random draws come from the project's mulberry32 (src/seeded-random.ts): the same seed, data
 * and options give the same intervals, bit for bit.
 */
import { seededRandom } from '../src/seeded-random.js';
import { ABSTAIN } from './claxson.js';

/** Bumped whenever the intervals produced for a given seed could change (draws, statistics, quantiles). */
export const BOOTSTRAP_VERSION = '1';

export interface BootstrapOptions {
  /** Number of resamples (default 2000). */
  resamples?: number;
  /** Unsigned 32-bit seed of the draws. */
  seed: number;
  /** Coverage of the intervals, in (0, 1) (default 0.95). */
  level?: number;
  /** Subjects to resample (mask entry 1); all when absent. */
  mask?: Uint8Array;
}

export interface Interval {
  /** The statistic on the whole set (for a difference: A − B); null when undefined there. */
  estimate: number | null;
  /** Null when no resample is usable. */
  lo: number | null;
  hi: number | null;
  /** Resamples in which the statistic (for a difference: both sides) was defined. */
  usable: number;
}

export interface BootstrapIntervals {
  version: string;
  seed: number;
  resamples: number;
  level: number;
  /** Subjects each resample draws (those in the mask, abstentions included). */
  subjects: number;
  accuracy: Interval;
  macroF1: Interval;
  /** Per class code 0..k-1. */
  precision: Interval[];
  recall: Interval[];
  f1: Interval[];
}

/** Intervals of method A − method B; the same shape, each figure a difference. */
export type BootstrapDifferences = BootstrapIntervals;

// Statistics are laid out as [accuracy, macroF1, precision[k], recall[k], f1[k]].
const ACCURACY = 0;
const MACRO_F1 = 1;
const PRECISION = 2;
const statisticCount = (k: number) => 2 + 3 * k;

interface Resolved {
  resamples: number;
  seed: number;
  level: number;
  /** Indices of the subjects to draw from. */
  subjects: Int32Array;
}

function resolve(preds: Int32Array[], truth: Int32Array, k: number, opts: BootstrapOptions): Resolved {
  const { resamples = 2000, seed, level = 0.95, mask } = opts;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`number of classes must be a positive integer, got ${k}`);
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`resamples must be a positive integer, got ${resamples}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`seed must be an integer in 0..4294967295, got ${seed}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be between 0 and 1, got ${level}`);
  const n = truth.length;
  for (const pred of preds) if (pred.length !== n) throw new Error(`length mismatch (predicted ${pred.length}, true ${n})`);
  if (mask !== undefined && mask.length !== n) throw new Error(`mask has ${mask.length} entries, expected ${n}`);
  const chosen: number[] = [];
  for (let i = 0; i < n; i++) {
    if (mask !== undefined && mask[i] === 0) continue;
    // Checked once here so the resampling loop can index counts without checks.
    if (truth[i] < 0 || truth[i] >= k) throw new RangeError(`row ${i}: true class code ${truth[i]} out of range 0..${k - 1}`);
    for (const pred of preds) {
      if (pred[i] !== ABSTAIN && (pred[i] < 0 || pred[i] >= k)) throw new RangeError(`row ${i}: predicted class code ${pred[i]} out of range 0..${k - 1} (or ${ABSTAIN} to abstain)`);
    }
    chosen.push(i);
  }
  return { resamples, seed, level, subjects: Int32Array.from(chosen) };
}

/** Reusable per-class tallies, so a resample allocates nothing. */
class Tally {
  readonly tp: Float64Array;
  readonly predicted: Float64Array;
  readonly actual: Float64Array;
  constructor(readonly k: number) {
    this.tp = new Float64Array(k);
    this.predicted = new Float64Array(k);
    this.actual = new Float64Array(k);
  }

  /** Counts `pred` against `truth` over the drawn subject indices, then writes the statistics (NaN where undefined) to out[at + s·stride]. */
  fill(pred: Int32Array, truth: Int32Array, drawn: Int32Array, out: Float64Array, at: number, stride: number): void {
    const { k, tp, predicted, actual } = this;
    tp.fill(0);
    predicted.fill(0);
    actual.fill(0);
    for (let j = 0; j < drawn.length; j++) {
      const i = drawn[j];
      const p = pred[i];
      if (p === ABSTAIN) continue;
      const t = truth[i];
      predicted[p]++;
      actual[t]++;
      if (p === t) tp[p]++;
    }
    let n = 0;
    let correct = 0;
    let f1Sum = 0;
    let f1Count = 0;
    for (let c = 0; c < k; c++) {
      n += actual[c];
      correct += tp[c];
      out[at + (PRECISION + c) * stride] = predicted[c] > 0 ? tp[c] / predicted[c] : NaN;
      out[at + (PRECISION + k + c) * stride] = actual[c] > 0 ? tp[c] / actual[c] : NaN;
      const f1Denominator = predicted[c] + actual[c];
      const f1 = f1Denominator > 0 ? (2 * tp[c]) / f1Denominator : NaN;
      out[at + (PRECISION + 2 * k + c) * stride] = f1;
      if (f1Denominator > 0) {
        f1Sum += f1;
        f1Count++;
      }
    }
    out[at + ACCURACY * stride] = n > 0 ? correct / n : NaN;
    out[at + MACRO_F1 * stride] = f1Count > 0 ? f1Sum / f1Count : NaN;
  }
}

interface Resampled {
  /** Per method: the statistics on the whole set. */
  point: Float64Array[];
  /** Per method: statistic s of resample r at [s·resamples + r]. */
  samples: Float64Array[];
}

/** Draws the resamples once and evaluates every method on the same subjects: that is what pairs them. */
function resample(preds: Int32Array[], truth: Int32Array, k: number, r: Resolved): Resampled {
  const tally = new Tally(k);
  const stats = statisticCount(k);
  const point = preds.map((pred) => {
    const out = new Float64Array(stats);
    tally.fill(pred, truth, r.subjects, out, 0, 1);
    return out;
  });
  const samples = preds.map(() => new Float64Array(stats * r.resamples));
  const m = r.subjects.length;
  const drawn = new Int32Array(m);
  const random = seededRandom(r.seed);
  for (let b = 0; b < r.resamples; b++) {
    for (let j = 0; j < m; j++) drawn[j] = r.subjects[Math.floor(random() * m)];
    for (let p = 0; p < preds.length; p++) tally.fill(preds[p], truth, drawn, samples[p], b, r.resamples);
  }
  return { point, samples };
}

/** Type-7 quantile of ascending `sorted` (non-empty). */
function quantile(sorted: Float64Array, q: number): number {
  const h = (sorted.length - 1) * q;
  const below = Math.floor(h);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (h - below) * (sorted[above] - sorted[below]);
}

/** The percentile interval of `values` (NaN entries are unusable resamples and skipped) around `estimate` (NaN: undefined). */
export function interval(estimate: number, values: Float64Array, level: number): Interval {
  const usable = values.filter((v) => !Number.isNaN(v)).sort();
  const tail = (1 - level) / 2;
  return {
    estimate: Number.isNaN(estimate) ? null : estimate,
    lo: usable.length ? quantile(usable, tail) : null,
    hi: usable.length ? quantile(usable, 1 - tail) : null,
    usable: usable.length,
  };
}

function intervals(point: Float64Array, samples: Float64Array, k: number, r: Resolved): BootstrapIntervals {
  const of = (s: number) => interval(point[s], samples.subarray(s * r.resamples, (s + 1) * r.resamples), r.level);
  const perClass = (first: number) => Array.from({ length: k }, (_, c) => of(first + c));
  return {
    version: BOOTSTRAP_VERSION,
    seed: r.seed,
    resamples: r.resamples,
    level: r.level,
    subjects: r.subjects.length,
    accuracy: of(ACCURACY),
    macroF1: of(MACRO_F1),
    precision: perClass(PRECISION),
    recall: perClass(PRECISION + k),
    f1: perClass(PRECISION + 2 * k),
  };
}

/**
 * Percentile-bootstrap intervals of one method's figures. `pred` holds class codes 0..k-1 or
 * ABSTAIN; `truth` class codes 0..k-1.
 */
export function bootstrapIntervals(pred: Int32Array, truth: Int32Array, k: number, opts: BootstrapOptions): BootstrapIntervals {
  const r = resolve([pred], truth, k, opts);
  const { point, samples } = resample([pred], truth, k, r);
  return intervals(point[0], samples[0], k, r);
}

/**
 * Paired-bootstrap intervals of A − B for every figure: both methods are scored on the same
 * resampled subjects, so what the two share (the hard subjects, the class mix) cancels out and the
 * interval is narrower than one built from two independent intervals. A resample counts for a
 * difference only where the statistic is defined for both methods.
 */
export function pairedBootstrapDifferences(
  predA: Int32Array,
  predB: Int32Array,
  truth: Int32Array,
  k: number,
  opts: BootstrapOptions,
): BootstrapDifferences {
  const r = resolve([predA, predB], truth, k, opts);
  const { point, samples } = resample([predA, predB], truth, k, r);
  // NaN on either side stays NaN, so undefined resamples drop out of the difference.
  const difference = (a: Float64Array, b: Float64Array) => a.map((v, i) => v - b[i]);
  return intervals(difference(point[0], point[1]), difference(samples[0], samples[1]), k, r);
}

const signed = (v: number, digits: number): string => {
  const text = Math.abs(v).toFixed(digits);
  // A value that rounds to zero is written unsigned, never "−0.00".
  if (Number(text) === 0) return text;
  return (v < 0 ? '\u2212' : '+') + text;
};
const plain = (v: number, digits: number): string => {
  const text = Math.abs(v).toFixed(digits);
  return v < 0 && Number(text) !== 0 ? `\u2212${text}` : text;
};

/**
 * "crowd XRB recall − baseline XRB recall = +0.21 [0.05, 0.37]": the estimate signed, the interval
 * bounds as they are (both with the typographic minus). An undefined estimate or interval reads "n/a".
 */
export function formatDifference(labelA: string, labelB: string, d: Interval, digits = 2): string {
  const estimate = d.estimate === null ? 'n/a' : signed(d.estimate, digits);
  const bounds = d.lo === null || d.hi === null ? '[n/a]' : `[${plain(d.lo, digits)}, ${plain(d.hi, digits)}]`;
  return `${labelA} \u2212 ${labelB} = ${estimate} ${bounds}`;
}
