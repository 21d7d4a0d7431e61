import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { repoRoot } from '../src/app.js';
import { signUp } from '../src/accounts/service.js';
import { createApiToken } from '../src/accounts/tokens.js';
import { createTestContext, datasetFile, type TestContext } from './helpers.js';

const MAIN = path.join(repoRoot, 'dist', 'src', 'cli', 'main.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('sift CLI against a live server', function () {
  this.timeout(120_000);
  let ctx: TestContext;
  let server: Server;
  let url: string;
  let home: string;
  let token: string;
  let work: string;

  /** Runs `node dist/src/cli/main.js ...` asynchronously (the server lives in this process), HOME in a temp dir. */
  const sift = (args: string[], env: Record<string, string | undefined> = {}): Promise<Run> =>
    new Promise((resolve, reject) => {
      const childEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, ...env };
      for (const k of Object.keys(childEnv)) if (childEnv[k] === undefined) delete childEnv[k];
      const child = spawn(process.execPath, [MAIN, ...args], { cwd: work, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });

  before(async () => {
    ctx = await createTestContext({ challenges: ['higgsml'] });
    await signUp(ctx.handle.db, { email: 'root@example.org', name: 'Root', password: 'correct horse battery' }, 'admin');
    const user = await signUp(ctx.handle.db, { email: 'ada@example.org', name: 'Ada', password: 'correct horse battery' });
    token = (await createApiToken(ctx.handle.db, user.id, { name: 'cli' })).token;
    server = ctx.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'sift-cli-home-'));
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'sift-cli-work-'));
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    await ctx.close();
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('refuses a bad token at login (exit 3) and stores nothing', async () => {
    const r = await sift(['login', '--server', url, '--token', 'sift_wrong']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /invalid_token/);
    assert.ok(!fs.existsSync(path.join(home, '.config', 'sift', 'credentials.json')));
  });

  it('logs in and stores the credentials with mode 600', async () => {
    const r = await sift(['login', '--server', `${url}/`, '--token', token]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Logged in to http:\/\/127\.0\.0\.1:\d+ as Ada <ada@example\.org>/);
    const file = path.join(home, '.config', 'sift', 'credentials.json');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), { server: url, token });
  });

  it('respects XDG_CONFIG_HOME', async () => {
    const xdg = path.join(home, 'xdg');
    const r = await sift(['login', '--server', url, '--token', token], { XDG_CONFIG_HOME: xdg });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(fs.existsSync(path.join(xdg, 'sift', 'credentials.json')));
  });

  it('lists challenges', async () => {
    const r = await sift(['challenges']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Slug\s+Title/m);
    assert.match(r.stdout, /^higgsml\s+.*open\s+ams/m);
  });

  it('submits with --wait and prints the score', async () => {
    const r = await sift(['submit', 'higgsml', '-f', datasetFile('higgsml', 'sample_submission.csv.gz'), '-m', 'simple window', '--wait']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Submission #\d+ accepted \(sample_submission\.csv\.gz\)/);
    assert.match(r.stdout, /Scored: public 1\.59\d*/);
    assert.match(r.stdout, /private score hidden/);
    const row = await ctx.handle.db.selectFrom('submissions').selectAll().executeTakeFirstOrThrow();
    assert.equal(row.message, 'simple window');
    assert.equal(row.original_name, 'sample_submission.csv.gz');
    assert.equal(row.size_bytes, fs.statSync(datasetFile('higgsml', 'sample_submission.csv.gz')).size);
  });

  it('lists my submissions and the quota', async () => {
    const r = await sift(['submissions', 'higgsml']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /scored\s+1\.59\d+\s+—/);
    assert.match(r.stdout, /Submissions left today: \d+ of \d+/);
  });

  it('downloads the leaderboard as CSV', async () => {
    const r = await sift(['leaderboard', 'higgsml', '--download', 'board.csv']);
    assert.equal(r.code, 0, r.stderr);
    const lines = fs.readFileSync(path.join(work, 'board.csv'), 'utf8').trim().split('\n');
    assert.equal(lines[0], 'rank,name,members,score,entries,submitted_at,rank_change,baseline,submission_id');
    assert.equal(lines.length, 2);
    const [rank, name, , score] = lines[1].split(',');
    assert.equal(rank, '1');
    assert.equal(name, 'Ada');
    assert.equal(Number(score).toFixed(2), '1.59');
    const shown = await sift(['leaderboard', 'higgsml']);
    assert.match(shown.stdout, /^1\s+Ada\s+1\.59/m);
  });

  it('prints the validation errors as a table and exits 4 for a rejected file', async () => {
    fs.writeFileSync(path.join(work, 'bad.csv'), 'EventId,RankOrder,Class\n350000,1,s\n350000,x,q\n');
    const r = await sift(['submit', 'higgsml', '-f', 'bad.csv', '--wait']);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /invalid_submission/);
    assert.match(r.stderr, /^Line\s+Column\s+Value\s+Problem$/m);
    assert.match(r.stderr, /^3\s+Class\s+q\s+/m);
    assert.match(r.stderr, /Showing \d+ of \d+ problems/);
  });

  it('exits 3 for a hidden private board or a revoked/overridden token, 2 for usage, 5 for network, 6 for the daily limit', async () => {
    assert.equal((await sift(['leaderboard', 'higgsml', '--private'])).code, 3);
    const envToken = await sift(['submissions', 'higgsml'], { SIFT_TOKEN: 'sift_bogus' });
    assert.equal(envToken.code, 3, 'SIFT_TOKEN overrides the stored token');
    assert.equal((await sift(['submit', 'higgsml'])).code, 2, 'missing -f');
    assert.equal((await sift(['submit', 'higgsml', '-f', 'nope.csv'])).code, 2, 'missing file');
    assert.equal((await sift(['challenges'], { SIFT_SERVER: 'http://127.0.0.1:9' })).code, 5);
    assert.equal((await sift(['--help'])).code, 0);

    await ctx.handle.db.updateTable('challenges').set({ daily_limit: 1 }).where('slug', '=', 'higgsml').execute();
    const limited = await sift(['submit', 'higgsml', '-f', datasetFile('higgsml', 'sample_submission.csv.gz')]);
    assert.equal(limited.code, 6, limited.stderr);
    assert.match(limited.stderr, /daily_limit/);
    assert.match(limited.stderr, /Submissions left today: 0 of 1/);
  });

  it('logs out', async () => {
    assert.match((await sift(['logout'])).stdout, /Logged out/);
    const r = await sift(['submissions', 'higgsml'], { SIFT_SERVER: url });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /sift login/);
  });
});
