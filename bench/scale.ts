/**
 * `npm run bench:scale`: Sift on several "machines" at once, on this one. Two web processes and up
 * to two `sift worker` processes, each with its own DATA_DIR and sharing nothing but PostgreSQL (its
 * own schema) and S3-protocol storage (an s3rver bucket this bench starts), as docker-compose.yml
 * runs them. It sends BENCH_SCALE_SUBMISSIONS (200) HiggsML predictions through both web processes
 * with the REST API, then checks:
 * - every submission is scored, and scored exactly once (a trigger counts each write of 'scored');
 * - none is lost when one worker is killed with SIGKILL while it scores (its job's lease runs out and
 *   the other worker takes it);
 * - both web processes serve the same boards, and a file uploaded through one downloads from the other.
 * It prints the upload rate and the scoring throughput with 1 worker and with 2. Exits 1 when a check
 * fails. The database is TEST_POSTGRES_URL or DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import S3rver from 's3rver';
import { repoRoot } from '../src/paths.js';
import { loadConfig } from '../src/config.js';
import { openConfiguredDb } from '../src/db/open.js';
import { createApiToken } from '../src/accounts/tokens.js';
import { seededRandom } from '../src/seeded-random.js';

const SUBMISSIONS = Number(process.env.BENCH_SCALE_SUBMISSIONS ?? 200);
const USERS = 20;
const SLUG = 'higgsml';
const LEASE_SECONDS = 6;
const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const cli = path.join(repoRoot, 'dist', 'src', 'cli', 'main.js');
const serverJs = path.join(repoRoot, 'dist', 'src', 'server.js');

const schema = `bench_scale_${process.pid}`;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sift-bench-scale-'));
const children = new Set<ChildProcess>();
const failures: string[] = [];
function check(ok: boolean, what: string): void {
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
}

const bucketDir = path.join(scratch, 's3');
fs.mkdirSync(bucketDir);
const s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: bucketDir, configureBuckets: [{ name: 'sift' }] });
const s3Address = (await s3.run()) as { port: number };
const sharedEnv: NodeJS.ProcessEnv = {
  ...process.env,
  DATABASE_URL: POSTGRES_URL,
  DATABASE_SCHEMA: schema,
  STORAGE_URL: `s3://sift/bench?endpoint=http://127.0.0.1:${s3Address.port}`,
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  SEED_ON_START: 'false',
  SCORING_WORKERS: '0',
  JOB_LEASE_SECONDS: String(LEASE_SECONDS),
  LOG_LEVEL: 'warn',
  NODE_ENV: 'production',
  SIFT_API_RATE_LIMIT: '1000000',
  UPLOADS_IN_FLIGHT_PER_USER: '4',
};
/** Each process gets its own DATA_DIR: nothing on local disk is shared. */
function machineEnv(name: string): NodeJS.ProcessEnv {
  const dir = path.join(scratch, name);
  fs.mkdirSync(dir, { recursive: true });
  return { ...sharedEnv, DATA_DIR: dir };
}

try {
  await main();
} catch (err) {
  failures.push(err instanceof Error ? err.message : String(err));
  console.error(err);
} finally {
  for (const c of children) c.kill('SIGKILL');
  await s3.close();
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
  fs.rmSync(scratch, { recursive: true, force: true });
}
if (failures.length) {
  console.log(`\n${failures.length} check(s) failed.`);
  process.exit(1);
}
console.log('\nAll checks passed.');

