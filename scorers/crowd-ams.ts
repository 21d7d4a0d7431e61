/**
 * The crowd's AMS next to the models': the crowd's consensus (its posterior probability that an
 * event is signal) becomes a selection by a threshold, and that selection is scored with the
 * official AMS (scorers/ams.ts) on the same events as the baseline's and the best entry's.
 *
 * Weights. HiggsML renormalises weights within each scored set (train, public, private), per true
 * class, so that signal weights sum to Ns and background weights to Nb (the full data set's totals;
 * see amsScore). Every function here does the same within the rows it scores: gold rows when the
 * threshold is chosen, the Public or Private rows when a selection is scored, and the drawn events,
 * counted with their multiplicity, in each bootstrap resample. So an AMS on gold events is on the
 * same scale as the AMS on the test subsets, and no function needs the test set's weight totals.
 *
 * Labels. The threshold is chosen from gold rows only (training rows whose labels volunteers may
 * be told); the labels of every other row are never read there.
 */
import { amsFromSB, amsScore, AMS_DEFAULTS, type AmsOptions } from './ams.js';
import { interval, type Interval } from './bootstrap.js';
import { NeumaierSum } from './sum.js';
import { seededRandom } from '../src/seeded-random.js';

/** Bumped whenever the thresholds, selections, figures or intervals for given inputs could change. */
export const CROWD_AMS_VERSION = '1';

const SIGNAL = 1;

function checkLengths(what: string, n: number, arrays: Record<string, ArrayLike<number> | undefined>): void {
  for (const [name, array] of Object.entries(arrays)) {
    if (array !== undefined && array.length !== n) throw new Error(`${what}: ${name} has ${array.length} entries, expected ${n}`);
  }
}

function resolveAms(options: AmsOptions): Required<AmsOptions> {
  return { Ns: options.Ns ?? AMS_DEFAULTS.Ns, Nb: options.Nb ?? AMS_DEFAULTS.Nb, bReg: options.bReg ?? AMS_DEFAULTS.bReg };
}

/** Per-class weight totals of the rows in `rows` (all when absent): the denominators of the renormalisation. */
function classTotals(isSignal: Uint8Array, weights: Float64Array, rows?: Uint8Array): { signal: number; background: number } {
  const signal = new NeumaierSum();
  const background = new NeumaierSum();
  for (let i = 0; i < isSignal.length; i++) {
    if (rows !== undefined && rows[i] === 0) continue;
    (isSignal[i] === SIGNAL ? signal : background).add(weights[i]);
  }
  return { signal: signal.value, background: background.value };
}

export interface ThresholdOptions extends AmsOptions {
  /**
   * The fewest gold events a threshold may select (default 10). On a handful of gold events the AMS
   * peaks at a threshold that selects one or two lucky signal events; that threshold says nothing
   * about the test set.
   */
  minSelected?: number;
}

export interface CrowdThreshold {
  /** Select events whose posterior of `s` is ≥ this. */
  threshold: number;
  /** The AMS of that selection on the gold events (renormalised within them), with its s and b. */
  ams: number;
  s: number;
  b: number;
  /** Gold events selected, and gold events with a posterior (the candidates). */
  selected: number;
  gold: number;
}

/**
 * The threshold on the crowd's posterior of `s` that maximises the AMS on the gold events (rows
 * whose `gold` entry is 1). Only those rows' labels and weights are read; an event without a
 * posterior (NaN: no votes) is never selected.
 *
 * The candidates are the distinct posteriors of gold events: selecting "posterior ≥ t" for each.
 * Among the candidates that select at least `minSelected` gold events, the highest AMS wins; on a
 * tie the smallest threshold (the larger selection) wins, as it rests on more events. Null when no
 * candidate qualifies or the gold events hold no signal weight (every AMS would be 0).
 */
