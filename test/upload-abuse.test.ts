/**
 * Issue 9, uploads: a participant cannot stall the server (validation off the event loop, a
 * decompressed cap, a header cap, per-user limits), uploads leave no orphaned temporary files,
 * and a retried submission with the same Idempotency-Key creates no second submission.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import request from 'supertest';
import { signUp } from '../src/accounts/service.js';
import { createApiToken } from '../src/accounts/tokens.js';
import { buildApp } from '../src/app.js';
import { repoRoot } from '../src/paths.js';
import { importChallengeFolder } from '../src/challenges/service.js';
import { startUploadRuntime, sweepStaleUploads, STALE_UPLOAD_MS } from '../src/submissions/upload-runtime.js';
import type { UploadValidator } from '../src/submissions/validation.js';
import { createTestContext, csrfFrom, datasetFile, signedInAgent, type TestContext } from './helpers.js';

const sampleGz = fs.readFileSync(datasetFile('higgsml', 'sample_submission.csv.gz'));
const sampleText = zlib.gunzipSync(sampleGz).toString('utf8');

async function userWithToken(ctx: TestContext, email: string) {
  const user = await signUp(ctx.handle.db, { email, name: email.split('@')[0], password: 'correct horse battery' }, 'participant');
  const { token } = await createApiToken(ctx.handle.db, user.id, { name: 'test' });
  return { user, auth: `Bearer ${token}` };
}

const countSubmissions = async (ctx: TestContext): Promise<number> =>
  Number((await ctx.handle.db.selectFrom('submissions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
const uploadsLeft = (ctx: TestContext): string[] => fs.readdirSync(path.join(ctx.config.dataDir, 'uploads'));
const storedFiles = (ctx: TestContext): string[] => {
  const dir = path.join(ctx.config.dataDir, 'submissions');
  return fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => f.includes('.')) : [];
};

/** A validator whose tasks wait for open(), so a test can hold an upload "in validation" as long as it needs. */
function gatedValidator(real: UploadValidator) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let entered!: () => void;
  const started = new Promise<void>((resolve) => (entered = resolve));
  const validator: UploadValidator = {
    validate: async (task) => {
      entered();
      await gate;
      return real.validate(task);
    },
    close: () => real.close(),
  };
  return { validator, started, open };
}

/**
 * A HiggsML-format challenge with n test rows (ids 1..n), so that validating a valid file of it
 * takes a worker thread far longer than serving a page.
 */
function bigChallengeFolder(root: string, n: number): { dir: string; submission: Buffer } {
  const src = path.join(repoRoot, 'datasets', 'higgsml');
  const dir = path.join(root, 'higgsml-big');
  fs.mkdirSync(dir, { recursive: true });
  const sol = ['EventId,Label,Weight,Usage'];
  const sub = ['EventId,RankOrder,Class'];
  for (let i = 1; i <= n; i++) {
    sol.push(`${i},${i % 3 === 0 ? 's' : 'b'},1.5,${i % 5 === 0 ? 'Public' : 'Private'}`);
    sub.push(`${i},${n + 1 - i},${i % 2 === 0 ? 's' : 'b'}`);
  }
  fs.writeFileSync(path.join(dir, 'solution.csv.gz'), zlib.gzipSync(`${sol.join('\n')}\n`, { level: 1 }));
  const header = (f: string) => zlib.gunzipSync(fs.readFileSync(path.join(src, f))).toString('utf8').split('\n', 1)[0];
  // The test file carries the same ids as the solution (import checks that), with zeros for features.
  const testHeader = header('test.csv.gz');
  const zeros = ',0'.repeat(testHeader.split(',').length - 1);
  const testRows = [testHeader];
  for (let i = 1; i <= n; i++) testRows.push(`${i}${zeros}`);
  fs.writeFileSync(path.join(dir, 'test.csv.gz'), zlib.gzipSync(`${testRows.join('\n')}\n`, { level: 1 }));
  fs.writeFileSync(path.join(dir, 'train.csv'), `${header('train.csv.gz')}\n`);
  const yaml = fs.readFileSync(path.join(src, 'challenge.yaml'), 'utf8').replace(/^slug: .*$/m, 'slug: higgsml-big').replace(/^daily_limit: .*$/m, 'daily_limit: 100');
  fs.writeFileSync(path.join(dir, 'challenge.yaml'), yaml);
  // The crowd: section names the field guide, which must be in the folder too.
  fs.copyFileSync(path.join(src, 'field-guide.md'), path.join(dir, 'field-guide.md'));
  return { dir, submission: Buffer.from(`${sub.join('\n')}\n`) };
}

