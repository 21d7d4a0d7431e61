import assert from 'node:assert/strict';
import { parseBaselineSpec } from '../baseline/spec.js';
import { amsFromSB } from '../../scorers/ams.js';
import { assembleOutOfFold, rowsByFold, scoreOutOfFold, type OutOfFoldData } from './out-of-fold.js';

const spec = parseBaselineSpec({ selection: { min: 0.25, max: 0.5, smooth: 0 } });

describe('compute: out-of-fold metric of a configuration', () => {
  // Six rows in two folds, dealt unevenly: fold 0 holds rows 0, 2, 5; fold 1 rows 1, 3, 4.
  const data: OutOfFoldData = { task: 'multiclass', rows: 6, outputs: 2, folds: 2, labels: Uint8Array.from([0, 1, 0, 1, 1, 0]), weights: null, fold: Uint8Array.from([0, 1, 0, 1, 1, 0]), spec };

  it('puts each fold’s predictions back in its rows of train.csv, in row order', () => {
    assert.deepEqual(rowsByFold(data), [[0, 2, 5], [1, 3, 4]]);
    const f0 = Float32Array.from([0.9, 0.1, 0.8, 0.2, 0.7, 0.3]);
    const f1 = Float32Array.from([0.4, 0.6, 0.5, 0.5, 0.25, 0.75]);
    const oof = assembleOutOfFold(data, [{ fold: 1, predictions: f1 }, { fold: 0, predictions: f0 }]);
    assert.deepEqual(Array.from(oof), [0.9, 0.1, 0.4, 0.6, 0.8, 0.2, 0.5, 0.5, 0.25, 0.75, 0.7, 0.3].map((v) => Math.fround(v)));
  });

  it('refuses a missing fold, a fold twice, or predictions that do not fill the fold', () => {
    const three = new Float32Array(6);
    assert.throws(() => assembleOutOfFold(data, [{ fold: 0, predictions: three }]), /1 of 2 folds/);
    assert.throws(() => assembleOutOfFold(data, [{ fold: 0, predictions: three }, { fold: 0, predictions: three }]), /came twice/);
    assert.throws(() => assembleOutOfFold(data, [{ fold: 0, predictions: three }, { fold: 1, predictions: new Float32Array(4) }]), /fold 1: 4 predictions for 3 rows × 2/);
  });

  it('scores multi-class predictions by macro-F1 of the arg-max class over every row', () => {
    // Rows 0..5 predicted 0, 1, 0, 0, 1, 1 against 0, 1, 0, 1, 1, 0: each class 2 right of 3 → F1 2/3.
    const oof = Float32Array.from([0.9, 0.1, 0.2, 0.8, 0.6, 0.4, 0.7, 0.3, 0.1, 0.9, 0.3, 0.7]);
    const s = scoreOutOfFold({ metricOptions: {} }, data, oof);
    assert.equal(s.metric, 'macro_f1');
    assert.ok(Math.abs(s.score - 2 / 3) < 1e-12, String(s.score));
  });

  it('scores AMS at the fraction picked within selection:, with the event weights renormalised', () => {
    const ams: OutOfFoldData = { ...data, task: 'ams', outputs: 1, rows: 8, folds: 2, labels: Uint8Array.from([1, 0, 1, 0, 0, 0, 1, 0]), weights: Float32Array.from([1, 2, 1, 2, 2, 2, 2, 2]), fold: Uint8Array.from([0, 1, 0, 1, 0, 1, 0, 1]) };
    // Scores rank rows 0, 2, 6 (signal) first, then the background.
    const oof = Float32Array.from([0.95, 0.1, 0.9, 0.2, 0.3, 0.15, 0.85, 0.05]);
    const opts = { Ns: 4, Nb: 12, b_reg: 1 };
    const s = scoreOutOfFold({ metricOptions: opts }, ams, oof);
    assert.equal(s.metric, 'ams');
    // The grid holds 0.25 … 0.5 of 8 rows: 2 to 4 selected; the best takes the three signal rows (s = 4) and no background.
    assert.equal(Math.round(s.chosenFraction! * 8), 3);
    assert.ok(Math.abs(s.score - amsFromSB(4, 0, 1)) < 1e-9, `${s.score}`);
  });
});
