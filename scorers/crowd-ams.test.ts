import assert from 'node:assert/strict';
import { amsFromSB, amsScore, AMS_DEFAULTS } from './ams.js';
import { interval } from './bootstrap.js';
import { amsCurve, amsWithInterval, chooseCrowdThreshold, crowdSelection, evenFractions } from './crowd-ams.js';
import { seededRandom } from '../src/seeded-random.js';

/*
 * Hand-built gold set: 4 signal events of weight 1, 6 background events of weight 2, with Ns = 8
 * and Nb = 24, so renormalisation doubles every weight (signal 4 → 8, background 12 → 24).
 *
 *   posterior  class  cumulative s, b (renormalised)   AMS, b_reg = 10
 *   0.9        s      2, 0                             0.613
 *   0.8        s      4, 0                             1.192
 *   0.7        b      4, 4                             1.023
 *   0.6        s      6, 4                             1.506
 *   0.5        b      6, 8                             1.345
 *   0.4        b      6, 12                            1.227
 *   0.3        s      8, 12                            1.615  ← best
 *   0.2        b      8, 16                            1.497
 *   0.1, 0.1   b, b   8, 24                            1.323
 *
 * At 0.3: AMS = sqrt(2·((8 + 12 + 10)·ln(1 + 8/22) − 8)) = sqrt(2·(30·0.3101549 − 8))
 *             = sqrt(2·1.304648) = 1.615331.
 */
const posterior = Float64Array.from([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.1]);
const isSignal = Uint8Array.from([1, 1, 0, 1, 0, 0, 1, 0, 0, 0]);
const weights = Float64Array.from(isSignal, (s) => (s ? 1 : 2));
const allGold = new Uint8Array(10).fill(1);
const handAms = { Ns: 8, Nb: 24, bReg: 10 };