async function main(): Promise<void> {
  console.log(`bench:scale on ${os.cpus().length} cores: PostgreSQL schema ${schema}, s3rver on port ${s3Address.port}, ${SUBMISSIONS} submissions from ${USERS} entrants`);
  // The "admin machine": imports the challenge into the shared database and storage.
  await runToEnd(cli, ['import-challenge', path.join(repoRoot, 'datasets', SLUG)], machineEnv('admin'));
  const config = loadConfig({ ...sharedEnv, DATA_DIR: path.join(scratch, 'admin') });
  const handle = await openConfiguredDb(config);
  const { db } = handle;
  const challenge = await db.selectFrom('challenges').select(['id', 'opens_at']).where('slug', '=', SLUG).executeTakeFirstOrThrow();
  await db.updateTable('challenges').set({ daily_limit: SUBMISSIONS }).where('id', '=', challenge.id).execute();
  const tokens: string[] = [];
  for (let i = 0; i < USERS; i++) {
    const user = await db
      .insertInto('users')
      .values({ email: `entrant${i}@scale.example`, name: `Entrant ${i}`, password_hash: 'x', role: 'participant', created_at: new Date().toISOString() })
      .returning('id')
      .executeTakeFirstOrThrow();
    tokens.push((await createApiToken(db, user.id, { name: 'bench' })).token);
  }
  await handle.destroy();
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  await client.query(`SET search_path TO ${schema}`);
  // Outside Sift's code: every write that leaves a submission 'scored' is counted, so a submission scored twice shows.
  await client.query(`CREATE TABLE bench_score_events (submission_id integer NOT NULL)`);
  await client.query(`CREATE FUNCTION bench_note_score() RETURNS trigger AS $$ BEGIN INSERT INTO ${schema}.bench_score_events VALUES (NEW.id); RETURN NEW; END $$ LANGUAGE plpgsql`);
  await client.query(`CREATE TRIGGER bench_score_events AFTER INSERT OR UPDATE ON submissions FOR EACH ROW WHEN (NEW.status = 'scored') EXECUTE FUNCTION bench_note_score()`);

  const webs = [await startWeb('web1'), await startWeb('web2')];
  const predictions = await makePredictions(SUBMISSIONS);
  const firstHalf = Math.floor(SUBMISSIONS / 2);

  console.log('\n1 worker:');
  const up1 = await uploadAll(webs, tokens, predictions.slice(0, firstHalf), 0);
  const w1 = startWorker('worker1');
  const drain1 = await drain(client, firstHalf);
  await stopGracefully(w1);
  const rate1 = await steadyRate(client, 0, Infinity);
  console.log(`  uploads: ${up1.count} through 2 web processes in ${up1.seconds.toFixed(1)} s (${(up1.count / up1.seconds).toFixed(1)}/s)`);
  console.log(`  scoring: ${firstHalf} in ${drain1.seconds.toFixed(1)} s from the worker's start; ${rate1.toFixed(2)} submissions/s once it scored its first`);

  console.log('\n2 workers, one killed with SIGKILL halfway:');
  const rest = SUBMISSIONS - firstHalf;
  const up2 = await uploadAll(webs, tokens, predictions.slice(firstHalf), firstHalf);
  const workers = [startWorker('worker2'), startWorker('worker3')];
  const killAt = firstHalf + Math.floor(rest / 2);
  const beforeKill = await drain(client, killAt);
  workers[0].kill('SIGKILL');
  children.delete(workers[0]);
  const rate2 = await steadyRate(client, up1.lastId, Infinity);
  const afterKill = await drain(client, SUBMISSIONS);
  // The killed worker may have scored its submission and died before marking the job done: that job is taken over once its lease runs out, and finds nothing left to do.
  const settled = await jobsSettle(client);
  console.log(`  uploads: ${up2.count} in ${up2.seconds.toFixed(1)} s (${(up2.count / up2.seconds).toFixed(1)}/s)`);
  console.log(`  scoring: ${killAt - firstHalf} in ${beforeKill.seconds.toFixed(1)} s from the workers' start; ${rate2.toFixed(2)} submissions/s once they scored their first (${(rate2 / rate1).toFixed(2)}× one worker)`);
  console.log(`  after the SIGKILL, the last ${SUBMISSIONS - killAt} were scored in ${afterKill.seconds.toFixed(1)} s, and every job was done ${(afterKill.seconds + settled).toFixed(1)} s after it (the killed worker's job waits out its ${LEASE_SECONDS} s lease)`);
  await stopGracefully(workers[1]);

  console.log('\nChecks:');
  const statuses = await client.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM submissions WHERE is_baseline = 0 GROUP BY status`);
  const byStatus = Object.fromEntries(statuses.rows.map((r) => [r.status, r.n]));
  check(byStatus.scored === SUBMISSIONS && Object.keys(byStatus).length === 1, `all ${SUBMISSIONS} submissions scored (${JSON.stringify(byStatus)})`);
  const events = await client.query<{ n: number; times: number }>(
    `SELECT count(*)::int AS n, times FROM (SELECT submission_id, count(*)::int AS times FROM bench_score_events GROUP BY submission_id) e GROUP BY times ORDER BY times`,
  );
  check(events.rows.length === 1 && events.rows[0].times === 1 && events.rows[0].n === SUBMISSIONS, `each scored exactly once (submissions by times scored: ${events.rows.map((r) => `${r.n}×${r.times}`).join(', ')})`);
  const jobs = await client.query<{ status: string; n: number; retried: number }>(`SELECT status, count(*)::int AS n, sum(CASE WHEN attempts > 1 THEN 1 ELSE 0 END)::int AS retried FROM jobs GROUP BY status`);
  check(jobs.rows.length === 1 && jobs.rows[0].status === 'done', `every job done (${jobs.rows.map((r) => `${r.status} ${r.n}, ${r.retried} taken over after the kill`).join('; ')})`);
  for (const board of ['leaderboard', 'leaderboard?page=2&per_page=5']) {
    const [a, b] = await Promise.all(webs.map((w) => fetch(`${w.base}/api/v1/challenges/${SLUG}/${board}`).then((r) => r.text())));
    const rows = (JSON.parse(a) as { total?: number }).total;
    check(a === b && rows === USERS, `both web processes serve the same /${board} (${rows} entrants)`);
  }
  const page = await Promise.all(webs.map((w) => fetch(`${w.base}/challenges/${SLUG}/leaderboard`).then((r) => r.text())));
  check(page[0] === page[1], 'both web processes render the same leaderboard page');
  // The challenge was imported by another process, with its own DATA_DIR: each web process serves it from the shared storage.
  const original = fs.readFileSync(path.join(repoRoot, 'datasets', SLUG, 'test.csv.gz'));
  for (const w of webs) {
    const res = await fetch(`${w.base}/api/v1/challenges/${SLUG}/data/test.csv.gz`);
    const got = Buffer.from(await res.arrayBuffer());
    check(res.ok && got.equals(original), `${w.name} serves the imported test.csv.gz byte for byte (status ${res.status})`);
  }
  const mine = await fetch(`${webs[1].base}/api/v1/challenges/${SLUG}/submissions/${up1.firstId}`, { headers: { authorization: `Bearer ${tokens[0]}` } });
  check(mine.ok, `a submission sent through web1 is seen through web2 (status ${mine.status})`);
  const sizes = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).length : 0);
  console.log(`  stored objects in the bucket: ${sizes(bucketDir)} entries; per-process DATA_DIRs: ${['web1', 'web2', 'worker1', 'worker2', 'worker3'].map((n) => `${n} ${sizes(path.join(scratch, n))}`).join(', ')}`);
  await client.end();
  for (const w of webs) await stopGracefully(w.child);
}

interface Web {
  name: string;
  base: string;
  child: ChildProcess;
}

async function startWeb(name: string): Promise<Web> {
  const port = await freePort();
  const child = spawnChild(name, serverJs, [], { ...machineEnv(name), PORT: String(port), HOST: '127.0.0.1' });
  const base = `http://127.0.0.1:${port}`;
  const until = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(`${base}/api/v1/challenges`).then((r) => r.ok, () => false);
    if (ok) return { name, base, child };
    if (child.exitCode !== null || Date.now() > until) throw new Error(`${name} did not start`);
    await sleep(200);
  }
}

