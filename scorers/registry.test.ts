import assert from 'node:assert/strict';
import { subsetMask } from './mask.js';
import { getMetric, metricNames, unscorableProblems } from './registry.js';
import { USAGE, type Prediction, type Solution } from './types.js';

function solution(classes: string[], label: number[], weight: number[], usage: number[]): Solution {
  const ids = label.map((_, i) => String(1000 + i));
  return {
    sha256: 'test',
    ids,
    index: new Map(ids.map((id, i) => [id, i])),
    classes,
    label: Int32Array.from(label),
    weight: Float64Array.from(weight),
    usage: Uint8Array.from(usage),
  };
}

const close = (a: number, b: number, tol = 1e-9): void => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

describe('registry', () => {
  it('lists the five metrics with versions', () => {
    assert.deepEqual(metricNames().sort(), ['accuracy', 'ams', 'log_loss', 'macro_f1', 'roc_auc']);
    for (const name of metricNames()) {
      const m = getMetric(name);
      assert.equal(m.name, name);
      assert.equal(m.version, `${name}@1`);
    }
    assert.equal(getMetric('log_loss').higherIsBetter, false);
    assert.equal(getMetric('ams').higherIsBetter, true);
    assert.equal(getMetric('roc_auc').needs, 'proba');
    assert.equal(getMetric('ams').needs, 'label');
  });

  it('throws a clear error for an unknown metric', () => {
    assert.throws(() => getMetric('f2'), /unknown metric 'f2' \(known: .*ams.*\)/);
  });

  it('subsetMask picks public or private rows, never ignored ones', () => {
    const usage = Uint8Array.from([USAGE.Public, USAGE.Private, USAGE.Ignored, USAGE.Public]);
    assert.deepEqual(Array.from(subsetMask(usage, 'public')), [1, 0, 0, 1]);
    assert.deepEqual(Array.from(subsetMask(usage, 'private')), [0, 1, 0, 0]);
  });
});

describe('ams metric', () => {
  // classes b = 0, s = 1. Public rows 0-5; row 6 private.
  // public: signal weights 1,1,2 (4); background 5,5,10 (20); selected: s rows 0,2 (3), b row 3 (5)
  const sol = solution(['b', 's'], [1, 1, 1, 0, 0, 0, 1], [1, 1, 2, 5, 5, 10, 1000], [1, 1, 1, 1, 1, 1, 2]);
  const pred: Prediction = { label: Int32Array.from([1, 0, 1, 1, 0, 0, 1]) };

  it('scores the public subset with overridden Ns/Nb', () => {
    // s = 3·10/4 = 7.5, b = 5·100/20 = 25 -> AMS 1.22607553906004690 (see ams.test.ts)
    const r = getMetric('ams').score(pred, sol, subsetMask(sol.usage, 'public'), { Ns: 10, Nb: 100 });
    close(r.score, 1.226075539060046898);
    close(r.details.s as number, 7.5);
    close(r.details.b as number, 25);
    assert.equal(r.details.selected, 3);
    assert.equal(r.details.Ns, 10);
    assert.equal(r.details.Nb, 100);
    assert.equal(r.details.b_reg, 10);
    assert.equal(r.details.positive_class, 's');
  });

  it('takes the positive class from options', () => {
    // with 'b' as signal: signal = rows 3,4,5 (20), selected where predicted 0: rows 4,5 (15) -> s = 10·15/20 = 7.5
    // background = rows 0,1,2 (4), selected where predicted 0: row 1 (1) -> b = 100·1/4 = 25
    const r = getMetric('ams').score(pred, sol, subsetMask(sol.usage, 'public'), { positive_class: 'b', Ns: 10, Nb: 100 });
    close(r.score, 1.226075539060046898);
  });

  it('rejects an unknown positive class and bad numbers', () => {
    const rows = subsetMask(sol.usage, 'public');
    assert.throws(() => getMetric('ams').score(pred, sol, rows, { positive_class: 'x' }), /positive class 'x'/);
    assert.throws(() => getMetric('ams').score(pred, sol, rows, { Ns: -1 }), /option Ns/);
    assert.throws(() => getMetric('ams').score(pred, sol, rows, { b_reg: 'ten' }), /option b_reg/);
    assert.throws(() => getMetric('ams').score(pred, sol, new Uint8Array(3), {}), /row mask/);
  });
});