export function chooseCrowdThreshold(
  posteriorS: Float64Array,
  isSignal: Uint8Array,
  weights: Float64Array,
  gold: Uint8Array,
  options: ThresholdOptions = {},
): CrowdThreshold | null {
  const n = posteriorS.length;
  checkLengths('crowd threshold', n, { isSignal, weights, gold });
  const minSelected = options.minSelected ?? 10;
  if (!Number.isInteger(minSelected) || minSelected < 1) throw new RangeError(`minSelected must be a positive integer, got ${minSelected}`);
  const { Ns, Nb, bReg } = resolveAms(options);

  const totals = classTotals(isSignal, weights, gold);
  if (!(totals.signal > 0)) return null;
  const signalScale = Ns / totals.signal;
  const backgroundScale = totals.background > 0 ? Nb / totals.background : 0;

  const candidates: number[] = [];
  for (let i = 0; i < n; i++) if (gold[i] === 1 && !Number.isNaN(posteriorS[i])) candidates.push(i);
  // Most signal-like first; equal posteriors enter the selection together.
  candidates.sort((a, b) => posteriorS[b] - posteriorS[a] || a - b);

  const s = new NeumaierSum();
  const b = new NeumaierSum();
  let best: CrowdThreshold | null = null;
  for (let j = 0; j < candidates.length; j++) {
    const i = candidates[j];
    (isSignal[i] === SIGNAL ? s : b).add(weights[i]);
    const lastOfTie = j + 1 === candidates.length || posteriorS[candidates[j + 1]] !== posteriorS[i];
    if (!lastOfTie || j + 1 < minSelected) continue;
    const sel = { s: Math.max(0, s.value * signalScale), b: Math.max(0, b.value * backgroundScale) };
    const ams = amsFromSB(sel.s, sel.b, bReg);
    // ≥: later candidates have smaller thresholds, so a tie moves to the larger selection.
    if (best === null || ams >= best.ams) best = { threshold: posteriorS[i], ams, ...sel, selected: j + 1, gold: candidates.length };
  }
  return best;
}

/** The events the crowd selects: 1 where the posterior of `s` is ≥ threshold (never where it is NaN). */
export function crowdSelection(posteriorS: Float64Array, threshold: number): Uint8Array {
  if (Number.isNaN(threshold)) throw new RangeError('threshold must be a number');
  return Uint8Array.from(posteriorS, (p) => (p >= threshold ? 1 : 0));
}

export interface AmsMethod {
  /** "crowd", "baseline", "best entry"… */
  name: string;
  /** 1 for each selected event, one entry per row. */
  selected: Uint8Array;
}

export interface AmsBootstrapOptions extends AmsOptions {
  /** Unsigned 32-bit seed of the draws. */
  seed: number;
  /**
   * Number of resamples (default 1000). The cost grows as events × resamples × methods: about 50 ms a
   * resample for 400 000 events and 3 methods on the 2-core dev machine, so compute it once and cache.
   */
  resamples?: number;
  /** Coverage of the intervals, in (0, 1) (default 0.95). */
  level?: number;
}

export interface MethodAms {
  name: string;
  /** AMS on the subset, exactly as the leaderboard scores it (amsScore), with its interval. */
  ams: Interval;
  s: number;
  b: number;
  selected: number;
}

export interface AmsComparison {
  version: string;
  seed: number;
  resamples: number;
  level: number;
  /** Events in the subset, and drawn per resample. */
  events: number;
  methods: MethodAms[];
  /** Paired differences first method − each other method (e.g. crowd − baseline), in order. */
  differences: { name: string; difference: Interval }[];
}

/**
 * The AMS of several selections on the same events (the `subset` mask: Public or Private rows),
 * each with a seeded percentile-bootstrap interval, and the paired differences between the first
 * method (the crowd) and each other.
 *
 * Each resample draws as many events as the subset holds, with replacement, the same draws for
 * every method (so differences are paired). Within a resample the weights are renormalised per
 * class over the drawn events, counted with multiplicity, to Ns and Nb, as the AMS is on any scored
 * set; a resample that draws no signal or no background event is unusable (the AMS's
 * renormalisation is undefined there) and skipped, and `usable` says how many remain. Bounds are
 * type-7 quantiles, as in scorers/bootstrap.ts. Same seed, data and options: the same intervals.
 */
