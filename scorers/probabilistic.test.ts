import assert from 'node:assert/strict';
import { aucFromSorted, LOG_LOSS_EPS, logLoss, rocAucBinary, rocAucFromProba, rocAucOvr } from './probabilistic.js';

const close = (a: number, b: number, tol = 1e-12): void => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

describe('logLoss', () => {
  it("matches sklearn's documented example", () => {
    // log_loss(["spam","ham","ham","spam"], [[.1,.9],[.9,.1],[.8,.2],[.35,.65]]) = 0.21616...
    // ham = 0, spam = 1: -(ln .9 + ln .9 + ln .8 + ln .65)/4 = 0.216161874680579153900758 (bc)
    const r = logLoss(Float64Array.from([0.1, 0.9, 0.9, 0.1, 0.8, 0.2, 0.35, 0.65]), 2, Int32Array.from([1, 0, 0, 1]));
    close(r.logLoss, 0.2161618746805791539);
    assert.equal(r.n, 4);
    assert.equal(r.clipped, 0);
    assert.equal(r.unnormalisedRows, 0);
  });

  it('clips a zero probability to eps instead of returning Infinity', () => {
    // row 0: [1, 0], true 1 -> clipped to [1 − eps, eps], sum 1 -> −ln(eps) = 52 ln 2 = 36.0436533891171560897
    // row 1: [0.5, 0.5], true 0 -> ln 2
    // mean = 53 ln 2 / 2 = 18.3684002848385506996 (bc)
    const r = logLoss(Float64Array.from([1, 0, 0.5, 0.5]), 2, Int32Array.from([1, 0]));
    assert.ok(Number.isFinite(r.logLoss));
    close(r.logLoss, 18.3684002848385507, 1e-9);
    assert.equal(r.clipped, 2); // both the 0 and the 1 were moved
    assert.equal(LOG_LOSS_EPS, 2 ** -52);
  });

  it('renormalises rows after clipping, as sklearn', () => {
    // [0.2, 0.2] true 0 -> 0.5; [0.1, 0.3] true 1 -> 0.75; (ln 2 − ln 0.75)/2 = 0.4904146265058631184 (bc)
    const r = logLoss(Float64Array.from([0.2, 0.2, 0.1, 0.3]), 2, Int32Array.from([0, 1]));
    close(r.logLoss, 0.4904146265058631184);
    assert.equal(r.unnormalisedRows, 2);
    // clipping comes first: [2, 2] and [1, 3] both clip to [1 − eps, 1 − eps] -> 0.5 each -> ln 2
    close(logLoss(Float64Array.from([2, 2, 1, 3]), 2, Int32Array.from([0, 1])).logLoss, Math.LN2);
  });

  it('averages over the masked rows only, 3 classes', () => {
    // row 0 [0.7,0.2,0.1] true 0 -> −ln .7; row 1 masked; row 2 [0.2,0.2,0.6] true 2 -> −ln .6
    // (−ln .7 − ln .6)/2 = (0.35667494393873238 + 0.51082562376599068)/2 = 0.43375028385236153
    const proba = Float64Array.from([0.7, 0.2, 0.1, 0.01, 0.01, 0.98, 0.2, 0.2, 0.6]);
    const r = logLoss(proba, 3, Int32Array.from([0, 0, 2]), Uint8Array.from([1, 0, 1]));
    close(r.logLoss, 0.43375028385236153);
    assert.equal(r.n, 2);
  });

  it('rejects a wrongly shaped matrix and out-of-range labels', () => {
    assert.throws(() => logLoss(new Float64Array(5), 2, new Int32Array(3)), /expected 3 rows x 2 classes/);
    assert.throws(() => logLoss(new Float64Array(4), 2, Int32Array.from([0, 2])), RangeError);
  });
});

