import type * as tfTypes from '@tensorflow/tfjs';
import type { Tf } from './backend.js';
import type { BaselineSpec } from './spec.js';
import { seededRandom, shuffleInPlace } from './rng.js';

/**
 * The baseline's network, its training loop and its prediction: pure TensorFlow.js with no node:
 * import, so the server's baseline (src/baseline/train.ts) and a volunteer's browser (a compute
 * unit in a Web Worker, src/compute/unit-runner.ts) run the same code. Saving and loading models
 * stays in model.ts.
 */

export type ModelSpec = BaselineSpec['model'];
export type LayersModel = tfTypes.LayersModel;

/** Dense → batch norm → ReLU → dropout, per hidden layer; sigmoid (1 unit) or softmax (k units) on top. */
export function buildModel(tf: Tf, inputs: number, outputs: number, m: ModelSpec, seed: number): LayersModel {
  const model = tf.sequential();
  m.hidden.forEach((units, i) => {
    model.add(
      tf.layers.dense({
        units,
        inputShape: i === 0 ? [inputs] : undefined,
        useBias: !m.batch_norm,
        kernelInitializer: tf.initializers.heNormal({ seed: seed * 101 + i }),
      }),
    );
    if (m.batch_norm) model.add(tf.layers.batchNormalization({ momentum: 0.9 }));
    model.add(tf.layers.activation({ activation: 'relu' }));
    if (m.dropout > 0) model.add(tf.layers.dropout({ rate: m.dropout }));
  });
  model.add(
    tf.layers.dense({
      units: outputs,
      activation: outputs === 1 ? 'sigmoid' : 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 101 + 99 }),
    }),
  );
  return model;
}

export interface EpochInfo {
  epoch: number;
  loss: number;
  valLoss: number;
  valMetric: number;
}

export interface FitData {
  /** Row-major features, d per row. */
  x: Float32Array;
  d: number;
  /** Row-major targets: 1 per row (binary) or k one-hot. */
  y: Float32Array;
  k: number;
  /** Training weight per row. */
  w: Float32Array;
}

export function gather(src: Float32Array, width: number, idx: ArrayLike<number>, from = 0, to = idx.length): Float32Array {
  const out = new Float32Array((to - from) * width);
  for (let r = from; r < to; r++) out.set(src.subarray(idx[r] * width, idx[r] * width + width), (r - from) * width);
  return out;
}

/** Weighted cross-entropy over rows, as a plain number (for validation). */
export function weightedLoss(p: Float32Array, y: Float32Array, w: Float32Array, k: number): number {
  const eps = 1e-7;
  let num = 0;
  let den = 0;
  const n = w.length;
  for (let i = 0; i < n; i++) {
    let l = 0;
    if (k === 1) {
      const q = Math.min(1 - eps, Math.max(eps, p[i]));
      l = -(y[i] * Math.log(q) + (1 - y[i]) * Math.log(1 - q));
    } else {
      for (let j = 0; j < k; j++) if (y[i * k + j] > 0) l -= y[i * k + j] * Math.log(Math.max(eps, p[i * k + j]));
    }
    num += w[i] * l;
    den += w[i];
  }
  return num / (den || 1);
}

export function predictMatrix(tf: Tf, model: LayersModel, x: Float32Array, d: number, batch = 8192): Float32Array {
  const n = x.length / d;
  const k = (model.outputs[0].shape[1] as number) ?? 1;
  const out = new Float32Array(n * k);
  for (let s = 0; s < n; s += batch) {
    const e = Math.min(n, s + batch);
    const p = tf.tidy(() => model.predict(tf.tensor2d(x.subarray(s * d, e * d), [e - s, d])) as tfTypes.Tensor);
    out.set(p.dataSync() as Float32Array, s * k);
    p.dispose();
  }
  return out;
}

/**
 * Trains one model with a seeded shuffle per epoch, a weighted cross-entropy, and early stopping
 * on the held-out rows (restoring the best epoch's weights, batch-norm statistics included).
 */
