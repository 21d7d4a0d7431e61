/**
 * AMS as a function of how many events a HiggsML submission selects: its RankOrder orders the
 * events (highest rank = most signal-like), and selecting the top k of the scored rows gives one AMS
 * per k = 0..n. The curve shows where the submission's own cut (its Class = s rows) sits against the
 * best cut its ranking allows. Weights are renormalised per subset exactly as amsScore does.
 */
import { amsFromSB, AMS_DEFAULTS, type AmsOptions } from './ams.js';
import { NeumaierSum } from './sum.js';

/** One cut: the top `selected` rows by RankOrder, as a `fraction` of the scored rows. */
export interface AmsCutPoint {
  selected: number;
  fraction: number;
  ams: number;
}

export interface AmsCurve {
  /** Scored rows (the subset's size). */
  n: number;
  /** Sampled cuts in increasing order: evenly spaced in k, plus the submission's cut and the maximum. */
  points: AmsCutPoint[];
  /** The submission's own cut: as many top-ranked rows as it labels signal. */
  cut: AmsCutPoint;
  /** The cut with the highest AMS (the smallest such k on ties). */
  max: AmsCutPoint;
  bReg: number;
}

/**
 * AMS of selecting the k highest-ranked scored rows, for every k = 0..n (index k; index 0 is 0).
 * `rank` is a permutation of 1..N over all N solution rows; rows whose mask is 0 are skipped.
 * One pass over the ranks, no sort.
 */
export function amsByCut(
  trueLabel: Int32Array,
  rank: Int32Array,
  weight: Float64Array,
  positive: number,
  rows?: Uint8Array,
  options: AmsOptions = {},
): Float64Array {
  const N = trueLabel.length;
  if (rank.length !== N || weight.length !== N || (rows !== undefined && rows.length !== N)) {
    throw new Error(`AMS curve: length mismatch (true ${N}, rank ${rank.length}, weight ${weight.length}${rows !== undefined ? `, mask ${rows.length}` : ''})`);
  }
  const Ns = options.Ns ?? AMS_DEFAULTS.Ns;
  const Nb = options.Nb ?? AMS_DEFAULTS.Nb;
  const bReg = options.bReg ?? AMS_DEFAULTS.bReg;

  const rowOfRank = new Int32Array(N).fill(-1);
  const sigTotal = new NeumaierSum();
  const bkgTotal = new NeumaierSum();
  let n = 0;
  for (let i = 0; i < N; i++) {
    const r = rank[i];
    if (!(r >= 1 && r <= N) || rowOfRank[r - 1] !== -1) throw new RangeError(`AMS curve: RankOrder must be a permutation of 1..${N}; row ${i} has ${r}`);
    rowOfRank[r - 1] = i;
    if (rows !== undefined && rows[i] === 0) continue;
    n++;
    if (trueLabel[i] === positive) sigTotal.add(weight[i]);
    else bkgTotal.add(weight[i]);
  }
  const signalScale = sigTotal.value > 0 ? Ns / sigTotal.value : 0;
  const backgroundScale = bkgTotal.value > 0 ? Nb / bkgTotal.value : 0;

  const out = new Float64Array(n + 1);
  const sigSel = new NeumaierSum();
  const bkgSel = new NeumaierSum();
  let k = 0;
  for (let r = N - 1; r >= 0; r--) {
    const i = rowOfRank[r];
    if (rows !== undefined && rows[i] === 0) continue;
    if (trueLabel[i] === positive) sigSel.add(weight[i]);
    else bkgSel.add(weight[i]);
    k++;
    // Clamp at 0 as amsScore does: a negative selected sum can only come from rounding.
    out[k] = amsFromSB(Math.max(0, sigSel.value * signalScale), Math.max(0, bkgSel.value * backgroundScale), bReg);
  }
  return out;
}

/**
 * The curve as stored with a score: about `samples` + 1 evenly spaced cuts, plus the exact cut of
 * the submission (`predLabel` equal to `positive` on `cutSelected` scored rows) and the maximum.
 */
export function amsCurve(
  trueLabel: Int32Array,
  predLabel: Int32Array,
  rank: Int32Array,
  weight: Float64Array,
  positive: number,
  rows?: Uint8Array,
  options: AmsOptions = {},
  samples = 200,
): AmsCurve {
  const byCut = amsByCut(trueLabel, rank, weight, positive, rows, options);
  const n = byCut.length - 1;
  let cutSelected = 0;
  for (let i = 0; i < predLabel.length; i++) if ((rows === undefined || rows[i] === 1) && predLabel[i] === positive) cutSelected++;
  let best = 0;
  for (let k = 1; k <= n; k++) if (byCut[k] > byCut[best]) best = k;
  const point = (k: number): AmsCutPoint => ({ selected: k, fraction: n > 0 ? k / n : 0, ams: byCut[k] });
  const ks = new Set<number>([cutSelected, best]);
  for (let j = 0; j <= samples; j++) ks.add(Math.round((j * n) / samples));
  return {
    n,
    points: [...ks].sort((a, b) => a - b).map(point),
    cut: point(cutSelected),
    max: point(best),
    bReg: options.bReg ?? AMS_DEFAULTS.bReg,
  };
}
