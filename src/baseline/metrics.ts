import { amsFromSB, AMS_DEFAULTS } from '../../scorers/ams.js';
import { classificationReport } from '../../scorers/classification.js';

export interface AmsSetup {
  Ns: number;
  Nb: number;
  bReg: number;
}

export function amsSetup(metricOptions: Record<string, unknown>): AmsSetup {
  const num = (k: string, d: number) => (typeof metricOptions[k] === 'number' ? (metricOptions[k] as number) : d);
  return { Ns: num('Ns', AMS_DEFAULTS.Ns), Nb: num('Nb', AMS_DEFAULTS.Nb), bReg: num('b_reg', AMS_DEFAULTS.bReg) };
}

/**
 * AMS when the top `fraction` of rows by score is selected, for every fraction of `fractions`.
 * Weights are renormalised within these rows per class to Ns and Nb, as the platform's scorer does.
 */
export function amsCurve(scores: ArrayLike<number>, signal: ArrayLike<number>, weights: ArrayLike<number>, setup: AmsSetup, fractions: number[]): number[] {
  const n = scores.length;
  let ws = 0;
  let wb = 0;
  for (let i = 0; i < n; i++) {
    if (signal[i]) ws += weights[i];
    else wb += weights[i];
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  const cumS = new Float64Array(n + 1);
  const cumB = new Float64Array(n + 1);
  for (let r = 0; r < n; r++) {
    const i = order[r];
    cumS[r + 1] = cumS[r] + (signal[i] ? (weights[i] * setup.Ns) / (ws || 1) : 0);
    cumB[r + 1] = cumB[r] + (signal[i] ? 0 : (weights[i] * setup.Nb) / (wb || 1));
  }
  return fractions.map((f) => {
    const k = Math.min(n, Math.max(0, Math.round(f * n)));
    return amsFromSB(cumS[k], Math.max(0, cumB[k]), setup.bReg);
  });
}

export const fractionGrid = (min: number, max: number, step = 0.0025): number[] => {
  const out: number[] = [];
  for (let f = min; f <= max + 1e-12; f += step) out.push(Math.round(f * 1e6) / 1e6);
  return out;
};

/** The fraction whose AMS, averaged over ±smooth around it, is highest (raw AMS maxima are noisy). */
export function chooseFraction(fractions: number[], ams: number[], smooth: number): { fraction: number; smoothedAms: number; ams: number } {
  let best = 0;
  let bestVal = -Infinity;
  const sm = fractions.map((f) => {
    let s = 0;
    let c = 0;
    fractions.forEach((g, j) => {
      if (Math.abs(g - f) <= smooth + 1e-12) {
        s += ams[j];
        c++;
      }
    });
    return s / c;
  });
  sm.forEach((v, i) => {
    if (v > bestVal) {
      bestVal = v;
      best = i;
    }
  });
  return { fraction: fractions[best], smoothedAms: bestVal, ams: ams[best] };
}


/** How the baseline scores predictions: AMS at a fraction chosen within `selection`, or macro-F1 of `classes`. */
export type BaselineScoring = { ams: { setup: AmsSetup; selection: { min: number; max: number; smooth: number } } } | { classes: number };

/**
 * The baseline's figure for predictions of some rows: on an AMS task the AMS at the fraction whose
 * ±smooth average is best (both that average and the raw AMS there), else macro-F1 of the arg-max
 * class. One definition for the training's per-model and out-of-fold figures, the volunteers' units
 * and the search's out-of-fold metric. Pure, so browsers run it too.
 */
export function baselineScore(p: Float32Array, labels: ArrayLike<number>, weights: ArrayLike<number>, scoring: BaselineScoring): { score: number; smoothed: number; fraction: number | null } {
  if ('ams' in scoring) {
    const { setup, selection } = scoring.ams;
    const grid = fractionGrid(selection.min, selection.max);
    const pick = chooseFraction(grid, amsCurve(p, labels, weights, setup, grid), selection.smooth);
    return { score: pick.ams, smoothed: pick.smoothedAms, fraction: pick.fraction };
  }
  const f1 = macroF1(Int32Array.from(labels), argmaxRows(p, scoring.classes), scoring.classes);
  return { score: f1, smoothed: f1, fraction: null };
}
export function argmaxRows(p: Float32Array, k: number): Int32Array {
  const n = p.length / k;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let b = 0;
    for (let j = 1; j < k; j++) if (p[i * k + j] > p[i * k + b]) b = j;
    out[i] = b;
  }
  return out;
}

export function macroF1(yTrue: Int32Array, yPred: Int32Array, k: number): number {
  return classificationReport(yTrue, yPred, k).macroF1;
}
