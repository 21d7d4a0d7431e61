/**
 * The figures stored with each subset's score details at scoring time, for the submission page after
 * the close: the confusion matrix (rows true class, columns predicted) for every metric, and for AMS
 * on HiggsML files the AMS against the selected fraction. Stored, so the page never re-reads files.
 * They tell hidden labels, so they travel with the details, which participants see only after the close.
 */
import { amsCurve } from '../../scorers/ams-curve.js';
import { confusionMatrix, matrixRows } from '../../scorers/classification.js';
import type { Prediction, Solution } from '../../scorers/types.js';

/** The AMS curve as stored: sampled [fraction, AMS] pairs (6 significant digits), with the exact own cut and maximum. */
export interface StoredAmsCurve {
  n: number;
  b_reg: number;
  points: Array<[number, number]>;
  cut: { selected: number; fraction: number; ams: number };
  max: { selected: number; fraction: number; ams: number };
}

const short = (v: number): number => Number(v.toPrecision(6));

/** What to add to one subset's metric details (nothing the metric already gives). */
export function subsetFigures(metricName: string, prediction: Prediction, solution: Solution, rows: Uint8Array, details: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!Array.isArray(details.confusion)) {
    const k = solution.classes.length;
    out.classes = solution.classes.slice();
    out.confusion = matrixRows(confusionMatrix(solution.label, prediction.label, k, rows), k);
  }
  const positive = typeof details.positive_class === 'string' ? solution.classes.indexOf(details.positive_class) : -1;
  if (metricName === 'ams' && prediction.rank && positive >= 0) {
    const num = (key: string) => (typeof details[key] === 'number' ? (details[key] as number) : undefined);
    const c = amsCurve(solution.label, prediction.label, prediction.rank, solution.weight, positive, rows, { Ns: num('Ns'), Nb: num('Nb'), bReg: num('b_reg') });
    const curve: StoredAmsCurve = { n: c.n, b_reg: c.bReg, points: c.points.map((p) => [short(p.fraction), short(p.ams)]), cut: c.cut, max: c.max };
    out.ams_curve = curve;
  }
  return out;
}
