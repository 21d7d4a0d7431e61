import assert from 'node:assert/strict';
import { seededRandom } from '../src/seeded-random.js';
import { bootstrapIntervals, formatDifference, pairedBootstrapDifferences, type BootstrapIntervals, type Interval } from './bootstrap.js';
import { ABSTAIN, claxsonTable, type ClaxsonTable } from './claxson.js';

/** A k-class case: each method right with the given probability, else a random other class; some abstentions. */
function simulated(n: number, k: number, rightShare: number, seed: number, abstainShare = 0): { truth: Int32Array; pred: Int32Array } {
  const random = seededRandom(seed);
  const truth = new Int32Array(n);
  const pred = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    truth[i] = Math.floor(random() * k);
    const u = random();
    pred[i] = u < abstainShare ? ABSTAIN : u < abstainShare + rightShare ? truth[i] : (truth[i] + 1 + Math.floor(random() * (k - 1))) % k;
  }
  return { truth, pred };
}

/** The textbook bootstrap, one claxsonTable per resample, with the draws the module documents. */
function naiveBootstrap(pred: Int32Array, truth: Int32Array, k: number, resamples: number, seed: number, level: number) {
  const random = seededRandom(seed);
  const n = truth.length;
  const tables: ClaxsonTable[] = [];
  for (let b = 0; b < resamples; b++) {
    const drawn = Array.from({ length: n }, () => Math.floor(random() * n));
    tables.push(claxsonTable(Int32Array.from(drawn, (i) => pred[i]), Int32Array.from(drawn, (i) => truth[i]), k));
  }
  const percentile = (values: Array<number | null>) => {
    const usable = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
    const at = (q: number) => {
      const h = (usable.length - 1) * q;
      const lo = Math.floor(h);
      return usable[lo] + (h - lo) * (usable[Math.min(lo + 1, usable.length - 1)] - usable[lo]);
    };
    return { lo: at((1 - level) / 2), hi: at((1 + level) / 2), usable: usable.length };
  };
  return {
    accuracy: percentile(tables.map((t) => t.accuracy)),
    macroF1: percentile(tables.map((t) => t.macroF1)),
    precision: Array.from({ length: k }, (_, c) => percentile(tables.map((t) => t.precision[c]))),
    recall: Array.from({ length: k }, (_, c) => percentile(tables.map((t) => t.recall[c]))),
    f1: Array.from({ length: k }, (_, c) => percentile(tables.map((t) => t.f1[c]))),
  };
}

const close = (a: number | null, b: number | null, tol = 1e-12) =>
  assert.ok(a !== null && b !== null && Math.abs(a - b) <= tol, `${a} != ${b}`);

describe('bootstrapIntervals', () => {
  const k = 3;
  const { truth, pred } = simulated(300, k, 0.7, 7, 0.05);
  // class 2 occurs once, so its recall is undefined whenever that subject is not drawn
  truth[0] = 2;
  for (let i = 1; i < truth.length; i++) if (truth[i] === 2) truth[i] = 1;

  it('has the point estimates of claxsonTable', () => {
    const r = bootstrapIntervals(pred, truth, k, { seed: 1, resamples: 50 });
    const table = claxsonTable(pred, truth, k);
    assert.equal(r.accuracy.estimate, table.accuracy);
    assert.equal(r.macroF1.estimate, table.macroF1);
    assert.deepEqual(r.precision.map((i) => i.estimate), table.precision);
    assert.deepEqual(r.recall.map((i) => i.estimate), table.recall);
    assert.deepEqual(r.f1.map((i) => i.estimate), table.f1);
    assert.equal(r.subjects, 300);
  });

  it('matches a naive bootstrap that recomputes claxsonTable on every resample, usable counts included', () => {
    const fast = bootstrapIntervals(pred, truth, k, { seed: 99, resamples: 300, level: 0.9 });
    const naive = naiveBootstrap(pred, truth, k, 300, 99, 0.9);
    const same = (a: Interval, b: { lo: number; hi: number; usable: number }) => {
      close(a.lo, b.lo);
      close(a.hi, b.hi);
      assert.equal(a.usable, b.usable);
    };
    same(fast.accuracy, naive.accuracy);
    same(fast.macroF1, naive.macroF1);
    for (let c = 0; c < k; c++) {
      same(fast.precision[c], naive.precision[c]);
      same(fast.recall[c], naive.recall[c]);
      same(fast.f1[c], naive.f1[c]);
    }
    // the single class-2 subject is drawn in about 1 − 1/e of the resamples
    assert.ok(fast.recall[2].usable > 150 && fast.recall[2].usable < 250, `usable ${fast.recall[2].usable}`);
    assert.equal(fast.accuracy.usable, 300);
  });

  it('gives identical output for the same seed and different intervals for another', () => {
    const a: BootstrapIntervals = bootstrapIntervals(pred, truth, k, { seed: 2026 });
    const b = bootstrapIntervals(pred, truth, k, { seed: 2026 });
    const c = bootstrapIntervals(pred, truth, k, { seed: 2027 });
    assert.deepEqual(a, b);
    assert.equal(a.resamples, 2000);
    assert.equal(a.level, 0.95);
    assert.notDeepEqual([a.accuracy, a.macroF1, a.f1], [c.accuracy, c.macroF1, c.f1]);
  });

  it('gives the normal-theory width for a proportion', () => {
    // 400 subjects, half right: sd of accuracy = sqrt(0.25/400) = 0.025, 95% ≈ 0.5 ± 0.049
    const truth2 = new Int32Array(400);
    const pred2 = Int32Array.from({ length: 400 }, (_, i) => i % 2);
    const r = bootstrapIntervals(pred2, truth2, 2, { seed: 5 });
    assert.equal(r.accuracy.estimate, 0.5);
    assert.ok(Math.abs(r.accuracy.lo! - 0.451) < 0.01, `lo ${r.accuracy.lo}`);
    assert.ok(Math.abs(r.accuracy.hi! - 0.549) < 0.01, `hi ${r.accuracy.hi}`);
    // class 1 never true: its recall is undefined in every resample
    assert.deepEqual(r.recall[1], { estimate: null, lo: null, hi: null, usable: 0 });
  });

  it('resamples only the masked subjects, abstentions counted among them', () => {
    const truth3 = Int32Array.from([0, 1, 0, 1]);
    const pred3 = Int32Array.from([0, 1, ABSTAIN, 0]);
    const r = bootstrapIntervals(pred3, truth3, 2, { seed: 3, resamples: 200, mask: Uint8Array.from([1, 1, 1, 0]) });
    assert.equal(r.subjects, 3);
    // every labelled subject in the mask is right, so every defined resample has accuracy 1
    assert.deepEqual(r.accuracy, { estimate: 1, lo: 1, hi: 1, usable: r.accuracy.usable });
    assert.ok(r.accuracy.usable < 200);
  });

  it('refuses bad options and codes', () => {
    const t = Int32Array.from([0, 1]);
    assert.throws(() => bootstrapIntervals(t, t, 2, { seed: 1.5 }), /seed/);
    assert.throws(() => bootstrapIntervals(t, t, 2, { seed: -1 }), /seed/);
    assert.throws(() => bootstrapIntervals(t, t, 2, { seed: 1, resamples: 0 }), /resamples/);
    assert.throws(() => bootstrapIntervals(t, t, 2, { seed: 1, level: 1 }), /level/);
    assert.throws(() => bootstrapIntervals(Int32Array.from([0, 2]), t, 2, { seed: 1 }), /predicted class code 2/);
    assert.throws(() => bootstrapIntervals(t, Int32Array.from([0, -1]), 2, { seed: 1 }), /true class code -1/);
    assert.throws(() => bootstrapIntervals(t, t, 2, { seed: 1, mask: Uint8Array.from([1]) }), /mask/);
  });
});

