import assert from 'node:assert/strict';
import { crowdContext } from './crowd-helpers.js';
import { signUp } from '../src/accounts/service.js';
import { anonVoter, castVote, serveNext, userVoter, type Voter } from '../src/crowd/service.js';
import { signServe, tokenSecret, verifyServe } from '../src/crowd/token.js';
import { workflowById, type Workflow } from '../src/crowd/repo.js';
import { onlineStep } from '../src/crowd/weights.js';
import { uniformPrior } from '../src/crowd/aggregators/index.js';
import { batchedTransaction } from '../src/db/write-batch.js';
import { nowIso } from '../src/db/index.js';

const K = 5;
/** A plausible trained volunteer: right 14 times in 20 on every class. */
const TRAINED = Array.from({ length: K * K }, (_, i) => (i % (K + 1) === 0 ? 14 : 1.5));
const OPTS = { minVoteMs: 0, tokenHours: 24, fastShare: 1, fastMinVotes: 1000 };

/**
 * The vote path under concurrency: votes on one subject that arrive together share a transaction
 * (group commit on both databases), and every count must come out as if they had come one by one.
 */
describe('crowd vote path: exact counts after concurrent votes', function () {
  let ctx: Awaited<ReturnType<typeof crowdContext>>;
  let wf: Workflow;
  let secret: Buffer;
  before(async () => {
    ctx = await crowdContext({ retirement: 'fixed', retireCount: 10 });
    wf = (await workflowById(ctx.handle.db, ctx.workflowId))!;
    secret = await tokenSecret(ctx.handle.db);
  });
  after(async () => ctx.close());

  let userCount = 0;
  async function trainedVolunteers(n: number): Promise<Voter[]> {
    const voters: Voter[] = [];
    for (let i = 0; i < n; i++) {
      const u = await signUp(ctx.handle.db, { email: `v${userCount++}@example.org`, name: `V ${userCount}`, password: 'correct horse battery' });
      voters.push(userVoter(u.id));
    }
    // The first vote creates the volunteer's row; train them all before it.
    await ctx.handle.db
      .insertInto('crowd_volunteers')
      .values(voters.map((v) => ({ workflow_id: wf.id, user_id: v.userId!, confusion_json: JSON.stringify(TRAINED), created_at: nowIso() })))
      .execute();
    return voters;
  }
  const cast = (voter: Voter, subjectId: number, answer: number) => {
    const token = signServe(secret, { voter: voter.key, workflowId: wf.id, subjectId, servedAt: Date.now() - 5000 });
    return castVote(ctx.handle, wf, voter, { claim: verifyServe(secret, token), answer, ipHash: 'test' }, OPTS);
  };
  const subjects = async (gold: boolean) => ctx.handle.db.selectFrom('crowd_subjects').selectAll().where('workflow_id', '=', wf.id).where('is_gold', '=', gold ? 1 : 0).orderBy('id').execute();
  const subjectRow = (id: number) => ctx.handle.db.selectFrom('crowd_subjects').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const votesOn = (id: number) => ctx.handle.db.selectFrom('crowd_votes').selectAll().where('subject_id', '=', id).orderBy('id').execute();
  const rejectedCodes = (results: PromiseSettledResult<unknown>[]) => results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason?.code);

  it('counts each of many simultaneous votes on one subject once, repeats refused, and retires it at exactly the count', async () => {
    const voters = await trainedVolunteers(16);
    const [subject] = await subjects(false);
    const answerOf = (i: number) => (i % 3 === 0 ? 1 : 0);
    // Each volunteer votes twice at once: the second is a repeat, wherever it lands in a shared transaction.
    const results = await Promise.allSettled(voters.flatMap((v, i) => [cast(v, subject.id, answerOf(i)), cast(v, subject.id, answerOf(i))]));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 16);
    assert.deepEqual(rejectedCodes(results), Array(16).fill('duplicate_vote'));

    const votes = await votesOn(subject.id);
    assert.equal(votes.length, 16);
    assert.equal(votes.filter((v) => v.counted === 1).length, 10, 'fixed retirement at 10 counts the first 10 only');
    const after = await subjectRow(subject.id);
    assert.equal(after.vote_count, 10);
    assert.ok(after.retired_at !== null);
    // The stored posterior is the one the counted votes give one after another, in the order stored.
    let posterior = uniformPrior(K);
    let counted = 0;
    for (const v of votes) {
      if (counted === 10) {
        assert.equal(v.counted, 0);
        continue;
      }
      const step = onlineStep(wf, posterior, Float64Array.from(TRAINED), v.answer, counted++);
      assert.equal(v.counted, 1);
      assert.ok(Math.abs(v.info_bits - step.infoBits) < 1e-9, `vote ${v.id}: ${v.info_bits} vs ${step.infoBits}`);
      posterior = step.posterior;
    }
    const stored = JSON.parse(after.posterior_json) as number[];
    stored.forEach((p, i) => assert.ok(Math.abs(p - posterior[i]) < 1e-12, `posterior[${i}] ${p} vs ${posterior[i]}`));
    // A refused repeat leaves no trace on the volunteer: one vote each toward the fast share and their experience.
    const rows = await ctx.handle.db.selectFrom('crowd_volunteers').select(['votes_since_review', 'votes_cast']).where('workflow_id', '=', wf.id).where('user_id', 'in', voters.map((v) => v.userId!)).execute();
    assert.deepEqual(rows.map((r) => r.votes_since_review), Array(16).fill(1));
    assert.deepEqual(rows.map((r) => r.votes_cast), Array(16).fill(1));
  });

  it('stores simultaneous votes of different volunteers on one subject as if they came one by one, and a first-time volunteer among them too', async () => {
    const voters = await trainedVolunteers(12);
    // A volunteer with no row yet: their first vote creates it, which the shared multi-row path leaves to the one-vote path.
    const newcomer = userVoter((await signUp(ctx.handle.db, { email: `v${userCount++}@example.org`, name: 'Newcomer', password: 'correct horse battery' })).id);
    const subject = (await subjects(false))[7];
    const results = await Promise.allSettled([...voters, newcomer].map((v, i) => cast(v, subject.id, i % 2)));
    assert.deepEqual(rejectedCodes(results), []);
    const votes = await votesOn(subject.id);
    assert.equal(votes.length, 13);
    const after = await subjectRow(subject.id);
    assert.equal(after.vote_count, 10);
    assert.ok(after.retired_at !== null);
    // Each result names its own stored vote.
    const ids = results.map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof cast>>>).value.vote.voteId).sort((a, b) => a - b);
    assert.deepEqual(ids, votes.map((v) => v.id));
    let posterior = uniformPrior(K);
    let counted = 0;
    for (const v of votes) {
      if (v.counted === 0) continue;
      const confusion = v.user_id === newcomer.userId ? JSON.parse((await ctx.handle.db.selectFrom('crowd_volunteers').select('confusion_json').where('user_id', '=', v.user_id!).executeTakeFirstOrThrow()).confusion_json) : TRAINED;
      const step = onlineStep(wf, posterior, Float64Array.from(confusion as number[]), v.answer, counted++);
      assert.ok(Math.abs(v.info_bits - step.infoBits) < 1e-9, `vote ${v.id}: ${v.info_bits} vs ${step.infoBits}`);
      posterior = step.posterior;
    }
    assert.equal(counted, 10);
    (JSON.parse(after.posterior_json) as number[]).forEach((p, i) => assert.ok(Math.abs(p - posterior[i]) < 1e-12, `posterior[${i}] ${p} vs ${posterior[i]}`));
    const rows = await ctx.handle.db.selectFrom('crowd_volunteers').select(['votes_since_review']).where('workflow_id', '=', wf.id).where('user_id', 'in', [...voters, newcomer].map((v) => v.userId!)).execute();
    assert.deepEqual(rows.map((r) => r.votes_since_review), Array(13).fill(1));
  });

  it("adds simultaneous answers of different volunteers on one gold subject to each one's matrix", async () => {
    const voters = await trainedVolunteers(6);
    const gold = (await subjects(true))[9];
    const results = await Promise.allSettled(voters.map((v, i) => cast(v, gold.id, i % K)));
    assert.deepEqual(rejectedCodes(results), []);
    for (const [i, v] of voters.entries()) {
      const expected = [...TRAINED];
      expected[gold.gold_class! * K + (i % K)] += 1;
      const row = await ctx.handle.db.selectFrom('crowd_volunteers').select(['confusion_json', 'votes_since_review']).where('workflow_id', '=', wf.id).where('user_id', '=', v.userId!).executeTakeFirstOrThrow();
      assert.deepEqual(JSON.parse(row.confusion_json), expected, `volunteer ${i}`);
      assert.equal(row.votes_since_review, 1);
    }
    const after = await subjectRow(gold.id);
    assert.equal(after.vote_count, 0, 'gold answers move no posterior');
    assert.equal((await votesOn(gold.id)).filter((v) => v.correct === 1).length, voters.filter((_, i) => i % K === gold.gold_class).length);
  });

  it('keeps counts exact when votes on many subjects interleave', async () => {
    const voters = await trainedVolunteers(12);
    const live = (await subjects(false)).slice(1, 5);
    const results = await Promise.allSettled(live.flatMap((s) => voters.slice(0, 6).map((v, i) => cast(v, s.id, i % K))));
    assert.deepEqual(rejectedCodes(results), []);
    for (const s of live) {
      const after = await subjectRow(s.id);
      assert.equal(after.vote_count, 6);
      assert.equal((await votesOn(s.id)).length, 6);
      assert.equal(after.retired_at, null);
    }
    const rows = await ctx.handle.db.selectFrom('crowd_volunteers').select(['user_id', 'votes_since_review', 'votes_cast']).where('workflow_id', '=', wf.id).where('user_id', 'in', voters.map((v) => v.userId!)).orderBy('user_id').execute();
    assert.deepEqual(rows.map((r) => r.votes_since_review), [...Array(6).fill(4), ...Array(6).fill(0)]);
    // The experience a serve reads is the count of the volunteer's stored votes.
    assert.deepEqual(rows.map((r) => r.votes_cast), [...Array(6).fill(4), ...Array(6).fill(0)]);
    const served = await serveNext(ctx.handle, wf, voters[0], secret, { reserveMinutes: 30, store: false });
    assert.equal(served?.experience, 4);
  });

  it("adds every simultaneous gold answer to the volunteer's confusion matrix", async () => {
    const [voter] = await trainedVolunteers(1);
    const gold = (await subjects(true)).slice(0, 8);
    const results = await Promise.allSettled(gold.map((g) => cast(voter, g.id, 0)));
    assert.deepEqual(rejectedCodes(results), []);
    const expected = [...TRAINED];
    for (const g of gold) expected[g.gold_class! * K + 0] += 1;
    const row = await ctx.handle.db.selectFrom('crowd_volunteers').select(['confusion_json', 'votes_since_review']).where('workflow_id', '=', wf.id).where('user_id', '=', voter.userId!).executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(row.confusion_json), expected);
    assert.equal(row.votes_since_review, 8);
  });

  it('counts simultaneous anonymous votes on one subject exactly, without weight', async () => {
    const subject = (await subjects(false))[6];
    const anons = Array.from({ length: 10 }, (_, i) => anonVoter(`anonymous-voter-${String(i).padStart(4, '0')}`));
    const results = await Promise.allSettled([...anons, anons[0]].map((a) => cast(a, subject.id, 2)));
    assert.deepEqual(rejectedCodes(results), ['duplicate_vote']);
    const after = await subjectRow(subject.id);
    assert.equal(after.anon_count, 10);
    assert.equal(after.vote_count, 0);
  });

  it('runs units of one key in one transaction when they arrive together, and a failing unit undoes only itself', async () => {
    const insertJob = (kind: string) => (tx: Parameters<Parameters<typeof batchedTransaction>[1]>[0]) =>
      tx.insertInto('jobs').values({ kind, payload_json: '{}', status: 'done', attempts: 0, max_attempts: 1, created_at: nowIso(), updated_at: nowIso() }).returning('id').executeTakeFirstOrThrow();
    const seen: number[] = [];
    const results = await Promise.allSettled(
      ['k-a', 'k-b', 'k-c', 'k-d'].map((kind) =>
        batchedTransaction(
          ctx.handle,
          async (tx) => {
            await insertJob(kind)(tx);
            seen.push((await tx.selectFrom('jobs').select('kind').where('kind', 'like', 'k-%').execute()).length);
            if (kind === 'k-c') throw new Error('c changed its mind');
          },
          { key: 'one-row' },
        ),
      ),
    );
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    const kinds = (await ctx.handle.db.selectFrom('jobs').select('kind').where('kind', 'like', 'k-%').orderBy('kind').execute()).map((r) => r.kind);
    assert.deepEqual(kinds, ['k-a', 'k-b', 'k-d']);
    // They shared one transaction at first: each saw the ones before it.
    assert.deepEqual(seen.slice(0, 3), [1, 2, 3]);
  });
});
