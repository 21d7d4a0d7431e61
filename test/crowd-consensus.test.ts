import assert from 'node:assert/strict';
import request from 'supertest';
import { signedInAgent } from './helpers.js';
import { crowdContext, goldClass, organizerAgent, runConsensusJob, serve, setChances, vote, type Agent } from './crowd-helpers.js';

/** A volunteer trained on `gold` gold subjects (answered correctly), then left on live ones. */
async function trained(ctx: Awaited<ReturnType<typeof crowdContext>>, email: string, gold: number) {
  const { agent, csrf } = await signedInAgent(ctx.app, email);
  for (let i = 0; i < gold; i++) {
    const s = await serve(agent);
    assert.equal(s.training, true);
    await vote(agent, csrf, s.token, (await goldClass(ctx, s.subject!.id))!).expect(201);
  }
  return { agent, csrf };
}

describe('crowd: retirement', function () {
  it('retires a subject after the fixed number of counted votes and serves it no more', async () => {
    const ctx = await crowdContext({ retireCount: 3, trainingChances: [0], maxLive: 1 });
    try {
      const ids: number[] = [];
      for (let i = 0; i < 3; i++) {
        const { agent, csrf } = await signedInAgent(ctx.app, `r${i}@example.org`);
        const s = await serve(agent);
        ids.push(s.subject!.id);
        const res = await vote(agent, csrf, s.token, 'AGN').expect(201);
        assert.equal(res.body.vote.retired, i === 2);
      }
      assert.equal(new Set(ids).size, 1);
      const subj = await ctx.handle.db.selectFrom('crowd_subjects').selectAll().where('id', '=', ids[0]).executeTakeFirstOrThrow();
      assert.equal(subj.vote_count, 3);
      assert.ok(subj.retired_at);
      // With the only live subject retired, a fresh volunteer gets gold (the only thing left) or nothing live.
      const { agent } = await signedInAgent(ctx.app, 'late@example.org');
      const s = await serve(agent);
      assert.ok(!s.subject || s.training);
    } finally {
      await ctx.close();
    }
  });

  it('retires adaptively once the online posterior passes the threshold after enough votes', async () => {
    const ctx = await crowdContext({ retirement: 'adaptive', adaptiveThreshold: 0.95, adaptiveMinVotes: 2, trainingChances: [1, 1, 1, 0], maxLive: 3 });
    try {
      const a = await trained(ctx, 'a@example.org', 3);
      const b = await trained(ctx, 'b@example.org', 3);
      // As if both had answered many gold subjects well: 50 right per class, 1 of each mistake.
      const skilled = Array.from({ length: 25 }, (_, i) => (i % 6 === 0 ? 51 : 1));
      await ctx.handle.db.updateTable('crowd_volunteers').set({ confusion_json: JSON.stringify(skilled) }).execute();
      const sa = await serve(a.agent);
      assert.equal(sa.training, false);
      const first = await vote(a.agent, a.csrf, sa.token, 'Star').expect(201);
      // Adaptive retirement depends on the other votes, so a live vote's response never says whether it retired the subject.
      assert.equal(first.body.vote.retired, null);
      assert.equal((await ctx.handle.db.selectFrom('crowd_subjects').select('retired_at').where('id', '=', sa.subject!.id).executeTakeFirstOrThrow()).retired_at, null, 'one vote is below the minimum');
      assert.ok(first.body.vote.infoBits > 0);
      // b is served the same subject (closest to retirement first).
      const sb = await serve(b.agent);
      assert.equal(sb.subject!.id, sa.subject!.id);
      const second = await vote(b.agent, b.csrf, sb.token, 'Star').expect(201);
      const subj = await ctx.handle.db.selectFrom('crowd_subjects').selectAll().where('id', '=', sa.subject!.id).executeTakeFirstOrThrow();
      const post = JSON.parse(subj.posterior_json) as number[];
      assert.ok(Math.abs(post.reduce((x, y) => x + y, 0) - 1) < 1e-9);
      assert.equal(subj.consensus_class, 1);
      assert.equal(second.body.vote.retired, null);
      assert.ok(post[1] >= 0.95, `posterior ${post}`);
      assert.ok(subj.retired_at);
      // A third volunteer with only three gold answers, alone on another subject, does not retire it (below the minimum votes).
      const c = await trained(ctx, 'c@example.org', 3);
      const sc = await serve(c.agent);
      await vote(c.agent, c.csrf, sc.token, 'XRB').expect(201);
      assert.equal((await ctx.handle.db.selectFrom('crowd_subjects').select('retired_at').where('id', '=', sc.subject!.id).executeTakeFirstOrThrow()).retired_at, null);
    } finally {
      await ctx.close();
    }
  });
});

