import assert from 'node:assert/strict';
import fs from 'node:fs';
import request from 'supertest';
import { createTestContext, datasetFile, signedInAgent, type TestContext } from './helpers.js';
import { createXrayDraft, JSON_, xraySettings, type Agent } from './organizer-helpers.js';
import { DAY_MS, LATE_PUBLIC, PRIVATE, seedPlotBoard } from './participant-plots-seed.js';
import { nowIso } from '../src/db/index.js';
import { SCORE_JOB } from '../src/submissions/service.js';

const SLUG = 'xray-sources';
const OTHER = 'xmm-sources';

/** The text of the element with this test id (tags dropped). */
const testid = (html: string, id: string): string => {
  const m = new RegExp(`data-testid="${id}"[^>]*>([\\s\\S]*?)</(p|table|section|figure)>`).exec(html);
  assert.ok(m, `no ${id}`);
  return m[1].replace(/<[^>]+>/g, ' ').replace(/&#x27;/g, "'").replace(/\s+/g, ' ').trim();
};
const bars = (html: string, series: string) =>
  Object.fromEntries([...html.matchAll(new RegExp(`class="day-bar" data-series="${series}" data-day="([\\d-]+)" data-count="(\\d+)"`, 'g'))].map((m) => [m[1], Number(m[2])]));
const jobBars = (html: string) => Object.fromEntries([...html.matchAll(/class="job-bar" data-status="(\w+)" data-count="(\d+)"/g)].map((m) => [m[1], Number(m[2])]));
const binTotal = (html: string, series: string) => [...html.matchAll(new RegExp(`class="bin" data-series="${series}"[^>]*data-count="(\\d+)"`, 'g'))].reduce((a, m) => a + Number(m[1]), 0);

/**
 * The organizer console's sections: each status line follows the database (a new submission counts at
 * once), the charts count per UTC day what was seeded, the job queue holds only this challenge's jobs,
 * and only organizers reach any of it (the score chart shows private scores).
 */
describe('organizer console: sections, status lines and charts', function () {
  let ctx: TestContext;
  let admin: Agent;
  let pat: Agent;
  let challengeId: number;
  const start = Date.now() - 10 * DAY_MS;
  const day = (d: number) => new Date(start + d * DAY_MS).toISOString();
  const utcDay = (d: number) => day(d).slice(0, 10);
  const consolePage = async () => (await admin.agent.get(`/organize/${SLUG}`).expect(200)).text;

  before(async () => {
    ctx = await createTestContext({ challenges: [SLUG, OTHER], workers: 0 });
    admin = await signedInAgent(ctx.app, 'admin@example.org', 'Admin'); // first account: admin, organizes every challenge
    pat = await signedInAgent(ctx.app, 'pat@example.org', 'Pat');
    await signedInAgent(ctx.app, 'quinn@example.org', 'Quinn');
    const db = ctx.handle.db;
    const userId = async (email: string) => (await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
    challengeId = (await db.selectFrom('challenges').select('id').where('slug', '=', SLUG).executeTakeFirstOrThrow()).id;
    // The challenge opened on day 0 and closes in a month: its life so far is 11 UTC days.
    await db.updateTable('challenges').set({ opens_at: day(0), closes_at: new Date(Date.now() + 30 * DAY_MS).toISOString() }).where('id', '=', challengeId).execute();
    await seedPlotBoard(ctx.handle, challengeId, { admin: await userId('admin@example.org'), pat: await userId('pat@example.org'), quinn: await userId('quinn@example.org') }, day);
  });
  after(async () => ctx?.close());

  it('has a table of contents and one labelled section per concern', async () => {
    const html = await consolePage();
    for (const id of ['setup', 'participants', 'leaderboards', 'baseline', 'crowd', 'data']) {
      assert.match(html, new RegExp(`<section id="${id}" class="console-section" aria-labelledby="${id}-heading"`), id);
      assert.match(html, new RegExp(`<h2 id="${id}-heading">`), id);
      assert.match(testid(html, 'console-toc'), new RegExp(id, 'i'));
      assert.match(html, new RegExp(`<a href="#${id}">`), id);
    }
    assert.match(html, /<link rel="stylesheet" href="\/static\/organizer.css">/);
  });

  it('says where each section stands, from the seeded board', async () => {
    const html = await consolePage();
    assert.match(testid(html, 'status-setup'), /^Published · closes .* UTC \(in 29 days 23 hours\) · metric macro-F1$/);
    // Pat: 2 scored, 1 failed, 1 queued; Quinn: 2 scored. The Baseline is not a participant.
    assert.equal(testid(html, 'status-participants'), '2 entrants, 0 teams, 6 submissions (1 failed, 1 waiting to be scored)');
    assert.equal(testid(html, 'status-leaderboards'), 'Public board live · not frozen · 2 entrants ranked · private board hidden until the close');
    assert.match(testid(html, 'status-baseline'), /^Trained .* UTC, public score 0\.30000$/);
    assert.equal(testid(html, 'status-crowd'), 'No crowd workflow');
    assert.match(testid(html, 'status-data'), /^train\.csv\.gz [\d.]+ (kB|MB), test\.csv\.gz [\d.]+ (kB|MB), solution\.csv\.gz [\d.]+ (kB|MB) \(hidden\), sample_submission\.csv\.gz [\d.]+ (kB|MB)$/);
    const files = testid(html, 'files');
    assert.match(files, /solution solution\.csv\.gz [\d.]+ (kB|MB) hidden/);
  });

  it('counts new entrants and submissions per UTC day, quiet days included', async () => {
    const html = await consolePage();
    assert.match(html, /data-testid="activity-plot"/);
    assert.match(html, /aria-label="New entrants and submissions per UTC day, [^"]*: 2 entrants, 6 submissions"/);
    const expected: Record<string, number> = {};
    for (const d of [1, 2, 3, 4, 2.5, 5]) expected[utcDay(d)] = (expected[utcDay(d)] ?? 0) + 1;
    assert.deepEqual(bars(html, 'submissions'), expected);
    const entrants: Record<string, number> = {};
    for (const d of [1, 2.5]) entrants[utcDay(d)] = (entrants[utcDay(d)] ?? 0) + 1;
    assert.deepEqual(bars(html, 'entrants'), entrants);
    // The chart spans day 0 (the opening, a quiet day) to today; the table lists the busy days only.
    assert.match(html, new RegExp(`data-day="${utcDay(0)}">`));
    assert.match(html, new RegExp(`data-day="${utcDay(10)}">`));
    const rows = [...testid(html, 'activity-table').matchAll(/(\d{4}-\d\d-\d\d) (\d+) (\d+)/g)].map((m) => [m[1], Number(m[2]), Number(m[3])]);
    assert.deepEqual(rows, Object.keys(expected).sort().map((d) => [d, entrants[d] ?? 0, expected[d]]));
  });

  it('shows organizers the spread of best public and private scores', async () => {
    const html = await consolePage();
    assert.match(html, /data-testid="score-distribution-plot"/);
    assert.equal(binTotal(html, 'public'), 2, 'Pat and Quinn; the Baseline is left out');
    assert.equal(binTotal(html, 'private'), 2);
    const json = (await admin.agent.get(`/organize/${SLUG}`).set('Accept', JSON_).expect(200)).body;
    const highest = Math.max(...json.scoreBins.map((b: { hi: number }) => b.hi));
    assert.ok(highest >= LATE_PUBLIC && highest >= PRIVATE.quinn2);
    assert.equal(json.status.participants, '2 entrants, 0 teams, 6 submissions (1 failed, 1 waiting to be scored)');
  });

  it("counts this challenge's jobs by status, with the oldest queued job's age, and no other challenge's", async () => {
    const db = ctx.handle.db;
    assert.match(await consolePage(), /data-testid="jobs-empty"/);
    const subs = await db.selectFrom('submissions').select('id').where('challenge_id', '=', challengeId).orderBy('id').execute();
    const otherId = (await db.selectFrom('challenges').select('id').where('slug', '=', OTHER).executeTakeFirstOrThrow()).id;
    const other = await db
      .insertInto('submissions')
      .values({ challenge_id: otherId, user_id: 1, team_id: null, file_path: 'x', original_name: 'x.csv', sha256: 'f'.repeat(64), size_bytes: 1, row_count: 1, status: 'queued', selected: 0, is_baseline: 0, created_at: nowIso(), public_score: null, private_score: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    const job = (submissionId: number, status: 'queued' | 'running' | 'done' | 'failed', at: string) =>
      db.insertInto('jobs').values({ kind: SCORE_JOB, payload_json: JSON.stringify({ submissionId }), status, attempts: 0, max_attempts: 3, created_at: at, updated_at: at }).execute();
    for (const s of subs.slice(0, 4)) await job(s.id, 'done', day(2));
    await job(subs[4].id, 'failed', day(3));
    await job(subs[5].id, 'queued', new Date(Date.now() - 3 * 3_600_000 - 60_000).toISOString());
    await job(other.id, 'queued', day(0));
    const html = await consolePage();
    assert.deepEqual(jobBars(html), { queued: 1, running: 0, done: 4, failed: 1 });
    assert.match(html, /aria-label="Job queue for this challenge: 1 queued, 0 running, 4 done, 1 failed; the oldest queued job has waited 3 hours 1 minute"/);
    assert.match(testid(html, 'jobs-table'), /queued 1 running 0 done 4 failed 1/);
  });

  it('follows a new submission at once: the status line, the day bar and the queue', async () => {
    const before = bars(await consolePage(), 'submissions')[utcDay(10)] ?? 0;
    await pat.agent.post(`/challenges/${SLUG}/submissions?_csrf=${pat.csrf}`).set('Accept', JSON_).attach('file', fs.readFileSync(datasetFile(SLUG, 'sample_submission.csv.gz')), 'sample.csv.gz').expect(202);
    const html = await consolePage();
    assert.equal(testid(html, 'status-participants'), '2 entrants, 0 teams, 7 submissions (1 failed, 2 waiting to be scored)');
    assert.equal(bars(html, 'submissions')[utcDay(10)], before + 1);
    assert.equal(jobBars(html).queued, 2, 'the upload queued its scoring job');
  });

  it('tells the freeze and the close in the leaderboards line, and the confirmation pages quote the counts', async () => {
    const rescore = (await admin.agent.get(`/organize/${SLUG}/confirm/rescore`).expect(200)).text;
    // Scored: the Baseline, Pat's two, Quinn's two; failed: one of Pat's.
    assert.match(rescore, /Every finished submission \(6 so far\)/);
    assert.match(rescore, /That is 5 scored submissions and 1 failed one \(the Baseline&#x27;s included\) from 2 entrants; 2 submissions still waiting are scored once, as usual\./);
    const close = (await admin.agent.get(`/organize/${SLUG}/confirm/close`).expect(200)).text;
    assert.match(close, /each of the 2 entrants sees the private scores/);
    await admin.agent.post(`/organize/${SLUG}/freeze`).set('Accept', JSON_).send({ _csrf: admin.csrf, confirm: 1 }).expect(200);
    assert.match(testid(await consolePage(), 'status-leaderboards'), /^Public board live · frozen since .* UTC · 2 entrants ranked · private board hidden until the close$/);
    await admin.agent.post(`/organize/${SLUG}/close`).set('Accept', JSON_).send({ _csrf: admin.csrf, confirm: 1, slug: SLUG }).expect(200);
    const closed = await consolePage();
    assert.match(testid(closed, 'status-leaderboards'), /^Closed · 2 entrants ranked · public board shows every submission · private board revealed to everyone$/);
    assert.match(testid(closed, 'status-setup'), /^Closed · closed .* UTC \(less than a minute ago\) · metric macro-F1$/);
  });

  it('every lasting action on the console says what it does beside its button', async () => {
    const html = await consolePage();
    for (const id of ['replace-note', 'rescore-note', 'organizers-note', 'open-data-note']) assert.ok(testid(html, id).length > 40, id);
    assert.match(testid(html, 'rescore-note'), /cannot be brought back/);
  });

  it('says when the crowd workflow is on, and when a challenge has no baseline', async () => {
    await admin.agent.post(`/organize/${SLUG}/crowd`).set('Accept', JSON_).send({ _csrf: admin.csrf, liveSubjects: '40', goldPerClass: '2' }).expect(200);
    const html = await consolePage();
    assert.match(testid(html, 'status-crowd'), /^Workflow live · 40 subjects · 0 retired · 0 volunteers$/);
    const other = (await admin.agent.get(`/organize/${OTHER}`).set('Accept', JSON_).expect(200)).body;
    assert.equal(other.status.baseline, 'Not trained');
    assert.equal(other.status.participants, '1 entrant, 0 teams, 1 submission (1 waiting to be scored)', 'the one seeded there');
    assert.equal(other.jobs.queued, 1, "the job seeded for the other challenge's submission counts there");
  });

  it('shows a draft as a draft: what publishing does, no boards and no score chart yet', async () => {
    await createXrayDraft(admin, 'xd').expect(201);
    let html = (await admin.agent.get('/organize/xd').expect(200)).text;
    assert.equal(testid(html, 'status-setup'), 'Draft · columns and metric not saved yet');
    await admin.agent.post('/organize/xd/settings').set('Accept', JSON_).send({ _csrf: admin.csrf, ...xraySettings() }).expect(200);
    html = (await admin.agent.get('/organize/xd').expect(200)).text;
    assert.equal(testid(html, 'status-setup'), 'Draft · ready to publish · metric macro-F1');
    assert.match(testid(html, 'publish-note'), /cannot be undone/);
    assert.equal(testid(html, 'status-leaderboards'), 'No leaderboards yet: the challenge is a draft');
    assert.equal(testid(html, 'status-participants'), '0 entrants, 0 teams, 0 submissions');
    assert.equal(testid(html, 'status-baseline'), 'Not trained');
    assert.match(testid(html, 'baseline-note'), /every participant sees/);
    assert.match(testid(html, 'crowd-note'), /paused from its manage page, but not removed/);
    assert.match(testid(html, 'status-data'), /solution\.csv [\d.]+ (kB|MB|bytes) \(hidden\)/);
    assert.doesNotMatch(html, /score-distribution-plot|job-queue-plot/);
    assert.doesNotMatch(html, /data-testid="activity-plot"/);
    assert.match(testid(html, 'activity-empty'), /No participant has submitted yet/);
  });

  it('keeps the console, its charts and private scores from participants and visitors', async () => {
    const refused = await pat.agent.get(`/organize/${SLUG}`).expect(403);
    const refusedJson = await pat.agent.get(`/organize/${SLUG}`).set('Accept', JSON_).expect(403);
    const anonymous = await request(ctx.app).get(`/organize/${SLUG}`).set('Accept', JSON_);
    assert.equal(anonymous.status, 401);
    for (const body of [refused.text, JSON.stringify(refusedJson.body), JSON.stringify(anonymous.body)]) {
      assert.doesNotMatch(body, /score-distribution-plot|activity-plot|job-queue-plot|status-participants/);
      for (const v of Object.values(PRIVATE)) assert.ok(!body.includes(String(v).slice(2)), `private score ${v} leaked`);
    }
  });
});
