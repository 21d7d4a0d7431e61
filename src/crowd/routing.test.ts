import assert from 'node:assert/strict';
import { drawWeighted, normalisedEntropy } from './routing.js';

describe('entropy routing arithmetic', () => {
  it('normalises the predictive entropy by log(k): 0 when sure, 1 when uniform', () => {
    assert.equal(normalisedEntropy([1, 0, 0, 0]), 0);
    assert.ok(Math.abs(normalisedEntropy([0.25, 0.25, 0.25, 0.25])! - 1) < 1e-12);
    // Two equally likely classes out of four: log 2 / log 4.
    assert.ok(Math.abs(normalisedEntropy([0.5, 0.5, 0, 0])! - 0.5) < 1e-12);
    // Probabilities that do not sum to 1 are normalised first.
    assert.ok(Math.abs(normalisedEntropy([2, 2])! - 1) < 1e-12);
    const h = -(0.9 * Math.log(0.9) + 0.1 * Math.log(0.1)) / Math.log(2);
    assert.ok(Math.abs(normalisedEntropy([0.9, 0.1])! - h) < 1e-12);
  });

  it('has no entropy for unusable probabilities', () => {
    assert.equal(normalisedEntropy([1]), null);
    assert.equal(normalisedEntropy([0, 0, 0]), null);
    assert.equal(normalisedEntropy([0.5, Number.NaN]), null);
    assert.equal(normalisedEntropy([1.2, -0.2]), null);
  });

  it('draws in proportion to the weights, never a zero weight while another is positive', () => {
    const w = [0.5, 0, 0.25, 0.25];
    assert.equal(drawWeighted(w, 0), 0);
    assert.equal(drawWeighted(w, 0.49), 0);
    assert.equal(drawWeighted(w, 0.5), 2);
    assert.equal(drawWeighted(w, 0.74), 2);
    assert.equal(drawWeighted(w, 0.75), 3);
    assert.equal(drawWeighted(w, 0.999999999), 3);
    assert.equal(drawWeighted([0, 1, 0], 0.99), 1);
    // All zero: uniform.
    assert.equal(drawWeighted([0, 0, 0, 0], 0.6), 2);
  });
});
