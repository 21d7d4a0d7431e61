import assert from 'node:assert/strict';
import fs from 'node:fs';
import request from 'supertest';
import { signUp } from '../src/accounts/service.js';
import { createApiToken } from '../src/accounts/tokens.js';
import { createTestContext, csrfFrom, datasetFile, signedInAgent, type TestContext } from './helpers.js';

/** A user (signed up through the service) and a fresh API token of theirs. */
export async function userWithToken(ctx: TestContext, email: string, role?: 'participant' | 'organizer' | 'admin') {
  const user = await signUp(ctx.handle.db, { email, name: email.split('@')[0], password: 'correct horse battery' }, role ?? 'participant');
  const { token } = await createApiToken(ctx.handle.db, user.id, { name: 'test' });
  return { user, token, auth: `Bearer ${token}` };
}

async function pollScored(ctx: TestContext, auth: string, id: number) {
  for (let i = 0; i < 400; i++) {
    const res = await request(ctx.app).get(`/api/v1/challenges/higgsml/submissions/${id}`).set('Authorization', auth).expect(200);
    if (res.body.submission.status === 'scored' || res.body.submission.status === 'failed') return res.body.submission;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`submission ${id} never finished`);
}

const sample = () => fs.readFileSync(datasetFile('higgsml', 'sample_submission.csv.gz'));

