import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http, { type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { signUp } from '../src/accounts/service.js';
import { createApiToken } from '../src/accounts/tokens.js';
import { createTestContext, datasetFile, runCli, type CliRun, type TestContext } from './helpers.js';

const PUBLIC = ['train.csv.gz', 'test.csv.gz', 'sample_submission.csv.gz'];
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** supertest's parser for a binary body: the bytes as a Buffer. */
const binary = (res: request.Response, done: (err: Error | null, body: Buffer) => void) => {
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
};

describe('public data download: API and `sift download`', function () {
  this.timeout(120_000);
  let ctx: TestContext;
  let server: Server;
  let url: string;
  let home: string;
  let work: string;
  let participantToken: string;
  let adminToken: string;

  const sift = (args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> => runCli(args, { PATH: process.env.PATH, HOME: home, SIFT_SERVER: url, ...env }, work);

  before(async () => {
    ctx = await createTestContext({ challenges: ['higgsml', 'xray-sources'], workers: 0 });
    const admin = await signUp(ctx.handle.db, { email: 'root@example.org', name: 'Root', password: 'correct horse battery' }, 'admin');
    const ada = await signUp(ctx.handle.db, { email: 'ada@example.org', name: 'Ada', password: 'correct horse battery' });
    adminToken = (await createApiToken(ctx.handle.db, admin.id, { name: 'cli' })).token;
    participantToken = (await createApiToken(ctx.handle.db, ada.id, { name: 'cli' })).token;
    server = ctx.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'sift-dl-home-'));
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'sift-dl-work-'));
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    await ctx.close();
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  });

  describe('API', () => {
    it('lists the public files with sizes, sha256 and download paths, and never the solution', async () => {
      const res = await request(ctx.app).get('/api/v1/challenges/higgsml/data').expect(200).expect('Content-Type', /json/);
      assert.deepEqual(
        res.body.files,
        PUBLIC.map((name, i) => {
          const bytes = fs.readFileSync(datasetFile('higgsml', name));
          return { name, role: ['train', 'test', 'sample_submission'][i], sizeBytes: bytes.length, sha256: sha256(bytes), url: `/api/v1/challenges/higgsml/data/${name}` };
        }),
      );
      assert.doesNotMatch(res.text, /solution/i);
    });

    it('streams each file as an attachment, byte for byte', async () => {
      for (const name of PUBLIC) {
        const res = await request(ctx.app).get(`/api/v1/challenges/xray-sources/data/${name}`).buffer(true).parse(binary).expect(200);
        assert.match(res.headers['content-disposition'], new RegExp(`^attachment; filename="?${name.replace(/\./g, '\\.')}"?$`));
        assert.ok(Buffer.isBuffer(res.body));
        assert.equal(sha256(res.body), sha256(fs.readFileSync(datasetFile('xray-sources', name))), name);
      }
    });

    it('answers 404 JSON naming the file and the available ones for the solution, other files of the folder and ../ tricks', async () => {
      for (const name of ['solution.csv.gz', 'challenge.yaml', '.train.csv.gz.summary.json', '..%2Fsolution.csv.gz', '%2E%2E%2F%2E%2E%2Fsift.db', 'nope.csv']) {
        const res = await request(ctx.app).get(`/api/v1/challenges/higgsml/data/${name}`).expect(404).expect('Content-Type', /json/);
        assert.equal(res.body.error.code, 'unknown_file', name);
        assert.deepEqual(res.body.error.available, PUBLIC);
        assert.equal(res.body.error.file, decodeURIComponent(name));
        assert.match(res.body.error.message, /^No data file '.+' in challenge 'higgsml'\. Available: train\.csv\.gz, test\.csv\.gz, sample_submission\.csv\.gz\.$/);
      }
      const unknown = await request(ctx.app).get('/api/v1/challenges/nope/data').expect(404);
      assert.equal(unknown.body.error.code, 'not_found');
    });

    it('keeps the solution out even after the close with open data, where the web publishes it', async () => {
      await ctx.handle.db.updateTable('challenges').set({ closes_at: '2026-01-01T00:00:00.000Z', open_data: 1 }).where('slug', '=', 'xray-sources').execute();
      try {
        const list = await request(ctx.app).get('/api/v1/challenges/xray-sources/data').expect(200);
        assert.deepEqual(list.body.files.map((f: { name: string }) => f.name), PUBLIC);
        await request(ctx.app).get('/api/v1/challenges/xray-sources/data/solution.csv.gz').expect(404);
      } finally {
        await ctx.handle.db.updateTable('challenges').set({ closes_at: '2027-12-31T23:59:59.000Z', open_data: 0 }).where('slug', '=', 'xray-sources').execute();
      }
    });

    it('follows the web download links: anyone for a published challenge; a draft only for its organizers', async () => {
      // The web links and the API agree on a published challenge, with or without a token.
      await request(ctx.app).get('/challenges/higgsml/data/train.csv.gz').expect(200);
      await request(ctx.app).get('/api/v1/challenges/higgsml/data/train.csv.gz').set('Authorization', `Bearer ${participantToken}`).expect(200);
      await request(ctx.app).get('/api/v1/challenges/higgsml/data').set('Authorization', 'Bearer sift_wrong').expect(401);
      await ctx.handle.db.updateTable('challenges').set({ state: 'draft' }).where('slug', '=', 'higgsml').execute();
      try {
        await request(ctx.app).get('/challenges/higgsml/data/train.csv.gz').expect(404);
        for (const p of ['/api/v1/challenges/higgsml/data', '/api/v1/challenges/higgsml/data/train.csv.gz']) {
          await request(ctx.app).get(p).expect(404);
          await request(ctx.app).get(p).set('Authorization', `Bearer ${participantToken}`).expect(404);
          await request(ctx.app).get(p).set('Authorization', `Bearer ${adminToken}`).expect(200);
        }
      } finally {
        await ctx.handle.db.updateTable('challenges').set({ state: 'published' }).where('slug', '=', 'higgsml').execute();
      }
    });
  });

  describe('sift download', () => {
    it('downloads every public file into the folder, checks each sha256 and says what it wrote', async () => {
      const r = await sift(['download', 'higgsml', '-p', 'data/higgs']);
      assert.equal(r.code, 0, r.stderr);
      const dir = path.join(work, 'data', 'higgs');
      assert.deepEqual(fs.readdirSync(dir).sort(), [...PUBLIC].sort(), 'the public files and nothing else (no .part left)');
      for (const name of PUBLIC) {
        assert.ok(fs.readFileSync(path.join(dir, name)).equals(fs.readFileSync(datasetFile('higgsml', name))), name);
        assert.match(r.stdout, new RegExp(`^Wrote data/higgs/${name.replace(/\./g, '\\.')} \\([\\d.]+ kB, sha256 [0-9a-f]{12}… verified\\)$`, 'm'));
      }
      assert.doesNotMatch(r.stdout + r.stderr, /\[=*-*\]|solution/, 'no progress bar when stdout is not a terminal');
    });

    it('downloads one file with -f into the current folder', async () => {
      const r = await sift(['download', 'xray-sources', '-f', 'test.csv.gz'], { SIFT_TOKEN: participantToken });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim().split('\n').length, 1);
      assert.ok(fs.readFileSync(path.join(work, 'test.csv.gz')).equals(fs.readFileSync(datasetFile('xray-sources', 'test.csv.gz'))));
    });

    it('refuses the solution, an unknown challenge and a draft with clear messages', async () => {
      const solution = await sift(['download', 'higgsml', '-f', 'solution.csv.gz', '-p', 'none']);
      assert.equal(solution.code, 2);
      assert.match(solution.stderr, /No data file 'solution\.csv\.gz' in challenge 'higgsml'\. Available: train\.csv\.gz, test\.csv\.gz, sample_submission\.csv\.gz\./);
      assert.ok(!fs.existsSync(path.join(work, 'none')));

      const unknown = await sift(['download', 'nope']);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /Error \(not_found\): No challenge 'nope'\./);

      await ctx.handle.db.updateTable('challenges').set({ state: 'draft' }).where('slug', '=', 'xray-sources').execute();
      try {
        const hidden = await sift(['download', 'xray-sources', '-p', 'draft'], { SIFT_TOKEN: participantToken });
        assert.equal(hidden.code, 2);
        assert.match(hidden.stderr, /No challenge 'xray-sources'/);
        const bad = await sift(['download', 'xray-sources'], { SIFT_TOKEN: 'sift_wrong' });
        assert.equal(bad.code, 3, 'a wrong token is an authentication error');
        assert.match(bad.stderr, /invalid_token/);
        const organizer = await sift(['download', 'xray-sources', '-p', 'draft', '-f', 'train.csv.gz'], { SIFT_TOKEN: adminToken });
        assert.equal(organizer.code, 0, organizer.stderr);
      } finally {
        await ctx.handle.db.updateTable('challenges').set({ state: 'published' }).where('slug', '=', 'xray-sources').execute();
      }
    });

    it('says when it cannot write the folder', async () => {
      fs.writeFileSync(path.join(work, 'a-file'), 'x');
      const r = await sift(['download', 'higgsml', '-p', 'a-file/inside']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^Error: Could not write a-file\/inside: a part of the path is a file, not a folder\.$/m);
    });

    it('keeps nothing of a file whose bytes do not match the listed sha256, and of names that are not plain file names', async () => {
      const body = Buffer.from('id,x\n1,2\n');
      let listed = [{ name: 'a.csv', role: 'train', sizeBytes: body.length, sha256: '0'.repeat(64), url: '/api/v1/challenges/fake/data/a.csv' }];
      const fake = http.createServer((req, res) => {
        if (req.url === '/api/v1/challenges/fake/data') return void res.setHeader('Content-Type', 'application/json').end(JSON.stringify({ files: listed }));
        res.end(body);
      });
      await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
      try {
        const env = { SIFT_SERVER: `http://127.0.0.1:${(fake.address() as AddressInfo).port}` };
        const damaged = await sift(['download', 'fake', '-p', 'fake'], env);
        assert.equal(damaged.code, 5);
        assert.match(damaged.stderr, /a\.csv arrived damaged \(9 of 9 bytes, sha256 [0-9a-f]{12}… instead of 000000000000…\); nothing was kept/);
        assert.deepEqual(fs.readdirSync(path.join(work, 'fake')), []);
        listed = [{ ...listed[0], name: '../escaped.csv', sha256: sha256(body) }];
        const escaping = await sift(['download', 'fake', '-p', 'fake'], env);
        assert.equal(escaping.code, 5);
        assert.match(escaping.stderr, /not a plain file name: '\.\.\/escaped\.csv'/);
        assert.ok(!fs.existsSync(path.join(work, 'escaped.csv')));
      } finally {
        await new Promise((r) => fake.close(r));
      }
    });
  });
});
