import assert from 'node:assert/strict';
import { expectedInformation } from './credit.js';
import { newConfusion, uniformPrior } from './aggregators/index.js';

describe('crowd credit: expected information of a volunteer', () => {
  it('is 0 for a volunteer whose answers say nothing, and tends to log2(k) for a perfect one', () => {
    assert.equal(expectedInformation(new Float64Array(9).fill(3), 3, uniformPrior(3)), 0);
    const perfect = Float64Array.from([1e9, 1, 1, 1, 1e9, 1, 1, 1, 1e9]);
    assert.ok(Math.abs(expectedInformation(perfect, 3, uniformPrior(3)) - Math.log2(3)) < 1e-6);
  });

  it('is the mutual information: for a binary volunteer right 80% of the time, 1 - H(0.8) bits', () => {
    const c = Float64Array.from([8, 2, 2, 8]);
    const h = -(0.8 * Math.log2(0.8) + 0.2 * Math.log2(0.2));
    assert.ok(Math.abs(expectedInformation(c, 2, uniformPrior(2)) - (1 - h)) < 1e-12);
  });

  it('equals H(answer) - H(answer | true class) at a skewed prior', () => {
    const k = 4;
    const c = newConfusion(k);
    for (const [t, a] of [[0, 0], [0, 0], [1, 1], [2, 3], [3, 3], [1, 0]]) c[t * k + a] += 1;
    const prior = Float64Array.from([0.4, 0.3, 0.2, 0.1]);
    const row = (t: number) => Array.from(c.subarray(t * k, t * k + k)).map((x, _, r) => x / r.reduce((s, y) => s + y, 0));
    const entropy = (p: number[]) => -p.reduce((s, q) => s + (q > 0 ? q * Math.log2(q) : 0), 0);
    const pAnswer = Array.from({ length: k }, (_, a) => prior.reduce((s, p, t) => s + p * row(t)[a], 0));
    const mi = entropy(pAnswer) - prior.reduce((s, p, t) => s + p * entropy(row(t)), 0);
    assert.ok(mi > 0);
    assert.ok(Math.abs(expectedInformation(c, k, prior) - mi) < 1e-12);
  });
});
