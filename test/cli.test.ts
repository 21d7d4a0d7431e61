import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { signUp } from '../src/accounts/service.js';
import { createApiToken } from '../src/accounts/tokens.js';
import { inviteToken } from '../src/cli/client/team.js';
import { repoRoot } from '../src/paths.js';
import { createTestContext, datasetFile, runCli, type CliRun, type TestContext } from './helpers.js';

describe('sift CLI against a live server', function () {
  this.timeout(120_000);
  let ctx: TestContext;
  let server: Server;
  let url: string;
  let home: string;
  let token: string;
  let work: string;

  /** Runs the CLI with HOME in a temp dir. */
  const sift = (args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> => runCli(args, { PATH: process.env.PATH, HOME: home, ...env }, work);

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

  it('retries an upload whose answer was lost with the same Idempotency-Key, making one submission', async () => {
    // Eve, so that the other tests' counts of Ada's submissions stay as they are.
    const eve = await signUp(ctx.handle.db, { email: 'eve@example.org', name: 'Eve', password: 'correct horse battery' });
    const eveToken = (await createApiToken(ctx.handle.db, eve.id, { name: 'cli' })).token;
    const mine = async () => (await ctx.handle.db.selectFrom('submissions').select('id').where('user_id', '=', eve.id).execute()).map((r) => r.id);
    const before = await mine();
    // A proxy that passes the first request to the server but drops the connection as the answer starts.
    let connections = 0;
    const proxy = net.createServer((client) => {
      const first = connections++ === 0;
      const upstream = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
      client.pipe(upstream);
      upstream.on('data', (chunk) => {
        if (first) {
          client.destroy();
          upstream.destroy();
        } else client.write(chunk);
      });
      upstream.on('end', () => client.end());
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      const r = await sift(['submit', 'higgsml', '-f', datasetFile('higgsml', 'sample_submission.csv.gz'), '--json'], {
        SIFT_SERVER: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
        SIFT_TOKEN: eveToken,
        SIFT_RETRY_BASE_MS: '50',
      });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /retrying in 0\.05 s \(attempt 2 of 4, same Idempotency-Key\)/);
      const after = await mine();
      assert.deepEqual([before.length, after.length], [0, 1], 'the retry made no second submission');
      assert.equal(JSON.parse(r.stdout).submission.id, Math.max(...after));
      assert.ok(connections >= 2);
    } finally {
      await new Promise((r) => proxy.close(r));
    }
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

  describe('team commands', () => {
    // Runs after the tests above (mocha runs a suite's own tests first), so each user's token is passed in the environment.
    let ada: Record<string, string>;
    let bob: Record<string, string>;
    let link: string;
    const teamOf = async (email: string) =>
      (await ctx.handle.db
        .selectFrom('team_members')
        .innerJoin('users', 'users.id', 'team_members.user_id')
        .innerJoin('teams', 'teams.id', 'team_members.team_id')
        .select(['teams.id', 'teams.name'])
        .where('users.email', '=', email)
        .executeTakeFirst()) ?? null;

    before(async () => {
      const b = await signUp(ctx.handle.db, { email: 'bob@example.org', name: 'Bob', password: 'correct horse battery' });
      ada = { SIFT_SERVER: url, SIFT_TOKEN: token };
      bob = { SIFT_SERVER: url, SIFT_TOKEN: (await createApiToken(ctx.handle.db, b.id, { name: 'cli' })).token };
    });

    it('reads an invitation token from a token, a web link or an API accept path', () => {
      const t = 'pQ3ZbX7h2Kd9LmN4rT6vWy8a';
      assert.equal(inviteToken(t), t);
      assert.equal(inviteToken(`https://sift.example.org/teams/join/${t}`), t);
      assert.equal(inviteToken(`http://127.0.0.1:3000/api/v1/invites/${t}/accept`), t);
      assert.throws(() => inviteToken('https://sift.example.org/teams/join/'), /not an invitation token or link/);
      assert.throws(() => inviteToken('short'), /not an invitation token or link/);
    });

    it('shows that you compete alone, then creates a team that takes your submissions', async () => {
      const alone = await sift(['team', 'higgsml'], ada);
      assert.equal(alone.code, 0, alone.stderr);
      assert.match(alone.stdout, /You compete alone in higgsml\. Create a team with `sift team create higgsml <name>` \(at most 5 members\)/);

      const r = await sift(['team', 'create', 'higgsml', 'Ridge Runners'], ada);
      assert.equal(r.code, 0, r.stderr);
      const team = (await teamOf('ada@example.org'))!;
      assert.equal(team.name, 'Ridge Runners');
      assert.equal(r.stdout.trim(), `Created team Ridge Runners (#${team.id}) in higgsml; 1 earlier submission now belongs to it. Invite others with \`sift team invite higgsml\`.`);
      const subs = await ctx.handle.db.selectFrom('submissions').innerJoin('users', 'users.id', 'submissions.user_id').select('team_id').where('users.email', '=', 'ada@example.org').execute();
      assert.deepEqual(subs.map((x) => x.team_id), [team.id]);

      const again = await sift(['team', 'create', 'higgsml', 'Other'], ada);
      assert.equal(again.code, 2, 'a conflict (409) is a usage error');
      assert.match(again.stderr, /already_in_team/);
    });

    it('prints an invitation link that a second user joins with', async () => {
      const r = await sift(['team', 'invite', 'higgsml'], ada);
      assert.equal(r.code, 0, r.stderr);
      const m = new RegExp(`^  (${url.replace(/\./g, '\\.')}/teams/join/([A-Za-z0-9_-]+))$`, 'm').exec(r.stdout);
      assert.ok(m, r.stdout);
      link = m[1];
      assert.match(r.stdout, new RegExp(`sift team join ${m[2]}$`, 'm'));
      const stored = await ctx.handle.db.selectFrom('team_invitations').select('token_hash').execute();
      assert.deepEqual(stored.map((x) => x.token_hash), [createHash('sha256').update(m[2]).digest('hex')]);
      // The link is the web page for joining (behind the login).
      const page = await fetch(link, { redirect: 'manual' });
      assert.equal(page.status, 303);
      assert.equal(page.headers.get('location'), `/login?next=${encodeURIComponent(`/teams/join/${m[2]}`)}`);

      assert.equal((await sift(['team', 'join', 'not-a-token'], bob)).code, 2);
      const joined = await sift(['team', 'join', link], bob);
      assert.equal(joined.code, 0, joined.stderr);
      assert.match(joined.stdout, /^Joined team Ridge Runners \(#\d+\) in higgsml \(HiggsML[^)]*\)\. Members: Ada, Bob\./);
      assert.equal((await teamOf('bob@example.org'))?.name, 'Ridge Runners');

      const shown = await sift(['team', 'higgsml'], bob);
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, /^Team Ridge Runners \(#\d+\) in higgsml$/m);
      assert.match(shown.stdout, /^Members \(2 of at most 5\): Ada, Bob$/m);
      assert.match(shown.stdout, /^Submissions: 1 /m);
      assert.match(shown.stdout, /^Invitations: open until .*UTC; create a link with `sift team invite higgsml`$/m);
      assert.match(shown.stdout, /^Merge requests: none pending$/m);
    });

    it('leaves a team (not once you have submitted for it)', async () => {
      const r = await sift(['team', 'leave', 'higgsml'], bob);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'You left team Ridge Runners in higgsml. You compete alone again.');
      assert.equal(await teamOf('bob@example.org'), null);
      const again = await sift(['team', 'leave', 'higgsml'], bob);
      assert.equal(again.code, 2);
      assert.match(again.stderr, /You are not in a team in 'higgsml'/);
      const adaLeaves = await sift(['team', 'leave', 'higgsml'], ada);
      assert.equal(adaLeaves.code, 2);
      assert.match(adaLeaves.stderr, /cannot_leave/);
      assert.equal((await teamOf('ada@example.org'))?.name, 'Ridge Runners');
    });

    it('asks for a merge, withdraws it, and merges once both teams ask', async () => {
      assert.equal((await sift(['team', 'create', 'higgsml', 'Bob team'], bob)).code, 0);
      const unknown = await sift(['team', 'merge', 'higgsml', 'Nobody'], ada);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /No team 'Nobody' in 'higgsml'\. Teams: 'Bob team', 'Ridge Runners'\./);

      const asked = await sift(['team', 'merge', 'higgsml', 'bob TEAM'], ada);
      assert.equal(asked.code, 0, asked.stderr);
      assert.match(asked.stdout, /^Asked to merge Ridge Runners into Bob team\. It happens when a member of Bob team agrees/);
      const shown = await sift(['team', 'higgsml'], ada);
      assert.match(shown.stdout, /Ridge Runners → Bob team\s+your team \(withdraw: --cancel\)/);
      const theirs = await sift(['team', 'higgsml'], bob);
      assert.match(theirs.stdout, /Ridge Runners → Bob team\s+the other team/);
      // Only the team that asked can withdraw.
      const notYours = await sift(['team', 'merge', 'higgsml', 'Ridge Runners', '--cancel'], bob);
      assert.equal(notYours.code, 2);
      assert.match(notYours.stderr, /Your team has no pending merge request with 'Ridge Runners'/);

      const cancelled = await sift(['team', 'merge', 'higgsml', 'Bob team', '--cancel'], ada);
      assert.equal(cancelled.code, 0, cancelled.stderr);
      assert.equal(cancelled.stdout.trim(), 'Withdrew the request to merge Ridge Runners into Bob team.');
      assert.deepEqual(await ctx.handle.db.selectFrom('team_merge_requests').selectAll().execute(), []);

      // Bob's team now asks (its own request: nothing to agree to), and Ada agrees: Bob's team joins Ridge Runners.
      const bobAsks = await sift(['team', 'merge', 'higgsml', 'Ridge Runners'], bob);
      assert.match(bobAsks.stdout, /^Asked to merge Bob team into Ridge Runners\./);
      const merged = await sift(['team', 'merge', 'higgsml', 'Bob team'], ada);
      assert.equal(merged.code, 0, merged.stderr);
      assert.equal(merged.stdout.trim(), 'Merged Bob team into Ridge Runners. Members: Ada, Bob; 1 submission.');
      assert.equal((await teamOf('bob@example.org'))?.name, 'Ridge Runners');
      assert.deepEqual((await ctx.handle.db.selectFrom('teams').select('name').execute()).map((t) => t.name), ['Ridge Runners']);
    });
  });
});

describe('sift loads the server side only for the commands that need it', function () {
  this.timeout(60_000);
  const main = path.join(repoRoot, 'dist', 'src', 'cli', 'main.js');
  // A module hook that names every server-side package the CLI resolves, one per line on stderr.
  const hook = `data:text/javascript,${encodeURIComponent(`
    import { register } from 'node:module';
    register('data:text/javascript,' + encodeURIComponent(\`
      export async function resolve(specifier, context, next) {
        const r = await next(specifier, context);
        const m = /node_modules\\\\/(kysely|pg|better-sqlite3|express|@tensorflow)\\\\//.exec(r.url);
        if (m) process.stderr.write('server-side: ' + m[1] + '\\\\n');
        return r;
      }\`));`)}`;
  const sift = async (args: string[]) => promisify(execFile)(process.execPath, ['--import', hook, main, ...args], { env: { PATH: process.env.PATH, HOME: os.tmpdir() } });

  it('lists every command in --help without loading Kysely, the database drivers, Express or TensorFlow.js', async () => {
    const { stdout, stderr } = await sift(['--help']);
    for (const command of ['seed', 'import-challenge', 'worker', 'login', 'submit', 'team', 'baseline', 'crowd', 'download']) assert.match(stdout, new RegExp(`^  ${command}\\b`, 'm'));
    assert.doesNotMatch(stderr, /server-side/);
  });

  it('loads a server-side group when it is invoked, with its subcommands', async () => {
    const { stdout, stderr } = await sift(['help', 'baseline']);
    assert.match(stdout, /^ {2}train \[options\] <challenge>/m);
    assert.match(stderr, /server-side: kysely/, 'the hook sees what a server-side command loads');
  });
});