export function amsWithInterval(
  methods: AmsMethod[],
  isSignal: Uint8Array,
  weights: Float64Array,
  subset: Uint8Array,
  options: AmsBootstrapOptions,
): AmsComparison {
  const n = isSignal.length;
  const { seed, resamples = 1000, level = 0.95 } = options;
  if (methods.length === 0) throw new Error('amsWithInterval needs at least one method');
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`resamples must be a positive integer, got ${resamples}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`seed must be an integer in 0..4294967295, got ${seed}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be between 0 and 1, got ${level}`);
  checkLengths('AMS comparison', n, { weights, subset, ...Object.fromEntries(methods.map((m) => [`selection of ${m.name}`, m.selected])) });
  const ams = resolveAms(options);

  const truth = Int32Array.from(isSignal, (v) => (v === SIGNAL ? SIGNAL : 0));
  const point = methods.map((m) => amsScore(truth, Int32Array.from(m.selected), weights, SIGNAL, subset, ams));

  const events: number[] = [];
  for (let i = 0; i < n; i++) if (subset[i] === 1) events.push(i);
  const m = methods.length;
  const samples = Array.from({ length: m }, () => new Float64Array(resamples));
  const random = seededRandom(seed);
  const selectedSignal = new Float64Array(m);
  const selectedBackground = new Float64Array(m);
  for (let r = 0; r < resamples; r++) {
    let signal = 0;
    let background = 0;
    selectedSignal.fill(0);
    selectedBackground.fill(0);
    // Plain sums: a resample's rounding error (~n·eps) is far below the interval's width.
    for (let j = 0; j < events.length; j++) {
      const i = events[Math.floor(random() * events.length)];
      const w = weights[i];
      const isS = truth[i] === SIGNAL;
      if (isS) signal += w;
      else background += w;
      for (let k = 0; k < m; k++) {
        if (methods[k].selected[i] !== 1) continue;
        if (isS) selectedSignal[k] += w;
        else selectedBackground[k] += w;
      }
    }
    const usable = signal > 0 && background > 0;
    for (let k = 0; k < m; k++) {
      samples[k][r] = usable
        ? amsFromSB(Math.max(0, (selectedSignal[k] * ams.Ns) / signal), Math.max(0, (selectedBackground[k] * ams.Nb) / background), ams.bReg)
        : NaN;
    }
  }

  return {
    version: CROWD_AMS_VERSION,
    seed,
    resamples,
    level,
    events: events.length,
    methods: methods.map((method, k) => ({
      name: method.name,
      ams: interval(point[k].ams, samples[k], level),
      s: point[k].s,
      b: point[k].b,
      selected: point[k].selected,
    })),
    differences: methods.slice(1).map((method, j) => ({
      name: `${methods[0].name} − ${method.name}`,
      difference: interval(
        point[0].ams - point[j + 1].ams,
        samples[0].map((a, r) => a - samples[j + 1][r]),
        level,
      ),
    })),
  };
}

export interface AmsCurvePoint {
  /** The fraction asked for, and the events actually selected (round(fraction · events)). */
  fraction: number;
  selected: number;
  ams: number;
  s: number;
  b: number;
}

/**
 * AMS against the fraction of events selected, for a ranking: at each fraction f the round(f · N)
 * most signal-like of the N events in `rows` (all when absent) are selected, by descending `score`
 * (the crowd's posterior of `s`, or an entry's RankOrder). Equal scores are taken in row order, so
 * the curve is deterministic; a NaN score (no votes) ranks last. Weights are renormalised within
 * `rows`, as the AMS is on any scored set, so f = 1 gives amsFromSB(Ns, Nb) and f = 0 gives 0.
 */
export function amsCurve(
  score: ArrayLike<number>,
  isSignal: Uint8Array,
  weights: Float64Array,
  fractions: number[],
  rows?: Uint8Array,
  options: AmsOptions = {},
): AmsCurvePoint[] {
  const n = score.length;
  checkLengths('AMS curve', n, { isSignal, weights, rows });
  for (const f of fractions) if (!(f >= 0 && f <= 1)) throw new RangeError(`fractions must lie in [0, 1], got ${f}`);
  const { Ns, Nb, bReg } = resolveAms(options);
  const totals = classTotals(isSignal, weights, rows);
  const signalScale = totals.signal > 0 ? Ns / totals.signal : 0;
  const backgroundScale = totals.background > 0 ? Nb / totals.background : 0;

  const order: number[] = [];
  for (let i = 0; i < n; i++) if (rows === undefined || rows[i] === 1) order.push(i);
  const rank = (v: number) => (Number.isNaN(v) ? -Infinity : v);
  order.sort((a, b) => rank(score[b]) - rank(score[a]) || a - b);

  // Cumulative selected weights after the first k events, k = 0..N.
  const s = new Float64Array(order.length + 1);
  const b = new Float64Array(order.length + 1);
  const sSum = new NeumaierSum();
  const bSum = new NeumaierSum();
  order.forEach((i, k) => {
    (isSignal[i] === SIGNAL ? sSum : bSum).add(weights[i]);
    s[k + 1] = sSum.value;
    b[k + 1] = bSum.value;
  });
  return fractions.map((fraction) => {
    const selected = Math.round(fraction * order.length);
    const point = { s: Math.max(0, s[selected] * signalScale), b: Math.max(0, b[selected] * backgroundScale) };
    return { fraction, selected, ams: amsFromSB(point.s, point.b, bReg), ...point };
  });
}

/** Fractions 0, 1/steps, …, 1: the default grid of a curve. */
export const evenFractions = (steps = 50): number[] => Array.from({ length: steps + 1 }, (_, i) => i / steps);
