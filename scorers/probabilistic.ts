/**
 * Probability-based figures, matching scikit-learn:
 *  - log_loss (with labels = all k classes, eps = float64 machine epsilon);
 *  - roc_auc_score, binary and multi_class='ovr', average='macro'.
 *
 * `proba` is row-major n×k; class codes are 0..k-1; figures are over the rows
 * whose mask is 1 (all rows when the mask is omitted).
 */
import { NeumaierSum } from './sum.js';

/** float64 machine epsilon: sklearn's eps for float64 input (its former 'auto'). */
export const LOG_LOSS_EPS = 2.220446049250313e-16;

function checkShape(proba: Float64Array, k: number, label: Int32Array, rows: Uint8Array | undefined): void {
  const n = label.length;
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`probabilistic metrics need at least 2 classes, got ${k}`);
  if (proba.length !== n * k) {
    throw new Error(`probability matrix has ${proba.length} entries, expected ${n} rows x ${k} classes = ${n * k}`);
  }
  if (rows !== undefined && rows.length !== n) {
    throw new Error(`row mask has ${rows.length} entries, expected ${n}`);
  }
}

function checkCodes(label: Int32Array, k: number, rows: Uint8Array | undefined): void {
  const n = label.length;
  for (let i = 0; i < n; i++) {
    if (rows !== undefined && rows[i] === 0) continue;
    const t = label[i];
    if (t < 0 || t >= k) throw new RangeError(`row ${i}: class code ${t} out of range 0..${k - 1}`);
  }
}

export interface LogLossResult {
  /** Mean over scored rows of −ln p(true class); NaN when no row is scored. */
  logLoss: number;
  n: number;
  /** Probabilities (over all k columns of scored rows) moved by clipping. */
  clipped: number;
  /** Scored rows whose raw sum is off 1 by more than 1e-8 + sqrt(eps) (where sklearn warns). */
  unnormalisedRows: number;
}

/**
 * sklearn's log_loss: each probability is clipped to [eps, 1 − eps], each row
 * is then divided by its sum (sklearn's order: clip, then renormalise), and
 * the loss is the mean of −ln p_true. Rows that already sum to 1 are changed
 * only where clipping acted. Equivalent to passing labels=range(k), so a class
 * missing from the scored rows does not raise.
 *
 * Rows far from summing to 1 are not probabilities, and sklearn versions
 * treat them differently (older ones renormalise after clipping, the newest
 * do not renormalise at all); they are counted in `unnormalisedRows` with
 * sklearn's own warning tolerance, and should be refused before scoring.
 */
export function logLoss(
  proba: Float64Array,
  k: number,
  label: Int32Array,
  rows?: Uint8Array,
  eps: number = LOG_LOSS_EPS,
): LogLossResult {
  checkShape(proba, k, label, rows);
  const n = label.length;
  const hi = 1 - eps;
  const total = new NeumaierSum();
  let count = 0;
  let clipped = 0;
  let unnormalisedRows = 0;
  const sumTol = 1e-8 + Math.sqrt(eps);
  for (let i = 0; i < n; i++) {
    if (rows !== undefined && rows[i] === 0) continue;
    const t = label[i];
    if (t < 0 || t >= k) throw new RangeError(`row ${i}: class code ${t} out of range 0..${k - 1}`);
    const base = i * k;
    let rowSum = 0;
    let rawSum = 0;
    let pTrue = 0;
    for (let c = 0; c < k; c++) {
      let p = proba[base + c];
      rawSum += p;
      if (p < eps) {
        p = eps;
        clipped++;
      } else if (p > hi) {
        p = hi;
        clipped++;
      }
      rowSum += p;
      if (c === t) pTrue = p;
    }
    if (!(Math.abs(rawSum - 1) <= sumTol)) unnormalisedRows++;
    total.add(-Math.log(pTrue / rowSum));
    count++;
  }
  return { logLoss: count > 0 ? total.value / count : NaN, n: count, clipped, unnormalisedRows };
}

/**
 * AUC from scores already split and sorted: `pos` (ascending) holds the scores
 * of positive rows, `neg` (ascending) those of negative rows. Counts, for each
 * positive, the negatives scored below it plus half those tied with it
 * (Mann–Whitney U with average ranks), so ties are exact. The count is kept
 * doubled, an integer, and divided once. NaN when either side is empty.
 */
