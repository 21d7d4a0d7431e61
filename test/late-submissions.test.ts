import assert from 'node:assert/strict';
import fs from 'node:fs';
import request from 'supertest';
import { createApiToken } from '../src/accounts/tokens.js';
import { findChallengeBySlug } from '../src/challenges/repo.js';
import { board, publicPlotData } from '../src/leaderboards/service.js';
import { score } from '../src/submissions/service.js';
import { createTestContext, datasetFile, signedInAgent, waitForTerminal, type TestContext, storedBytes } from './helpers.js';
import { createXrayDraft, JSON_, rowsOf, xraySettings } from './organizer-helpers.js';
import { fileKeyIn } from '../src/storage/index.js';

const SLUG = 'xray-sources';

/** Issue 12: uploads after the close are late submissions, scored and shown to their submitter, never ranked. */
describe('late submissions', function () {
  let ctx: TestContext;
  let admin: Awaited<ReturnType<typeof signedInAgent>>;
  let pat: Awaited<ReturnType<typeof signedInAgent>>;
  const sample = () => fs.readFileSync(datasetFile(SLUG, 'sample_submission.csv.gz'));
  const truth = () => Buffer.from(rowsOf(datasetFile(SLUG, 'solution.csv.gz')).map((r) => `${r[0]},${r[1]}`).join('\n') + '\n');
  const challenge = async () => (await findChallengeBySlug(ctx.handle.db, SLUG))!;
  const upload = (file: Buffer, name: string) => pat.agent.post(`/challenges/${SLUG}/submissions?_csrf=${pat.csrf}`).set('Accept', JSON_).attach('file', file, name);
  let onTime: number;
  let late: number;

  before(async () => {
    ctx = await createTestContext({ challenges: [SLUG] });
    admin = await signedInAgent(ctx.app, 'admin@example.org', 'Admin'); // first account: admin, organizes every challenge
    pat = await signedInAgent(ctx.app, 'pat@example.org', 'Pat');
    onTime = (await upload(sample(), 'sample.csv.gz').expect(202)).body.submission.id;
    assert.equal((await waitForTerminal(ctx.handle, onTime)).status, 'scored');
    await ctx.handle.db.updateTable('challenges').set({ closes_at: new Date(Date.now() - 1000).toISOString() }).where('slug', '=', SLUG).execute();
  });
  after(async () => ctx.close());

  it('keeps the form on the closed Submit tab, with the note and the quota, when late submissions are allowed (the default)', async () => {
    assert.equal((await challenge()).late_submissions, 1);
    const page = (await pat.agent.get(`/challenges/${SLUG}/submit`).expect(200)).text;
    assert.match(page, /<input type="file" name="file"/);
    assert.match(page, /data-testid="late-note"[\s\S]*This challenge has closed\. Late submissions are scored and shown only to you, marked late; they are never ranked\./);
    assert.match(page, /data-testid="quota"/);
    assert.doesNotMatch(page, /data-testid="submit-closed"/);
    assert.match(page, /<span class="phase phase-closed">closed<\/span>[^<]*· closed <time datetime=/, 'the header says closed, not closes');
  });

  it('scores a late upload on both subsets and shows it to its submitter marked late', async () => {
    const res = await upload(truth(), 'truth.csv').expect(202);
    assert.equal(res.body.submission.late, true);
    late = res.body.submission.id;
    const row = await waitForTerminal(ctx.handle, late);
    assert.equal(row.status, 'scored', row.error ?? '');
    assert.equal(row.late, 1);
    assert.equal(row.public_score, 1);
    assert.equal(row.private_score, 1);

    const mine = await pat.agent.get(`/challenges/${SLUG}/submissions`).set('Accept', JSON_).expect(200);
    const shown = mine.body.submissions.find((s: { id: number }) => s.id === late);
    assert.deepEqual([shown.late, shown.publicScore, shown.privateScore], [true, 1, 1]);
    assert.equal(mine.body.submissions.find((s: { id: number }) => s.id === onTime).late, false);
    const list = (await pat.agent.get(`/challenges/${SLUG}/submissions`).expect(200)).text;
    assert.match(list, new RegExp(`id="s${late}"[\\s\\S]*?data-testid="late-badge"[^>]*>Late<`));
    assert.doesNotMatch(list, new RegExp(`id="s${onTime}"[^]*?data-testid="late-badge"[^]*?</tr>`));
    // The board's best is Pat's on-time entry: the chart draws it, and its caption says so.
    assert.match(list, /class="board-best"/);
    assert.match(list, /the dashed line is the public leaderboard's best/);
    const page = (await pat.agent.get(`/challenges/${SLUG}/submissions/${late}`).expect(200)).text;
    assert.match(page, /data-testid="late-badge"[^>]*>Late</);
    assert.match(page, /data-testid="late-note"[^>]*>This is a late submission[^<]*not ranked/);
    const own = (await pat.agent.get(`/challenges/${SLUG}/submissions/${onTime}`).expect(200)).text;
    assert.doesNotMatch(own, /late-badge/);
  });

  it('never ranks it: both boards, their exports, the board plots and the best-entry lookups leave it out', async () => {
    for (const which of ['public', 'private'] as const) {
      const res = await request(ctx.app).get(`/challenges/${SLUG}/leaderboard${which === 'private' ? '/private' : ''}`).set('Accept', JSON_).expect(200);
      assert.deepEqual(res.body.rows.map((r: { submissionId: number; entries: number }) => [r.submissionId, r.entries]), [[onTime, 1]], which);
      const exported = JSON.parse((await admin.agent.get(`/organize/${SLUG}/export/leaderboard.json?board=${which}`).expect(200)).text);
      assert.deepEqual(exported.rows.map((r: { submission_id: number }) => r.submission_id), [onTime]);
    }
    const c = await challenge();
    const rows = await board(ctx.handle.db, c, 'public', false);
    const plot = await publicPlotData(ctx.handle.db, c, rows, { id: rows[0].userId });
    assert.ok(!plot.top.some((p) => p.score === 1), 'the late perfect score is not in the history');
    assert.deepEqual(plot.scores, [rows[0].score]);
    // The organizers' full submissions export has it, marked late.
    const all = JSON.parse((await admin.agent.get(`/organize/${SLUG}/export/submissions.json`).expect(200)).text);
    const lateRows = all.rows.filter((r: { late: number }) => Number(r.late) === 1).map((r: { id: number }) => r.id);
    assert.deepEqual(lateRows, [late]);
    // Final selections are locked at the close.
    await pat.agent.post(`/challenges/${SLUG}/submissions/${late}/select`).set('Accept', JSON_).send({ _csrf: pat.csrf, selected: 'true' }).expect(403);
  });

  it('keeps the flag through a re-score', async () => {
    await score(ctx.handle, ctx.storage, late, { rescore: true });
    const row = await ctx.handle.db.selectFrom('submissions').select(['late', 'status']).where('id', '=', late).executeTakeFirstOrThrow();
    assert.deepEqual([row.late, row.status], [1, 'scored']);
  });

  it('accepts late uploads over the API, with late: true in its JSON', async () => {
    const user = await ctx.handle.db.selectFrom('users').select('id').where('email', '=', 'pat@example.org').executeTakeFirstOrThrow();
    const { token } = await createApiToken(ctx.handle.db, user.id, { name: 'cli' });
    const res = await request(ctx.app).post(`/api/v1/challenges/${SLUG}/submissions`).set('Authorization', `Bearer ${token}`).attach('file', sample(), 's.csv.gz').expect(202);
    assert.equal(res.body.submission.late, true);
    await waitForTerminal(ctx.handle, res.body.submission.id);
    const got = await request(ctx.app).get(`/api/v1/challenges/${SLUG}/submissions/${res.body.submission.id}`).set('Authorization', `Bearer ${token}`).expect(200);
    assert.equal(got.body.submission.late, true);
  });

  it('counts late uploads against the daily limit', async () => {
    const used = (await pat.agent.get(`/challenges/${SLUG}/submissions`).set('Accept', JSON_).expect(200)).body.quota.used as number;
    await ctx.handle.db.updateTable('challenges').set({ daily_limit: used }).where('slug', '=', SLUG).execute();
    const res = await upload(sample(), 'again.csv.gz').expect(429);
    assert.equal(res.body.error.code, 'daily_limit');
    await ctx.handle.db.updateTable('challenges').set({ daily_limit: 50 }).where('slug', '=', SLUG).execute();
  });

  it('refuses uploads after the close with a 403 when the organizers turned late submissions off', async () => {
    await ctx.handle.db.updateTable('challenges').set({ late_submissions: 0 }).where('slug', '=', SLUG).execute();
    try {
      const res = await upload(sample(), 's.csv.gz').expect(403);
      assert.equal(res.body.error.code, 'challenge_not_open');
      assert.match(res.body.error.message, /do not take late submissions/);
      const page = (await pat.agent.get(`/challenges/${SLUG}/submit`).expect(200)).text;
      assert.doesNotMatch(page, /type="file"/);
      assert.doesNotMatch(page, /data-testid="late-note"/);
      assert.match(page, /data-testid="submit-closed"/);
    } finally {
      await ctx.handle.db.updateTable('challenges').set({ late_submissions: 1 }).where('slug', '=', SLUG).execute();
    }
  });

  it('lets organizers switch late submissions off on the settings page, kept in challenge.yaml', async () => {
    await createXrayDraft(admin, 'xr-late').expect(201);
    const form = (await admin.agent.get('/organize/xr-late/settings').expect(200)).text;
    assert.match(form, /<select name="late_submissions" data-testid="late-submissions"><option value="1" selected>/);
    await admin.agent.post('/organize/xr-late/settings').set('Accept', JSON_).send({ _csrf: admin.csrf, ...xraySettings({ late_submissions: '0' }) }).expect(200);
    const c = (await findChallengeBySlug(ctx.handle.db, 'xr-late'))!;
    assert.equal(c.late_submissions, 0);
    assert.match((await storedBytes(ctx.storage, fileKeyIn(c.folder_key, 'challenge.yaml'))).toString('utf8'), /late_submissions: false/);
    // A settings post without the field (an older client) leaves it as it is.
    await admin.agent.post('/organize/xr-late/settings').set('Accept', JSON_).send({ _csrf: admin.csrf, ...xraySettings() }).expect(200);
    assert.equal((await findChallengeBySlug(ctx.handle.db, 'xr-late'))!.late_submissions, 0);
    const bad = await admin.agent.post('/organize/xr-late/settings').set('Accept', JSON_).send({ _csrf: admin.csrf, ...xraySettings({ late_submissions: 'maybe' }) }).expect(400);
    assert.match(bad.body.error.message, /late submissions: 1 \(allowed\) or 0 \(refused\), got 'maybe'/);
  });
});
