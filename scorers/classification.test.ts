import assert from 'node:assert/strict';
import { accuracy, classificationReport, confusionMatrix, matrixRows } from './classification.js';

const close = (a: number, b: number, tol = 1e-12): void => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

describe('confusionMatrix / classificationReport on a 3-class example', () => {
  // rows 0-8 scored, row 9 masked out (it would add a true-0-predicted-2 count)
  const yTrue = Int32Array.from([0, 0, 0, 1, 1, 2, 2, 2, 2, 0]);
  const yPred = Int32Array.from([0, 1, 0, 1, 2, 2, 2, 0, 1, 2]);
  const rows = Uint8Array.from([1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);

  it('counts the confusion matrix (rows = true, columns = predicted)', () => {
    // true 0 -> predicted 0,1,0      : [2, 1, 0]
    // true 1 -> predicted 1,2        : [0, 1, 1]
    // true 2 -> predicted 2,2,0,1    : [1, 1, 2]
    assert.deepEqual(matrixRows(confusionMatrix(yTrue, yPred, 3, rows), 3), [
      [2, 1, 0],
      [0, 1, 1],
      [1, 1, 2],
    ]);
    // without the mask row 9 lands in [0][2]
    assert.equal(confusionMatrix(yTrue, yPred, 3)[0 * 3 + 2], 1);
  });

  it('computes per-class and macro figures', () => {
    const r = classificationReport(yTrue, yPred, 3, rows);
    // support [3,2,4], predicted (column sums) [3,3,3], tp [2,1,2]
    assert.deepEqual(Array.from(r.support), [3, 2, 4]);
    assert.deepEqual(Array.from(r.predicted), [3, 3, 3]);
    assert.deepEqual(Array.from(r.tp), [2, 1, 2]);
    // precision = tp/predicted = [2/3, 1/3, 2/3]
    close(r.precision[0], 2 / 3);
    close(r.precision[1], 1 / 3);
    close(r.precision[2], 2 / 3);
    // recall = tp/support = [2/3, 1/2, 1/2]
    close(r.recall[0], 2 / 3);
    close(r.recall[1], 0.5);
    close(r.recall[2], 0.5);
    // F1 = 2PR/(P+R): class 0 2/3; class 1 2(1/3)(1/2)/(5/6) = 2/5; class 2 2(2/3)(1/2)/(7/6) = 4/7
    close(r.f1[0], 2 / 3);
    close(r.f1[1], 0.4);
    close(r.f1[2], 4 / 7);
    // macro P = (2/3 + 1/3 + 2/3)/3 = 5/9; macro R = (2/3 + 1/2 + 1/2)/3 = 5/9
    close(r.macroPrecision, 5 / 9);
    close(r.macroRecall, 5 / 9);
    // macro F1 = (2/3 + 2/5 + 4/7)/3 = (70 + 42 + 60)/315 = 172/315 = 0.546031746...
    close(r.macroF1, 172 / 315);
    // accuracy = (2 + 1 + 2)/9
    close(r.accuracy, 5 / 9);
    assert.equal(r.n, 9);
    assert.equal(r.presentCount, 3);
  });

  it('accuracy() agrees and ignores masked rows', () => {
    const a = accuracy(yTrue, yPred, rows);
    assert.equal(a.correct, 5);
    assert.equal(a.n, 9);
    close(a.accuracy, 5 / 9);
    close(accuracy(yTrue, yPred).accuracy, 5 / 10);
  });
});

describe('sklearn reference behaviour', () => {
  it("matches sklearn's documented macro example", () => {
    // sklearn docs: y_true=[0,1,2,0,1,2], y_pred=[0,2,1,0,0,1]
    // precision_score(..., average='macro') = 0.2222..., recall 0.3333..., f1_score 0.2666...
    // per class: 0: P=2/3 R=1 F=0.8; 1: P=0 R=0 F=0; 2: P=0 R=0 F=0
    const r = classificationReport(Int32Array.from([0, 1, 2, 0, 1, 2]), Int32Array.from([0, 2, 1, 0, 0, 1]), 3);
    close(r.macroPrecision, 0.2222222222222222);
    close(r.macroRecall, 0.3333333333333333);
    close(r.macroF1, 0.26666666666666666);
  });

  it('leaves classes absent from both y_true and y_pred out of the macro average', () => {
    // K = 4. Scored rows use classes 0 and 1 only; class 3 occurs only in a masked-out row, class 2 nowhere.
    // class 0: tp 1, predicted 1, support 2 -> P 1, R 1/2, F 2/3
    // class 1: tp 2, predicted 3, support 2 -> P 2/3, R 1, F 4/5
    // macro F1 over {0,1} = (2/3 + 4/5)/2 = 11/15 = 0.7333... (over all 4 it would be 11/30)
    const r = classificationReport(
      Int32Array.from([0, 0, 1, 1, 3]),
      Int32Array.from([0, 1, 1, 1, 3]),
      4,
      Uint8Array.from([1, 1, 1, 1, 0]),
    );
    assert.deepEqual(Array.from(r.present), [1, 1, 0, 0]);
    assert.equal(r.presentCount, 2);
    close(r.macroF1, 11 / 15);
    close(r.macroPrecision, (1 + 2 / 3) / 2);
    close(r.macroRecall, (0.5 + 1) / 2);
    // absent classes still get per-class entries, all zero
    assert.equal(r.f1[2], 0);
    assert.equal(r.f1[3], 0);
    assert.equal(r.support[3], 0);
  });

  it('counts a class seen only in predictions as present, with 0 precision and recall (zero division)', () => {
    // y_true=[0,0,1], y_pred=[0,2,1], K=3
    // class 0: P 1, R 1/2, F 2/3; class 1: 1, 1, 1; class 2: tp 0, predicted 1 -> P 0; support 0 -> R 0; F 0
    // macro P = (1 + 1 + 0)/3 = 2/3; macro R = (1/2 + 1 + 0)/3 = 1/2; macro F1 = (2/3 + 1 + 0)/3 = 5/9
    const r = classificationReport(Int32Array.from([0, 0, 1]), Int32Array.from([0, 2, 1]), 3);
    assert.deepEqual(Array.from(r.present), [1, 1, 1]);
    assert.equal(r.precision[2], 0);
    assert.equal(r.recall[2], 0);
    assert.equal(r.f1[2], 0);
    close(r.macroPrecision, 2 / 3);
    close(r.macroRecall, 0.5);
    close(r.macroF1, 5 / 9);
  });

  it('gives 0 precision to a class never predicted (tp + fp = 0)', () => {
    // y_true=[0,1,1], y_pred=[0,0,0]: class 1 never predicted -> P 0, R 0, F 0
    // class 0: P 1/3, R 1, F 2·1/(1+3) = 1/2; macro F1 = (1/2 + 0)/2 = 1/4
    const r = classificationReport(Int32Array.from([0, 1, 1]), Int32Array.from([0, 0, 0]), 2);
    assert.equal(r.precision[1], 0);
    assert.equal(r.recall[1], 0);
    assert.equal(r.f1[1], 0);
    close(r.precision[0], 1 / 3);
    close(r.f1[0], 0.5);
    close(r.macroF1, 0.25);
    close(r.macroPrecision, 1 / 6);
  });

  it('returns NaN averages on an empty subset instead of dividing by zero silently', () => {
    const r = classificationReport(Int32Array.from([0, 1]), Int32Array.from([1, 1]), 2, new Uint8Array(2));
    assert.equal(r.n, 0);
    assert.ok(Number.isNaN(r.macroF1));
    assert.ok(Number.isNaN(r.accuracy));
  });

  it('rejects class codes out of range', () => {
    assert.throws(() => confusionMatrix(Int32Array.from([0, 3]), Int32Array.from([0, 0]), 3), RangeError);
    assert.throws(() => confusionMatrix(Int32Array.from([0, 1]), Int32Array.from([0, -1]), 3), RangeError);
  });
});