describe('crowd: talk, exports, consensus and the volunteer pages', function () {
  let ctx: Awaited<ReturnType<typeof crowdContext>>;
  let vols: Array<{ agent: Agent; csrf: string }> = [];
  let org: { agent: Agent; csrf: string };
  before(async () => {
    ctx = await crowdContext({ retireCount: 5, trainingChances: [1, 1, 1, 0], maxLive: 10 });
    org = await organizerAgent(ctx);
    vols = [];
    for (let i = 0; i < 4; i++) {
      const v = await trained(ctx, `v${i}@example.org`, 3);
      for (let j = 0; j < 5; j++) {
        const s = await serve(v.agent);
        await vote(v.agent, v.csrf, s.token, i === 3 ? 'Star' : 'AGN').expect(201);
      }
      vols.push(v);
    }
    await setChances(ctx, [0]);
  });
  after(async () => ctx.close());

  it('renders comments as safe markdown (no script, no event handlers, no javascript: links)', async () => {
    const [{ agent, csrf }] = vols;
    const xss = '**bold** <script>alert(1)</script> <img src=x onerror="alert(2)"> [click](javascript:alert(3)) <a href="#" onclick="alert(4)">x</a>';
    await agent.post('/crowd/xmm-sources/subjects/1/comments').type('form').send({ _csrf: csrf, body: xss }).expect(303);
    await agent.post('/crowd/xmm-sources/subjects/1/tags').type('form').send({ _csrf: csrf, tag: '#Pulsar' }).expect(303);
    await agent.post('/crowd/xmm-sources/subjects/1/tags').type('form').send({ _csrf: csrf, tag: '<b>' }).expect(400);
    const page = await request(ctx.app).get('/crowd/xmm-sources/subjects/1').expect(200);
    const comments = page.text.slice(page.text.indexOf('data-testid="comments"'), page.text.indexOf('</ol>'));
    assert.match(comments, /<strong>bold<\/strong>/);
    assert.doesNotMatch(comments, /<script/i);
    assert.doesNotMatch(comments, /onerror|onclick/i);
    assert.doesNotMatch(comments, /javascript:/i);
    assert.match(page.text, /#pulsar \(1\)/);
  });

  it('lets volunteers flag an anomaly and organizers review it', async () => {
    const [{ agent, csrf }] = vols;
    await agent.post('/crowd/xmm-sources/subjects/2/flag').type('form').send({ _csrf: csrf, note: 'weird spectrum' }).expect(303);
    await agent.get('/crowd/review').set('Accept', 'application/json').expect(403);
    const queue = await org.agent.get('/crowd/review').set('Accept', 'application/json').expect(200);
    assert.equal(queue.body.flags.length, 1);
    assert.equal(queue.body.flags[0].note, 'weird spectrum');
    await org.agent.post(`/crowd/flags/${queue.body.flags[0].id}`).type('form').send({ _csrf: org.csrf, status: 'interesting' }).expect(303);
    const after = await org.agent.get('/crowd/review?status=interesting').set('Accept', 'application/json').expect(200);
    assert.equal(after.body.flags[0].status, 'interesting');
    const open = await org.agent.get('/crowd/review').set('Accept', 'application/json').expect(200);
    assert.equal(open.body.flags.length, 0);
  });

  it('exports one row per vote with user, subject, answer, times, gold flag and a hashed IP (organizers only)', async () => {
    await vols[0].agent.get('/crowd/xmm-sources/export/classifications.csv').expect(403);
    const res = await org.agent.get('/crowd/xmm-sources/export/classifications.csv').expect(200);
    assert.match(res.headers['content-type'], /text\/csv/);
    const lines = res.text.trim().split('\n');
    const header = lines[0].split(',');
    for (const c of ['user_id', 'subject_name', 'answer', 'gold', 'served_at', 'created_at', 'time_on_page_ms', 'ip_hash']) assert.ok(header.includes(c), c);
    const votes = await ctx.handle.db.selectFrom('crowd_votes').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(lines.length - 1, Number(votes.n));
    assert.equal(lines.length - 1, 4 * 8);
    const row = Object.fromEntries(lines[1].split(',').map((v, i) => [header[i], v]));
    assert.equal(row.gold, '1');
    assert.match(row.ip_hash, /^[0-9a-f]{16}$/);
    assert.doesNotMatch(res.text, /127\.0\.0\.1|::ffff/);
  });

  it('runs Dawid–Skene and the other aggregators as a job, exports consensus and compares with the solution', async () => {
    const { agent } = org;
    await runConsensusJob(ctx, org);
    const rows = await ctx.handle.db.selectFrom('crowd_consensus').selectAll().execute();
    const aggs = new Set(rows.map((r) => r.aggregator));
    for (const a of ['majority', 'gold_weighted', 'dawid_skene', 'online_swap']) assert.ok(aggs.has(a), a);
    const csv = await agent.get('/crowd/xmm-sources/export/consensus.csv').expect(200);
    assert.match(csv.text.split('\n')[0], /^subject_id,subject_name,aggregator,label,confidence,votes,retired,p_AGN,p_Star,p_XRB,p_CV,p_Other/);
    assert.match(csv.text, /,dawid_skene,AGN,/);
    assert.match(csv.text, /,live_swap,AGN,/);
    const cmp = await agent.get('/crowd/xmm-sources/compare').set('Accept', 'application/json').expect(200);
    const ds = cmp.body.comparisons.find((c: { aggregator: string }) => c.aggregator === 'dawid_skene');
    assert.ok(ds);
    assert.equal(ds.confusion.length, 5);
    assert.ok(ds.n > 0);
    assert.equal(ds.classes.length, 5);
    const page = await agent.get('/crowd/xmm-sources/compare').expect(200);
    assert.match(page.text, /Crowd consensus vs the solution/);
    await vols[0].agent.get('/crowd/xmm-sources/compare').set('Accept', 'application/json').expect(403);
  });

  it('shows the profile (gold per class, level, streak, sky map) and ranks the leaderboard by information', async () => {
    const me = await vols[0].agent.get('/crowd/profile').set('Accept', 'application/json').expect(200);
    assert.equal(me.body.profile.classifications, 8);
    assert.equal(me.body.profile.gold, 3);
    assert.equal(me.body.profile.goldCorrect, 3);
    assert.equal(me.body.profile.level, 1);
    assert.equal(me.body.profile.streak, 1);
    assert.ok(Array.isArray(me.body.profile.badges));
    const page = await vols[0].agent.get('/crowd/profile').expect(200);
    assert.match(page.text, /class="plot skymap"/);
    assert.match(page.text, /How badges work/);
    const board = await request(ctx.app).get('/crowd/leaderboard').set('Accept', 'application/json').expect(200);
    assert.equal(board.body.allTime.length, 4);
    assert.equal(board.body.weekly.length, 4);
    for (let i = 1; i < board.body.allTime.length; i++) assert.ok(board.body.allTime[i - 1].infoBits >= board.body.allTime[i].infoBits);
    assert.ok(board.body.allTime.every((r: { votes: number }) => r.votes === 8));
    assert.ok(board.body.allTime[0].infoBits > 0);
    // The top contributor of the last 30 days holds the top quark (top 1%: rank 1 of 4 is the top 25%, so at least the up quark).
    const top = await request(ctx.app).get(`/crowd/users/${board.body.allTime[0].userId}`).set('Accept', 'application/json').expect(200);
    assert.ok(top.body.profile.badges.some((b: { family: string }) => b.family === 'quark'));
    const html = await request(ctx.app).get('/crowd/leaderboard').expect(200);
    assert.match(html.text, /data-testid="weekly"/);
  });
});