describe('binary ROC AUC', () => {
  it("matches sklearn's documented example", () => {
    // roc_auc_score([0,0,1,1],[0.1,0.4,0.35,0.8]) = 0.75
    // positive 0.35 beats 0.1 only (1), 0.8 beats both (2): 3/4
    const r = rocAucBinary(Float64Array.from([0.1, 0.4, 0.35, 0.8]), Int32Array.from([0, 0, 1, 1]), 1);
    assert.equal(r.auc, 0.75);
    assert.equal(r.positives, 2);
    assert.equal(r.negatives, 2);
  });

  it('counts ties as one half', () => {
    // pos {0.5, 0.9}, neg {0.1, 0.5}: 0.5 -> 1 + 0.5, 0.9 -> 2; (3.5)/4 = 0.875
    const r = rocAucBinary(Float64Array.from([0.1, 0.5, 0.5, 0.9]), Int32Array.from([0, 0, 1, 1]), 1);
    assert.equal(r.auc, 0.875);
    // all scores tied -> 0.5
    assert.equal(rocAucBinary(new Float64Array(6).fill(0.3), Int32Array.from([0, 1, 0, 1, 1, 0]), 1).auc, 0.5);
    // perfect and reversed
    assert.equal(rocAucBinary(Float64Array.from([1, 2, 3, 4]), Int32Array.from([0, 0, 1, 1]), 1).auc, 1);
    assert.equal(rocAucBinary(Float64Array.from([4, 3, 2, 1]), Int32Array.from([0, 0, 1, 1]), 1).auc, 0);
  });

  it('agrees with the O(P·N) pair count on random data with many ties', () => {
    let seed = 12345;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const n = 500;
    const scores = new Float64Array(n);
    const label = new Int32Array(n);
    const rows = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      scores[i] = Math.floor(rand() * 20) / 20; // 20 distinct values -> many ties
      label[i] = rand() < 0.3 ? 1 : 0;
      rows[i] = rand() < 0.8 ? 1 : 0;
    }
    let wins = 0;
    let pairs = 0;
    for (let i = 0; i < n; i++) {
      if (!rows[i] || label[i] !== 1) continue;
      for (let j = 0; j < n; j++) {
        if (!rows[j] || label[j] === 1) continue;
        pairs++;
        wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
      }
    }
    close(rocAucBinary(scores, label, 1, rows).auc, wins / pairs, 1e-14);
  });

  it('is NaN when the subset holds only one class', () => {
    const r = rocAucBinary(Float64Array.from([0.1, 0.4, 0.35]), Int32Array.from([0, 0, 1]), 1, Uint8Array.from([1, 1, 0]));
    assert.ok(Number.isNaN(r.auc));
    assert.equal(r.positives, 0);
    assert.ok(Number.isNaN(aucFromSorted(new Float64Array(0), Float64Array.from([1]))));
  });

  it('scores a class from its probability column', () => {
    // column 1 of [[.9,.1],[.6,.4],[.65,.35],[.2,.8]] = the documented example -> 0.75
    const proba = Float64Array.from([0.9, 0.1, 0.6, 0.4, 0.65, 0.35, 0.2, 0.8]);
    assert.equal(rocAucFromProba(proba, 2, Int32Array.from([0, 0, 1, 1]), 1).auc, 0.75);
    // class 0 with column 0: pos {0.9, 0.6}, neg {0.65, 0.2}: 0.9 -> 2, 0.6 -> 1: 3/4
    assert.equal(rocAucFromProba(proba, 2, Int32Array.from([0, 0, 1, 1]), 0).auc, 0.75);
  });
});

describe('multi-class one-vs-rest macro ROC AUC', () => {
  const label = Int32Array.from([0, 0, 1, 1, 2, 2]);
  const proba = Float64Array.from([
    0.6, 0.3, 0.1, // r0 true 0
    0.4, 0.4, 0.2, // r1 true 0
    0.3, 0.5, 0.2, // r2 true 1
    0.5, 0.3, 0.2, // r3 true 1
    0.2, 0.3, 0.5, // r4 true 2
    0.1, 0.4, 0.5, // r5 true 2
  ]);

  it('averages the per-class AUCs', () => {
    // class 0: pos {0.6, 0.4}, neg {0.3, 0.5, 0.2, 0.1}: 0.6 -> 4, 0.4 -> 3: 7/8 = 0.875
    // class 1: pos {0.5, 0.3}, neg {0.3, 0.4, 0.3, 0.4}: 0.5 -> 4, 0.3 -> ties with two 0.3 -> 1: 5/8 = 0.625
    // class 2: pos {0.5, 0.5}, neg {0.1, 0.2, 0.2, 0.2}: 8/8 = 1
    // macro = (0.875 + 0.625 + 1)/3 = 2.5/3 = 0.8333...
    const r = rocAucOvr(proba, 3, label);
    assert.deepEqual(Array.from(r.perClass), [0.875, 0.625, 1]);
    close(r.macro, 2.5 / 3);
    assert.deepEqual(r.undefinedClasses, []);
    assert.deepEqual(Array.from(r.positives), [2, 2, 2]);
    assert.deepEqual(Array.from(r.negatives), [4, 4, 4]);
  });

  it('is NaN (where sklearn raises) when a class has no positive row in the subset', () => {
    const r = rocAucOvr(proba, 3, label, Uint8Array.from([1, 1, 1, 1, 0, 0]));
    assert.ok(Number.isNaN(r.macro));
    assert.deepEqual(r.undefinedClasses, [2]);
    // the other classes are still figured: class 0 pos {0.6,0.4} vs neg {0.3,0.5}: 2 + 1 = 3/4
    assert.equal(r.perClass[0], 0.75);
  });
});