describe('chooseCrowdThreshold', () => {
  it('picks the posterior that maximises the AMS on gold events (worked by hand)', () => {
    const chosen = chooseCrowdThreshold(posterior, isSignal, weights, allGold, { ...handAms, minSelected: 1 });
    assert.ok(chosen);
    assert.equal(chosen.threshold, 0.3);
    assert.equal(chosen.s, 8);
    assert.equal(chosen.b, 12);
    assert.equal(chosen.selected, 7);
    assert.equal(chosen.gold, 10);
    assert.ok(Math.abs(chosen.ams - 1.615331) < 1e-6, `AMS ${chosen.ams}`);
    assert.equal(chosen.ams, amsFromSB(8, 12, 10));
  });

  it('renormalises gold weights to Ns and Nb: scaling all weights changes nothing', () => {
    const scaled = weights.map((w) => w * 37.5);
    assert.deepEqual(
      chooseCrowdThreshold(posterior, isSignal, scaled, allGold, { ...handAms, minSelected: 1 }),
      chooseCrowdThreshold(posterior, isSignal, weights, allGold, { ...handAms, minSelected: 1 }),
    );
  });

  it('needs a minimum number of selected gold events', () => {
    const chosen = chooseCrowdThreshold(posterior, isSignal, weights, allGold, { ...handAms, minSelected: 8 });
    assert.equal(chosen?.threshold, 0.2);
    assert.equal(chosen?.selected, 8);
    assert.equal(chooseCrowdThreshold(posterior, isSignal, weights, allGold, { ...handAms, minSelected: 11 }), null);
    assert.throws(() => chooseCrowdThreshold(posterior, isSignal, weights, allGold, { minSelected: 0 }), /minSelected/);
  });

  it('breaks an AMS tie towards the smaller threshold, and lets equal posteriors enter together', () => {
    // A background event of weight 0 at 0.25 leaves s and b, hence the AMS, as at 0.3.
    const p = Float64Array.from([...posterior, 0.25]);
    const sig = Uint8Array.from([...isSignal, 0]);
    const w = Float64Array.from([...weights, 0]);
    const chosen = chooseCrowdThreshold(p, sig, w, new Uint8Array(11).fill(1), { ...handAms, minSelected: 1 });
    assert.equal(chosen?.threshold, 0.25);
    assert.equal(chosen?.selected, 8);
    // Both 0.1 events are one candidate: with minSelected 9 the only candidate selects all 10.
    assert.equal(chooseCrowdThreshold(posterior, isSignal, weights, allGold, { ...handAms, minSelected: 9 })?.selected, 10);
  });

  it('never reads test labels, weights or posteriors outside the gold rows', () => {
    // Rows 0..9 are the gold set above; rows 10..209 are test rows.
    const random = seededRandom(7);
    const n = 210;
    const p = Float64Array.from({ length: n }, (_, i) => (i < 10 ? posterior[i] : random()));
    const sig = Uint8Array.from({ length: n }, (_, i) => (i < 10 ? isSignal[i] : random() < 0.3 ? 1 : 0));
    const w = Float64Array.from({ length: n }, (_, i) => (i < 10 ? weights[i] : 0.5 + random()));
    const gold = Uint8Array.from({ length: n }, (_, i) => (i < 10 ? 1 : 0));
    const reference = chooseCrowdThreshold(p, sig, w, gold, { ...handAms, minSelected: 1 });
    assert.equal(reference?.threshold, 0.3);
    for (let trial = 0; trial < 5; trial++) {
      const shuffled = Uint8Array.from(sig);
      for (let i = n - 1; i > 10; i--) {
        const j = 10 + Math.floor(random() * (i - 9));
        [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
      }
      const flipped = shuffled.map((s, i) => (i < 10 ? s : 1 - s));
      const otherWeights = w.map((x, i) => (i < 10 ? x : x * (1 + random())));
      const otherPosteriors = p.map((x, i) => (i < 10 ? x : random()));
      assert.deepEqual(chooseCrowdThreshold(p, shuffled, w, gold, { ...handAms, minSelected: 1 }), reference);
      assert.deepEqual(chooseCrowdThreshold(otherPosteriors, flipped, otherWeights, gold, { ...handAms, minSelected: 1 }), reference);
    }
  });

  it('ignores events without a posterior, and gives null when the gold holds no signal', () => {
    const p = Float64Array.from([...posterior, NaN]);
    const chosen = chooseCrowdThreshold(p, Uint8Array.from([...isSignal, 0]), Float64Array.from([...weights, 2]), new Uint8Array(11).fill(1), { Ns: 8, Nb: 26, minSelected: 1 });
    assert.equal(chosen?.threshold, 0.3);
    assert.equal(chosen?.gold, 10);
    assert.equal(chooseCrowdThreshold(posterior, new Uint8Array(10), weights, allGold, { minSelected: 1 }), null);
    assert.throws(() => chooseCrowdThreshold(posterior, isSignal, weights, new Uint8Array(3)), /gold has 3 entries, expected 10/);
  });
});

describe('crowdSelection', () => {
  it('selects posteriors at or above the threshold, never a missing one', () => {
    assert.deepEqual([...crowdSelection(Float64Array.from([0.9, 0.3, 0.2999, NaN, 1]), 0.3)], [1, 1, 0, 0, 1]);
    assert.throws(() => crowdSelection(posterior, NaN), /threshold/);
  });
});

describe('amsWithInterval', () => {
  // 400 events: half Public (usage 1); signal about 1 in 3; a good, a fair and a random selection.
  const random = seededRandom(11);
  const n = 400;
  const sig = Uint8Array.from({ length: n }, () => (random() < 0.33 ? 1 : 0));
  const w = Float64Array.from(sig, (s) => (s ? 0.002 : 1) * (0.5 + random()));
  const subset = Uint8Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : 0));
  const good = sig.map((s) => (random() < (s ? 0.8 : 0.1) ? 1 : 0));
  const fair = sig.map((s) => (random() < (s ? 0.6 : 0.3) ? 1 : 0));
  const coin = sig.map(() => (random() < 0.5 ? 1 : 0));
  const methods = [
    { name: 'crowd', selected: good },
    { name: 'baseline', selected: fair },
    { name: 'best entry', selected: coin },
  ];
  const run = (seed: number) => amsWithInterval(methods, sig, w, subset, { seed, resamples: 300 });

  it('scores each selection on the subset exactly as the leaderboard does', () => {
    const result = run(1);
    assert.equal(result.events, 200);
    const truth = Int32Array.from(sig);
    result.methods.forEach((method, k) => {
      const official = amsScore(truth, Int32Array.from(methods[k].selected), w, 1, subset);
      assert.equal(method.name, methods[k].name);
      assert.equal(method.ams.estimate, official.ams);
      assert.equal(method.s, official.s);
      assert.equal(method.b, official.b);
      assert.equal(method.selected, official.selected);
    });
    assert.ok(result.methods[0].ams.estimate! > result.methods[2].ams.estimate!);
  });

  it('gives intervals around the estimate, and paired differences crowd − ML', () => {
    const result = run(1);
    for (const { ams } of result.methods) {
      assert.equal(ams.usable, 300);
      assert.ok(ams.lo! < ams.estimate! && ams.estimate! < ams.hi!, JSON.stringify(ams));
    }
    assert.deepEqual(result.differences.map((d) => d.name), ['crowd − baseline', 'crowd − best entry']);
    const [, vsCoin] = result.differences;
    assert.equal(vsCoin.difference.estimate, result.methods[0].ams.estimate! - result.methods[2].ams.estimate!);
    assert.ok(vsCoin.difference.lo! > 0, 'a good selection beats a coin on every plausible resample');
    // Paired draws: a method against itself differs by exactly 0 in every resample.
    const self = amsWithInterval([methods[0], { name: 'copy', selected: good }], sig, w, subset, { seed: 3, resamples: 50 });
    assert.deepEqual(self.differences[0].difference, { estimate: 0, lo: 0, hi: 0, usable: 50 });
  });

  it('matches a naive bootstrap that rescores each resample with amsScore', () => {
    // The same draws, as weights multiplied by how often each event is drawn: amsScore then
    // renormalises within the resample, as the AMS does on any scored set.
    const events = [...subset.keys()].filter((i) => subset[i] === 1);
    const resamples = 100;
    const draw = seededRandom(9);
    const samples = methods.map(() => new Float64Array(resamples));
    const truth = Int32Array.from(sig);
    for (let r = 0; r < resamples; r++) {
      const count = new Float64Array(n);
      for (let j = 0; j < events.length; j++) count[events[Math.floor(draw() * events.length)]]++;
      const drawn = Uint8Array.from(count, (c) => (c > 0 ? 1 : 0));
      const resampledWeight = w.map((x, i) => x * count[i]);
      methods.forEach((m, k) => (samples[k][r] = amsScore(truth, Int32Array.from(m.selected), resampledWeight, 1, drawn).ams));
    }
    const result = amsWithInterval(methods, sig, w, subset, { seed: 9, resamples });
    result.methods.forEach((method, k) => {
      const naive = interval(method.ams.estimate!, samples[k], 0.95);
      assert.ok(Math.abs(method.ams.lo! - naive.lo!) < 1e-9 && Math.abs(method.ams.hi! - naive.hi!) < 1e-9, `${method.name}: ${JSON.stringify([method.ams, naive])}`);
    });
  });

  it('is reproducible from its seed, and renormalises per resample', () => {
    assert.deepEqual(run(42), run(42));
    assert.notDeepEqual(run(42).methods[0].ams, run(43).methods[0].ams);
    // Renormalised within each resample: doubling every weight (exact in floating point) changes nothing.
    assert.deepEqual(amsWithInterval(methods, sig, w.map((x) => x * 2), subset, { seed: 42, resamples: 300 }), run(42));
  });

  it('skips resamples without both classes, and checks its inputs', () => {
    const tiny = amsWithInterval([{ name: 'crowd', selected: Uint8Array.from([1, 0]) }], Uint8Array.from([1, 0]), Float64Array.from([1, 1]), Uint8Array.from([1, 1]), { seed: 5, resamples: 200 });
    // Each resample draws 2 of 2 events: both classes with probability 1/2.
    assert.ok(tiny.methods[0].ams.usable > 60 && tiny.methods[0].ams.usable < 140, String(tiny.methods[0].ams.usable));
    assert.throws(() => amsWithInterval([], sig, w, subset, { seed: 1 }), /at least one method/);
    assert.throws(() => amsWithInterval([{ name: 'x', selected: new Uint8Array(3) }], sig, w, subset, { seed: 1 }), /selection of x has 3 entries, expected 400/);
    assert.throws(() => amsWithInterval(methods, sig, w, subset, { seed: -1 }), /seed/);
  });
});

