import assert from 'node:assert/strict';
import request from 'supertest';
import { csrfFrom, signedInAgent } from './helpers.js';
import { crowdContext, organizerAgent, runConsensusJob, serve, vote, type Agent } from './crowd-helpers.js';
import { signServe, tokenSecret, verifyServe } from '../src/crowd/token.js';
import { ANON_COOKIE } from '../src/crowd/routes.js';

type Ctx = Awaited<ReturnType<typeof crowdContext>>;
const JSON_ = 'application/json';

/** The served token, as if the subject had been on screen for `ms` (a human pace). */
async function aged(ctx: Ctx, token: string, ms = 5000): Promise<string> {
  const secret = await tokenSecret(ctx.handle.db);
  const claim = verifyServe(secret, token)!;
  return signServe(secret, { ...claim, servedAt: claim.servedAt - ms });
}

const subjectRow = (ctx: Ctx, id: number) => ctx.handle.db.selectFrom('crowd_subjects').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

async function consensusRows(ctx: Ctx, subjectId: number) {
  return ctx.handle.db.selectFrom('crowd_consensus').selectAll().where('subject_id', '=', subjectId).execute();
}

describe('crowd bots: too-fast votes carry no weight until an organizer restores them', function () {
  let ctx: Ctx;
  let org: { agent: Agent; csrf: string };
  before(async () => {
    // One live subject, retired after two counted votes; every vote below a minute is too fast.
    ctx = await crowdContext({ retireCount: 2, trainingChances: [0], maxLive: 1 }, { CROWD_MIN_VOTE_MS: '60000', CROWD_FAST_MIN_VOTES: '10' });
    org = await organizerAgent(ctx);
  });
  after(async () => ctx.close());

  it('two fast votes neither retire the subject nor count in any consensus; restoring them makes them count', async () => {
    const voters = [await signedInAgent(ctx.app, 'bot1@example.org'), await signedInAgent(ctx.app, 'bot2@example.org')];
    let subjectId = 0;
    for (const v of voters) {
      const s = await serve(v.agent);
      subjectId = s.subject!.id;
      const res = await vote(v.agent, v.csrf, s.token, 'AGN').expect(201);
      assert.equal(res.body.vote.flagged, true);
      assert.equal(res.body.vote.counted, false);
      assert.equal(res.body.vote.infoBits, 0);
      assert.equal(res.body.vote.retired, false);
    }
    let subject = await subjectRow(ctx, subjectId);
    assert.equal(subject.retired_at, null);
    assert.equal(subject.vote_count, 0);
    assert.equal(subject.consensus_class, null);
    await runConsensusJob(ctx, org);
    assert.deepEqual(await consensusRows(ctx, subjectId), [], 'no aggregator counts a fast vote');
    const board = await request(ctx.app).get('/crowd/leaderboard').set('Accept', JSON_).expect(200);
    assert.ok(board.body.allTime.every((r: { name: string; votes: number }) => !r.name.startsWith('bot') || r.votes === 0));

    // The organizers' review queue lists them; a volunteer cannot restore one.
    const queue = await org.agent.get('/crowd/review').set('Accept', JSON_).expect(200);
    const fast = queue.body.fastVotes.filter((v: { subjectId: number }) => v.subjectId === subjectId);
    assert.equal(fast.length, 2);
    await voters[0].agent.post(`/crowd/xmm-sources/votes/${fast[0].id}/restore`).set('Accept', JSON_).set('X-CSRF-Token', voters[0].csrf).send({}).expect(403);
    await voters[0].agent.get('/crowd/review').set('Accept', JSON_).expect(403);

    await org.agent.post(`/crowd/xmm-sources/votes/${fast[0].id}/restore`).set('Accept', JSON_).set('X-CSRF-Token', org.csrf).send({}).expect(200);
    subject = await subjectRow(ctx, subjectId);
    assert.equal(subject.vote_count, 1);
    assert.equal(subject.retired_at, null);
    assert.equal(subject.consensus_class, 0);
    await runConsensusJob(ctx, org);
    const rows = await consensusRows(ctx, subjectId);
    assert.deepEqual([...new Set(rows.map((r) => r.n_votes))], [1]);
    assert.deepEqual(rows.map((r) => r.aggregator).sort(), ['dawid_skene', 'gold_weighted', 'majority', 'online_swap']);
    const after = await org.agent.get('/crowd/review').set('Accept', JSON_).expect(200);
    assert.equal(after.body.fastVotes.filter((v: { subjectId: number }) => v.subjectId === subjectId).length, 1);

    await org.agent.post(`/crowd/xmm-sources/votes/${fast[1].id}/restore`).set('Accept', JSON_).set('X-CSRF-Token', org.csrf).send({}).expect(200);
    subject = await subjectRow(ctx, subjectId);
    assert.equal(subject.vote_count, 2);
    assert.ok(subject.retired_at, 'two restored votes retire it');
  });

  it('names what is wrong with a restore of an unknown vote', async () => {
    const res = await org.agent.post('/crowd/xmm-sources/votes/999999/restore').set('Accept', JSON_).set('X-CSRF-Token', org.csrf).send({}).expect(404);
    assert.equal(res.body.error.code, 'not_found');
    await org.agent.post('/crowd/xmm-sources/votes/abc/restore').set('Accept', JSON_).set('X-CSRF-Token', org.csrf).send({}).expect(400);
  });
});

