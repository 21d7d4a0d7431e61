import assert from 'node:assert/strict';
import { ABSTAIN, claxsonTable, claxsonTablesBySource } from './claxson.js';

describe('claxsonTable on a hand-built 3-class case', () => {
  // subject:   0  1  2  3  4  5  6  7   8   9
  const truth = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1, 0, 1]);
  const pred = Int32Array.from([0, 0, 0, 2, 0, 0, 2, ABSTAIN, ABSTAIN, 1]);
  // subject 9 is masked out: counted, it would give class 1 its only prediction
  const mask = Uint8Array.from([1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
  const table = claxsonTable(pred, truth, 3, mask);

  it('counts predicted (rows) against true (columns), without abstentions or masked subjects', () => {
    // predicted 0: true 0 ×3 (subjects 0-2), true 1 ×2 (4, 5)
    // predicted 1: none
    // predicted 2: true 0 ×1 (3), true 1 ×1 (6)
    assert.deepEqual(table.counts, [
      [3, 2, 0],
      [0, 0, 0],
      [1, 1, 0],
    ]);
    assert.deepEqual(table.rowTotals, [5, 0, 2]);
    assert.deepEqual(table.columnTotals, [4, 3, 0]);
    assert.equal(table.n, 7);
    assert.equal(table.correct, 3);
    assert.equal(table.accuracy, 3 / 7);
  });

  it('puts precision in the right margin and recall in the bottom margin, null where the denominator is 0', () => {
    // precision = diagonal / row total: 3/5, class 1 never predicted, 0/2
    assert.deepEqual(table.precision, [3 / 5, null, 0]);
    // recall = diagonal / column total: 3/4, 0/3, class 2 never true
    assert.deepEqual(table.recall, [3 / 4, 0, null]);
    // F1 = 2tp/(row + column): 6/9, 0/3, 0/2; all three classes are present
    assert.deepEqual(table.f1, [2 / 3, 0, 0]);
    assert.equal(table.macroF1, 2 / 9);
  });

  it('counts abstentions apart, by true class, and reports coverage', () => {
    assert.equal(table.abstained, 2);
    assert.deepEqual(table.abstainedByTrue, [1, 1, 0]);
    assert.equal(table.coverage, 7 / 9);
  });

  it('without the mask counts subject 9 as a correct class-1 prediction', () => {
    const all = claxsonTable(pred, truth, 3);
    assert.deepEqual(all.counts[1], [0, 1, 0]);
    assert.deepEqual(all.precision, [3 / 5, 1, 0]);
    assert.deepEqual(all.recall, [3 / 4, 1 / 4, null]);
  });
});

describe('claxsonTable edge cases', () => {
  it('leaves a class that is neither true nor predicted out of macro-F1 (F1 null)', () => {
    const t = claxsonTable(Int32Array.from([0, 1, 1]), Int32Array.from([0, 1, 0]), 3);
    assert.deepEqual(t.counts, [
      [1, 0, 0],
      [1, 1, 0],
      [0, 0, 0],
    ]);
    // class 0: 2·1/(1+2) = 2/3; class 1: 2·1/(2+1) = 2/3; class 2 absent
    assert.deepEqual(t.f1, [2 / 3, 2 / 3, null]);
    assert.equal(t.macroF1, 2 / 3);
  });

  it('gives nulls, not NaN, when every subject abstains or none is selected', () => {
    const abstaining = claxsonTable(Int32Array.from([ABSTAIN, ABSTAIN]), Int32Array.from([0, 1]), 2);
    assert.equal(abstaining.n, 0);
    assert.equal(abstaining.accuracy, null);
    assert.equal(abstaining.macroF1, null);
    assert.equal(abstaining.coverage, 0);
    assert.deepEqual(abstaining.precision, [null, null]);
    const empty = claxsonTable(Int32Array.from([0]), Int32Array.from([0]), 2, Uint8Array.from([0]));
    assert.equal(empty.coverage, null);
    assert.equal(empty.accuracy, null);
  });

  it('refuses class codes out of range and mismatched lengths', () => {
    assert.throws(() => claxsonTable(Int32Array.from([3]), Int32Array.from([0]), 3), RangeError);
    assert.throws(() => claxsonTable(Int32Array.from([-2]), Int32Array.from([0]), 3), RangeError);
    assert.throws(() => claxsonTable(Int32Array.from([ABSTAIN]), Int32Array.from([5]), 3), RangeError);
    assert.throws(() => claxsonTable(Int32Array.from([0, 1]), Int32Array.from([0]), 3), /length mismatch/);
    assert.throws(() => claxsonTable(Int32Array.from([0]), Int32Array.from([0]), 0), RangeError);
  });
});

describe('claxsonTablesBySource', () => {
  it('splits the subjects into known and unknown sources within the mask', () => {
    const truth = Int32Array.from([0, 1, 0, 1, 1]);
    const pred = Int32Array.from([0, 1, 1, 1, 0]);
    const known = Uint8Array.from([1, 1, 0, 0, 0]);
    const mask = Uint8Array.from([1, 1, 1, 1, 0]);
    const { known: seen, unknown } = claxsonTablesBySource(pred, truth, 2, known, mask);
    assert.deepEqual(seen.counts, [
      [1, 0],
      [0, 1],
    ]);
    assert.deepEqual(unknown.counts, [
      [0, 0],
      [1, 1],
    ]);
    assert.equal(seen.accuracy, 1);
    assert.equal(unknown.accuracy, 1 / 2);
    assert.throws(() => claxsonTablesBySource(pred, truth, 2, Uint8Array.from([1])), /known-source flags/);
  });
});
