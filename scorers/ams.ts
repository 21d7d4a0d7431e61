/**
 * Approximate Median Significance, as scored in the HiggsML challenge.
 *
 *   AMS = sqrt(2 · ((s + b + b_reg) · ln(1 + s / (b + b_reg)) − s))
 *
 * s (b) is the sum of the renormalised weights of the rows predicted signal
 * whose true class is signal (background). Weights are renormalised within the
 * scored rows, per true class, so that signal weights sum to Ns and background
 * weights to Nb — the totals of the full HiggsML data set — which makes the
 * public and private figures comparable despite their different sizes.
 */
import { NeumaierSum } from './sum.js';

/** Official HiggsML totals and regularisation term. */
export const AMS_DEFAULTS = Object.freeze({
  Ns: 691.988607711987,
  Nb: 410999.847321811,
  bReg: 10,
});

/**
 * AMS from already-renormalised s and b. Returns 0 when s = 0, and never NaN
 * for s, b ≥ 0 and b + bReg > 0 (the radicand is ≥ 0 mathematically; rounding
 * below 0 is clamped). Uses ln(1 + x) as the official script does.
 */
export function amsFromSB(s: number, b: number, bReg: number = AMS_DEFAULTS.bReg): number {
  if (!(s >= 0) || !(b >= 0) || !(bReg >= 0)) {
    throw new RangeError(`AMS needs s, b, b_reg >= 0 (got s=${s}, b=${b}, b_reg=${bReg})`);
  }
  if (s === 0) return 0;
  const bb = b + bReg;
  if (bb === 0) return Infinity;
  const radicand = 2 * ((s + bb) * Math.log(1 + s / bb) - s);
  return radicand > 0 ? Math.sqrt(radicand) : 0;
}

export interface AmsOptions {
  /** Signal weight total after renormalisation (default HiggsML's Ns). */
  Ns?: number;
  /** Background weight total after renormalisation (default HiggsML's Nb). */
  Nb?: number;
  /** Regularisation term (default 10). */
  bReg?: number;
}

export interface AmsResult {
  ams: number;
  /** Renormalised weight of true signal rows predicted signal. */
  s: number;
  /** Renormalised weight of true background rows predicted signal. */
  b: number;
  /** Number of scored rows predicted signal. */
  selected: number;
  /** Number of scored rows. */
  n: number;
  /** Raw (before renormalisation) signal and background weight totals in the scored rows. */
  signalWeight: number;
  backgroundWeight: number;
  /** Factors applied to signal and background weights (0 when that class has no weight). */
  signalScale: number;
  backgroundScale: number;
  Ns: number;
  Nb: number;
  bReg: number;
}

/**
 * AMS over the rows whose mask is 1 (all rows when `rows` is omitted).
 * A row is *selected* when its predicted class code equals `positive`; it is
 * true signal when its true class code equals `positive`, background otherwise.
 * One pass, no allocation per row.
 */
export function amsScore(
  trueLabel: Int32Array,
  predLabel: Int32Array,
  weight: Float64Array,
  positive: number,
  rows?: Uint8Array,
  options: AmsOptions = {},
): AmsResult {
  const n = trueLabel.length;
  if (predLabel.length !== n || weight.length !== n || (rows !== undefined && rows.length !== n)) {
    throw new Error(
      `AMS: length mismatch (true ${n}, predicted ${predLabel.length}, weight ${weight.length}` +
        (rows !== undefined ? `, mask ${rows.length})` : ')'),
    );
  }
  const Ns = options.Ns ?? AMS_DEFAULTS.Ns;
  const Nb = options.Nb ?? AMS_DEFAULTS.Nb;
  const bReg = options.bReg ?? AMS_DEFAULTS.bReg;

  const sigTotal = new NeumaierSum();
  const bkgTotal = new NeumaierSum();
  const sigSel = new NeumaierSum();
  const bkgSel = new NeumaierSum();
  let selected = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (rows !== undefined && rows[i] === 0) continue;
    count++;
    const w = weight[i];
    const picked = predLabel[i] === positive;
    if (picked) selected++;
    if (trueLabel[i] === positive) {
      sigTotal.add(w);
      if (picked) sigSel.add(w);
    } else {
      bkgTotal.add(w);
      if (picked) bkgSel.add(w);
    }
  }
  const signalWeight = sigTotal.value;
  const backgroundWeight = bkgTotal.value;
  const signalScale = signalWeight > 0 ? Ns / signalWeight : 0;
  const backgroundScale = backgroundWeight > 0 ? Nb / backgroundWeight : 0;
  // Clamp at 0: a negative selected sum can only come from rounding.
  const s = Math.max(0, sigSel.value * signalScale);
  const b = Math.max(0, bkgSel.value * backgroundScale);
  return {
    ams: amsFromSB(s, b, bReg),
    s,
    b,
    selected,
    n: count,
    signalWeight,
    backgroundWeight,
    signalScale,
    backgroundScale,
    Ns,
    Nb,
    bReg,
  };
}