function startWorker(name: string): ChildProcess {
  return spawnChild(name, cli, ['worker'], machineEnv(name));
}

function spawnChild(name: string, script: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', (d: Buffer) => process.stderr.write(`[${name}] ${d}`));
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function runToEnd(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const child = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  return new Promise((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(script)} ${args[0]} exited with ${code}`)))));
}

async function stopGracefully(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** Distinct HiggsML predictions: the sample's rows, re-ranked and relabelled at random, gzipped. */
async function makePredictions(n: number): Promise<Buffer[]> {
  const sample = zlib.gunzipSync(fs.readFileSync(path.join(repoRoot, 'datasets', SLUG, 'sample_submission.csv.gz'))).toString().trim().split('\n');
  const ids = sample.slice(1).map((l) => l.split(',')[0]);
  const rand = seededRandom(17);
  return Array.from({ length: n }, () => {
    const ranks = ids.map((_, i) => i + 1).sort(() => rand() - 0.5);
    const cut = 0.1 + rand() * 0.2;
    const lines = ids.map((id, i) => `${id},${ranks[i]},${ranks[i] > ids.length * (1 - cut) ? 's' : 'b'}`);
    return zlib.gzipSync(`${sample[0]}\n${lines.join('\n')}\n`);
  });
}

/** Sends the files round-robin through the web processes, a few at a time; returns the first submission's id. */
async function uploadAll(webs: Web[], tokens: string[], files: Buffer[], offset: number) {
  const started = performance.now();
  let next = 0;
  let firstId = 0;
  let lastId = 0;
  const sendOne = async (i: number) => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(files[i])]), `prediction-${offset + i}.csv.gz`);
    form.append('message', `bench ${offset + i}`);
    const web = webs[(offset + i) % webs.length];
    const res = await fetch(`${web.base}/api/v1/challenges/${SLUG}/submissions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens[(offset + i) % tokens.length]}`, 'idempotency-key': crypto.randomUUID() },
      body: form,
    });
    const body = (await res.json()) as { submission?: { id: number }; error?: unknown };
    if (res.status !== 202) throw new Error(`upload ${offset + i} answered ${res.status}: ${JSON.stringify(body)}`);
    if (i === 0) firstId = body.submission!.id;
    lastId = Math.max(lastId, body.submission!.id);
  };
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < files.length) await sendOne(next++);
    }),
  );
  return { count: files.length, seconds: (performance.now() - started) / 1000, firstId, lastId };
}

/**
 * Submissions per second between the first and the last scored of those with ids in (afterId, upToId],
 * from the database's scored_at: the workers' start-up (process start, first solution load) left out.
 */
async function steadyRate(client: pg.Client, afterId: number, upToId: number): Promise<number> {
  const { rows } = await client.query<{ scored_at: string }>(`SELECT scored_at FROM submissions WHERE is_baseline = 0 AND status = 'scored' AND id > $1 AND id <= $2 ORDER BY scored_at`, [afterId, Number.isFinite(upToId) ? upToId : 2 ** 31 - 1]);
  if (rows.length < 2) return NaN;
  return (rows.length - 1) / ((Date.parse(rows[rows.length - 1].scored_at) - Date.parse(rows[0].scored_at)) / 1000);
}

/** Waits until `target` submissions in all are scored (or failed); returns how long that took from the call. */
async function drain(client: pg.Client, target: number) {
  const started = performance.now();
  const until = Date.now() + 600_000;
  for (;;) {
    const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM submissions WHERE is_baseline = 0 AND status IN ('scored', 'failed')`);
    if (rows[0].n >= target) return { seconds: (performance.now() - started) / 1000 };
    if (Date.now() > until) throw new Error(`only ${rows[0].n} of ${target} submissions were scored within 10 minutes`);
    await sleep(50);
  }
}

/** Waits until no job is queued or running; returns the seconds it took. */
async function jobsSettle(client: pg.Client): Promise<number> {
  const started = performance.now();
  const until = Date.now() + 120_000;
  for (;;) {
    const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE status IN ('queued', 'running')`);
    if (rows[0].n === 0) return (performance.now() - started) / 1000;
    if (Date.now() > until) throw new Error(`${rows[0].n} jobs still queued or running after 2 minutes`);
    await sleep(100);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
