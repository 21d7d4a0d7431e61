import assert from 'node:assert/strict';
import request from 'supertest';
import { createTestContext, signedInAgent, type TestContext } from './helpers.js';
import { JSON_ } from './organizer-helpers.js';
import { DAY_MS, LATE_PUBLIC, PRIVATE, seedPlotBoard } from './participant-plots-seed.js';

const SLUG = 'xray-sources';

const attr = (html: string, re: RegExp) => [...html.matchAll(re)].map((m) => Number(m[1]));
const historyLast = (html: string, series: string) => attr(html, new RegExp(`class="history-line" data-series="${series}" data-last-score="([\\d.]+)"`, 'g'));
const historySteps = (html: string, series: string) => attr(html, new RegExp(`class="history-step" data-series="${series}" data-score="([\\d.]+)"`, 'g'));
const myPoints = (html: string) => attr(html, /class="submission-point" data-id="\d+" data-score="([\d.]+)"/g);

describe('participant plots: my submissions and the public leaderboard', function () {
  let ctx: TestContext;
  let pat: Awaited<ReturnType<typeof signedInAgent>>;
  let quinn: Awaited<ReturnType<typeof signedInAgent>>;
  let challengeId: number;
  const start = Date.now() - 10 * DAY_MS;
  const day = (d: number) => new Date(start + d * DAY_MS).toISOString();
  const setChallenge = (values: { public_frozen_at?: string | null; higher_is_better?: number; closes_at?: string }) =>
    ctx.handle.db.updateTable('challenges').set(values).where('id', '=', challengeId).execute();

  before(async () => {
    ctx = await createTestContext({ challenges: [SLUG] });
    await signedInAgent(ctx.app, 'admin@example.org', 'Admin');
    pat = await signedInAgent(ctx.app, 'pat@example.org', 'Pat');
    quinn = await signedInAgent(ctx.app, 'quinn@example.org', 'Quinn');
    const db = ctx.handle.db;
    challengeId = (await db.selectFrom('challenges').select('id').where('slug', '=', SLUG).executeTakeFirstOrThrow()).id;
    const userId = async (email: string) => (await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
    const [admin, patId, quinnId] = [await userId('admin@example.org'), await userId('pat@example.org'), await userId('quinn@example.org')];
    await seedPlotBoard(ctx.handle, challengeId, { admin, pat: patId, quinn: quinnId }, day);
  });
  after(async () => ctx.close());

  it('plots my scored submissions only, with the board best as a labelled line', async () => {
    const html = (await pat.agent.get(`/challenges/${SLUG}/submissions`).expect(200)).text;
    assert.match(html, /data-testid="my-scores-plot"/);
    assert.deepEqual(myPoints(html), [0.41, 0.55], 'the failed and the queued submission are not plotted');
    assert.deepEqual(attr(html, /class="board-best" data-score="([\d.]+)"/g), [LATE_PUBLIC]);
    assert.match(html, /Leaderboard best 0.68123/);
  });

  it("draws the top score's history, the Baseline's, and the histogram with the viewer's bin", async () => {
    const board = (await request(ctx.app).get(`/challenges/${SLUG}/leaderboard`).set('Accept', JSON_).expect(200)).body;
    const top = board.rows.find((r: { rank: number | null }) => r.rank === 1).score;
    const html = (await pat.agent.get(`/challenges/${SLUG}/leaderboard`).expect(200)).text;
    assert.deepEqual(historySteps(html, 'Top score'), [0.41, 0.55, LATE_PUBLIC]);
    assert.deepEqual(historyLast(html, 'Top score'), [top], "the history ends at the board's top score");
    assert.deepEqual(historyLast(html, 'Baseline'), [0.3]);
    assert.match(html, /data-series="Baseline" data-last-score="0.3"/);
    assert.match(html, /stroke-dasharray="6 3" class="history-line" data-series="Baseline"/);
    assert.equal([...html.matchAll(/<tr><td>(Top score|Baseline)<\/td>/g)].length, 4, 'the steps table lists every step');
    const bins = [...html.matchAll(/class="bin( mine)?" data-lo="([\d.]+)" data-hi="([\d.]+)" data-count="(\d+)"/g)];
    assert.equal(bins.reduce((s, m) => s + Number(m[4]), 0), 2, 'two ranked entrants; the Baseline is not counted');
    const mine = bins.filter((m) => m[1]);
    assert.equal(mine.length, 1);
    assert.ok(Number(mine[0][2]) <= 0.55 && 0.55 < Number(mine[0][3]), "Pat's bin holds Pat's score");
    assert.deepEqual(attr(html, /class="mine-marker" data-score="([\d.]+)"/g), [0.55]);
    // Someone without a row sees the distribution with no marker.
    const anonymous = (await request(ctx.app).get(`/challenges/${SLUG}/leaderboard`).expect(200)).text;
    assert.match(anonymous, /data-testid="score-histogram"/);
    assert.doesNotMatch(anonymous, /mine-marker/);
  });

  it('shows no private score on any page before the reveal', async () => {
    const pages = [
      (await pat.agent.get(`/challenges/${SLUG}/leaderboard`).expect(200)).text,
      (await quinn.agent.get(`/challenges/${SLUG}/leaderboard`).expect(200)).text,
      (await request(ctx.app).get(`/challenges/${SLUG}/leaderboard`).expect(200)).text,
      (await pat.agent.get(`/challenges/${SLUG}/leaderboard/private`).expect(200)).text,
      (await pat.agent.get(`/challenges/${SLUG}/submissions`).expect(200)).text,
      (await quinn.agent.get(`/challenges/${SLUG}/submissions`).expect(200)).text,
    ];
    for (const html of pages) for (const v of Object.values(PRIVATE)) assert.ok(!html.includes(String(v).slice(2)), `private score ${v} leaked`);
  });

  it('respects the freeze: a later submission is in neither the history nor its submitter’s plot', async () => {
    await setChallenge({ public_frozen_at: day(4.5) });
    try {
      const board = (await request(ctx.app).get(`/challenges/${SLUG}/leaderboard`).set('Accept', JSON_).expect(200)).body;
      const html = (await quinn.agent.get(`/challenges/${SLUG}/leaderboard`).expect(200)).text;
      assert.deepEqual(historySteps(html, 'Top score'), [0.41, 0.55]);
      assert.deepEqual(historyLast(html, 'Top score'), [board.rows[0].score]);
      assert.ok(!html.includes('68123'), 'the post-freeze score is not on the board page');
      const mine = (await quinn.agent.get(`/challenges/${SLUG}/submissions`).expect(200)).text;
      assert.deepEqual(myPoints(mine), [0.47]);
      assert.ok(!mine.includes('68123'), "the post-freeze score is not on its submitter's page");
      assert.deepEqual(attr(mine, /class="board-best" data-score="([\d.]+)"/g), [0.55], 'the reference line is the frozen board’s best');
      assert.deepEqual(attr(html, /class="mine-marker" data-score="([\d.]+)"/g), [0.47], "Quinn's marker is the frozen board's row");
    } finally {
      await setChallenge({ public_frozen_at: null });
    }
  });

  it('reads "top" as the lowest score when lower is better', async () => {
    await setChallenge({ higher_is_better: 0 });
    try {
      const board = (await request(ctx.app).get(`/challenges/${SLUG}/leaderboard`).set('Accept', JSON_).expect(200)).body;
      const html = (await pat.agent.get(`/challenges/${SLUG}/leaderboard`).expect(200)).text;
      assert.deepEqual(historySteps(html, 'Top score'), [0.41]);
      assert.deepEqual(historyLast(html, 'Top score'), [board.rows.find((r: { rank: number | null }) => r.rank === 1).score]);
      assert.match(html, /lower is better/);
      const mine = (await pat.agent.get(`/challenges/${SLUG}/submissions`).expect(200)).text;
      assert.deepEqual(attr(mine, /class="board-best" data-score="([\d.]+)"/g), [0.41]);
    } finally {
      await setChallenge({ higher_is_better: 1 });
    }
  });

  it("marks a team member's row: the team's best, not the member's own submissions", async () => {
    const db = ctx.handle.db;
    const rae = await signedInAgent(ctx.app, 'rae@example.org', 'Rae');
    const id = async (email: string) => (await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
    const [quinnId, raeId] = [await id('quinn@example.org'), await id('rae@example.org')];
    const now = new Date().toISOString();
    const team = await db.insertInto('teams').values({ challenge_id: challengeId, name: 'Rays', created_by: quinnId, created_at: now }).returning('id').executeTakeFirstOrThrow();
    for (const user of [quinnId, raeId]) await db.insertInto('team_members').values({ team_id: team.id, challenge_id: challengeId, user_id: user, joined_at: now }).execute();
    await db.updateTable('submissions').set({ team_id: team.id }).where('user_id', '=', quinnId).execute();
    const html = (await rae.agent.get(`/challenges/${SLUG}/leaderboard`).expect(200)).text;
    assert.deepEqual(attr(html, /class="mine-marker" data-score="([\d.]+)"/g), [LATE_PUBLIC]);
  });

  it('once closed, shows every submission in the history even after a freeze, and draws nothing on the private board', async () => {
    await setChallenge({ public_frozen_at: day(4.5), closes_at: day(9) });
    const html = (await pat.agent.get(`/challenges/${SLUG}/leaderboard`).expect(200)).text;
    assert.deepEqual(historySteps(html, 'Top score'), [0.41, 0.55, LATE_PUBLIC]);
    const privateBoard = (await pat.agent.get(`/challenges/${SLUG}/leaderboard/private`).expect(200)).text;
    assert.doesNotMatch(privateBoard, /score-history|score-histogram/);
  });
});
