import assert from 'node:assert/strict';
import fs from 'node:fs';
import request from 'supertest';
import { createTestContext, datasetFile, signedInAgent, waitForTerminal, type TestContext } from './helpers.js';

/** Solution labels, weights and private scores must not reach participants before the rules allow. */
describe('what participants can and cannot see', function () {
  let ctx: TestContext;
  let submissionId: number;
  let participant: Awaited<ReturnType<typeof signedInAgent>>;
  let admin: Awaited<ReturnType<typeof signedInAgent>>;

  before(async () => {
    ctx = await createTestContext({ challenges: ['higgsml', 'xray-sources'] });
    admin = await signedInAgent(ctx.app, 'admin@example.org', 'Admin'); // first account: admin
    participant = await signedInAgent(ctx.app, 'pat@example.org', 'Pat');
    const sample = fs.readFileSync(datasetFile('higgsml', 'sample_submission.csv.gz'));
    const res = await participant.agent.post(`/challenges/higgsml/submissions?_csrf=${participant.csrf}`).set('Accept', 'application/json').attach('file', sample, 's.csv.gz').expect(202);
    submissionId = res.body.submission.id;
    await waitForTerminal(ctx.handle, submissionId);
  });
  after(async () => ctx.close());

  it('gives the first account the admin role and later ones the participant role', async () => {
    const roles = await ctx.handle.db.selectFrom('users').select(['email', 'role']).orderBy('id').execute();
    assert.deepEqual(roles, [
      { email: 'admin@example.org', role: 'admin' },
      { email: 'pat@example.org', role: 'participant' },
    ]);
  });

  it('serves train, test and sample files but never the solution, whatever the path', async () => {
    await request(ctx.app).get('/challenges/higgsml/data/train.csv.gz').expect(200);
    await request(ctx.app).get('/challenges/higgsml/data/test.csv.gz').expect(200);
    await request(ctx.app).get('/challenges/higgsml/data/sample_submission.csv.gz').expect(200);
    for (const p of [
      '/challenges/higgsml/data/solution.csv.gz',
      '/challenges/higgsml/data/..%2Fsolution.csv.gz',
      '/challenges/higgsml/data/%2e%2e%2f%2e%2e%2fsift.sqlite',
      '/challenges/higgsml/data/..%2F..%2F..%2Fetc%2Fpasswd',
      '/challenges/higgsml/data/challenge.yaml',
    ]) {
      const res = await participant.agent.get(p);
      assert.equal(res.status, 404, p);
      assert.doesNotMatch(res.text, /Usage|Private|root:/, p);
    }
    for (const p of ['/challenges/../data/challenges/higgsml/solution.csv.gz', '/static/../../datasets/higgsml/solution.csv.gz', '/static/%2e%2e/%2e%2e/datasets/higgsml/solution.csv.gz']) {
      const res = await request(ctx.app).get(p);
      assert.notEqual(res.status, 200, p);
    }
  });

  it('hides the private board and private scores from participants until the deadline', async () => {
    const hidden = await participant.agent.get('/challenges/higgsml/leaderboard/private').set('Accept', 'application/json').expect(403);
    assert.equal(hidden.body.error.code, 'private_hidden');
    await request(ctx.app).get('/challenges/higgsml/leaderboard/private').set('Accept', 'application/json').expect(403);
    const mine = await participant.agent.get('/challenges/higgsml/submissions').set('Accept', 'application/json').expect(200);
    assert.equal(mine.body.submissions[0].privateScore, null);
    assert.equal(mine.body.submissions[0].details, null);
    const board = await request(ctx.app).get('/challenges/higgsml/leaderboard').set('Accept', 'application/json').expect(200);
    const row = await ctx.handle.db.selectFrom('submissions').select('private_score').where('id', '=', submissionId).executeTakeFirstOrThrow();
    assert.doesNotMatch(JSON.stringify(board.body), new RegExp(String(row.private_score)));
    // Organizers (here the admin) may look.
    const orgView = await admin.agent.get('/challenges/higgsml/leaderboard/private').set('Accept', 'application/json').expect(200);
    assert.equal(orgView.body.rows[0].score, row.private_score);
  });

  it('never shows solution labels, weights or file locations in challenge pages and JSON', async () => {
    const json = await request(ctx.app).get('/challenges/higgsml').set('Accept', 'application/json').expect(200);
    const text = JSON.stringify(json.body);
    assert.doesNotMatch(text, /solution|folder|Weight|\/tmp\//i);
    const html = await request(ctx.app).get('/challenges/higgsml').expect(200);
    assert.doesNotMatch(html.text, /solution\.csv|sift-test-/);
  });

  it('reveals the private board, private scores and rank moves once the challenge closes', async () => {
    await ctx.handle.db.updateTable('challenges').set({ closes_at: new Date(Date.now() - 1000).toISOString() }).where('slug', '=', 'higgsml').execute();
    const res = await participant.agent.get('/challenges/higgsml/leaderboard/private').set('Accept', 'application/json').expect(200);
    assert.equal(res.body.revealed, true);
    assert.equal(res.body.rows[0].name, 'Pat');
    assert.equal(res.body.rows[0].rankChange, 0);
    const mine = await participant.agent.get('/challenges/higgsml/submissions').set('Accept', 'application/json').expect(200);
    assert.ok(mine.body.submissions[0].privateScore > 1);
    // Closed challenges without late submissions (issue 12) take no more uploads.
    await ctx.handle.db.updateTable('challenges').set({ late_submissions: 0 }).where('slug', '=', 'higgsml').execute();
    const sample = fs.readFileSync(datasetFile('higgsml', 'sample_submission.csv.gz'));
    const late = await participant.agent.post(`/challenges/higgsml/submissions?_csrf=${participant.csrf}`).set('Accept', 'application/json').attach('file', sample, 's.csv.gz').expect(403);
    assert.equal(late.body.error.code, 'challenge_not_open');
  });

  it('rejects form posts without the CSRF token', async () => {
    const res = await participant.agent.post('/challenges/higgsml/submissions').set('Accept', 'application/json').attach('file', Buffer.from('x'), 'x.csv').expect(403);
    assert.equal(res.body.error.code, 'csrf');
    await request(ctx.app).post('/login').type('form').send({ email: 'pat@example.org', password: 'correct horse battery' }).expect(403);
  });
});