describe('pairedBootstrapDifferences', () => {
  it('gives exactly 0 [0, 0] for identical predictions', () => {
    const { truth, pred } = simulated(200, 4, 0.6, 11, 0.1);
    const d = pairedBootstrapDifferences(pred, pred.slice(), truth, 4, { seed: 8 });
    for (const i of [d.accuracy, d.macroF1, ...d.precision, ...d.recall, ...d.f1]) {
      assert.equal(i.usable > 0, true);
      assert.deepEqual([i.estimate, i.lo, i.hi], [0, 0, 0]);
    }
  });

  it('is strictly positive where A is right on every subject B gets wrong', () => {
    const { truth, pred: b } = simulated(200, 3, 0.6, 12);
    const a = truth.slice();
    const d = pairedBootstrapDifferences(a, b, truth, 3, { seed: 8 });
    const wrongShare = b.reduce((s, v, i) => s + (v !== truth[i] ? 1 : 0), 0) / 200;
    close(d.accuracy.estimate, wrongShare);
    for (const i of [d.accuracy, d.macroF1, ...d.f1]) assert.ok(i.lo! > 0, `interval ${i.lo}..${i.hi}`);
    // the same pair the other way round is strictly negative
    assert.ok(pairedBootstrapDifferences(b, a, truth, 3, { seed: 8 }).accuracy.hi! < 0);
  });

  it('pairs the draws: narrower than independent intervals would be', () => {
    const { truth, pred: a } = simulated(300, 3, 0.7, 21);
    const b = a.slice();
    for (let i = 0; i < 30; i++) b[i] = (truth[i] + 1) % 3; // B errs on 30 more subjects at most
    const paired = pairedBootstrapDifferences(a, b, truth, 3, { seed: 4 }).accuracy;
    const ia = bootstrapIntervals(a, truth, 3, { seed: 4 }).accuracy;
    const ib = bootstrapIntervals(b, truth, 3, { seed: 5 }).accuracy;
    const independentHalfWidth = Math.hypot(ia.hi! - ia.lo!, ib.hi! - ib.lo!) / 2;
    assert.ok((paired.hi! - paired.lo!) / 2 < independentHalfWidth / 2, `paired ${paired.lo}..${paired.hi}`);
  });

  it('refuses predictions of another length', () => {
    assert.throws(() => pairedBootstrapDifferences(Int32Array.from([0]), Int32Array.from([0, 1]), Int32Array.from([0]), 2, { seed: 1 }), /length mismatch/);
  });
});

describe('formatDifference', () => {
  it('writes the estimate signed and the interval with typographic minus signs', () => {
    assert.equal(
      formatDifference('crowd XRB recall', 'baseline XRB recall', { estimate: 0.2104, lo: 0.0498, hi: 0.3712, usable: 2000 }),
      'crowd XRB recall − baseline XRB recall = +0.21 [0.05, 0.37]',
    );
    assert.equal(formatDifference('a', 'b', { estimate: -0.126, lo: -0.3, hi: 0.004, usable: 9 }), 'a − b = −0.13 [−0.30, 0.00]');
    assert.equal(formatDifference('a', 'b', { estimate: -0.001, lo: -0.004, hi: 0, usable: 9 }), 'a − b = 0.00 [0.00, 0.00]');
    assert.equal(formatDifference('a', 'b', { estimate: null, lo: null, hi: null, usable: 0 }), 'a − b = n/a [n/a]');
    assert.equal(formatDifference('a', 'b', { estimate: 0.5, lo: 0.25, hi: 0.75, usable: 1 }, 1), 'a − b = +0.5 [0.3, 0.8]');
  });
});
