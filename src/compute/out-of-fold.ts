/**
 * A configuration's real out-of-fold metric (issue 14, section 5): once every fold of it has a
 * canonical (validated) result, the folds' predictions are put back in their rows of train.csv and
 * the whole vector is scored as the baseline scores its own out-of-fold predictions: AMS at the
 * fraction chooseFraction picks within baseline.yaml's `selection:`, or macro-F1 of the arg-max class.
 * Only train.csv's labels and weights are read; the test solution never is.
 *
 * A unit's predictions are its fold's rows in train.csv order (the rows whose `fold` is the unit's,
 * from first to last), `outputs` numbers per row, as the training-data document lists them.
 */
import { amsSetup, baselineScore, type BaselineScoring } from '../baseline/metrics.js';
import type { Challenge } from '../challenges/repo.js';
import type { TrainingData } from './training-data.js';

export type OutOfFoldData = Pick<TrainingData, 'task' | 'rows' | 'outputs' | 'folds' | 'labels' | 'weights' | 'fold' | 'spec'>;

export interface OutOfFoldScore {
  metric: 'ams' | 'macro_f1';
  score: number;
  /** AMS: the fraction of rows selected as signal at that score. */
  chosenFraction: number | null;
}

/** A stored result's predictions: base64 of little-endian float32. */
export function decodePredictions(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** The rows of each fold, in train.csv order. */
export function rowsByFold(data: Pick<OutOfFoldData, 'rows' | 'folds' | 'fold'>): number[][] {
  const out = Array.from({ length: data.folds }, () => [] as number[]);
  for (let i = 0; i < data.rows; i++) out[data.fold[i]].push(i);
  return out;
}

/**
 * One prediction vector over every training row from one result per fold. Throws when a fold is
 * missing or twice, or its predictions do not fill its rows (the data changed since the units were made).
 */
export function assembleOutOfFold(data: Pick<OutOfFoldData, 'rows' | 'folds' | 'fold' | 'outputs'>, results: ReadonlyArray<{ fold: number; predictions: Float32Array }>): Float32Array {
  const k = data.outputs;
  const byFold = rowsByFold(data);
  const seen = new Set<number>();
  const oof = new Float32Array(data.rows * k);
  for (const r of results) {
    const rows = byFold[r.fold];
    if (!rows || seen.has(r.fold)) throw new Error(`fold ${r.fold} is not one of the ${data.folds} folds, or came twice`);
    seen.add(r.fold);
    if (r.predictions.length !== rows.length * k) throw new Error(`fold ${r.fold}: ${r.predictions.length} predictions for ${rows.length} rows × ${k}`);
    rows.forEach((row, j) => oof.set(r.predictions.subarray(j * k, j * k + k), row * k));
  }
  if (seen.size !== data.folds) throw new Error(`${seen.size} of ${data.folds} folds have a result`);
  return oof;
}

/** Scores a full out-of-fold vector as trainOnTable scores the baseline's. */
export function scoreOutOfFold(c: Pick<Challenge, 'metricOptions'>, data: OutOfFoldData, oof: Float32Array): OutOfFoldScore {
  const ams = data.task === 'ams';
  const scoring: BaselineScoring = ams ? { ams: { setup: amsSetup(c.metricOptions), selection: data.spec.selection } } : { classes: data.outputs };
  const { score, fraction } = baselineScore(oof, data.labels, data.weights ?? new Float32Array(data.rows).fill(1), scoring);
  return { metric: ams ? 'ams' : 'macro_f1', score, chosenFraction: fraction };
}