describe('token API (end to end)', function () {
  let ctx: TestContext;
  let auth: string;
  let agent: Awaited<ReturnType<typeof signedInAgent>>['agent'];
  let pageCsrf: string;
  let submissionId: number;

  before(async () => {
    ctx = await createTestContext({ challenges: ['higgsml'] });
    await userWithToken(ctx, 'admin@example.org', 'admin'); // the first account; everyone after is a participant
    ({ agent } = await signedInAgent(ctx.app, 'ada@example.org', 'Ada'));
  });
  after(async () => ctx.close());

  it('creates a token on the profile page, shows it once and stores only its hash', async () => {
    await request(ctx.app).get('/profile').expect(303).expect('Location', /\/login\?next=%2Fprofile/);
    const page = await agent.get('/profile').expect(200);
    pageCsrf = csrfFrom(page.text);
    assert.match(page.text, /No tokens yet/);
    await agent.post('/profile/tokens').type('form').send({ name: 'laptop' }).expect(403); // CSRF still guards cookie forms
    await agent.post('/profile/tokens').type('form').send({ _csrf: pageCsrf, name: '' }).expect(400);
    const created = await agent.post('/profile/tokens').type('form').send({ _csrf: pageCsrf, name: 'laptop' }).expect(201);
    const token = /data-testid="raw-token">([^<]+)</.exec(created.text)![1];
    assert.match(token, /^sift_[\w-]{43}$/);
    auth = `Bearer ${token}`;
    const rows = await ctx.handle.db.selectFrom('api_tokens').selectAll().execute();
    const mine = rows.find((r) => r.name === 'laptop')!;
    assert.notEqual(mine.token_hash, token);
    assert.match(mine.token_hash, /^[0-9a-f]{64}$/);
    assert.ok(token.startsWith(mine.prefix));
    const again = await agent.get('/profile').expect(200);
    assert.ok(!again.text.includes(token), 'the raw token is shown only once');
    assert.ok(again.text.includes(mine.prefix));
  });

  it('identifies the token owner, and ignores the session cookie under /api', async () => {
    const me = await request(ctx.app).get('/api/v1/me').set('Authorization', auth).expect(200);
    assert.equal(me.body.user.email, 'ada@example.org');
    assert.equal(me.body.user.password_hash, undefined);
    const cookieOnly = await agent.get('/api/v1/me').expect(401);
    assert.equal(cookieOnly.body.error.code, 'unauthorized');
    const row = await ctx.handle.db.selectFrom('api_tokens').select('last_used_at').where('name', '=', 'laptop').executeTakeFirstOrThrow();
    assert.ok(row.last_used_at);
  });

  it('answers public reads without a token and rejects bad tokens with JSON errors', async () => {
    const list = await request(ctx.app).get('/api/v1/challenges').expect(200);
    assert.deepEqual(list.body.challenges.map((c: { slug: string }) => c.slug), ['higgsml']);
    assert.equal(list.body.challenges[0].solution_file, undefined);
    const one = await request(ctx.app).get('/api/v1/challenges/higgsml').expect(200);
    assert.equal(one.body.challenge.metric, 'ams');
    assert.equal(one.body.quota, null);
    const withQuota = await request(ctx.app).get('/api/v1/challenges/higgsml').set('Authorization', auth).expect(200);
    assert.equal(withQuota.body.quota.left, withQuota.body.challenge.dailyLimit);

    const missing = await request(ctx.app).get('/api/v1/challenges/nope').expect(404);
    assert.deepEqual(Object.keys(missing.body.error).sort(), ['code', 'message']);
    assert.equal(missing.body.error.code, 'not_found');
    const badSlug = await request(ctx.app).get('/api/v1/challenges/..%2Fetc').expect(400);
    assert.equal(badSlug.body.error.code, 'invalid_request');
    assert.equal((await request(ctx.app).get('/api/v1/nothing').expect(404)).body.error.code, 'not_found');

    const unknown = await request(ctx.app).get('/api/v1/me').set('Authorization', 'Bearer sift_not-a-real-token').expect(401);
    assert.equal(unknown.body.error.code, 'invalid_token');
    assert.match(unknown.headers['www-authenticate'], /Bearer/);
    assert.equal((await request(ctx.app).get('/api/v1/challenges').set('Authorization', 'Basic abc').expect(401)).body.error.code, 'invalid_token');
    assert.equal((await request(ctx.app).get('/api/v1/challenges/higgsml/quota').expect(401)).body.error.code, 'unauthorized');
  });

  it('submits a file (202), polls its status to a score, and counts the quota', async () => {
    const res = await request(ctx.app)
      .post('/api/v1/challenges/higgsml/submissions')
      .set('Authorization', auth)
      .attach('file', sample(), 'sample_submission.csv.gz')
      .field('message', 'simple window')
      .expect(202);
    assert.equal(res.body.submission.status, 'queued');
    assert.equal(res.body.submission.message, 'simple window');
    assert.equal(res.body.quota.used, 1);
    submissionId = res.body.submission.id;
    assert.equal(res.headers.location, `/api/v1/challenges/higgsml/submissions/${submissionId}`);

    const done = await pollScored(ctx, auth, submissionId);
    assert.equal(done.status, 'scored', done.error ?? '');
    assert.equal(done.publicScore.toFixed(2), '1.59');
    assert.equal(done.privateScore, null, 'private score hidden before close');

    const q = await request(ctx.app).get('/api/v1/challenges/higgsml/quota').set('Authorization', auth).expect(200);
    assert.equal(q.body.quota.used, 1);
    assert.equal(q.body.quota.left, q.body.quota.limit - 1);
    assert.ok(!Number.isNaN(Date.parse(q.body.quota.nextSlotAt)));

    const mine = await request(ctx.app).get('/api/v1/challenges/higgsml/submissions').set('Authorization', auth).expect(200);
    assert.deepEqual(mine.body.submissions.map((s: { id: number }) => s.id), [submissionId]);
  });

  it('rejects a bad file with 422 and every problem listed, without using a slot', async () => {
    const bad = 'EventId,RankOrder,Class\n350000,1,s\n350000,2,x\n';
    const res = await request(ctx.app).post('/api/v1/challenges/higgsml/submissions').set('Authorization', auth).attach('file', Buffer.from(bad), 'bad.csv').expect(422);
    assert.equal(res.body.error.code, 'invalid_submission');
    assert.ok(res.body.error.totalErrors >= 2);
    const issue = res.body.error.errors.find((e: { code: string }) => e.code === 'invalid_class');
    assert.equal(issue.line, 3);
    assert.equal(issue.column, 'Class');
    assert.equal((await request(ctx.app).post('/api/v1/challenges/higgsml/submissions').set('Authorization', auth).field('message', 'x').expect(400)).body.error.code, 'no_file');
    const long = await request(ctx.app).post('/api/v1/challenges/higgsml/submissions').set('Authorization', auth).attach('file', sample(), 's.csv.gz').field('message', 'x'.repeat(501)).expect(400);
    assert.equal(long.body.error.code, 'invalid_request');
    assert.equal(long.body.error.issues[0].field, 'message');
    const q = await request(ctx.app).get('/api/v1/challenges/higgsml/quota').set('Authorization', auth).expect(200);
    assert.equal(q.body.quota.used, 1);
    const leftovers = fs.readdirSync(`${ctx.config.dataDir}/uploads`);
    assert.deepEqual(leftovers, [], 'no temporary upload is left behind');
  });

  it('shows a submission only to its owner, and selects it with a validated body', async () => {
    const other = await userWithToken(ctx, 'bob@example.org');
    const res = await request(ctx.app).get(`/api/v1/challenges/higgsml/submissions/${submissionId}`).set('Authorization', other.auth).expect(404);
    assert.equal(res.body.error.code, 'not_found');
    assert.equal((await request(ctx.app).get('/api/v1/challenges/higgsml/submissions/abc').set('Authorization', auth).expect(400)).body.error.code, 'invalid_request');
    const bad = await request(ctx.app).put(`/api/v1/challenges/higgsml/submissions/${submissionId}/selection`).set('Authorization', auth).send({ selected: 'yes' }).expect(400);
    assert.equal(bad.body.error.issues[0].field, 'selected');
    const ok = await request(ctx.app).put(`/api/v1/challenges/higgsml/submissions/${submissionId}/selection`).set('Authorization', auth).send({ selected: true }).expect(200);
    assert.equal(ok.body.submission.selected, true);
    await request(ctx.app).put(`/api/v1/challenges/higgsml/submissions/${submissionId}/selection`).set('Authorization', other.auth).send({ selected: true }).expect(404);
  });

  it('answers 429 daily_limit with the quota when the daily limit is used up', async () => {
    await ctx.handle.db.updateTable('challenges').set({ daily_limit: 1 }).where('slug', '=', 'higgsml').execute();
    try {
      const res = await request(ctx.app).post('/api/v1/challenges/higgsml/submissions').set('Authorization', auth).attach('file', sample(), 's.csv.gz').expect(429);
      assert.equal(res.body.error.code, 'daily_limit');
      assert.equal(res.body.error.quota.left, 0);
      assert.ok(Date.parse(res.body.error.quota.nextSlotAt) > Date.now());
    } finally {
      await ctx.handle.db.updateTable('challenges').set({ daily_limit: 5 }).where('slug', '=', 'higgsml').execute();
    }
  });

  it('serves the public leaderboard, and the private one only once revealed', async () => {
    const pub = await request(ctx.app).get('/api/v1/challenges/higgsml/leaderboard').expect(200);
    assert.equal(pub.body.board, 'public');
    assert.equal(pub.body.rows[0].name, 'Ada');
    assert.equal(pub.body.rows[0].rank, 1);
    const hidden = await request(ctx.app).get('/api/v1/challenges/higgsml/leaderboard/private').set('Authorization', auth).expect(403);
    assert.equal(hidden.body.error.code, 'private_hidden');
    await request(ctx.app).get('/api/v1/challenges/higgsml/leaderboard/private').expect(403);

    await ctx.handle.db.updateTable('challenges').set({ closes_at: new Date(Date.now() - 1000).toISOString() }).where('slug', '=', 'higgsml').execute();
    const priv = await request(ctx.app).get('/api/v1/challenges/higgsml/leaderboard/private').expect(200);
    assert.equal(priv.body.revealed, true);
    assert.equal(priv.body.rows[0].score.toFixed(2), '1.57');
    const s = await request(ctx.app).get(`/api/v1/challenges/higgsml/submissions/${submissionId}`).set('Authorization', auth).expect(200);
    assert.equal(s.body.submission.privateScore.toFixed(2), '1.57');
    // Without late submissions (issue 12), a closed challenge takes no uploads.
    await ctx.handle.db.updateTable('challenges').set({ late_submissions: 0 }).where('slug', '=', 'higgsml').execute();
    const closed = await request(ctx.app).post('/api/v1/challenges/higgsml/submissions').set('Authorization', auth).attach('file', sample(), 's.csv.gz').expect(403);
    assert.equal(closed.body.error.code, 'challenge_not_open');
  });

  it('refuses a revoked token with 401', async () => {
    const page = await agent.get('/profile').expect(200);
    const id = /action="\/profile\/tokens\/(\d+)\/revoke"/.exec(page.text)![1];
    await agent.post(`/profile/tokens/${id}/revoke`).type('form').send({ _csrf: csrfFrom(page.text) }).expect(303);
    const res = await request(ctx.app).get('/api/v1/me').set('Authorization', auth).expect(401);
    assert.equal(res.body.error.code, 'invalid_token');
    assert.match((await agent.get('/profile').expect(200)).text, /revoked/);
    // Someone else cannot revoke a token that is not theirs.
    const other = await signedInAgent(ctx.app, 'carol@example.org');
    await other.agent.post(`/profile/tokens/${id}/revoke`).type('form').send({ _csrf: other.csrf }).expect(404);
  });
});

describe('token API rate limit', function () {
  let ctx: TestContext;
  before(async () => {
    process.env.SIFT_API_RATE_LIMIT = '3';
    try {
      ctx = await createTestContext({ challenges: ['higgsml'], workers: 0 });
    } finally {
      delete process.env.SIFT_API_RATE_LIMIT;
    }
  });
  after(async () => ctx.close());

  it('limits each token separately and answers 429 rate_limited with Retry-After', async () => {
    const a = await userWithToken(ctx, 'a@example.org', 'admin');
    const b = await userWithToken(ctx, 'b@example.org');
    for (let i = 0; i < 3; i++) await request(ctx.app).get('/api/v1/challenges').set('Authorization', a.auth).expect(200);
    const limited = await request(ctx.app).get('/api/v1/challenges').set('Authorization', a.auth).expect(429);
    assert.equal(limited.body.error.code, 'rate_limited');
    assert.ok(limited.body.error.retryAfterSeconds >= 1);
    assert.ok(Number(limited.headers['retry-after']) >= 1);
    await request(ctx.app).get('/api/v1/challenges').set('Authorization', b.auth).expect(200);
  });
});
