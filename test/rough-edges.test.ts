/** Issue 12's small fixes, each as a user meets it. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { createTestContext, datasetFile, signedInAgent, type TestContext } from './helpers.js';
import { JSON_ } from './organizer-helpers.js';
import { ensureBaselineUser } from '../src/baseline/service.js';
import { findChallengeBySlug } from '../src/challenges/repo.js';
import { humanTime, timeLeft } from '../src/web/render.js';

describe('rough edges (issue 12)', function () {
  let ctx: TestContext;
  before(async () => {
    ctx = await createTestContext({ challenges: ['xray-sources'], workers: 0 });
  });
  after(async () => ctx.close());

  it('answers /favicon.ico with the icon every page links', async () => {
    const res = await request(ctx.app).get('/favicon.ico').expect(301);
    assert.equal(res.headers.location, '/static/favicon.svg');
    const icon = await request(ctx.app).get('/static/favicon.svg').expect(200);
    assert.match(icon.headers['content-type'], /image\/svg\+xml/);
    const page = await request(ctx.app).get('/').expect(200);
    assert.match(page.text, /<link rel="icon" href="\/static\/favicon.svg"/);
  });

  it('prints times in a human form, in UTC until the page script shows the reader\'s zone', async () => {
    assert.equal(humanTime('2026-03-05T07:04:09.123Z'), '5 Mar 2026, 07:04 UTC');
    const page = await request(ctx.app).get('/challenges/xray-sources').expect(200);
    const times = [...page.text.matchAll(/<time datetime="([^"]+)">([^<]+)<\/time>/g)];
    assert.ok(times.length > 0, 'the overview shows dates');
    for (const [, iso, shown] of times) assert.equal(shown, humanTime(iso));
  });

  it('names the baseline row once, with its badge', async () => {
    const c = (await findChallengeBySlug(ctx.handle.db, 'xray-sources'))!;
    const base = await ensureBaselineUser(ctx.handle.db);
    await ctx.handle.db
      .insertInto('submissions')
      .values({
        challenge_id: c.id, user_id: base.id, team_id: null, file_path: 'x', original_name: 'x.csv', sha256: 'x', size_bytes: 1, row_count: 1, message: null,
        status: 'scored', error: null, warnings_json: null, public_score: 0.5, private_score: 0.5, details_json: null, scorer_version: 'macro_f1@1',
        solution_sha256: 'x', selected: 0, is_baseline: 1, created_at: new Date().toISOString(), scored_at: null,
      })
      .execute();
    const page = await request(ctx.app).get('/challenges/xray-sources/leaderboard').expect(200);
    const row = /<tr class="baseline">[\s\S]*?<\/tr>/.exec(page.text)?.[0] ?? '';
    assert.match(row, /data-testid="baseline-badge">Baseline<\/span>/);
    assert.equal(row.match(/Baseline/g)?.length, 1, row);
  });
});

describe('rough edges (issue 12): the private board before the reveal', function () {
  let ctx: TestContext;
  before(async () => {
    ctx = await createTestContext({ challenges: ['xray-sources'], workers: 0 });
  });
  after(async () => ctx.close());

  it('counts down in words', () => {
    const now = Date.parse('2026-03-01T00:00:00Z');
    assert.equal(timeLeft('2026-03-04T05:30:00Z', now), '3 days 5 hours');
    assert.equal(timeLeft('2026-03-01T02:00:00Z', now), '2 hours');
    assert.equal(timeLeft('2026-03-01T01:01:00Z', now), '1 hour 1 minute');
    assert.equal(timeLeft('2026-03-01T00:00:30Z', now), 'less than a minute');
    assert.equal(timeLeft('2026-02-28T00:00:00Z', now), 'now');
  });

  it('shows the hidden private board inside the challenge frame, with its reveal date and a countdown', async () => {
    const closes = new Date(Date.now() + 3 * 86_400_000 + 2 * 3_600_000 + 120_000).toISOString();
    await ctx.handle.db.updateTable('challenges').set({ closes_at: closes }).where('slug', '=', 'xray-sources').execute();
    const page = await request(ctx.app).get('/challenges/xray-sources/leaderboard/private').expect(200);
    assert.match(page.text, /<nav class="tabs">/, 'the challenge tabs are there');
    assert.match(page.text, /<a href="\/challenges\/xray-sources\/leaderboard\/private" class="active">/);
    assert.match(page.text, new RegExp(`revealed on <time datetime="${closes}">${humanTime(closes)}</time></strong>, <span data-countdown="${closes}">in 3 days 2 hours</span>`));
    assert.doesNotMatch(page.text, /data-testid="leaderboard"/, 'no table, not even an empty one');
    const api = await request(ctx.app).get('/challenges/xray-sources/leaderboard/private').set('Accept', 'application/json').expect(403);
    assert.equal(api.body.error.code, 'private_hidden');
    assert.equal(api.body.error.message, `The private leaderboard is revealed when the challenge closes, on ${humanTime(closes)}.`);
  });
});

describe('rough edges (issue 12): upload forms carry their CSRF token in the body, not the URL', function () {
  let ctx: TestContext;
  let agent: Awaited<ReturnType<typeof signedInAgent>>['agent'];
  let csrf: string;
  const sample = datasetFile('xray-sources', 'sample_submission.csv.gz');
  const uploadsDir = () => path.join(ctx.config.dataDir, 'uploads');
  const stored = async () => Number((await ctx.handle.db.selectFrom('submissions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

  before(async () => {
    ctx = await createTestContext({ challenges: ['xray-sources'], workers: 0 });
    ({ agent, csrf } = await signedInAgent(ctx.app, 'una@example.org', 'Una'));
  });
  after(async () => ctx.close());

  it('puts the token in a hidden field ahead of the file, and nowhere in the form URL', async () => {
    const page = await agent.get('/challenges/xray-sources/submit').expect(200);
    const form = /<form method="post" action="([^"]+)" enctype="multipart\/form-data"[^>]*>([\s\S]*?)<\/form>/.exec(page.text)!;
    assert.equal(form[1], '/challenges/xray-sources/submissions');
    assert.ok(form[2].indexOf('name="_csrf"') >= 0 && form[2].indexOf('name="_csrf"') < form[2].indexOf('type="file"'));
  });

  it('accepts an upload whose token field comes first', async () => {
    await agent.post('/challenges/xray-sources/submissions').set('Accept', JSON_).field('_csrf', csrf).attach('file', sample, 'sample.csv.gz').expect(202);
  });

  it('refuses, before storing a byte, an upload without its token or with the token after the file', async () => {
    const before = await stored();
    const files = fs.readdirSync(uploadsDir()).length;
    const none = await agent.post('/challenges/xray-sources/submissions').set('Accept', JSON_).attach('file', sample, 'sample.csv.gz').expect(403);
    assert.equal(none.body.error.code, 'csrf');
    const late = await agent.post('/challenges/xray-sources/submissions').set('Accept', JSON_).attach('file', sample, 'sample.csv.gz').field('_csrf', csrf).expect(403);
    assert.equal(late.body.error.code, 'csrf');
    const wrong = await agent.post('/challenges/xray-sources/submissions').set('Accept', JSON_).field('_csrf', 'x'.repeat(csrf.length)).field('message', 'hi').expect(403);
    assert.equal(wrong.body.error.code, 'csrf');
    assert.equal(await stored(), before);
    assert.equal(fs.readdirSync(uploadsDir()).length, files, 'no temporary file left behind');
  });

  it('lets only the upload routes take the token from a multipart body', async () => {
    const res = await agent.post('/teams/none/leave').set('Accept', JSON_).field('_csrf', csrf).expect(403);
    assert.equal(res.body.error.code, 'csrf');
  });
});