describe('amsCurve', () => {
  it('runs from 0 (nothing selected) to the AMS of selecting everything', () => {
    const [start, end] = amsCurve(posterior, isSignal, weights, [0, 1]);
    assert.deepEqual(start, { fraction: 0, selected: 0, ams: 0, s: 0, b: 0 });
    assert.equal(end.selected, 10);
    assert.ok(Math.abs(end.s - AMS_DEFAULTS.Ns) < 1e-9 && Math.abs(end.b - AMS_DEFAULTS.Nb) < 1e-6);
    assert.ok(Math.abs(end.ams - amsFromSB(AMS_DEFAULTS.Ns, AMS_DEFAULTS.Nb)) < 1e-12);
  });

  it('matches the hand-built threshold at the fraction it selects', () => {
    const points = amsCurve(posterior, isSignal, weights, evenFractions(10), undefined, handAms);
    assert.equal(points.length, 11);
    assert.equal(points[7].selected, 7);
    assert.equal(points[7].ams, amsFromSB(8, 12, 10));
    assert.equal(Math.max(...points.map((p) => p.ams)), points[7].ams);
  });

  it('ranks by score (an ML RankOrder works too), missing scores last, within the given rows', () => {
    const rankOrder = Int32Array.from([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    assert.deepEqual(amsCurve(rankOrder, isSignal, weights, evenFractions(10), undefined, handAms), amsCurve(posterior, isSignal, weights, evenFractions(10), undefined, handAms));
    // Without a posterior, the 0.7 background event drops to the end: the top 3 are all signal.
    const withMissing = Float64Array.from(posterior, (p, i) => (i === 2 ? NaN : p));
    const [top3] = amsCurve(withMissing, isSignal, weights, [0.3], undefined, handAms);
    assert.deepEqual([top3.selected, top3.s, top3.b], [3, 6, 0]);
    const firstHalf = Uint8Array.from({ length: 10 }, (_, i) => (i < 5 ? 1 : 0));
    const [half] = amsCurve(posterior, isSignal, weights, [1], firstHalf, handAms);
    assert.equal(half.selected, 5);
    assert.ok(Math.abs(half.s - 8) < 1e-12 && Math.abs(half.b - 24) < 1e-12);
    assert.throws(() => amsCurve(posterior, isSignal, weights, [1.5]), /\[0, 1\]/);
  });
});
