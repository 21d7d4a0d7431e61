import assert from 'node:assert/strict';
import request from 'supertest';
import { parse } from 'csv-parse/sync';
import { signedInAgent } from './helpers.js';
import { crowdContext, organizerAgent, serve, vote, type Agent } from './crowd-helpers.js';
import { loadCrowdConfig } from '../src/crowd/config.js';
import { deleteSimulatedCrowd, simulateCrowdVotes, type SimulateOptions } from '../src/crowd/simulate/service.js';

type Ctx = Awaited<ReturnType<typeof crowdContext>>;
const SLUG = 'xmm-sources';
// The real minimum time on page (the test app's own routes let machine-speed votes through).
const cfg = loadCrowdConfig({});
const small: SimulateOptions = { volunteers: 24, votes: 400, profile: 'mixed', seed: 7, days: 3, consensus: false };

const newContext = () => crowdContext({ maxLive: 30, goldPerClass: 6, retirement: 'fixed', retireCount: 3 });

/** The votes table as reproducible content: who (by e-mail), on what (by name), the answer and how it counted. */
async function votesTable(ctx: Ctx) {
  return ctx.handle.db
    .selectFrom('crowd_votes as v')
    .innerJoin('users as u', 'u.id', 'v.user_id')
    .innerJoin('crowd_subjects as s', 's.id', 'v.subject_id')
    .select(['u.email', 'u.name', 'u.simulated', 's.external_id', 'v.answer', 'v.is_gold', 'v.correct', 'v.counted', 'v.weight', 'v.flagged', 'v.time_ms'])
    .where('v.workflow_id', '=', ctx.workflowId)
    .orderBy('v.id')
    .execute();
}

const simulatedVotes = (ctx: Ctx) =>
  ctx.handle.db.selectFrom('crowd_votes as v').innerJoin('users as u', 'u.id', 'v.user_id').select(['v.id', 'v.weight', 'v.flagged', 'v.time_ms', 'v.served_at', 'v.created_at', 'v.voter', 'v.subject_id']).where('u.simulated', 'is not', null).execute();

/**
 * A volunteer's votes as cast. Not info_bits: replaying a subject weighs each vote with its
 * volunteer's confusion matrix as it is now (weights.ts), so the information may change.
 */
const realVotes = (ctx: Ctx, userId: number) =>
  ctx.handle.db.selectFrom('crowd_votes').select(['id', 'subject_id', 'voter', 'answer', 'is_gold', 'correct', 'counted', 'flagged', 'weight', 'time_ms', 'served_at', 'created_at']).where('user_id', '=', userId).orderBy('id').execute();

/** A real volunteer classifying a few subjects through HTTP. */
async function realVolunteer(ctx: Ctx, email: string, n: number): Promise<{ agent: Agent; userId: number }> {
  const { agent, csrf } = await signedInAgent(ctx.app, email);
  for (let i = 0; i < n; i++) {
    const s = await serve(agent);
    if (!s.subject) break;
    await vote(agent, csrf, s.token, 'AGN').expect(201);
  }
  const user = await ctx.handle.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow();
  return { agent, userId: user.id };
}

