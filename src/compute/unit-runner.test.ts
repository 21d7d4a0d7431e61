import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { loadTf, type Tf } from '../baseline/backend.js';
import { parseBaselineSpec } from '../baseline/spec.js';
import { withSeededMathRandom } from '../baseline/rng.js';
import { seededRandom } from '../seeded-random.js';
import type { TrainingDataDocument } from './training-data.js';
import { decodeTrainingData, runUnit, type UnitSpec } from './unit-runner.js';
import { compareResults } from './validator.js';

const b64 = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

/** A small three-class problem whose classes a network can partly tell apart, in three folds. */
function syntheticDocument(rows: number, features: number): TrainingDataDocument {
  const rand = seededRandom(7);
  const x = new Float32Array(rows * features);
  const label = new Uint8Array(rows);
  const fold = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    label[i] = i % 3;
    fold[i] = Math.floor(i / 3) % 3;
    for (let j = 0; j < features; j++) x[i * features + j] = (j === label[i] ? 3 : 0) + (rand() - 0.5) * 2;
  }
  return {
    format: 1,
    challenge: 'synthetic',
    task: 'multiclass',
    classes: ['A', 'B', 'C'],
    positiveClass: null,
    features: Array.from({ length: features }, (_, j) => `f${j}`),
    rows,
    outputs: 3,
    folds: 3,
    x: b64(x),
    label: b64(label),
    weight: null,
    fold: b64(fold),
    ams: null,
  };
}

describe('compute unit runner (the code volunteers run, in Node with the wasm backend)', function () {
  this.timeout(120_000);
  let tf: Tf;
  before(async () => {
    process.env.SIFT_TF_BACKEND ??= 'wasm';
    ({ tf } = await loadTf());
  });

  it('gives the same predictions, metric and weights hash when one unit runs twice (the validator agrees)', async () => {
    const data = decodeTrainingData(syntheticDocument(270, 6));
    const model = { ...parseBaselineSpec({}).model, hidden: [16, 8], dropout: 0.3, max_epochs: 5, patience: 3, batch_size: 32, learning_rate: 0.01, class_weight: 'sqrt' as const };
    const unit: UnitSpec = { model, fold: 1, validationRows: 90, outputs: 3 };
    const progress: number[] = [];
    const first = await runUnit(tf, data, unit, (p) => void progress.push(p.epoch));
    const second = await runUnit(tf, data, unit);

    assert.equal(tf.getBackend(), 'wasm');
    // In Node the wasm backend never starts a thread pool (browsers get one only when cross-origin isolated, which Sift's pages are not).
    const { getThreadsCount } = createRequire(import.meta.url)('@tensorflow/tfjs-backend-wasm') as { getThreadsCount(): number };
    assert.equal(getThreadsCount(), 1);
    assert.deepEqual(progress, Array.from({ length: first.epochsRun }, (_, i) => i + 1), 'one progress report per epoch');
    assert.equal(first.predictions.length, 90 * 3);
    assert.ok(first.metric > 0.4, `the network learns something (macro-F1 ${first.metric})`);
    const rowSums = Array.from({ length: 90 }, (_, r) => first.predictions[r * 3] + first.predictions[r * 3 + 1] + first.predictions[r * 3 + 2]);
    assert.ok(rowSums.every((s) => Math.abs(s - 1) < 1e-4), 'each row is a probability distribution');
    assert.match(first.weightsHash, /^[0-9a-f]{64}$/);
    assert.deepEqual(compareResults({ volunteerId: 1, ...first }, { volunteerId: 2, ...second }), { agree: true });
    assert.equal(second.weightsHash, first.weightsHash, 'one backend on one machine repeats itself bit for bit');

    // Another fold is another unit: other rows, other predictions.
    const other = await runUnit(tf, data, { ...unit, fold: 2 });
    assert.notEqual(other.weightsHash, first.weightsHash);
  });

  it('draws a fresh dropout mask at every training step, the same sequence under the same seed', async () => {
    const layer = () => tf.sequential({ layers: [tf.layers.dropout({ rate: 0.5, inputShape: [64] })] });
    const masks = (seed: number) =>
      withSeededMathRandom(seed, async () => {
        const net = layer();
        const ones = tf.ones([1, 64]);
        const out = [0, 1].map(() => Array.from((net.apply(ones, { training: true }) as ReturnType<typeof tf.ones>).dataSync()).join(','));
        tf.dispose(ones);
        net.dispose();
        return out;
      });
    const [a1, a2] = await masks(5);
    const [b1, b2] = await masks(5);
    assert.notEqual(a1, a2, 'two steps get two masks');
    assert.deepEqual([b1, b2], [a1, a2], 'the same seed gives the same masks');
  });

  it('refuses training data that does not hold the unit fold’s rows', async () => {
    const data = decodeTrainingData(syntheticDocument(63, 3));
    const model = { ...parseBaselineSpec({}).model, hidden: [4], max_epochs: 1 };
    await assert.rejects(runUnit(tf, data, { model, fold: 0, validationRows: 22, outputs: 3 }), /Fold 0 has 21 rows here, the unit says 22/);
    await assert.rejects(runUnit(tf, data, { model, fold: 0, validationRows: 21, outputs: 1 }), /wants 1 outputs; the training data has 3/);
  });
});
