import assert from 'node:assert/strict';
import { binOf, reliability } from './calibration.js';

const close = (a: number | null, b: number) => assert.ok(a !== null && Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

describe('reliability bins and ECE', () => {
  // Hand-checked, 4 bins: [0,.25) empty; [.25,.5): 0.3 wrong, 0.4 right; [.5,.75): 0.6 right, 0.7 right,
  // 0.5 wrong; [.75,1]: 0.9 right, 1.0 right, 0.8 wrong.
  const confidence = Float64Array.from([0.3, 0.4, 0.6, 0.7, 0.5, 0.9, 1.0, 0.8]);
  const correct = Uint8Array.from([0, 1, 1, 1, 0, 1, 1, 0]);
  const r = reliability(confidence, correct, 4);

  it('counts, mean confidence and accuracy per equal-width bin; empty bins are null', () => {
    assert.deepEqual(r.bins.map((b) => b.count), [0, 2, 3, 3]);
    assert.deepEqual(r.bins.map((b) => [b.lower, b.upper]), [[0, 0.25], [0.25, 0.5], [0.5, 0.75], [0.75, 1]]);
    assert.equal(r.bins[0].meanConfidence, null);
    assert.equal(r.bins[0].accuracy, null);
    close(r.bins[1].meanConfidence, 0.35);
    close(r.bins[1].accuracy, 0.5);
    close(r.bins[2].meanConfidence, 0.6);
    close(r.bins[2].accuracy, 2 / 3);
    close(r.bins[3].meanConfidence, 0.9);
    close(r.bins[3].accuracy, 2 / 3);
    assert.equal(r.n, 8);
    close(r.meanConfidence, 5.2 / 8);
    close(r.accuracy, 5 / 8);
  });

  it('ECE is the count-weighted mean gap: (2·0.15 + 3·(2/3 − 0.6) + 3·(0.9 − 2/3)) / 8', () => {
    close(r.ece, (2 * 0.15 + 3 * (2 / 3 - 0.6) + 3 * (0.9 - 2 / 3)) / 8);
  });

  it('is 0 when confidence matches accuracy in every bin, and 1 for certain and always wrong', () => {
    const calibrated = reliability(Float64Array.from([0.5, 0.5, 1, 1]), Uint8Array.from([1, 0, 1, 1]), 10);
    close(calibrated.ece, 0);
    close(reliability(Float64Array.from([1, 1, 1]), Uint8Array.from([0, 0, 0])).ece, 1);
  });

  it('puts a confidence of exactly 1 in the last bin and bin edges in the upper bin', () => {
    assert.equal(binOf(1, 10), 9);
    assert.equal(binOf(0.1, 10), 1);
    assert.equal(binOf(0, 10), 0);
    assert.equal(reliability(Float64Array.from([1]), Uint8Array.from([1])).bins[9].count, 1);
  });

  it('reports no ECE without subjects, and refuses bad input', () => {
    const empty = reliability(new Float64Array(0), new Uint8Array(0));
    assert.equal(empty.n, 0);
    assert.equal(empty.ece, null);
    assert.equal(empty.bins.length, 10);
    assert.throws(() => reliability(Float64Array.from([0.5]), new Uint8Array(2)), /length mismatch/);
    assert.throws(() => reliability(Float64Array.from([1.2]), Uint8Array.from([1])), /outside \[0, 1\]/);
    assert.throws(() => reliability(Float64Array.from([NaN]), Uint8Array.from([1])), /outside \[0, 1\]/);
    assert.throws(() => reliability(Float64Array.from([0.5]), Uint8Array.from([1]), 0), /positive integer/);
  });
});
