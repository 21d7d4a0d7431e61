import assert from 'node:assert/strict';
import { accuracy, aggregators, dawidSkeneEM, majorityVote, pooledGoldCounts, populationAccuracy, populationConfusion, simulateCrowd, volunteerPrior, type CrowdSpec, type VoteSet } from './index.js';

describe('dawid_skene', () => {
  it('beats majority vote by a clear margin when a few volunteers are skilled and many are spammers', () => {
    for (const seed of [1, 2, 3]) {
      const spec: CrowdSpec = { nSubjects: 600, nVolunteers: 60, k: 3, votesPerSubject: 9, mix: { skilled: 0.25, spammer: 0.75 }, skill: [0.8, 0.95], seed };
      const { votes, truth } = simulateCrowd(spec);
      const mv = accuracy(majorityVote(votes).label, truth);
      const ds = accuracy(dawidSkeneEM(votes).label, truth);
      assert.ok(ds >= mv + 0.15, `seed ${seed}: dawid_skene ${ds} vs majority ${mv}`);
    }
  });

  it('beats majority vote when some volunteers always answer one class', () => {
    const { votes, truth } = simulateCrowd({ nSubjects: 600, nVolunteers: 60, k: 4, votesPerSubject: 9, mix: { skilled: 0.3, spammer: 0.5, biased: 0.2 }, skill: [0.7, 0.95], seed: 11 });
    const mv = accuracy(majorityVote(votes).label, truth);
    const ds = accuracy(dawidSkeneEM(votes).label, truth);
    assert.ok(ds >= mv + 0.1, `dawid_skene ${ds} vs majority ${mv}`);
  });

  it('converges, and its confusion matrices are close to the simulated ones for skilled volunteers', () => {
    const k = 3;
    const { votes, kind, confusion: truthConf } = simulateCrowd({ nSubjects: 3000, nVolunteers: 30, k, votesPerSubject: 8, mix: { skilled: 0.8, spammer: 0.2 }, skill: [0.6, 0.9], seed: 5 });
    const r = dawidSkeneEM(votes);
    assert.ok(r.iterations! >= 1 && r.iterations! < 100, `iterations ${r.iterations}`);
    const est = r.confusion!;
    assert.equal(est.length, votes.nVolunteers * k * k);
    let max = 0, sum = 0, n = 0;
    for (let v = 0; v < votes.nVolunteers; v++) {
      for (let t = 0; t < k; t++) {
        let z = 0;
        for (let a = 0; a < k; a++) z += est[v * k * k + t * k + a];
        assert.ok(Math.abs(z - 1) < 1e-9, 'confusion rows sum to 1');
      }
      if (kind[v] !== 'skilled') continue;
      for (let i = 0; i < k * k; i++) {
        const d = Math.abs(est[v * k * k + i] - truthConf[v * k * k + i]);
        max = Math.max(max, d);
        sum += d;
        n++;
      }
    }
    assert.ok(max < 0.15, `max abs error ${max}`);
    assert.ok(sum / n < 0.03, `mean abs error ${sum / n}`);
    // Spammers are recognised: their estimated accuracy is near chance.
    for (let v = 0; v < votes.nVolunteers; v++) {
      if (kind[v] !== 'spammer') continue;
      for (let t = 0; t < k; t++) assert.ok(Math.abs(est[v * k * k + t * k + t] - 1 / k) < 0.1);
    }
  });

  it('stops at maxIterations and the default is the one behind the aggregator interface', () => {
    const { votes } = simulateCrowd({ nSubjects: 600, nVolunteers: 60, k: 3, votesPerSubject: 9, mix: { skilled: 0.25, spammer: 0.75 }, seed: 1 });
    assert.equal(dawidSkeneEM(votes, { maxIterations: 3 }).iterations, 3);
    assert.ok(dawidSkeneEM(votes, { tol: 1e-2 }).iterations! < dawidSkeneEM(votes).iterations!);
    assert.deepEqual(aggregators.dawid_skene.aggregate(votes), dawidSkeneEM(votes));
  });

  it('clamps gold subjects to their known class', () => {
    const { votes, truth } = simulateCrowd({ nSubjects: 400, nVolunteers: 40, k: 3, votesPerSubject: 5, mix: { spammer: 1 }, goldFraction: 0.3, seed: 3 });
    const r = dawidSkeneEM(votes);
    for (let s = 0; s < votes.nSubjects; s++) {
      if (votes.gold![s] < 0) continue;
      assert.equal(r.label[s], truth[s]);
      assert.equal(r.confidence[s], 1);
    }
  });

  it('does not overturn a unanimous single vote on tiny data (the mildly diagonal population prior)', () => {
    // Volunteer 0 answers 1 on subject 0 and 2 on subject 2 (with volunteer 1). With plain symmetric
    // 0.01 smoothing, EM drifts subject 0 to class 2 within 100 rounds.
    const votes = { nSubjects: 3, nVolunteers: 2, k: 3, subject: Int32Array.from([0, 2, 2]), volunteer: Int32Array.from([0, 1, 0]), answer: Int32Array.from([1, 2, 2]) };
    const r = dawidSkeneEM(votes);
    assert.deepEqual(Array.from(r.label), [1, -1, 2]);
    assert.ok(r.iterations! < 100);
  });

  it('is deterministic and independent of the vote order', () => {
    const a = simulateCrowd({ nSubjects: 500, nVolunteers: 40, k: 4, votesPerSubject: 6, mix: { skilled: 0.6, spammer: 0.4 }, seed: 9, shuffle: false });
    const b = simulateCrowd({ nSubjects: 500, nVolunteers: 40, k: 4, votesPerSubject: 6, mix: { skilled: 0.6, spammer: 0.4 }, seed: 9, shuffle: true });
    const ra = dawidSkeneEM(a.votes);
    const rb = dawidSkeneEM(b.votes);
    assert.deepEqual(Array.from(ra.label), Array.from(rb.label));
    for (let i = 0; i < ra.posterior.length; i++) assert.ok(Math.abs(ra.posterior[i] - rb.posterior[i]) < 1e-4);
  });

  describe('priors from gold', () => {
    // Classes 0..2. Volunteers 1-4 answer 12 gold subjects right (4 per class) and agree on 20 live
    // subjects; volunteer 0 answered 6 gold subjects of class 0, right once, else 2 (gold accuracy 17%),
    // and casts one vote, 1, on subject 38, which nobody else voted on.
    const k = 3;
    const subject: number[] = [], volunteer: number[] = [], answer: number[] = [];
    const vote = (s: number, v: number, a: number) => (subject.push(s), volunteer.push(v), answer.push(a));
    const gold = new Int32Array(39).fill(-1);
    for (let s = 0; s < 12; s++) {
      gold[s] = s % 3;
      for (let v = 1; v <= 4; v++) vote(s, v, s % 3);
    }
    for (let s = 12; s < 18; s++) {
      gold[s] = 0;
      vote(s, 0, s === 12 ? 0 : 2);
    }
    for (let s = 18; s < 38; s++) for (let v = 1; v <= 4; v++) vote(s, v, s % 3);
    vote(38, 0, 1);
    const votes: VoteSet = { nSubjects: 39, nVolunteers: 5, k, subject: Int32Array.from(subject), volunteer: Int32Array.from(volunteer), answer: Int32Array.from(answer), gold };

    it("a single vote from a volunteer with a poor gold record is far from certain (0.96 before the priors from gold)", () => {
      const r = dawidSkeneEM(votes);
      assert.equal(r.label[38], 1);
      assert.ok(r.confidence[38] < 0.75, `confidence ${r.confidence[38]}`);
    });

    it("learns the poor volunteer's own gold answers: their answer 2 on a class-0 subject points to class 0", () => {
      const r = dawidSkeneEM(votes);
      const c = r.confusion!;
      assert.ok(c[0 * k * k + 0 * k + 2] > 0.5, `P(answer 2 | true 0) = ${c[2]}`);
      // Gold subjects stay clamped.
      for (let s = 0; s < 18; s++) assert.equal(r.label[s], gold[s]);
    });

    it('the population matrix pools every gold answer with the mildly diagonal default', () => {
      const pooled = pooledGoldCounts(votes);
      // Row 0: 16 right by volunteers 1-4 and 1 by volunteer 0, 5 times 2; rows 1 and 2: 16 right.
      assert.deepEqual(Array.from(pooled), [17, 0, 5, 0, 16, 0, 0, 0, 16]);
      const p = populationConfusion(pooled, k);
      assert.deepEqual(Array.from(p).map((x) => +x.toFixed(6)), [19 / 26, 1 / 26, 6 / 26, 1 / 20, 18 / 20, 1 / 20, 1 / 20, 1 / 20, 18 / 20].map((x) => +x.toFixed(6)));
      // No gold: the default itself, 2/(k+1) on the diagonal.
      assert.deepEqual(Array.from(populationConfusion(new Float64Array(4), 2)).map((x) => +x.toFixed(6)), [2 / 3, 1 / 3, 1 / 3, 2 / 3].map((x) => +x.toFixed(6)));
      assert.throws(() => dawidSkeneEM(votes, { priorStrength: 0 }), /prior strength must be a positive number/);
    });

    it("a volunteer's prior is the population's tilted by their gold accuracy, the population's itself without gold", () => {
      const pooled = pooledGoldCounts(votes);
      const p = populationConfusion(pooled, k);
      const acc = populationAccuracy(pooled, k);
      assert.ok(Math.abs(acc - (49 + 6) / (54 + 12)) < 1e-12);
      volunteerPrior(p, k, acc, 0, 0, 5).forEach((q, i) => assert.ok(Math.abs(q - p[i]) < 1e-12));
      const poor = volunteerPrior(p, k, acc, 1, 6, 5);
      const good = volunteerPrior(p, k, acc, 12, 12, 5);
      for (let t = 0; t < k; t++) {
        assert.ok(poor[t * k + t] < p[t * k + t] && p[t * k + t] < good[t * k + t], `row ${t}`);
        assert.ok(Math.abs(poor.subarray(t * k, t * k + k).reduce((x, y) => x + y, 0) - 1) < 1e-12);
      }
      // Off the diagonal the population's proportions stay: row 0 has answer 2 six times as often as 1.
      assert.ok(Math.abs(poor[2] / poor[1] - 6) < 1e-9);
    });
  });
});