describe('crowd bots: a volunteer with too many fast votes is held until released', function () {
  let ctx: Ctx;
  let org: { agent: Agent; csrf: string };
  before(async () => {
    ctx = await crowdContext({ retireCount: 5, trainingChances: [0] }, { CROWD_MIN_VOTE_MS: '1000', CROWD_FAST_SHARE: '0.3', CROWD_FAST_MIN_VOTES: '3' });
    org = await organizerAgent(ctx);
  });
  after(async () => ctx.close());

  it("holds the volunteer: later normal-speed votes don't count until an organizer releases them", async () => {
    const bot = await signedInAgent(ctx.app, 'held@example.org');
    const me = await ctx.handle.db.selectFrom('users').select('id').where('email', '=', 'held@example.org').executeTakeFirstOrThrow();
    // One human-paced vote, then three fast ones: 3 of 4 are fast, past 0.3.
    const first = await serve(bot.agent);
    const slow = await vote(bot.agent, bot.csrf, await aged(ctx, first.token), 'Star').expect(201);
    assert.equal(slow.body.vote.counted, true);
    for (let i = 0; i < 3; i++) {
      const s = await serve(bot.agent);
      await vote(bot.agent, bot.csrf, s.token, 'Star').expect(201);
    }
    const held = await org.agent.get('/crowd/review').set('Accept', JSON_).expect(200);
    assert.deepEqual(held.body.heldVolunteers.map((v: { userId: number }) => v.userId), [me.id]);
    const page = await org.agent.get('/crowd/review').expect(200);
    assert.match(page.text, new RegExp(`action="/crowd/xmm-sources/volunteers/${me.id}/release"`));
    assert.match(page.text, /action="\/crowd\/xmm-sources\/votes\/\d+\/restore"/);
    // Held: even the earlier human-paced vote stops counting.
    assert.equal((await subjectRow(ctx, first.subject!.id)).vote_count, 0);

    const later = await serve(bot.agent);
    const res = await vote(bot.agent, bot.csrf, await aged(ctx, later.token), 'Star').expect(201);
    assert.equal(res.body.vote.flagged, false);
    assert.equal(res.body.vote.counted, false);
    assert.equal((await subjectRow(ctx, later.subject!.id)).vote_count, 0);
    await runConsensusJob(ctx, org);
    assert.deepEqual(await consensusRows(ctx, later.subject!.id), []);

    await bot.agent.post(`/crowd/xmm-sources/volunteers/${me.id}/release`).set('Accept', JSON_).set('X-CSRF-Token', bot.csrf).send({}).expect(403);
    await org.agent.post(`/crowd/xmm-sources/volunteers/${me.id}/release`).set('Accept', JSON_).set('X-CSRF-Token', org.csrf).send({}).expect(200);
    assert.equal((await subjectRow(ctx, later.subject!.id)).vote_count, 1);
    assert.equal((await subjectRow(ctx, first.subject!.id)).vote_count, 1);
    const weights = await ctx.handle.db.selectFrom('crowd_votes').select(['flagged', 'weight']).where('user_id', '=', me.id).execute();
    assert.deepEqual(weights.map((w) => [w.flagged, w.weight]).sort(), [[0, 1], [0, 1], [1, 0], [1, 0], [1, 0]]);
    const queue = await org.agent.get('/crowd/review').set('Accept', JSON_).expect(200);
    assert.deepEqual(queue.body.heldVolunteers, []);
  });
});

