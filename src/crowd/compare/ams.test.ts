import assert from 'node:assert/strict';
import { amsFromSB, amsScore } from '../../../scorers/ams.js';
import { USAGE } from '../../../scorers/types.js';
import { computeAms, type AmsInputs } from './ams.js';

/*
 * Known sources: the hand-worked gold set of scorers/crowd-ams.test.ts (4 signal of weight 1, 6
 * background of weight 2, Ns = 8, Nb = 24), twice over, so that its best threshold, 0.3, selects 14
 * (at least the 10 a threshold needs); renormalised, s = 8, b = 12 as on the single set, and the
 * AMS is amsFromSB(8, 12, 10).
 *
 * Test events (P: Public, V: Private):
 *   posterior  0.95 0.5  0.31 0.29 0.1 | 0.8  0.35 0.2  0.05
 *   truth      s    b    s    s    b   | s    b    b    s
 *   usage      P    P    P    P    P   | V    V    V    V
 * With the threshold 0.3 the crowd selects the first three Public and the first two Private events.
 */
const opts = { Ns: 8, Nb: 24, bReg: 10 };
const twice = (a: number[]) => [...a, ...a];
const known = {
  posteriorS: Float64Array.from(twice([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.1])),
  isSignal: Uint8Array.from(twice([1, 1, 0, 1, 0, 0, 1, 0, 0, 0])),
  weight: Float64Array.from(twice([1, 1, 2, 1, 2, 2, 1, 2, 2, 2])),
};
const P = USAGE.Public;
const V = USAGE.Private;

function inputs(over: Partial<AmsInputs> = {}): AmsInputs {
  return {
    positiveClass: 's',
    ams: opts,
    posteriorS: Float64Array.from([0.95, 0.5, 0.31, 0.29, 0.1, 0.8, 0.35, 0.2, 0.05]),
    isSignal: Uint8Array.from([1, 0, 1, 1, 0, 1, 0, 0, 1]),
    weight: Float64Array.from([1, 3, 1, 1, 3, 1, 3, 3, 1]),
    usage: Uint8Array.from([P, P, P, P, P, V, V, V, V]),
    known,
    ml: [{ name: 'baseline', kind: 'baseline', submissionId: 7, selected: Uint8Array.from([1, 1, 0, 0, 0, 1, 1, 1, 0]), rank: Float64Array.from([9, 8, 5, 4, 1, 7, 6, 3, 2]) }],
    crowdName: 'crowd',
    ...over,
  };
}

const close = (a: number | null, b: number, what: string) => assert.ok(a !== null && Math.abs(a - b) < 1e-12, `${what}: ${a} ≠ ${b}`);

describe('computeAms', () => {
  it('chooses the threshold on the known sources and scores every selection as amsScore does on each subset', () => {
    const r = computeAms(inputs(), { seed: 1, resamples: 200 });
    assert.equal(r.threshold?.threshold, 0.3);
    assert.equal(r.threshold?.selected, 14);
    assert.equal(r.threshold?.gold, 20);
    close(r.threshold!.s, 8, 's on the known sources');
    close(r.threshold!.b, 12, 'b on the known sources');
    close(r.threshold!.ams, amsFromSB(8, 12, 10), 'AMS on the known sources');
    const all = inputs();
    const truth = Int32Array.from(all.isSignal);
    assert.deepEqual(r.subsets.map((s) => [s.subset, s.events]), [['public', 5], ['private', 4]]);
    for (const s of r.subsets) {
      const mask = Uint8Array.from(all.usage, (u) => (u === (s.subset === 'public' ? P : V) ? 1 : 0));
      const crowd = amsScore(truth, Int32Array.from(all.posteriorS, (p) => (p >= 0.3 ? 1 : 0)), all.weight, 1, mask, opts);
      const baseline = amsScore(truth, Int32Array.from(all.ml[0].selected), all.weight, 1, mask, opts);
      assert.deepEqual(s.methods.map((m) => [m.name, m.kind, m.submissionId, m.selected]), [['crowd', 'crowd', null, crowd.selected], ['baseline', 'baseline', 7, baseline.selected]]);
      close(s.methods[0].ams.estimate, crowd.ams, `${s.subset} crowd`);
      close(s.methods[1].ams.estimate, baseline.ams, `${s.subset} baseline`);
      assert.deepEqual(s.differences.map((d) => d.name), ['crowd − baseline']);
      assert.deepEqual(s.curves.map((c) => c.method), ['crowd', 'baseline']);
      // The crowd's operating point is its selection: its share of the subset, at its AMS.
      assert.deepEqual(s.curves[0].operatingPoint, { fraction: crowd.selected / s.events, ams: s.methods[0].ams.estimate });
    }
    assert.deepEqual(r.subsets[0].methods.map((m) => m.selected), [3, 2]);
  });

  it('never reads test labels for the threshold: inverting them all leaves it, and only it, as it was', () => {
    const a = computeAms(inputs(), { seed: 1, resamples: 200 });
    const b = computeAms(inputs({ isSignal: Uint8Array.from(inputs().isSignal, (v) => 1 - v) }), { seed: 1, resamples: 200 });
    assert.deepEqual(b.threshold, a.threshold);
    assert.notDeepEqual(b.subsets, a.subsets);
  });

  it('is memoised by content: the same data gives the same result object, new data a new result', () => {
    const a = computeAms(inputs(), { seed: 2, resamples: 100 });
    assert.equal(computeAms(inputs(), { seed: 2, resamples: 100 }), a);
    const moved = inputs();
    moved.posteriorS[4] = 0.99; // a Public background event now selected
    const b = computeAms(moved, { seed: 2, resamples: 100 });
    assert.notEqual(b, a);
    assert.equal(b.subsets[0].methods[0].selected, a.subsets[0].methods[0].selected + 1);
    assert.notEqual(computeAms(inputs(), { seed: 3, resamples: 100 }), a, 'another seed is other data');
  });

  it('says why there is no crowd selection with too few known sources, and still scores ML', () => {
    const few = { posteriorS: known.posteriorS.slice(0, 5), isSignal: known.isSignal.slice(0, 5), weight: known.weight.slice(0, 5) };
    const r = computeAms(inputs({ known: few }), { seed: 1, resamples: 50 });
    assert.equal(r.threshold, null);
    assert.match(r.notes.join(' '), /No crowd selection: the threshold needs at least 10 known sources with a consensus, including signal \(5 have one, 3 of them signal\)/);
    assert.deepEqual(r.subsets.map((s) => s.methods.map((m) => m.name)), [['baseline'], ['baseline']]);
    assert.ok(r.subsets.every((s) => s.differences.length === 0));
  });
});