describe('crowd simulate: a simulated crowd through the volunteers\' code path', function () {
  this.timeout(60_000);

  it('the same seed gives the same accounts and votes on fresh databases; another seed does not', async () => {
    // Smaller than the other cases: three fresh databases, and reproducibility needs no more.
    const repro = { ...small, volunteers: 12, votes: 160 };
    const tables = [];
    for (const seed of [7, 7, 8]) {
      const ctx = await newContext();
      try {
        const s = await simulateCrowdVotes(ctx.handle, ctx.storage, SLUG, { ...repro, seed }, cfg);
        assert.equal(s.votes, repro.votes);
        tables.push(await votesTable(ctx));
      } finally {
        await ctx.close();
      }
    }
    assert.equal(tables[0].length, repro.votes);
    assert.deepEqual(tables[1], tables[0]);
    assert.notDeepEqual(tables[2], tables[0]);
  });

  describe('on one workflow', () => {
    let ctx: Ctx;
    let real: { agent: Agent; userId: number };
    let realVotesBefore: unknown[];
    before(async () => {
      ctx = await newContext();
      real = await realVolunteer(ctx, 'real@example.org', 12);
      await simulateCrowdVotes(ctx.handle, ctx.storage, SLUG, { ...small, volunteers: 40, votes: 900, consensus: true }, cfg);
      realVotesBefore = await realVotes(ctx, real.userId);
    });
    after(async () => ctx?.close());

    it('profiles behave as specified: experts right on gold far more often than spammers', async () => {
      const rows = await ctx.handle.db
        .selectFrom('crowd_votes as v')
        .innerJoin('users as u', 'u.id', 'v.user_id')
        .select((eb) => ['u.simulated', eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('v.correct').as('right')])
        .where('v.is_gold', '=', 1)
        .where('u.simulated', 'is not', null)
        .groupBy('u.simulated')
        .execute();
      const acc = Object.fromEntries(rows.map((r) => [r.simulated!, Number(r.right) / Number(r.n)]));
      assert.deepEqual(Object.keys(acc).sort(), ['biased', 'expert', 'noisy', 'skilled', 'spammer']);
      assert.ok(acc.expert > 0.85, `expert gold accuracy ${acc.expert}`);
      assert.ok(acc.spammer < 0.5, `spammer gold accuracy ${acc.spammer}`);
      assert.ok(acc.expert > acc.skilled && acc.skilled > acc.noisy, JSON.stringify(acc));
    });

    it('every simulated vote was served (stored serve, signed token), spent a realistic time on page and weighs; subjects retire', async () => {
      const votes = await simulatedVotes(ctx);
      assert.equal(votes.length, 900);
      for (const v of votes) {
        assert.equal(v.flagged, 0);
        assert.equal(v.weight, 1);
        assert.ok(v.time_ms >= cfg.CROWD_MIN_VOTE_MS, `vote ${v.id} took ${v.time_ms} ms`);
        assert.equal(Date.parse(v.created_at) - Date.parse(v.served_at), v.time_ms);
      }
      const serves = await ctx.handle.db.selectFrom('crowd_serves').select(['voter', 'subject_id']).execute();
      const served = new Set(serves.map((s) => `${s.voter}/${s.subject_id}`));
      assert.ok(votes.every((v) => served.has(`${v.voter}/${v.subject_id}`)));
      const retired = await ctx.handle.db.selectFrom('crowd_subjects').select('id').where('workflow_id', '=', ctx.workflowId).where('retired_at', 'is not', null).execute();
      assert.ok(retired.length > 0, 'some subjects retire');
      const consensus = await ctx.handle.db.selectFrom('crowd_consensus').select('aggregator').where('workflow_id', '=', ctx.workflowId).where('aggregator', '=', 'dawid_skene').execute();
      assert.ok(consensus.length > 0, 'Dawid–Skene consensus computed');
    });

    it('simulated volunteers are marked on the leaderboard JSON, the profile page and the classifications export', async () => {
      const board = (await request(ctx.app).get('/crowd/leaderboard').set('Accept', 'application/json').expect(200)).body.allTime as Array<{ userId: number; simulated: boolean }>;
      assert.equal(board.find((r) => r.userId === real.userId)?.simulated, false);
      const sim = board.filter((r) => r.userId !== real.userId);
      assert.ok(sim.length > 0 && sim.every((r) => r.simulated === true));

      const p = (await request(ctx.app).get(`/crowd/users/${sim[0].userId}`).set('Accept', 'application/json').expect(200)).body.profile;
      assert.ok(['expert', 'skilled', 'noisy', 'biased', 'spammer'].includes(p.simulated));
      const page = await request(ctx.app).get(`/crowd/users/${sim[0].userId}`).expect(200);
      assert.match(page.text, /data-testid="simulated">simulated \(/);
      const realPage = await request(ctx.app).get(`/crowd/users/${real.userId}`).expect(200);
      assert.doesNotMatch(realPage.text, /data-testid="simulated"/);
      assert.match((await request(ctx.app).get('/crowd/leaderboard').expect(200)).text, /data-testid="simulated"/);

      const org = await organizerAgent(ctx);
      const csv = await org.agent.get(`/crowd/${SLUG}/export/classifications.csv`).expect(200);
      const rows = parse(csv.text, { columns: true }) as Array<Record<string, string>>;
      assert.equal(rows.length, 912);
      for (const r of rows) assert.equal(r.simulated, Number(r.user_id) === real.userId ? '0' : '1');
      const compare = await org.agent.get(`/crowd/${SLUG}/compare`).set('Accept', 'application/json').expect(200);
      assert.equal(compare.body.methods.votes.simulated, 900);
      assert.match((await org.agent.get(`/crowd/${SLUG}/compare`).expect(200)).text, /data-testid="simulated-votes"/);
    });

    it("a profile shows answers on live sources only to its own volunteer: an accurate simulated volunteer's sky map gives no test labels away", async () => {
      const html = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      const liveVotes = (userId: number) =>
        ctx.handle.db
          .selectFrom('crowd_votes as v')
          .innerJoin('crowd_subjects as s', 's.id', 'v.subject_id')
          .select(['s.external_id'])
          .where('v.user_id', '=', userId)
          .where('v.is_gold', '=', 0)
          .where('s.ra', 'is not', null)
          .execute();
      const expert = await ctx.handle.db
        .selectFrom('crowd_votes as v')
        .innerJoin('users as u', 'u.id', 'v.user_id')
        .select('u.id')
        // An accurate one: its answers would be the labels. Experts are few (4 of 40) and a real volunteer's random picks
        // change which live subjects are left for them, so an expert or a skilled volunteer with live votes.
        .where('u.simulated', 'in', ['expert', 'skilled'])
        .where('v.is_gold', '=', 0)
        .orderBy('u.simulated')
        .executeTakeFirstOrThrow();
      const expertLive = await liveVotes(expert.id);
      assert.ok(expertLive.length > 0);
      const expertPage = (await request(ctx.app).get(`/crowd/users/${expert.id}`).expect(200)).text;
      for (const v of expertLive) {
        assert.ok(expertPage.includes(`<title>${html(v.external_id)}</title>`), `${v.external_id} is on the map`);
        assert.ok(!expertPage.includes(`${html(v.external_id)}: `), `${v.external_id} shows no answer`);
      }
      const realLive = await liveVotes(real.userId);
      assert.ok(realLive.length > 0);
      const own = (await real.agent.get('/crowd/profile').expect(200)).text;
      const seenByOthers = (await request(ctx.app).get(`/crowd/users/${real.userId}`).expect(200)).text;
      for (const v of realLive) {
        assert.ok(own.includes(`<title>${html(v.external_id)}: AGN</title>`), `the volunteer sees their answer on ${v.external_id}`);
        assert.ok(!seenByOthers.includes(`${html(v.external_id)}: `), `others do not see it on ${v.external_id}`);
      }
    });

    it('--delete removes every simulated row, replays the subjects and leaves the real volunteer untouched', async () => {
      const simIds = (await ctx.handle.db.selectFrom('users').select('id').where('simulated', 'is not', null).execute()).map((u) => u.id);
      const r = await deleteSimulatedCrowd(ctx.handle, SLUG);
      assert.equal(r.accounts, 40);
      assert.equal(r.votes, 900);
      const db = ctx.handle.db;
      assert.equal((await db.selectFrom('users').select('id').where('simulated', 'is not', null).execute()).length, 0);
      assert.equal((await db.selectFrom('crowd_votes').select('id').where('user_id', 'in', simIds).execute()).length, 0);
      assert.equal((await db.selectFrom('crowd_votes').select('id').where('user_id', 'is', null).execute()).length, 0);
      assert.equal((await db.selectFrom('crowd_serves').select('id').where('voter', 'in', simIds.map((id) => `u:${id}`)).execute()).length, 0);
      assert.equal((await db.selectFrom('crowd_volunteers').select('user_id').where('user_id', 'in', simIds).execute()).length, 0);
      assert.deepEqual(await realVotes(ctx, real.userId), realVotesBefore);
      // Only the real volunteer's live votes count now: one a subject, which cannot retire it (retireCount 3).
      const live = await db.selectFrom('crowd_subjects').select(['id', 'vote_count', 'retired_at']).where('workflow_id', '=', ctx.workflowId).where('is_gold', '=', 0).execute();
      const realLive = await db.selectFrom('crowd_votes').select('subject_id').where('user_id', '=', real.userId).where('is_gold', '=', 0).where('counted', '=', 1).execute();
      const counted = new Set(realLive.map((v) => v.subject_id));
      assert.ok(counted.size > 0, 'the real volunteer has live votes');
      for (const s of live) {
        assert.equal(s.vote_count, counted.has(s.id) ? 1 : 0, `subject ${s.id}`);
        assert.equal(s.retired_at, null);
      }
      const board = (await request(ctx.app).get('/crowd/leaderboard').set('Accept', 'application/json').expect(200)).body.allTime as Array<{ userId: number }>;
      assert.deepEqual(board.map((b) => b.userId), [real.userId]);
    });
  });
});