export async function fitModel(
  tf: Tf,
  model: LayersModel,
  data: FitData,
  trainIdx: Int32Array,
  valIdx: Int32Array,
  m: ModelSpec,
  opts: { seed: number; batchSize: number; maxEpochs: number; metric: (p: Float32Array, idx: Int32Array) => number; onEpoch?: (e: EpochInfo) => void | Promise<void> },
): Promise<{ history: EpochInfo[]; bestEpoch: number }> {
  const { d, k } = data;
  const optimizer = tf.train.adam(m.learning_rate);
  const rand = seededRandom(opts.seed);
  const order = Int32Array.from(trainIdx);
  const xVal = gather(data.x, d, valIdx);
  const yVal = gather(data.y, k, valIdx);
  const wVal = gather(data.w, 1, valIdx);
  const vars = model.trainableWeights.map((v) => v.read() as tfTypes.Variable);
  const kernels = vars.filter((v) => /kernel/.test(v.name));
  const history: EpochInfo[] = [];
  let best = Infinity;
  let bestEpoch = 0;
  let bestWeights: tfTypes.Tensor[] | null = null;
  let since = 0;
  for (let epoch = 1; epoch <= opts.maxEpochs; epoch++) {
    shuffleInPlace(order, rand);
    let lossSum = 0;
    let wSum = 0;
    for (let s = 0; s < order.length; s += opts.batchSize) {
      const e = Math.min(order.length, s + opts.batchSize);
      if (e - s < 2) continue; // batch norm needs more than one row
      const xb = tf.tensor2d(gather(data.x, d, order, s, e), [e - s, d]);
      const yb = tf.tensor2d(gather(data.y, k, order, s, e), [e - s, k]);
      const wbArr = gather(data.w, 1, order, s, e);
      const wb = tf.tensor1d(wbArr);
      const wTotal = wbArr.reduce((a, b) => a + b, 0);
      const loss = optimizer.minimize(
        () =>
          tf.tidy(() => {
            const p = (model.apply(xb, { training: true }) as tfTypes.Tensor).clipByValue(1e-7, 1 - 1e-7);
            const per = k === 1 ? yb.mul(p.log()).add(tf.scalar(1).sub(yb).mul(tf.scalar(1).sub(p).log())).neg().reshape([-1]) : yb.mul(p.log()).sum(1).neg();
            let l = per.mul(wb).sum().div(Math.max(wTotal, 1e-12)) as tfTypes.Scalar;
            if (m.l2 > 0) for (const v of kernels) l = l.add(v.square().sum().mul(m.l2));
            return l;
          }),
        true,
        vars,
      );
      lossSum += (loss!.dataSync()[0] as number) * wTotal;
      wSum += wTotal;
      tf.dispose([xb, yb, wb, loss!]);
    }
    const pVal = predictMatrix(tf, model, xVal, d);
    const info: EpochInfo = { epoch, loss: lossSum / (wSum || 1), valLoss: weightedLoss(pVal, yVal, wVal, k), valMetric: opts.metric(pVal, valIdx) };
    history.push(info);
    const watched = m.monitor === 'loss' ? info.valLoss : -info.valMetric;
    if (watched < best - 1e-6) {
      best = watched;
      bestEpoch = epoch;
      since = 0;
      if (bestWeights) tf.dispose(bestWeights);
      bestWeights = model.getWeights().map((t) => t.clone());
    } else since++;
    await opts.onEpoch?.(info);
    // Lets other work (an HTTP request, a worker's stop message) run between epochs; setTimeout exists in Node and in Web Workers alike.
    await new Promise((r) => setTimeout(r, 0));
    if (since >= m.patience) break;
  }
  if (bestWeights) {
    model.setWeights(bestWeights);
    tf.dispose(bestWeights);
  }
  optimizer.dispose();
  return { history, bestEpoch };
}

/** Classes' weights as baseline.yaml's class_weight asks, from each row's class and event weight. */
export function trainingWeights(classIdx: ArrayLike<number>, rawWeight: ArrayLike<number>, groups: number, classWeight: ModelSpec['class_weight']): Float32Array {
  const n = classIdx.length;
  const totals = new Float64Array(groups);
  for (let i = 0; i < n; i++) totals[classIdx[i]] += rawWeight[i];
  const present = totals.filter((t) => t > 0).length;
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    // Balanced: every class carries the same total weight (n / classes), spread by the event weights.
    w[i] =
      classWeight === 'balanced'
        ? (rawWeight[i] / totals[classIdx[i]]) * (n / present)
        : classWeight === 'sqrt'
          ? rawWeight[i] * Math.sqrt(n / present / totals[classIdx[i]])
          : rawWeight[i];
  }
  return w;
}

/** Targets: the class index itself (one sigmoid output) or one-hot rows over k classes. */
export function targetMatrix(classIdx: ArrayLike<number>, k: number): Float32Array {
  const n = classIdx.length;
  const y = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    if (k === 1) y[i] = classIdx[i];
    else y[i * k + classIdx[i]] = 1;
  }
  return y;
}

export function effectiveBatchSize(n: number, spec: ModelSpec): number {
  // About 100+ steps per epoch at any size: 128 rows on the demo, up to 1024 on the full 250k set.
  const byN = 2 ** Math.floor(Math.log2(Math.max(1, n / 128)));
  return Math.min(1024, Math.max(spec.batch_size, byN));
}
