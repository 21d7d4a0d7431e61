import assert from 'node:assert/strict';
import { amsScore } from './ams.js';
import { amsByCut, amsCurve } from './ams-curve.js';
import { seededRandom } from '../src/seeded-random.js';

const S = 1;
const B = 0;

/** A random HiggsML-like subset: labels, weights, a RankOrder permutation and a mask. */
function fixture(n: number, seed: number) {
  const rand = seededRandom(seed);
  const label = new Int32Array(n);
  const weight = new Float64Array(n);
  const mask = new Uint8Array(n);
  const score = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    label[i] = rand() < 0.3 ? S : B;
    weight[i] = label[i] === S ? 0.001 + rand() * 0.01 : 0.5 + rand() * 5;
    mask[i] = rand() < 0.7 ? 1 : 0;
    // A model that ranks signal higher, with noise.
    score[i] = (label[i] === S ? 0.6 : 0) + rand();
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[a] - score[b]);
  const rank = new Int32Array(n);
  order.forEach((row, r) => (rank[row] = r + 1));
  return { label, weight, mask, rank };
}

/** The prediction that labels signal exactly the top-k scored rows by RankOrder. */
function topK(f: ReturnType<typeof fixture>, k: number): Int32Array {
  const scored = Array.from({ length: f.label.length }, (_, i) => i).filter((i) => f.mask[i] === 1).sort((a, b) => f.rank[b] - f.rank[a]);
  const pred = new Int32Array(f.label.length).fill(B);
  for (const i of scored.slice(0, k)) pred[i] = S;
  return pred;
}

describe('amsByCut', () => {
  const f = fixture(5000, 7);
  const options = { Ns: 691.988607711987, Nb: 410999.847321811, bReg: 10 };
  const byCut = amsByCut(f.label, f.rank, f.weight, S, f.mask, options);
  const n = f.mask.reduce((a, m) => a + m, 0);

  it('has one AMS per cut k = 0..n of the scored rows, 0 for an empty selection', () => {
    assert.equal(byCut.length, n + 1);
    assert.equal(byCut[0], 0);
  });

  it("matches the scorer's AMS of the top-k selection to 1e-9 at several cuts", () => {
    for (const k of [1, 17, 250, Math.floor(n / 3), n - 1, n]) {
      const expected = amsScore(f.label, topK(f, k), f.weight, S, f.mask, options).ams;
      assert.ok(Math.abs(byCut[k] - expected) < 1e-9, `k=${k}: ${byCut[k]} vs ${expected}`);
    }
  });

  it('uses b_reg (a larger one lowers every non-empty cut)', () => {
    const big = amsByCut(f.label, f.rank, f.weight, S, f.mask, { ...options, bReg: 100 });
    assert.ok(big[100] < byCut[100]);
  });

  it('refuses a RankOrder that is not a permutation', () => {
    const bad = f.rank.slice();
    bad[1] = bad[0];
    assert.throws(() => amsByCut(f.label, bad, f.weight, S, f.mask), /permutation/);
  });
});

describe('amsCurve', () => {
  const f = fixture(3000, 11);
  const options = { bReg: 10 };
  const n = f.mask.reduce((a, m) => a + m, 0);
  const own = Math.round(n * 0.15) + 1;
  const curve = amsCurve(f.label, topK(f, own), f.rank, f.weight, S, f.mask, options);

  it("holds the submission's exact cut, which is the scorer's AMS when Class follows RankOrder", () => {
    assert.equal(curve.cut.selected, own);
    assert.equal(curve.cut.fraction, own / n);
    const scored = amsScore(f.label, topK(f, own), f.weight, S, f.mask, options).ams;
    assert.ok(Math.abs(curve.cut.ams - scored) < 1e-9);
    assert.ok(curve.points.some((p) => p.selected === own && p.ams === curve.cut.ams));
  });

  it('samples about 200 cuts from 0 to 1 in order, and includes the true maximum', () => {
    assert.ok(curve.points.length >= 201 && curve.points.length <= 203);
    assert.equal(curve.points[0].fraction, 0);
    assert.equal(curve.points[curve.points.length - 1].fraction, 1);
    for (let j = 1; j < curve.points.length; j++) assert.ok(curve.points[j].selected > curve.points[j - 1].selected);
    const all = amsByCut(f.label, f.rank, f.weight, S, f.mask, options);
    assert.equal(curve.max.ams, Math.max(...all));
    assert.ok(curve.points.some((p) => p.selected === curve.max.selected));
    assert.equal(curve.bReg, 10);
  });
});