describe('crowd bots: the anonymous classify page is bounded', function () {
  let ctx: Ctx;
  before(async () => {
    ctx = await crowdContext({ trainingChances: [0] }, { CROWD_SERVES_PER_MINUTE_IP: '110' });
  });
  after(async () => ctx.close());

  it('50 anonymous GETs with one cookie make one voter and one serve; 50 without a cookie store none', async () => {
    const agent = request.agent(ctx.app);
    // The first visit goes to the tutorial, and stores nothing.
    await agent.get('/crowd/xmm-sources/classify').expect(303).expect('Location', '/crowd/xmm-sources/tutorial');
    await agent.get('/crowd/xmm-sources/tutorial').expect(200);
    for (let i = 0; i < 50; i++) await agent.get('/crowd/xmm-sources/classify').expect(200);
    const serves = await ctx.handle.db.selectFrom('crowd_serves').select(['voter', 'subject_id']).where('voter', 'like', 'a:%').execute();
    assert.equal(new Set(serves.map((s) => s.voter)).size, 1);
    assert.equal(serves.length, 1);
    // A client that keeps no cookie gets a page (and a fresh cookie) each time, but adds no rows.
    // (It comes from the tutorial's link each time: a client without cookies cannot be remembered as having seen it.)
    for (let i = 0; i < 50; i++) await request(ctx.app).get('/crowd/xmm-sources/classify?tutorial=seen').expect(200);
    const after = await ctx.handle.db.selectFrom('crowd_serves').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(after.n), 1);
  });

  it('a browser whose first page came without a cookie can still vote on what it was shown', async () => {
    const agent = request.agent(ctx.app);
    const csrf = csrfFrom((await agent.get('/login').expect(200)).text);
    const s = await serve(agent);
    const res = await vote(agent, csrf, s.token, 'AGN').expect(201);
    assert.equal(res.body.vote.subjectId, s.subject!.id);
    const next = await serve(agent);
    assert.notEqual(next.subject!.id, s.subject!.id, 'the answered subject is not shown again');
  });

  it('answers 429 with Retry-After past the per-address limit, cookie or not', async () => {
    let last = await request(ctx.app).get('/crowd/xmm-sources/classify?tutorial=seen');
    for (let i = 0; i < 20 && last.status === 200; i++) last = await request(ctx.app).get('/crowd/xmm-sources/classify?tutorial=seen').set('Cookie', `${ANON_COOKIE}=fresh${i}xxxxxxxxxxxxxxx`);
    assert.equal(last.status, 429);
    assert.ok(Number(last.headers['retry-after']) > 0, 'Retry-After');
    const json = await request(ctx.app).get('/crowd/xmm-sources/classify').set('Accept', JSON_).expect(429);
    assert.equal(json.body.error.code, 'rate_limited');
    const serves = await ctx.handle.db.selectFrom('crowd_serves').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.ok(Number(serves.n) <= 110, `${serves.n} serve rows`);
  });
});

describe('crowd: request bodies and ids are checked, each problem named', function () {
  let ctx: Ctx;
  let org: { agent: Agent; csrf: string };
  before(async () => {
    ctx = await crowdContext({ trainingChances: [0] });
    org = await organizerAgent(ctx);
  });
  after(async () => ctx.close());

  it('answers 400 naming the field or the id, never 5xx', async () => {
    const v = await signedInAgent(ctx.app, 'checks@example.org');
    const s = await serve(v.agent);
    const post = (url: string, body: object, agent = v.agent, csrf = v.csrf) => agent.post(url).set('Accept', JSON_).set('X-CSRF-Token', csrf).send(body);
    const messages = (res: { body: { error: { issues: Array<{ message: string }> } } }) => res.body.error.issues.map((i) => i.message);
    const noAnswer = await post('/crowd/xmm-sources/votes', { token: s.token }).expect(400);
    assert.equal(noAnswer.body.error.code, 'bad_vote');
    assert.deepEqual(messages(noAnswer), ['answer: a class name or its index']);
    const objectToken = await post('/crowd/xmm-sources/votes', { token: { forged: true }, answer: 'AGN' }).expect(400);
    assert.match(messages(objectToken)[0], /^token/);
    await post(`/crowd/xmm-sources/subjects/${s.subject!.id}/comments`, { body: ['not', 'text'] }).expect(400);
    // PostgreSQL cannot store NUL in text: refused before the insert, on both databases.
    const nul = await post(`/crowd/xmm-sources/subjects/${s.subject!.id}/comments`, { body: 'a\u0000b' }).expect(400);
    assert.deepEqual(messages(nul), ['body: must not contain NUL characters']);
    await post('/crowd/xmm-sources/subjects/abc/comments', { body: 'hi' }).expect(400);
    await v.agent.get('/crowd/users/xyz').set('Accept', JSON_).expect(400);
    await post('/crowd/flags/1', { status: 'burn' }, org.agent, org.csrf).expect(400);
    const count = await post('/crowd/xmm-sources/expert-set/baseline', { count: 0 }, org.agent, org.csrf).expect(400);
    assert.deepEqual(messages(count), ['count: a whole number from 1 to 10,000']);
    // The vote still goes through with a well-formed body.
    await vote(v.agent, v.csrf, s.token, 'AGN').expect(201);
  });
});
