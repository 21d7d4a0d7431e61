import assert from 'node:assert/strict';
import request from 'supertest';
import { signedInAgent } from './helpers.js';
import { crowdContext, goldClass, serve, vote, type Agent } from './crowd-helpers.js';

type Ctx = Awaited<ReturnType<typeof crowdContext>>;

/** A volunteer who answered every gold subject correctly (the same gold history for everyone). */
async function trainedOnAllGold(ctx: Ctx, email: string, name: string, gold: number) {
  const { agent, csrf } = await signedInAgent(ctx.app, email, name);
  for (let i = 0; i < gold; i++) {
    const s = await serve(agent);
    assert.equal(s.training, true);
    await vote(agent, csrf, s.token, (await goldClass(ctx, s.subject!.id))!).expect(201);
  }
  const { id } = await ctx.handle.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow();
  return { agent, csrf, id };
}

/**
 * A page with the volunteer's own id (links) and the form tokens taken out, and the sky map's markers
 * in a fixed order (gold subjects come in a random order, so the twins' markers are drawn in another).
 */
function normalisedPage(text: string, id: number): string {
  const markers = text.match(/<circle [^>]*class="marker"><title>[^<]*<\/title><\/circle>/g) ?? [];
  let i = 0;
  const sorted = [...markers].sort();
  return text
    .replace(/<circle [^>]*class="marker"><title>[^<]*<\/title><\/circle>/g, () => sorted[i++])
    .replaceAll(`/crowd/users/${id}`, '/crowd/users/ID')
    .replace(/name="_csrf" value="[^"]+"/g, '')
    .replace(/<meta name="csrf-token" content="[^"]+"/g, '');
}

for (const retirement of ['adaptive', 'fixed'] as const) {
  describe(`crowd: no label oracle in what a live vote gives back (${retirement} retirement)`, function () {
    this.timeout(60_000);
    let ctx: Ctx;
    let nGold: number;
    before(async () => {
      // One gold subject per class, all answered by each volunteer first; live subjects retire late.
      ctx = await crowdContext({ retirement, adaptiveThreshold: 0.99, adaptiveMinVotes: 50, retireCount: 50, goldPerClass: 1, trainingChances: [1, 1, 1, 1, 1, 0], maxLive: 3 });
      nGold = (await ctx.handle.db.selectFrom('crowd_subjects').select('id').where('workflow_id', '=', ctx.workflowId).where('is_gold', '=', 1).execute()).length;
    });
    after(async () => ctx.close());

    it('two volunteers of identical gold history, answering for and against a confident consensus, get identical responses, pages and board totals', async () => {
      // Three skilled volunteers agree on a live subject: its consensus is confident.
      let subjectId = 0;
      for (let i = 0; i < 3; i++) {
        const s = await trainedOnAllGold(ctx, `skilled${i}@example.org`, `Skilled ${i}`, nGold);
        await ctx.handle.db.updateTable('crowd_volunteers').set({ confusion_json: JSON.stringify(Array.from({ length: 25 }, (_, j) => (j % 6 === 0 ? 51 : 1))) }).where('user_id', '=', s.id).execute();
        const served = await serve(s.agent);
        assert.equal(served.training, false);
        subjectId ||= served.subject!.id;
        assert.equal(served.subject!.id, subjectId, 'closest to retirement first: the same subject');
        await vote(s.agent, s.csrf, served.token, 'Star').expect(201);
      }
      const subject = await ctx.handle.db.selectFrom('crowd_subjects').selectAll().where('id', '=', subjectId).executeTakeFirstOrThrow();
      assert.equal(subject.consensus_class, 1);
      assert.ok(subject.consensus_confidence! > 0.99, `consensus confidence ${subject.consensus_confidence}`);
      assert.equal(subject.retired_at, null);

      // Twins: same name, same gold answers; one agrees with the consensus, the other does not.
      const twins: Array<{ agent: Agent; csrf: string; id: number }> = [];
      for (const email of ['agree@example.org', 'disagree@example.org']) twins.push(await trainedOnAllGold(ctx, email, 'Twin', nGold));
      const confusions = await ctx.handle.db.selectFrom('crowd_volunteers').select('confusion_json').where('user_id', 'in', twins.map((t) => t.id)).execute();
      assert.equal(confusions[0].confusion_json, confusions[1].confusion_json);
      const responses = [];
      for (const [i, answer] of ['Star', 'AGN'].entries()) {
        const s = await serve(twins[i].agent);
        assert.equal(s.subject!.id, subjectId);
        const res = await vote(twins[i].agent, twins[i].csrf, s.token, answer).expect(201);
        const { voteId: _id, timeMs: _t, answer: own, ...rest } = res.body.vote;
        assert.equal(own, answer);
        responses.push(rest);
      }
      assert.deepEqual(responses[0], responses[1]);
      assert.ok(responses[0].infoBits > 0, 'the vote earns credit');
      assert.equal(responses[0].counted, true);
      assert.equal(responses[0].retired, retirement === 'adaptive' ? null : false);
      // The posterior-based bits differ (an agreeing vote adds little, a dissent much): kept for organizers' exports only.
      const bits = await ctx.handle.db.selectFrom('crowd_votes').select(['user_id', 'info_bits']).where('subject_id', '=', subjectId).where('user_id', 'in', twins.map((t) => t.id)).execute();
      assert.notEqual(bits[0].info_bits.toFixed(6), bits[1].info_bits.toFixed(6));

      // The next page after a form post, the profiles (own and public, JSON and HTML), the boards.
      const form = await Promise.all(twins.map(async (t) => (await serve(t.agent)).experience));
      assert.equal(form[0], form[1]);
      const own = await Promise.all(twins.map(async (t) => (await t.agent.get('/crowd/profile').set('Accept', 'application/json').expect(200)).body.profile));
      const strip = (p: Record<string, unknown>) => {
        const { userId: _u, ...rest } = p;
        return rest;
      };
      assert.deepEqual(strip(own[0]), strip(own[1]));
      assert.ok(own[0].infoBits > 0);
      const publicJson = await Promise.all(twins.map(async (t) => strip((await request(ctx.app).get(`/crowd/users/${t.id}`).set('Accept', 'application/json').expect(200)).body.profile)));
      assert.deepEqual(publicJson[0], publicJson[1]);
      const publicHtml = await Promise.all(twins.map(async (t) => normalisedPage((await request(ctx.app).get(`/crowd/users/${t.id}`).expect(200)).text, t.id)));
      assert.ok(publicHtml[0].includes('data-testid="info"'));
      assert.ok(publicHtml[0] === publicHtml[1], 'the public profile pages differ');
      const board = (await request(ctx.app).get('/crowd/leaderboard').set('Accept', 'application/json').expect(200)).body;
      for (const list of [board.allTime, board.weekly]) {
        const rows = twins.map((t) => list.find((r: { userId: number }) => r.userId === t.id));
        const totals = rows.map(({ infoBits, votes, counted, goldRate }) => ({ infoBits, votes, counted, goldRate }));
        assert.deepEqual(totals[0], totals[1]);
      }
    });
  });
}
