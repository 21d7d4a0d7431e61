import assert from 'node:assert/strict';
import {
  accuracy,
  answerLikelihood,
  information,
  majorityVote,
  newConfusion,
  observeGold,
  replayOnlineSwap,
  simulateCrowd,
  uniformPrior,
  updatePosterior,
} from './index.js';
import { seededRandom } from '../../seeded-random.js';

const sum = (xs: Float64Array) => xs.reduce((a, b) => a + b, 0);

/** A Float64Array behind a Proxy that counts reads of its elements. */
function counted(values: Float64Array): { array: Float64Array; reads: () => number } {
  let reads = 0;
  const array = new Proxy(values, {
    get(target, prop) {
      if (typeof prop === 'string' && /^\d+$/.test(prop)) reads++;
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { array, reads: () => reads };
}

function randomSimplex(rng: () => number, k: number): Float64Array {
  const p = new Float64Array(k);
  for (let i = 0; i < k; i++) p[i] = rng() + 1e-3;
  const z = sum(p);
  return p.map((x) => x / z);
}

describe('online_swap', () => {
  it('newConfusion: the documented prior, 2 on the diagonal and 1 elsewhere (alpha scales both)', () => {
    assert.deepEqual(Array.from(newConfusion(3)), [2, 1, 1, 1, 2, 1, 1, 1, 2]);
    assert.deepEqual(Array.from(newConfusion(2, 0.5)), [1, 0.5, 0.5, 1]);
    assert.deepEqual(Array.from(uniformPrior(4)), [0.25, 0.25, 0.25, 0.25]);
    assert.throws(() => newConfusion(0), RangeError);
  });

  it('updatePosterior reads each element a constant number of times (O(k)) and returns a new posterior summing to 1', () => {
    const rng = seededRandom(3);
    for (const k of [2, 5, 50, 500]) {
      const prior = counted(randomSimplex(rng, k));
      const lik = counted(randomSimplex(rng, k));
      const before = Float64Array.from(prior.array);
      const post = updatePosterior(prior.array, lik.array);
      assert.ok(prior.reads() <= 2 * k + 2 && lik.reads() <= 2 * k + 2, `k=${k}: ${prior.reads()} + ${lik.reads()} reads`);
      assert.ok(Math.abs(sum(post) - 1) < 1e-12);
      assert.deepEqual(Array.from(prior.array), Array.from(before), 'input left unchanged');
      for (let t = 0; t < k; t++) assert.ok(Math.abs(post[t] - (before[t] * lik.array[t]) / sum(before.map((p, i) => p * lik.array[i]))) < 1e-12);
    }
  });

  it('keeps summing to 1 over a long stream of votes', () => {
    const k = 5;
    const rng = seededRandom(8);
    const conf = newConfusion(k);
    for (let i = 0; i < 200; i++) observeGold(conf, k, i % k, i % 3 === 0 ? (i + 1) % k : i % k);
    let post = uniformPrior(k);
    for (let i = 0; i < 10_000; i++) {
      post = updatePosterior(post, answerLikelihood(conf, k, Math.floor(rng() * k)));
      assert.ok(Math.abs(sum(post) - 1) < 1e-9);
      assert.ok(post.every((p) => p >= 0 && Number.isFinite(p)));
    }
  });

  it('gold observations move the confusion matrix and the likelihood', () => {
    const k = 3;
    const conf = newConfusion(k);
    const l0 = answerLikelihood(conf, k, 2);
    assert.deepEqual(Array.from(l0), [1 / 4, 1 / 4, 2 / 4]);
    // This volunteer says "2" when the truth is 0.
    for (let i = 0; i < 6; i++) observeGold(conf, k, 0, 2);
    assert.equal(conf[0 * k + 2], 7);
    const l1 = answerLikelihood(conf, k, 2);
    assert.ok(Math.abs(l1[0] - 7 / 10) < 1e-12);
    assert.ok(l1[0] > l0[0]);
    assert.deepEqual(Array.from(l1.subarray(1)), Array.from(l0.subarray(1)), 'other rows unchanged');
    // Their "2" now points to class 0.
    const post = updatePosterior(uniformPrior(k), l1);
    assert.ok(post[0] > post[2]);
    assert.throws(() => observeGold(conf, k, 3, 0), RangeError);
  });

  it('information is >= 0, and 0 for an uninformative volunteer', () => {
    const rng = seededRandom(4);
    for (let i = 0; i < 500; i++) {
      const k = 2 + (i % 6);
      const before = randomSimplex(rng, k);
      const after = updatePosterior(before, randomSimplex(rng, k));
      assert.ok(information(before, after) >= 0);
    }
    // A spammer: the same count in every cell, so every class gives the answer with the same probability.
    const k = 4;
    const spammer = new Float64Array(k * k).fill(3);
    const before = Float64Array.from([0.1, 0.2, 0.3, 0.4]);
    for (let a = 0; a < k; a++) {
      const after = updatePosterior(before, answerLikelihood(spammer, k, a));
      assert.ok(information(before, after) < 1e-12);
    }
    // A perfect-looking volunteer on a uniform prior adds log2(k) bits when the posterior becomes one-hot.
    assert.ok(Math.abs(information(uniformPrior(4), Float64Array.from([0, 0, 1, 0])) - 2) < 1e-12);
  });

  it('batch replay learns from gold: beats majority and ranks skilled volunteers above spammers', () => {
    const { votes, truth, kind } = simulateCrowd({ nSubjects: 1500, nVolunteers: 50, k: 4, votesPerSubject: 9, mix: { skilled: 0.3, spammer: 0.7 }, skill: [0.7, 0.9], goldFraction: 0.3, seed: 2 });
    const { consensus, information: info } = replayOnlineSwap(votes);
    const live = (s: number) => votes.gold![s] < 0;
    const mv = accuracy(majorityVote(votes).label, truth, live);
    const sw = accuracy(consensus.label, truth, live);
    assert.ok(sw > mv + 0.05, `online_swap ${sw} vs majority ${mv}`);
    const mean = (t: string) => {
      const xs = Array.from(info).filter((_, v) => kind[v] === t);
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    };
    assert.ok(mean('skilled') > 2 * mean('spammer'), `skilled ${mean('skilled')} bits vs spammer ${mean('spammer')} bits`);
    for (let i = 0; i < consensus.confusion!.length; i += 4) assert.ok(Math.abs(sum(consensus.confusion!.subarray(i, i + 4)) - 1) < 1e-12);
  });
});
