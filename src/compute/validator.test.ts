import assert from 'node:assert/strict';
import { compareResults, DEFAULT_TOLERANCE, validateUnit, type UnitResult } from './validator.js';

const fold = Float64Array.from({ length: 2000 }, (_, i) => (Math.sin(i) + 1) / 2);
const result = (volunteerId: number, metric: number, nudge: (p: number, i: number) => number = (p) => p): UnitResult => ({ volunteerId, metric, predictions: fold.map(nudge) });

describe('volunteer-computing validator (BOINC-style quorum with a tolerance)', () => {
  it('agrees on results that differ only by backend rounding', () => {
    const wasm = result(1, 3.1234);
    const node = result(2, 3.1236, (p, i) => p + (i % 2 ? 4e-4 : -4e-4));
    assert.deepEqual(compareResults(wasm, node), { agree: true });
  });

  it('says why results disagree: the metric, too many predictions, their count, a NaN', () => {
    const base = result(1, 3.12);
    assert.match((compareResults(base, result(2, 3.2)) as { why: string }).why, /metrics differ by/);
    const drifted = compareResults(base, result(2, 3.12, (p, i) => (i < 3 ? p + 0.01 : p)));
    assert.match((drifted as { why: string }).why, /3 of 2000 predictions differ by more than 0.001/);
    // Two rows past the tolerance are within the 0.1% allowed for borderline rows.
    assert.deepEqual(compareResults(base, result(2, 3.12, (p, i) => (i < 2 ? p + 0.01 : p))), { agree: true });
    assert.match((compareResults(base, { ...base, volunteerId: 2, predictions: fold.slice(1) }) as { why: string }).why, /2000 predictions against 1999/);
    assert.match((compareResults(base, result(2, 3.12, (p, i) => (i === 5 ? Number.NaN : p)), { ...DEFAULT_TOLERANCE, predictionOutlierShare: 0 }) as { why: string }).why, /1 of 2000/);
    assert.match((compareResults(base, result(2, Number.NaN)) as { why: string }).why, /not a finite number/);
  });

  it('makes the first result agreeing with another volunteer canonical; the one that disagrees is invalid', () => {
    const out = validateUnit([result(1, 3.12), result(2, 2.5), result(3, 3.1201)]);
    assert.deepEqual(out, { canonical: 0, verdicts: ['valid', 'invalid', 'valid'] });
  });

  it('never trusts one result alone, nor one volunteer twice', () => {
    assert.deepEqual(validateUnit([result(1, 3.12)]), { canonical: null, verdicts: ['pending'] });
    assert.deepEqual(validateUnit([result(1, 3.12), result(1, 3.12)]), { canonical: null, verdicts: ['pending', 'pending'] });
    assert.deepEqual(validateUnit([result(1, 3.12), result(2, 2.0)]), { canonical: null, verdicts: ['pending', 'pending'] });
    // Once another volunteer agrees, the first volunteer's replay earns nothing.
    assert.deepEqual(validateUnit([result(1, 3.12), result(1, 3.12), result(2, 3.12)]).verdicts, ['valid', 'invalid', 'valid']);
  });

  it('needs agreement from quorum − 1 other volunteers', () => {
    const three = [result(1, 3.12), result(2, 3.12), result(3, 9)];
    assert.equal(validateUnit(three, 3).canonical, null);
    assert.deepEqual(validateUnit([...three, result(4, 3.1201)], 3), { canonical: 0, verdicts: ['valid', 'valid', 'invalid', 'valid'] });
  });
});
