/**
 * The validator of volunteer-computing results, as BOINC's: results of one work unit from different
 * volunteers are compared within a tolerance (backends and machines round differently, so bytes and
 * weight hashes are never compared); once `quorum` of them agree, one becomes the canonical result,
 * those agreeing with it are valid and the others invalid. A volunteer's results count once, so no
 * one is trusted alone. Pure: the caller stores the outcome and grants credit to the valid ones.
 */

export interface UnitResult {
  /** Who returned it: results of one volunteer never make a quorum together. */
  volunteerId: number;
  /** The validation metric the run reports (e.g. the fold's AMS or macro-F1). */
  metric: number;
  /** The out-of-fold predictions, one per row of the fold, in the unit's row order. */
  predictions: Float32Array | Float64Array | number[];
}

export interface Tolerance {
  /** Largest accepted |Δ metric|, absolute… */
  metricAbs: number;
  /** …or relative to the larger of the two, whichever is looser. */
  metricRel: number;
  /** Largest accepted |Δ prediction| on any row. */
  predictionAbs: number;
  /** Share of rows allowed beyond predictionAbs (a few borderline rows flip between backends). */
  predictionOutlierShare: number;
}

export const DEFAULT_TOLERANCE: Tolerance = { metricAbs: 1e-3, metricRel: 1e-3, predictionAbs: 1e-3, predictionOutlierShare: 0.001 };

/** Whether two results agree within the tolerance; the reason when they do not. */
export function compareResults(a: UnitResult, b: UnitResult, t: Tolerance = DEFAULT_TOLERANCE): { agree: true } | { agree: false; why: string } {
  if (!Number.isFinite(a.metric) || !Number.isFinite(b.metric)) return { agree: false, why: 'a metric is not a finite number' };
  const metricGap = Math.abs(a.metric - b.metric);
  if (metricGap > Math.max(t.metricAbs, t.metricRel * Math.max(Math.abs(a.metric), Math.abs(b.metric)))) {
    return { agree: false, why: `metrics differ by ${metricGap.toPrecision(3)}` };
  }
  if (a.predictions.length !== b.predictions.length) return { agree: false, why: `${a.predictions.length} predictions against ${b.predictions.length}` };
  let outliers = 0;
  for (let i = 0; i < a.predictions.length; i++) {
    const gap = Math.abs(a.predictions[i] - b.predictions[i]);
    // NaN never agrees: `gap > x` is false for NaN, so test the negation.
    if (!(gap <= t.predictionAbs)) outliers++;
  }
  if (outliers > Math.floor(t.predictionOutlierShare * a.predictions.length)) return { agree: false, why: `${outliers} of ${a.predictions.length} predictions differ by more than ${t.predictionAbs}` };
  return { agree: true };
}

export type Verdict = 'valid' | 'invalid' | 'pending';

export interface QuorumOutcome {
  /** Index (into the results given) of the canonical result, or null while there is no quorum. */
  canonical: number | null;
  /** One verdict per result given, in order. */
  verdicts: Verdict[];
}

/**
 * Looks for a canonical result: the first result that agrees with results from at least quorum − 1
 * other volunteers. With one, every result is judged against it (valid or invalid; a volunteer's
 * repeated result is invalid); without one, all stay pending until more arrive.
 */
export function validateUnit(results: UnitResult[], quorum = 2, t: Tolerance = DEFAULT_TOLERANCE): QuorumOutcome {
  for (let i = 0; i < results.length; i++) {
    const agreeing = new Set<number>([results[i].volunteerId]);
    for (let j = 0; j < results.length; j++) {
      if (j !== i && !agreeing.has(results[j].volunteerId) && compareResults(results[i], results[j], t).agree) agreeing.add(results[j].volunteerId);
    }
    if (agreeing.size >= quorum) {
      // A volunteer's later copy earns nothing: the server never sends them one unit twice, so it is a replay.
      const repeat = (k: number) => results.slice(0, k).some((r) => r.volunteerId === results[k].volunteerId);
      return { canonical: i, verdicts: results.map((r, k) => (k === i || (!repeat(k) && compareResults(results[i], r, t).agree) ? 'valid' : 'invalid')) };
    }
  }
  return { canonical: null, verdicts: results.map(() => 'pending') };
}