describe('uploads under attack (issue 9)', function () {
  this.timeout(120_000);

  describe('caps on what one file may cost', () => {
    let ctx: TestContext;
    let auth: string;
    before(async () => {
      ctx = await createTestContext({ challenges: ['higgsml'] });
      ({ auth } = await userWithToken(ctx, 'bomber@example.org'));
    });
    after(async () => ctx?.close());

    it('stops a decompression bomb at the cap the challenge needs, says the cap, and stores nothing', async () => {
      // Valid-looking rows for ~40 MB: far more than 11,889 rows can take, though the file is small.
      const rows = sampleText.split('\n').slice(1, 2001).join('\n') + '\n';
      const bomb = zlib.gzipSync(Buffer.concat([Buffer.from('EventId,RankOrder,Class\n'), Buffer.from(rows.repeat(400))]), { level: 6 });
      assert.ok(bomb.length < 1024 * 1024, `bomb is ${bomb.length} bytes`);
      const res = await request(ctx.app).post('/api/v1/challenges/higgsml/submissions').set('Authorization', auth).attach('file', bomb, 'bomb.csv.gz').expect(413);
      assert.equal(res.body.error.code, 'file_too_large');
      assert.match(
        res.body.error.message,
        /^The file is larger than the limit of 2\.\d MiB once decompressed \(the most that 11,889 rows of this challenge can take\); decompression was stopped there\. Nothing was stored\.$/,
      );
      assert.equal(res.body.error.errors[0].code, 'too_large');
      assert.equal(await countSubmissions(ctx), 0);
      assert.deepEqual(uploadsLeft(ctx), []);
      assert.deepEqual(storedFiles(ctx), []);
    });

    it('rejects a million-column header at once, naming line 1', async () => {
      const file = Buffer.from(`EventId,RankOrder,Class${',x'.repeat(1_000_000)}\n${sampleText.split('\n').slice(1).join('\n')}`);
      const res = await request(ctx.app).post('/api/v1/challenges/higgsml/submissions').set('Authorization', auth).attach('file', file, 'wide.csv').expect(422);
      assert.equal(res.body.error.totalErrors, 1);
      const [issue] = res.body.error.errors;
      assert.equal(issue.code, 'line_too_long');
      assert.equal(issue.line, 1);
      assert.equal(issue.message, 'Line 1 (the header) is longer than 64 KiB (1.9 MiB): the header must be EventId,RankOrder,Class.');
      assert.equal(await countSubmissions(ctx), 0);
    });
  });

  describe('the event loop while a big file is validated', () => {
    let ctx: TestContext;
    let big: Buffer;
    before(async () => {
      ctx = await createTestContext({ configOverrides: { UPLOADS_IN_FLIGHT_PER_USER: 1 } });
      const folder = bigChallengeFolder(ctx.config.dataDir, 250_000);
      big = folder.submission;
      await importChallengeFolder(ctx.handle.db, ctx.storage, folder.dir);
    });
    after(async () => ctx?.close());

    it('serves GET / to another user while a worker thread validates a 250,000-row upload', async () => {
      const { agent, csrf } = await signedInAgent(ctx.app, 'big@example.org');
      const other = await signedInAgent(ctx.app, 'reader@example.org');
      const real = ctx.uploads.validator;
      let validating!: () => void;
      const started = new Promise<void>((resolve) => (validating = resolve));
      ctx.uploads.validator = { validate: (task) => (validating(), real.validate(task)), close: () => real.close() };
      const finished: string[] = [];
      const upload = agent
        .post(`/challenges/higgsml-big/submissions?_csrf=${csrf}`)
        .set('Accept', 'application/json')
        .attach('file', big, 'big.csv')
        .then((res) => (finished.push('upload'), res));
      await started;
      const home = await other.agent.get('/');
      finished.push('GET /');
      assert.equal(home.status, 200);
      const res = await upload;
      ctx.uploads.validator = real;
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.equal(res.body.submission.rows, 250_000);
      assert.deepEqual(finished, ['GET /', 'upload'], 'GET / waited for the validation');
    });
  });

  describe('per-user limits', () => {
    let ctx: TestContext;
    before(async () => {
      ctx = await createTestContext({ challenges: ['higgsml'], configOverrides: { UPLOADS_IN_FLIGHT_PER_USER: 2, REJECTED_UPLOADS_PER_HOUR: 3 } });
    });
    after(async () => ctx?.close());

    it('answers 429 with Retry-After to a third upload while two of the same user are in flight, and lets it in after', async () => {
      const { auth } = await userWithToken(ctx, 'eager@example.org');
      const other = await userWithToken(ctx, 'patient@example.org');
      const real = ctx.uploads.validator;
      const gated = gatedValidator(real);
      ctx.uploads.validator = gated.validator;
      const post = (a: string) => request(ctx.app).post('/api/v1/challenges/higgsml/submissions').set('Authorization', a).attach('file', sampleGz, 'sample.csv.gz');
      const first = post(auth).then((r) => r);
      const second = post(auth).then((r) => r);
      await gated.started;
      while ((ctx.uploads.inFlight.get((await ctx.handle.db.selectFrom('users').select('id').where('email', '=', 'eager@example.org').executeTakeFirstOrThrow()).id) ?? 0) < 2) {
        await new Promise((r) => setTimeout(r, 5));
      }
      const third = await post(auth).expect(429);
      assert.equal(third.body.error.code, 'too_many_uploads_in_flight');
      assert.equal(third.body.error.message, 'You already have 2 uploads being received or checked (the limit is 2 at once per user). Wait for one to finish, then send this one again.');
      assert.equal(third.headers['retry-after'], '5');
      // Another user is not held back by this one.
      const theirs = post(other.auth).then((r) => r);
      gated.open();
      assert.equal((await first).status, 202);
      assert.equal((await second).status, 202);
      assert.equal((await theirs).status, 202);
      ctx.uploads.validator = real;
      await post(auth).expect(202);
      assert.deepEqual(uploadsLeft(ctx), []);
    });

    it('answers 429 with Retry-After past the rejected uploads per hour, in every process sharing the database', async () => {
      const { auth } = await userWithToken(ctx, 'sloppy@example.org');
      const bad = Buffer.from('EventId;RankOrder;Class\n1;2;s\n');
      for (let i = 0; i < 3; i++) {
        await request(ctx.app).post('/api/v1/challenges/higgsml/submissions').set('Authorization', auth).attach('file', bad, 'bad.csv').expect(422);
      }
      const res = await request(ctx.app).post('/api/v1/challenges/higgsml/submissions').set('Authorization', auth).attach('file', sampleGz, 'good.csv.gz').expect(429);
      assert.equal(res.body.error.code, 'too_many_rejected_uploads');
      assert.match(res.body.error.message, /^Too many rejected uploads: 3 of your files were rejected in the last hour \(the limit is 3 per hour\)\. Check your file against the format, and try again after \d{4}-\d\d-\d\dT[\d:.]+Z\.$/);
      const retryAfter = Number(res.headers['retry-after']);
      assert.ok(retryAfter > 3500 && retryAfter <= 3600, `Retry-After ${res.headers['retry-after']}`);
      // A second web process on the same database (fresh in-memory state) refuses too.
      const runtime = startUploadRuntime(ctx.config, { inline: true });
      try {
        const app2 = buildApp({ config: ctx.config, storage: ctx.storage, db: ctx.handle, nudgeWorkers: () => undefined, secureCookies: false, uploads: runtime });
        const again = await request(app2).post('/api/v1/challenges/higgsml/submissions').set('Authorization', auth).attach('file', sampleGz, 'good.csv.gz').expect(429);
        assert.equal(again.body.error.code, 'too_many_rejected_uploads');
      } finally {
        await runtime.close();
      }
      assert.equal(await countSubmissions(ctx), 4, 'only the four uploads of the test above were stored');
    });
  });

  describe('temporary files (item 5)', () => {
    let ctx: TestContext;
    before(async () => {
      ctx = await createTestContext({ challenges: ['higgsml'] });
    });
    after(async () => ctx?.close());

    it('answers 404 to a web upload to an unknown challenge without keeping the file', async () => {
      const { agent, csrf } = await signedInAgent(ctx.app, 'lost@example.org');
      const big = Buffer.alloc(3 * 1024 * 1024, 'EventId,RankOrder,Class\n');
      const res = await agent.post(`/challenges/no-such-challenge/submissions?_csrf=${csrf}`).attach('file', big, 'lost.csv').catch((err: { response?: request.Response }) => err.response!);
      assert.equal(res.status, 404);
      assert.deepEqual(uploadsLeft(ctx), []);
    });

    it('removes the temporary file of every rejected web upload (bad file, bad field, bad key)', async () => {
      const { agent, csrf } = await signedInAgent(ctx.app, 'careless@example.org');
      const url = `/challenges/higgsml/submissions?_csrf=${csrf}`;
      await agent.post(url).attach('file', Buffer.from('a;b\n'), 'bad.csv').expect(422);
      await agent.post(url).attach('other', sampleGz, 'sample.csv.gz').expect(400);
      const badKey = await agent.post(url).field('idempotency_key', 'no spaces allowed').attach('file', sampleGz, 'sample.csv.gz').expect(400);
      assert.match(badKey.text, /idempotency_key: may hold only letters, digits and _ \. : -/);
      assert.deepEqual(uploadsLeft(ctx), []);
      assert.equal(await countSubmissions(ctx), 0);
    });

    it('sweeps temporary files older than an hour, at start and on demand, and keeps fresh ones', async () => {
      const dir = path.join(ctx.config.dataDir, 'uploads');
      const old = path.join(dir, 'left-by-a-crash');
      const fresh = path.join(dir, 'being-received');
      fs.writeFileSync(old, 'x');
      fs.writeFileSync(fresh, 'y');
      const past = new Date(Date.now() - STALE_UPLOAD_MS - 60_000);
      fs.utimesSync(old, past, past);
      assert.equal(await sweepStaleUploads(dir), 1);
      assert.deepEqual(uploadsLeft(ctx), ['being-received']);
      fs.writeFileSync(old, 'x');
      fs.utimesSync(old, past, past);
      const runtime = startUploadRuntime(ctx.config, { inline: true });
      try {
        for (let i = 0; i < 200 && fs.existsSync(old); i++) await new Promise((r) => setTimeout(r, 10));
        assert.ok(!fs.existsSync(old), 'the sweep at start removed the stale file');
        assert.ok(fs.existsSync(fresh));
      } finally {
        await runtime.close();
        fs.rmSync(fresh);
      }
    });
  });

  describe('Idempotency-Key (item 10)', () => {
    let ctx: TestContext;
    before(async () => {
      ctx = await createTestContext({ challenges: ['higgsml'] });
    });
    after(async () => ctx?.close());
    const post = (auth: string, key: string | null, file = sampleGz) => {
      const req = request(ctx.app).post('/api/v1/challenges/higgsml/submissions').set('Authorization', auth);
      if (key !== null) req.set('Idempotency-Key', key);
      return req.attach('file', file, 'sample.csv.gz');
    };
    const quotaUsed = async (auth: string) => (await request(ctx.app).get('/api/v1/challenges/higgsml/quota').set('Authorization', auth).expect(200)).body.quota.used;

    it('returns the first submission to a retry with the same key, and takes no second daily slot', async () => {
      const { auth } = await userWithToken(ctx, 'retry@example.org');
      const first = await post(auth, 'retry-0001').expect(202);
      const again = await post(auth, 'retry-0001').expect(200);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal(again.body.submission.id, first.body.submission.id);
      assert.deepEqual(Object.keys(again.body).sort(), Object.keys(first.body).sort());
      assert.equal(await quotaUsed(auth), 1);
      const other = await post(auth, 'retry-0002').expect(202);
      assert.notEqual(other.body.submission.id, first.body.submission.id);
      assert.equal(await quotaUsed(auth), 2);
      // After 24 hours a key is forgotten: it makes a new submission.
      const dayAgo = new Date(Date.now() - 24 * 3600_000 - 1000).toISOString();
      await ctx.handle.db.updateTable('idempotency_keys').set({ created_at: dayAgo }).where('key', '=', 'retry-0001').execute();
      const later = await post(auth, 'retry-0001').expect(202);
      assert.ok(later.body.submission.id > other.body.submission.id);
      assert.equal(await quotaUsed(auth), 3);
    });

    it('makes exactly one submission of two simultaneous requests with the same key', async () => {
      const { auth, user } = await userWithToken(ctx, 'race@example.org');
      const [a, b] = await Promise.all([post(auth, 'race-key-1').then((r) => r), post(auth, 'race-key-1').then((r) => r)]);
      assert.deepEqual([a.status, b.status].sort(), [200, 202]);
      assert.equal(a.body.submission.id, b.body.submission.id);
      const mine = await ctx.handle.db.selectFrom('submissions').select('id').where('user_id', '=', user.id).execute();
      assert.equal(mine.length, 1);
      assert.equal(await quotaUsed(auth), 1);
    });

    it('refuses the same key with a different file (422), and a malformed key (400) before reading the file', async () => {
      const { auth } = await userWithToken(ctx, 'reuse@example.org');
      await post(auth, 'reused-key').expect(202);
      const other = Buffer.from(sampleText.replace(/\n108000,(\d+),b\n/, '\n108000,$1,s\n'));
      const res = await post(auth, 'reused-key', other).expect(422);
      assert.equal(res.body.error.code, 'idempotency_key_reused');
      assert.match(res.body.error.message, /already used at .* with a different file/);
      const bad = await post(auth, 'short').expect(400);
      assert.equal(bad.body.error.message, 'Invalid header: Idempotency-Key must be at least 8 characters.');
      assert.equal(await quotaUsed(auth), 1);
      assert.deepEqual(uploadsLeft(ctx), []);
    });

    it('gives the web form a fresh key per page, so a re-posted form makes one submission', async () => {
      const { agent } = await signedInAgent(ctx.app, 'form@example.org');
      const page = await agent.get('/challenges/higgsml/submit').expect(200);
      const key = /name="idempotency_key" value="([^"]+)"/.exec(page.text)![1];
      const page2 = await agent.get('/challenges/higgsml/submit').expect(200);
      assert.notEqual(/name="idempotency_key" value="([^"]+)"/.exec(page2.text)![1], key);
      const url = `/challenges/higgsml/submissions?_csrf=${csrfFrom(page.text)}`;
      const first = await agent.post(url).field('idempotency_key', key).attach('file', sampleGz, 'sample.csv.gz').expect(303);
      const second = await agent.post(url).field('idempotency_key', key).attach('file', sampleGz, 'sample.csv.gz').expect(303);
      assert.equal(second.headers.location, first.headers.location);
      const mine = await agent.get('/challenges/higgsml/submissions').set('Accept', 'application/json').expect(200);
      assert.equal(mine.body.submissions.length, 1);
      assert.equal(mine.body.quota.used, 1);
    });
  });
});
