import type { Tf } from '../baseline/backend.js';
import { baselineScore, type BaselineScoring } from '../baseline/metrics.js';
import { buildModel, effectiveBatchSize, fitModel, predictMatrix, targetMatrix, trainingWeights, type EpochInfo, type ModelSpec } from '../baseline/network.js';
import { withSeededMathRandom } from '../baseline/rng.js';
import type { TrainingDataDocument } from './training-data.js';

/**
 * One volunteer-computing work unit, run the same way in a browser's Web Worker and in Node: train
 * the unit's configuration on every fold but its own, stop early on its own fold as the baseline
 * does (src/baseline/train.ts), and return the fold's predictions, its validation metric and a
 * hash of the final weights. No node: import, so the browser loads the compiled module as is.
 */

/** The training data, decoded once and shared by every unit of the challenge. */
export interface TrainingData {
  doc: TrainingDataDocument;
  x: Float32Array;
  label: Uint8Array;
  /** Event weights, all 1 when the challenge has none. */
  weight: Float32Array;
  fold: Uint8Array;
}

/** What the server sends with a unit (src/compute/service.ts unitView) that the run needs. */
export interface UnitSpec {
  model: ModelSpec;
  fold: number;
  validationRows: number;
  outputs: number;
}

export interface UnitProgress {
  epoch: number;
  maxEpochs: number;
  valLoss: number;
  valMetric: number;
}

export interface UnitOutcome {
  /** The fold's rows, in row order, × outputs. */
  predictions: Float32Array;
  metric: number;
  /** sha256 (hex) of the final weights' bytes, in the model's weight order. */
  weightsHash: string;
  epochsRun: number;
  bestEpoch: number;
}

function fromBase64(b64: string): Uint8Array {
  const text = atob(b64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** Little-endian float32 values; every platform that runs TensorFlow.js is little-endian. */
const float32s = (b64: string) => {
  const bytes = fromBase64(b64);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
};

/** The typed arrays of a training-data document (GET /challenges/<slug>/compute/data). */
export function decodeTrainingData(doc: TrainingDataDocument): TrainingData {
  if (doc.format !== 1) throw new Error(`This runner reads training data format 1, not ${String(doc.format)}; reload the page.`);
  const x = float32s(doc.x);
  const label = fromBase64(doc.label);
  const fold = fromBase64(doc.fold);
  const weight = doc.weight ? float32s(doc.weight) : new Float32Array(doc.rows).fill(1);
  if (x.length !== doc.rows * doc.features.length || label.length !== doc.rows || fold.length !== doc.rows || weight.length !== doc.rows) {
    throw new Error(`The training data does not hold ${doc.rows} rows of ${doc.features.length} features.`);
  }
  return { doc, x, label, weight, fold };
}

async function sha256Hex(parts: Uint8Array[]): Promise<string> {
  const total = parts.reduce((s, p) => s + p.byteLength, 0);
  const all = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.byteLength;
  }
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', all));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Runs one unit. Seeds follow the baseline: the model's seed × 1000 + fold for the weights, the
 * shuffles and, through a seeded Math.random, a fresh dropout mask per training step (tf draws an
 * unseeded dropout's seed from Math.random at every call), so two runs give the same predictions.
 */
export async function runUnit(tf: Tf, data: TrainingData, unit: UnitSpec, onProgress?: (p: UnitProgress) => void | Promise<void>): Promise<UnitOutcome> {
  const { doc } = data;
  const d = doc.features.length;
  const k = doc.outputs;
  if (unit.outputs !== k) throw new Error(`The unit wants ${unit.outputs} outputs; the training data has ${k}.`);
  const m = unit.model;
  const n = doc.rows;
  const trainIdx = Int32Array.from({ length: n }, (_, i) => i).filter((i) => data.fold[i] !== unit.fold);
  const valIdx = Int32Array.from({ length: n }, (_, i) => i).filter((i) => data.fold[i] === unit.fold);
  if (valIdx.length !== unit.validationRows) throw new Error(`Fold ${unit.fold} has ${valIdx.length} rows here, the unit says ${unit.validationRows}; reload the training data.`);

  const groups = doc.task === 'ams' ? 2 : k;
  const fitData = { x: data.x, d, y: targetMatrix(data.label, k), k, w: trainingWeights(data.label, data.weight, groups, m.class_weight) };
  const metric = foldMetric(data);
  const seed = m.seed * 1000 + unit.fold;
  const batchSize = effectiveBatchSize(trainIdx.length, m);

  return withSeededMathRandom(seed, async () => {
    const model = buildModel(tf, d, k, m, seed);
    try {
      const onEpoch = (e: EpochInfo) => onProgress?.({ epoch: e.epoch, maxEpochs: m.max_epochs, valLoss: e.valLoss, valMetric: e.valMetric });
      const { history, bestEpoch } = await fitModel(tf, model, fitData, trainIdx, valIdx, m, { seed, batchSize, maxEpochs: m.max_epochs, metric, onEpoch });
      const xVal = new Float32Array(valIdx.length * d);
      valIdx.forEach((i, r) => xVal.set(data.x.subarray(i * d, i * d + d), r * d));
      const predictions = predictMatrix(tf, model, xVal, d);
      const weights = model.getWeights().map((t) => {
        const v = t.dataSync() as Float32Array;
        return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      });
      return { predictions, metric: metric(predictions, valIdx), weightsHash: await sha256Hex(weights), epochsRun: history.length, bestEpoch };
    } finally {
      model.dispose();
    }
  });
}

/**
 * The fold's validation metric, the baseline's own (train.ts metricOf): on an AMS task the AMS
 * at the fraction `selection` picks, smoothed over ±smooth; otherwise macro-F1 of the arg-max class.
 */
export function foldMetric(data: TrainingData): (p: Float32Array, idx: ArrayLike<number>) => number {
  const { doc } = data;
  if (doc.task === 'ams' && !doc.ams) throw new Error('The training data of an AMS task lacks its AMS settings; reload it.');
  const scoring: BaselineScoring = doc.task === 'ams' ? { ams: doc.ams! } : { classes: doc.outputs };
  return (p, idx) => baselineScore(p, Array.from(idx, (i) => data.label[i]), Array.from(idx, (i) => data.weight[i]), scoring).smoothed;
}
