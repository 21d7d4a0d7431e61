/**
 * Label-based classification figures, matching scikit-learn's defaults:
 * confusion_matrix, accuracy_score, precision_recall_fscore_support and the
 * 'macro' averages of precision_score / recall_score / f1_score with
 * labels=None and zero_division="warn" (which yields 0).
 *
 * Class codes are 0..k-1. All figures are over the rows whose mask is 1.
 */

function checkLengths(yTrue: Int32Array, yPred: Int32Array, rows: Uint8Array | undefined): void {
  const n = yTrue.length;
  if (yPred.length !== n || (rows !== undefined && rows.length !== n)) {
    throw new Error(
      `length mismatch (true ${n}, predicted ${yPred.length}` +
        (rows !== undefined ? `, mask ${rows.length})` : ')'),
    );
  }
}

/**
 * k×k confusion matrix of counts, row-major: entry [t*k + p] counts scored rows
 * of true class t predicted as p (rows = true class, columns = predicted, as
 * sklearn). Throws RangeError on a class code outside 0..k-1.
 */
export function confusionMatrix(
  yTrue: Int32Array,
  yPred: Int32Array,
  k: number,
  rows?: Uint8Array,
): Float64Array {
  checkLengths(yTrue, yPred, rows);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`number of classes must be a positive integer, got ${k}`);
  const cm = new Float64Array(k * k);
  const n = yTrue.length;
  for (let i = 0; i < n; i++) {
    if (rows !== undefined && rows[i] === 0) continue;
    const t = yTrue[i];
    const p = yPred[i];
    if (t < 0 || t >= k || p < 0 || p >= k) {
      throw new RangeError(`row ${i}: class code out of range 0..${k - 1} (true ${t}, predicted ${p})`);
    }
    cm[t * k + p]++;
  }
  return cm;
}

/** The row-major matrix as nested arrays (JSON-friendly). */
export function matrixRows(m: Float64Array, k: number): number[][] {
  const out: number[][] = [];
  for (let t = 0; t < k; t++) out.push(Array.from(m.subarray(t * k, t * k + k)));
  return out;
}

export interface AccuracyResult {
  /** correct / n; NaN when no row is scored. */
  accuracy: number;
  correct: number;
  n: number;
}

/** Fraction of scored rows whose predicted code equals the true code (unweighted). */
export function accuracy(yTrue: Int32Array, yPred: Int32Array, rows?: Uint8Array): AccuracyResult {
  checkLengths(yTrue, yPred, rows);
  const n = yTrue.length;
  let correct = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (rows !== undefined && rows[i] === 0) continue;
    count++;
    if (yTrue[i] === yPred[i]) correct++;
  }
  return { accuracy: count > 0 ? correct / count : NaN, correct, n: count };
}

export interface ClassificationReport {
  k: number;
  /** Scored rows. */
  n: number;
  correct: number;
  /** NaN when no row is scored. */
  accuracy: number;
  /** Row-major k×k counts, rows = true class, columns = predicted class. */
  confusion: Float64Array;
  /** Per class: true positives, rows of that true class (support), rows predicted as it. */
  tp: Float64Array;
  support: Float64Array;
  predicted: Float64Array;
  /** Per class, for all k classes (0 for absent classes). */
  precision: Float64Array;
  recall: Float64Array;
  f1: Float64Array;
  /** 1 when the class occurs in the scored rows' true or predicted labels (sklearn's unique_labels). */
  present: Uint8Array;
  presentCount: number;
  /** Unweighted means over present classes only; NaN when none is present. */
  macroPrecision: number;
  macroRecall: number;
  macroF1: number;
}

/**
 * Everything sklearn's classification_report shows, from one pass over the rows.
 *
 * precision = tp / (tp + fp), 0 when tp + fp = 0;
 * recall    = tp / (tp + fn), 0 when tp + fn = 0;
 * F1        = 2·tp / (2·tp + fp + fn), 0 when that denominator is 0 — the form
 *             sklearn computes, algebraically equal to 2PR/(P+R) (and 0 when P+R = 0).
 * Macro averages cover only the classes present in y_true ∪ y_pred of the
 * scored rows, as sklearn does with labels=None.
 */
export function classificationReport(
  yTrue: Int32Array,
  yPred: Int32Array,
  k: number,
  rows?: Uint8Array,
): ClassificationReport {
  const confusion = confusionMatrix(yTrue, yPred, k, rows);
  const tp = new Float64Array(k);
  const support = new Float64Array(k);
  const predicted = new Float64Array(k);
  for (let t = 0; t < k; t++) {
    for (let p = 0; p < k; p++) {
      const c = confusion[t * k + p];
      support[t] += c;
      predicted[p] += c;
    }
    tp[t] = confusion[t * k + t];
  }
  const precision = new Float64Array(k);
  const recall = new Float64Array(k);
  const f1 = new Float64Array(k);
  const present = new Uint8Array(k);
  let presentCount = 0;
  let n = 0;
  let correct = 0;
  let sumP = 0;
  let sumR = 0;
  let sumF = 0;
  for (let c = 0; c < k; c++) {
    n += support[c];
    correct += tp[c];
    precision[c] = predicted[c] > 0 ? tp[c] / predicted[c] : 0;
    recall[c] = support[c] > 0 ? tp[c] / support[c] : 0;
    const denom = support[c] + predicted[c];
    f1[c] = denom > 0 ? (2 * tp[c]) / denom : 0;
    if (denom > 0) {
      present[c] = 1;
      presentCount++;
      sumP += precision[c];
      sumR += recall[c];
      sumF += f1[c];
    }
  }
  return {
    k,
    n,
    correct,
    accuracy: n > 0 ? correct / n : NaN,
    confusion,
    tp,
    support,
    predicted,
    precision,
    recall,
    f1,
    present,
    presentCount,
    macroPrecision: presentCount > 0 ? sumP / presentCount : NaN,
    macroRecall: presentCount > 0 ? sumR / presentCount : NaN,
    macroF1: presentCount > 0 ? sumF / presentCount : NaN,
  };
}