export function aucFromSorted(pos: Float64Array, neg: Float64Array): number {
  const P = pos.length;
  const N = neg.length;
  if (P === 0 || N === 0) return NaN;
  let twiceU = 0;
  let j = 0; // first negative not below the current value
  let i = 0;
  while (i < P) {
    const v = pos[i];
    let c = 1;
    while (i + c < P && pos[i + c] === v) c++;
    while (j < N && neg[j] < v) j++;
    let e = j;
    while (e < N && neg[e] === v) e++;
    twiceU += c * (2 * j + (e - j));
    j = e;
    i += c;
  }
  return twiceU / (2 * P * N);
}

/**
 * Splits the scores (column `col` of a row-major n×stride matrix) of scored
 * rows into positives (label === positive) at the front of `buf` and
 * negatives at its back, sorts both, and returns the AUC with the counts.
 */
function aucColumn(
  scores: Float64Array,
  stride: number,
  col: number,
  label: Int32Array,
  positive: number,
  rows: Uint8Array | undefined,
  buf: Float64Array,
): { auc: number; positives: number; negatives: number } {
  const n = label.length;
  let p = 0;
  let q = 0;
  let sawNaN = false;
  for (let i = 0; i < n; i++) {
    if (rows !== undefined && rows[i] === 0) continue;
    const v = scores[i * stride + col];
    if (v !== v) sawNaN = true;
    if (label[i] === positive) buf[p++] = v;
    else buf[n - 1 - q++] = v;
  }
  if (sawNaN) return { auc: NaN, positives: p, negatives: q };
  const pos = buf.subarray(0, p);
  const neg = buf.subarray(n - q, n);
  pos.sort();
  neg.sort();
  return { auc: aucFromSorted(pos, neg), positives: p, negatives: q };
}

export interface BinaryAucResult {
  /** NaN when the scored rows lack positives or negatives, or a score is NaN. */
  auc: number;
  positives: number;
  negatives: number;
}

/**
 * Binary ROC AUC (sklearn roc_auc_score, unweighted): rows with
 * `label === positive` are positives, all others negatives; `scores` has one
 * score per row. O(n log n).
 */
export function rocAucBinary(
  scores: Float64Array,
  label: Int32Array,
  positive: number,
  rows?: Uint8Array,
): BinaryAucResult {
  const n = label.length;
  if (scores.length !== n) throw new Error(`got ${scores.length} scores for ${n} rows`);
  if (rows !== undefined && rows.length !== n) throw new Error(`row mask has ${rows.length} entries, expected ${n}`);
  return aucColumn(scores, 1, 0, label, positive, rows, new Float64Array(n));
}

/** Binary ROC AUC of class `positive` vs the rest, scored by proba column `positive`. */
export function rocAucFromProba(
  proba: Float64Array,
  k: number,
  label: Int32Array,
  positive: number,
  rows?: Uint8Array,
): BinaryAucResult {
  checkShape(proba, k, label, rows);
  if (!Number.isInteger(positive) || positive < 0 || positive >= k) {
    throw new RangeError(`positive class code ${positive} out of range 0..${k - 1}`);
  }
  checkCodes(label, k, rows);
  return aucColumn(proba, k, positive, label, positive, rows, new Float64Array(label.length));
}

export interface OvrAucResult {
  /** Mean of the per-class AUCs; NaN when any is undefined (where sklearn raises). */
  macro: number;
  /** Per class: AUC of class c vs the rest with proba column c. */
  perClass: Float64Array;
  positives: Float64Array;
  negatives: Float64Array;
  /** Classes whose AUC is undefined (no positive or no negative scored row). */
  undefinedClasses: number[];
}

/**
 * Multi-class one-vs-rest macro ROC AUC (sklearn multi_class='ovr',
 * average='macro'). k sorts of n values, one buffer reused for all classes.
 */
export function rocAucOvr(proba: Float64Array, k: number, label: Int32Array, rows?: Uint8Array): OvrAucResult {
  checkShape(proba, k, label, rows);
  checkCodes(label, k, rows);
  const buf = new Float64Array(label.length);
  const perClass = new Float64Array(k);
  const positives = new Float64Array(k);
  const negatives = new Float64Array(k);
  const undefinedClasses: number[] = [];
  let sum = 0;
  for (let c = 0; c < k; c++) {
    const r = aucColumn(proba, k, c, label, c, rows, buf);
    perClass[c] = r.auc;
    positives[c] = r.positives;
    negatives[c] = r.negatives;
    if (r.positives === 0 || r.negatives === 0) undefinedClasses.push(c);
    sum += r.auc;
  }
  return { macro: sum / k, perClass, positives, negatives, undefinedClasses };
}
