/**
 * Calibration of confidences: reliability bins and the expected calibration error (ECE).
 *
 * Bins are equal-width over confidence in [0, 1]: bin b holds confidences in [b/n, (b+1)/n), the last
 * bin also 1 itself. Each bin reports its count, mean confidence and accuracy (the share of its
 * subjects whose label was right); an empty bin has null mean confidence and accuracy.
 *
 * ECE = sum over bins of (count / total) x |accuracy − mean confidence| (Naeini et al. 2015, Guo et
 * al. 2017), i.e. the mean over subjects of the gap of their bin; 0 for a perfectly calibrated method,
 * and null when there are no subjects. Equal-width bins with few subjects in some of them make ECE
 * noisy; read it with the counts.
 */

/** Bumped whenever the bins or the ECE computed from the same data could change. */
export const CALIBRATION_VERSION = '1';

export const DEFAULT_BINS = 10;

export interface ReliabilityBin {
  /** Confidence range [lower, upper) ([lower, 1] for the last bin). */
  lower: number;
  upper: number;
  count: number;
  /** Mean confidence of the bin's subjects; null when empty. */
  meanConfidence: number | null;
  /** Share of the bin's subjects labelled right; null when empty. */
  accuracy: number | null;
}

export interface Reliability {
  version: string;
  bins: ReliabilityBin[];
  /** Subjects counted. */
  n: number;
  /** Count-weighted mean |accuracy − mean confidence| over the bins; null when n = 0. */
  ece: number | null;
  /** Mean confidence and accuracy over all subjects (their difference says over- or under-confident); null when n = 0. */
  meanConfidence: number | null;
  accuracy: number | null;
}

/** The bin of a confidence in [0, 1] among `nBins` equal-width bins. */
export function binOf(confidence: number, nBins: number): number {
  return Math.min(nBins - 1, Math.floor(confidence * nBins));
}

/**
 * Reliability bins and ECE of `confidence` (each in [0, 1]) against `correct` (1 when the labelled
 * class was right, else 0). Throws RangeError on mismatched lengths, a confidence outside [0, 1] or a
 * bin count that is not a positive integer.
 */
export function reliability(confidence: Float64Array, correct: Uint8Array, nBins = DEFAULT_BINS): Reliability {
  if (confidence.length !== correct.length) throw new RangeError(`length mismatch (confidence ${confidence.length}, correct ${correct.length})`);
  if (!Number.isInteger(nBins) || nBins < 1) throw new RangeError(`number of bins must be a positive integer, got ${nBins}`);
  const count = new Float64Array(nBins);
  const sumConfidence = new Float64Array(nBins);
  const sumCorrect = new Float64Array(nBins);
  let totalConfidence = 0;
  let totalCorrect = 0;
  for (let i = 0; i < confidence.length; i++) {
    const c = confidence[i];
    if (!(c >= 0 && c <= 1)) throw new RangeError(`confidence ${i} is ${c}, outside [0, 1]`);
    const b = binOf(c, nBins);
    count[b]++;
    sumConfidence[b] += c;
    sumCorrect[b] += correct[i] ? 1 : 0;
    totalConfidence += c;
    totalCorrect += correct[i] ? 1 : 0;
  }
  const n = confidence.length;
  let ece = 0;
  const bins: ReliabilityBin[] = [];
  for (let b = 0; b < nBins; b++) {
    const filled = count[b] > 0;
    const meanConfidence = filled ? sumConfidence[b] / count[b] : null;
    const accuracy = filled ? sumCorrect[b] / count[b] : null;
    if (filled) ece += (count[b] / n) * Math.abs(accuracy! - meanConfidence!);
    bins.push({ lower: b / nBins, upper: (b + 1) / nBins, count: count[b], meanConfidence, accuracy });
  }
  return {
    version: CALIBRATION_VERSION,
    bins,
    n,
    ece: n ? ece : null,
    meanConfidence: n ? totalConfidence / n : null,
    accuracy: n ? totalCorrect / n : null,
  };
}