describe('label and probability metrics through the registry', () => {
  // 3 classes; public rows 0-8 (the example of classification.test.ts), row 9 private
  const sol = solution(
    ['a', 'b', 'c'],
    [0, 0, 0, 1, 1, 2, 2, 2, 2, 0],
    new Array(10).fill(1),
    [1, 1, 1, 1, 1, 1, 1, 1, 1, 2],
  );
  const pred: Prediction = { label: Int32Array.from([0, 1, 0, 1, 2, 2, 2, 0, 1, 2]) };
  const pub = subsetMask(sol.usage, 'public');

  it('accuracy', () => {
    const r = getMetric('accuracy').score(pred, sol, pub, {});
    close(r.score, 5 / 9);
    assert.equal(r.details.correct, 5);
    // private row 9: true 0 predicted 2 -> 0
    assert.equal(getMetric('accuracy').score(pred, sol, subsetMask(sol.usage, 'private'), {}).score, 0);
  });

  it('macro_f1 with details', () => {
    const r = getMetric('macro_f1').score(pred, sol, pub, {});
    close(r.score, 172 / 315);
    assert.deepEqual(r.details.confusion, [
      [2, 1, 0],
      [0, 1, 1],
      [1, 1, 2],
    ]);
    assert.deepEqual(r.details.classes, ['a', 'b', 'c']);
    const per = r.details.per_class as { class: string; f1: number; support: number; present: boolean }[];
    assert.equal(per[1].class, 'b');
    close(per[1].f1, 0.4);
    assert.equal(per[2].support, 4);
    close(r.details.macro_precision as number, 5 / 9);
    close(r.details.accuracy as number, 5 / 9);
    // private subset: one row, true a predicted c -> classes a and c present, both F1 0, b excluded
    const p = getMetric('macro_f1').score(pred, sol, subsetMask(sol.usage, 'private'), {});
    assert.equal(p.score, 0);
    assert.deepEqual(p.details.averaged_over, ['a', 'c']);
  });

  it('log_loss and roc_auc need probabilities', () => {
    assert.throws(() => getMetric('log_loss').score(pred, sol, pub, {}), /needs class probabilities/);
    assert.throws(() => getMetric('roc_auc').score(pred, sol, pub, {}), /needs class probabilities/);
  });

  it('roc_auc is binary on two classes (positive = code 1 unless configured)', () => {
    const bin = solution(['b', 's'], [0, 0, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]);
    const proba: Prediction = {
      label: Int32Array.from([0, 0, 0, 1]),
      proba: Float64Array.from([0.9, 0.1, 0.6, 0.4, 0.65, 0.35, 0.2, 0.8]),
    };
    const r = getMetric('roc_auc').score(proba, bin, subsetMask(bin.usage, 'public'), {});
    assert.equal(r.score, 0.75);
    assert.equal(r.details.mode, 'binary');
    assert.equal(r.details.positive_class, 's');
    // log loss: −(ln .9 + ln .6 + ln .35 + ln .8)/4 = 0.47228795380917610713 (bc)
    close(getMetric('log_loss').score(proba, bin, subsetMask(bin.usage, 'public'), {}).score, 0.4722879538091761071);
  });

  it('roc_auc is OvR macro on three classes, NaN with a note when a class is missing', () => {
    const sol3 = solution(['x', 'y', 'z'], [0, 0, 1, 1, 2, 2], new Array(6).fill(1), [1, 1, 1, 1, 2, 2]);
    const p3: Prediction = {
      label: new Int32Array(6),
      proba: Float64Array.from([0.6, 0.3, 0.1, 0.4, 0.4, 0.2, 0.3, 0.5, 0.2, 0.5, 0.3, 0.2, 0.2, 0.3, 0.5, 0.1, 0.4, 0.5]),
    };
    const all = getMetric('roc_auc').score(p3, sol3, new Uint8Array(6).fill(1), {});
    close(all.score, 2.5 / 3); // see probabilistic.test.ts
    const pubOnly = getMetric('roc_auc').score(p3, sol3, subsetMask(sol3.usage, 'public'), {});
    assert.ok(Number.isNaN(pubOnly.score));
    assert.match(pubOnly.details.note as string, /z/);
  });

  describe('unscorableProblems: what a solution lacks for its metric, per subset', () => {
    const P = USAGE.Public;
    const V = USAGE.Private;
    it('refuses an empty subset for every metric', () => {
      const allPrivate = solution(['a', 'b'], [0, 1, 0, 1], [1, 1, 1, 1], [V, V, V, V]);
      for (const name of metricNames()) {
        const problems = unscorableProblems(name, allPrivate, name === 'ams' ? { positive_class: 'b' } : {});
        assert.ok(problems.some((p) => /^the public subset is empty/.test(p)), `${name}: ${problems.join('; ')}`);
      }
    });
    it('refuses ROC AUC on a subset with one class, binary and one-vs-rest', () => {
      const binary = solution(['a', 'b'], [0, 0, 0, 1], [1, 1, 1, 1], [P, P, V, V]);
      assert.deepEqual(unscorableProblems('roc_auc', binary, {}), ["the public subset (Usage Public) has no row of class 'b'; ROC AUC needs both classes in each subset"]);
      const three = solution(['a', 'b', 'c'], [0, 1, 0, 1, 2], [1, 1, 1, 1, 1], [P, P, V, V, V]);
      assert.deepEqual(unscorableProblems('roc_auc', three, {}), ["the public subset (Usage Public) has no row of class 'c'; one-vs-rest ROC AUC needs every class in each subset"]);
      // Macro-F1, accuracy and log loss score any non-empty subset.
      for (const name of ['macro_f1', 'accuracy', 'log_loss']) assert.deepEqual(unscorableProblems(name, binary, {}), []);
    });
    it('refuses AMS without weighted signal and background in each subset', () => {
      const sol = solution(['b', 's'], [0, 1, 0, 1, 0], [2, 0, 3, 0.5, 1], [P, P, V, V, V]);
      assert.deepEqual(unscorableProblems('ams', sol, { positive_class: 's' }), [
        "the public subset (Usage Public) has no signal row (class 's') with a positive weight; AMS needs signal and background in each subset",
      ]);
      const ok = solution(['b', 's'], [0, 1, 0, 1], [2, 1, 3, 0.5], [P, P, V, V]);
      assert.deepEqual(unscorableProblems('ams', ok, { positive_class: 's' }), []);
      assert.match(unscorableProblems('ams', ok, { positive_class: 'x' }).join(), /positive class 'x' is not one of/);
    });
  });
});
