import assert from 'node:assert/strict';
import { accuracy, aggregators, checkVotes, goldWeight, simulateCrowd, TIE_BREAK, volunteerWeights, type Aggregator, type CrowdSpec, type VoteSet } from './index.js';

const names = Object.keys(aggregators) as Aggregator['name'][];

function votesOf(k: number, nSubjects: number, nVolunteers: number, triples: [number, number, number][], gold?: number[]): VoteSet {
  return {
    nSubjects,
    nVolunteers,
    k,
    subject: Int32Array.from(triples.map((t) => t[0])),
    volunteer: Int32Array.from(triples.map((t) => t[1])),
    answer: Int32Array.from(triples.map((t) => t[2])),
    ...(gold ? { gold: Int32Array.from(gold) } : {}),
  };
}

function rowSumsToOne(posterior: Float64Array, k: number) {
  for (let s = 0; s < posterior.length / k; s++) {
    let z = 0;
    for (let c = 0; c < k; c++) z += posterior[s * k + c];
    assert.ok(Math.abs(z - 1) < 1e-9, `posterior row ${s} sums to ${z}`);
  }
}

describe('crowd aggregators', () => {
  it('exposes the four aggregators under their names', () => {
    assert.deepEqual(names.sort(), ['dawid_skene', 'gold_weighted', 'majority', 'online_swap']);
    for (const n of names) assert.equal(aggregators[n].name, n);
  });

  describe('when every volunteer is perfect', () => {
    for (const goldFraction of [0, 0.1]) {
      it(`all four give identical labels equal to the truth (gold fraction ${goldFraction})`, () => {
        const { votes, truth } = simulateCrowd({ nSubjects: 300, nVolunteers: 25, k: 5, votesPerSubject: 5, mix: { perfect: 1 }, goldFraction, seed: 7 });
        for (const n of names) {
          const r = aggregators[n].aggregate(votes);
          assert.deepEqual(Array.from(r.label), Array.from(truth), n);
          rowSumsToOne(r.posterior, votes.k);
          assert.equal(r.posterior.length, votes.nSubjects * votes.k, n);
          for (let s = 0; s < votes.nSubjects; s++) assert.equal(r.confidence[s], r.posterior[s * votes.k + r.label[s]], n);
        }
      });
    }
  });

  describe('majority', () => {
    it('gives vote fractions, agreement as confidence, and breaks ties to the lowest class', () => {
      // subject 0: 2 x class 2, 1 x class 0; subject 1: tie between classes 1 and 2.
      const v = votesOf(3, 2, 4, [[0, 0, 2], [0, 1, 2], [0, 2, 0], [1, 0, 2], [1, 3, 1]]);
      const r = aggregators.majority.aggregate(v);
      assert.deepEqual(Array.from(r.label), [2, 1]);
      assert.deepEqual(Array.from(r.posterior), [1 / 3, 0, 2 / 3, 0, 0.5, 0.5]);
      assert.deepEqual(Array.from(r.confidence), [2 / 3, 0.5]);
    });
  });

  describe('gold_weighted', () => {
    it('weights a volunteer by gold accuracy: Laplace-smoothed, log-odds with k - 1 wrong classes, clipped at 0', () => {
      assert.equal(goldWeight(0, 0, 2), 0); // prior 0.5 on a binary task
      assert.ok(Math.abs(goldWeight(0, 0, 5) - Math.log(4)) < 1e-12); // prior 0.5 beats chance 0.2
      assert.ok(Math.abs(goldWeight(8, 8, 2) - Math.log(9)) < 1e-12); // acc = 9/10
      assert.equal(goldWeight(0, 10, 3), 0); // always wrong: clipped
      assert.ok(goldWeight(20, 20, 3) > goldWeight(10, 20, 3));
      // At chance the weight is (near) 0: 1 in 3 right on a 3-class task, smoothed toward 0.5.
      assert.ok(goldWeight(100, 300, 3) < 0.01);
    });

    it('beats majority vote when spammers have bad gold accuracy', () => {
      for (const seed of [1, 2, 3]) {
        const spec: CrowdSpec = { nSubjects: 800, nVolunteers: 80, k: 4, votesPerSubject: 9, mix: { skilled: 0.3, spammer: 0.7 }, skill: [0.7, 0.9], goldFraction: 0.2, seed };
        const { votes, truth, kind } = simulateCrowd(spec);
        const live = (s: number) => votes.gold![s] < 0;
        const mv = accuracy(aggregators.majority.aggregate(votes).label, truth, live);
        const gw = accuracy(aggregators.gold_weighted.aggregate(votes).label, truth, live);
        assert.ok(gw >= mv + 0.1, `seed ${seed}: gold_weighted ${gw} vs majority ${mv}`);
        // Spammers end with lower weights than skilled volunteers.
        const w = volunteerWeights(votes);
        const mean = (t: string) => {
          const xs = Array.from(w).filter((_, v) => kind[v] === t);
          return xs.reduce((a, b) => a + b, 0) / xs.length;
        };
        assert.ok(mean('spammer') < 0.25 * mean('skilled'), `spammer ${mean('spammer')} vs skilled ${mean('skilled')}`);
      }
    });

    it('when every voter on a subject has weight 0, the vote fractions only break the tie: the label, but a confidence of about 1/k', () => {
      // Binary task, no gold: every weight is 0. (The confidence was 2/3, the plain fraction.)
      const v = votesOf(2, 1, 3, [[0, 0, 1], [0, 1, 1], [0, 2, 0]]);
      const r = aggregators.gold_weighted.aggregate(v);
      assert.equal(r.label[0], 1);
      assert.ok(Math.abs(r.confidence[0] - ((1 - TIE_BREAK) / 2 + (TIE_BREAK * 2) / 3)) < 1e-12);
    });

    it('gives the one-coin posterior: one vote reads as its volunteer\'s smoothed gold accuracy, agreeing votes compound', () => {
      // k = 3. Volunteer 0: 8 of 8 gold right (acc 0.9); volunteer 1: 3 of 8 (acc 0.4, weight log(4/3)).
      const k = 3;
      const triples: Array<[number, number, number]> = [];
      const gold = new Array<number>(18).fill(-1);
      for (let s = 0; s < 8; s++) {
        gold[s] = s % k;
        triples.push([s, 0, s % k], [s, 1, s < 3 ? s % k : (s + 1) % k]);
      }
      triples.push([16, 0, 2], [17, 0, 1], [17, 1, 1]);
      const v = votesOf(k, 18, 2, triples, gold);
      const r = aggregators.gold_weighted.aggregate(v);
      assert.ok(Math.abs(r.confidence[16] - 0.9) < 1e-12, `one vote: ${r.confidence[16]}`);
      const both = Math.exp(goldWeight(8, 8, k) + goldWeight(3, 8, k));
      assert.ok(Math.abs(r.confidence[17] - both / (both + 2)) < 1e-12);
      assert.ok(r.confidence[17] > 0.9);
    });
  });

  describe('edge cases', () => {
    it('a subject with no votes gets label -1, confidence 0 and a posterior row summing to 1', () => {
      const v = votesOf(3, 3, 3, [[0, 0, 1], [2, 1, 2], [2, 2, 2]], [-1, 0, -1]);
      for (const n of names) {
        const r = aggregators[n].aggregate(v);
        assert.equal(r.label[1], -1, n);
        assert.equal(r.confidence[1], 0, n);
        assert.equal(r.label[0], 1, n);
        assert.equal(r.label[2], 2, n);
        rowSumsToOne(r.posterior, 3);
      }
    });

    it('a single vote decides its subject', () => {
      for (const answer of [0, 3]) {
        const v = votesOf(4, 1, 1, [[0, 0, answer]]);
        for (const n of names) {
          const r = aggregators[n].aggregate(v);
          assert.deepEqual(Array.from(r.label), [answer], n);
          assert.ok(r.confidence[0] > 0.25, `${n}: confidence ${r.confidence[0]}`);
          rowSumsToOne(r.posterior, 4);
        }
        assert.equal(aggregators.majority.aggregate(v).confidence[0], 1);
      }
    });

    it('no votes at all: every label is -1', () => {
      const v = votesOf(3, 4, 2, []);
      for (const n of names) {
        const r = aggregators[n].aggregate(v);
        assert.deepEqual(Array.from(r.label), [-1, -1, -1, -1], n);
        rowSumsToOne(r.posterior, 3);
      }
    });

    it('rejects inconsistent or out-of-range votes', () => {
      assert.throws(() => checkVotes(votesOf(3, 2, 2, [[2, 0, 0]])), RangeError);
      assert.throws(() => checkVotes(votesOf(3, 2, 2, [[0, 2, 0]])), RangeError);
      assert.throws(() => checkVotes(votesOf(3, 2, 2, [[0, 0, 3]])), RangeError);
      assert.throws(() => checkVotes(votesOf(3, 2, 2, [[0, 0, -1]])), RangeError);
      assert.throws(() => checkVotes(votesOf(3, 2, 2, [[0, 0, 0]], [0])), RangeError);
      assert.throws(() => checkVotes({ ...votesOf(3, 2, 2, [[0, 0, 0]]), answer: new Int32Array(0) }), RangeError);
      for (const n of names) assert.throws(() => aggregators[n].aggregate(votesOf(3, 2, 2, [[0, 0, 5]])), RangeError, n);
    });
  });
});
