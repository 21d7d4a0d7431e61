/**
 * `npm run bench:leaderboard`: a HiggsML board of 1,000 entrants × 20 scored submissions (seeded
 * straight into the database), loaded with autocannon on loopback: the public page (a visitor, and a
 * signed-in entrant whose row is pinned) and the JSON API. Issue 13's goal: each >= 2,000 req/s with
 * p99 <= 20 ms on SQLite, >= 1,000 req/s on PostgreSQL. Prints, asserts nothing. Each run also prints the server
 * process's CPU per request, which varies less than req/s on a shared machine, and the SQLite pass ends
 * with yardsticks: Express alone sending the page's bytes, then the full board's JSON, under the same load.
 *
 * For each target it prints the cold request (the board just changed: computed, then served) and a
 * run right after it (warm-up included), then the warm run. SQLite first; then PostgreSQL in its own
 * schema when TEST_POSTGRES_URL or DATABASE_URL is set (a child process: the database is chosen at load).
 * BENCH_LEADERBOARD_SECONDS (10), BENCH_LEADERBOARD_CONNECTIONS (32), BENCH_LEADERBOARD_ENTRANTS (1000),
 * BENCH_LEADERBOARD_SUBMISSIONS (20 per entrant); BENCH_LEADERBOARD_ONLY (a word of the targets' names, such as
 * "visitor" or "API", to run only those: for profiling one target).
 */
import { fork, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import autocannon from 'autocannon';
import express from 'express';

const SECONDS = Number(process.env.BENCH_LEADERBOARD_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_LEADERBOARD_CONNECTIONS ?? 32);
const ENTRANTS = Number(process.env.BENCH_LEADERBOARD_ENTRANTS ?? 1000);
const PER_ENTRANT = Number(process.env.BENCH_LEADERBOARD_SUBMISSIONS ?? 20);
const ONLY = process.env.BENCH_LEADERBOARD_ONLY;
/**
 * wrk (Debian's package) when it is installed, as the issue measured with: written in C, it leaves
 * more of the two cores to the server than autocannon, which saturated its own core before the server
 * on the gzipped board. BENCH_LEADERBOARD_LOADER=autocannon chooses autocannon (from npm, always there).
 */
const LOADER = process.env.BENCH_LEADERBOARD_LOADER ?? (spawnSync('wrk', ['--version']).error ? 'autocannon' : 'wrk');
const SLUG = 'higgsml';

interface Target {
  name: string;
  path: string;
  headers: Record<string, string>;
}
interface Load {
  url: string;
  headers: Record<string, string>;
  seconds: number;
}
interface Figures {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  requests: number;
  /** The server process's CPU (user + system) per request over the run: steadier than req/s on a shared machine. */
  cpuMsPerRequest?: number;
}

// The load generator runs in a child process, so it does not slow the server's event loop (autocannon
// takes a worker thread for one of its own).
if (process.env.BENCH_LEADERBOARD_LOAD) {
  const { url, headers, seconds } = JSON.parse(process.env.BENCH_LEADERBOARD_LOAD) as Load;
  const r = await autocannon({ url, headers, connections: CONNECTIONS, duration: seconds });
  process.send!({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors + r.timeouts, requests: r.requests.total } satisfies Figures);
} else if (!process.env.TEST_DB) {
  // Each database in its own process: test/helpers.ts picks the database when it loads.
  const self = fileURLToPath(import.meta.url);
  const pg = process.env.TEST_POSTGRES_URL ?? process.env.DATABASE_URL;
  for (const db of pg ? ['sqlite', 'postgres'] : ['sqlite']) {
    const env: NodeJS.ProcessEnv = { ...process.env, TEST_DB: db, ...(db === 'postgres' ? { TEST_POSTGRES_URL: pg } : {}) };
    delete env.DATABASE_URL;
    const run = spawnSync(process.execPath, [self], { env, stdio: 'inherit' });
    if (run.status !== 0) process.exitCode = run.status ?? 1;
  }
  if (!pg) console.log('PostgreSQL skipped: set TEST_POSTGRES_URL (or DATABASE_URL) to bench it too.');
} else {
  await serverMain();
}

/**
 * What this machine and load generator allow any Express app: one route sending `body` (the page's
 * bytes, or the full board's JSON) from memory, with no middleware, no database and no ETag. The goals were set on another
 * machine; this says how far this one is from them before Sift's own work starts.
 */
async function yardstick(name: string, body: Buffer, type: string, line: (name: string, f: Figures) => void): Promise<void> {
  const bare = express();
  bare.disable('etag');
  bare.get('/', (_req, res) => void res.type(type).send(body));
  const server = bare.listen(0, '127.0.0.1');
  await once(server, 'listening');
  line(`yardstick: Express alone, ${name}`, await load(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, {}, SECONDS));
  server.close();
}

/** The server process's CPU (user + system) since `start`, per request of the run. A declaration, not a const: serverMain runs above, at the module's top level, before a const here would be set. */
function cpuMsPerRequest(start: NodeJS.CpuUsage, requests: number): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / Math.max(1, requests);
}

/** One run of wrk (2 threads, as the issue's), its figures read off its report. */
function loadWithWrk(url: string, headers: Record<string, string>, seconds: number): Promise<Figures> {
  const args = ['-t2', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]), url];
  const cpu = process.cpuUsage();
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      const ms = (pct: string) => {
        const m = new RegExp(`^\\s*${pct}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(out);
        return m ? Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2] as 'us' | 'ms' | 's'] : NaN;
      };
      const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
      const errors = (/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out) ?? []).slice(1).reduce((a, b) => a + Number(b), 0);
      if (code !== 0 || !Number.isFinite(requests)) return reject(new Error(`wrk exited with ${code}:\n${out}`));
      resolve({
        rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
        p50: ms('50'),
        p99: ms('99'),
        non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
        errors,
        requests,
        cpuMsPerRequest: cpuMsPerRequest(cpu, requests),
      });
    });
  });
}

function load(url: string, headers: Record<string, string>, seconds: number): Promise<Figures> {
  if (LOADER === 'wrk') return loadWithWrk(url, headers, seconds);
  const child = fork(fileURLToPath(import.meta.url), { env: { ...process.env, BENCH_LEADERBOARD_LOAD: JSON.stringify({ url, headers, seconds } satisfies Load) } });
  const cpu = process.cpuUsage();
  return new Promise((resolve, reject) => {
    child.once('message', (m) => {
      const f = m as Figures;
      resolve({ ...f, cpuMsPerRequest: cpuMsPerRequest(cpu, f.requests) });
    });
    child.once('error', reject);
    child.once('exit', (code) => code !== 0 && reject(new Error(`the load generator exited with ${code}`)));
  });
}

async function serverMain(): Promise<void> {
  process.env.SIFT_API_RATE_LIMIT = '100000000';
  const { createTestContext, TEST_DB } = await import('../test/helpers.js');
  const { startSession } = await import('../src/accounts/service.js');
  const { SESSION_COOKIE } = await import('../src/web/middleware.js');
  const { bumpBoardVersion } = await import('../src/leaderboards/cache.js');
  const { seededRandom } = await import('../src/seeded-random.js');

  const t0 = performance.now();
  // Production settings: the session cache on (the test helpers turn it off).
  const ctx = await createTestContext({ challenges: [SLUG], workers: 0, configOverrides: { SESSION_CACHE_MS: 2000 } });
  const { db } = ctx.handle;
  const c = await db.selectFrom('challenges').select(['id', 'opens_at']).where('slug', '=', SLUG).executeTakeFirstOrThrow();
  const rand = seededRandom(13);
  const start = Date.parse(c.opens_at);
  const span = Math.max(1, Date.now() - start);
  const userIds: number[] = [];
  for (let i = 0; i < ENTRANTS; i += 500) {
    const batch = Array.from({ length: Math.min(500, ENTRANTS - i) }, (_, k) => ({ email: `entrant${i + k}@bench.example`, name: `Entrant ${i + k}`, password_hash: 'x', role: 'participant' as const, created_at: new Date(start).toISOString() }));
    userIds.push(...(await db.insertInto('users').values(batch).returning('id').execute()).map((r) => r.id));
  }
  const rows = [];
  for (const userId of userIds) {
    const skill = 2 + rand() * 1.5;
    for (let k = 0; k < PER_ENTRANT; k++) {
      const at = new Date(start + rand() * span * 0.99).toISOString();
      const pub = skill + (rand() - 0.5) * 0.4;
      rows.push({
        challenge_id: c.id, user_id: userId, team_id: null, file_path: `submissions/bench/${userId}-${k}.csv`, original_name: 'p.csv', sha256: `${userId}-${k}`.padStart(64, '0'), size_bytes: 1, row_count: 1, message: null,
        status: 'scored' as const, error: null, warnings_json: null, public_score: pub, private_score: pub + (rand() - 0.5) * 0.2, details_json: null, scorer_version: 'ams@1', solution_sha256: 'x',
        selected: 0, is_baseline: 0, created_at: at, scored_at: at,
      });
    }
  }
  for (let i = 0; i < rows.length; i += 500) await db.insertInto('submissions').values(rows.slice(i, i + 500)).execute();
  await bumpBoardVersion(db, c.id);
  const viewer = userIds[Math.floor(userIds.length * 0.7)];
  const cookie = `${SESSION_COOKIE}=${await startSession(db, viewer, 1)}`;
  console.log(`\n${TEST_DB}: seeded ${ENTRANTS} entrants × ${PER_ENTRANT} scored submissions in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${CONNECTIONS} connections (${LOADER}), ${SECONDS} s per run (machine shared: figures under load unless it is quiet)`);

  // As in production (NODE_ENV=production): templates compiled once, not on every render.
  ctx.app.enable('view cache');
  const server = ctx.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const targets: Target[] = [
    { name: 'page (visitor)', path: `/challenges/${SLUG}/leaderboard`, headers: {} },
    { name: 'page (signed-in entrant)', path: `/challenges/${SLUG}/leaderboard`, headers: { cookie } },
    { name: 'API /api/v1 leaderboard', path: `/api/v1/challenges/${SLUG}/leaderboard`, headers: {} },
    { name: 'API, gzip (as clients send)', path: `/api/v1/challenges/${SLUG}/leaderboard`, headers: { 'accept-encoding': 'gzip' } },
    { name: 'API, page of 50 rows', path: `/api/v1/challenges/${SLUG}/leaderboard?page=1&per_page=50`, headers: {} },
  ];
  const line = (name: string, f: Figures) =>
    console.log(`  ${name.padEnd(44)} ${f.rps.toFixed(0).padStart(7)} req/s   p50 ${f.p50.toFixed(1).padStart(6)} ms   p99 ${f.p99.toFixed(1).padStart(6)} ms   server CPU ${f.cpuMsPerRequest!.toFixed(3)} ms/req${f.non2xx || f.errors ? `   (${f.non2xx} non-2xx, ${f.errors} errors)` : ''}`);
  for (const t of targets.filter((target) => !ONLY || target.name.includes(ONLY))) {
    // Cold: the board just changed (as after a scored submission), so the first request computes it.
    await bumpBoardVersion(db, c.id);
    const s = performance.now();
    const first = await fetch(base + t.path, { headers: t.headers });
    await first.text();
    console.log(`${t.name}: cold request ${(performance.now() - s).toFixed(0)} ms (status ${first.status})`);
    await bumpBoardVersion(db, c.id);
    line('  from cold, 2 s (warm-up included)', await load(base + t.path, t.headers, 2));
    line(`  warm, ${SECONDS} s`, await load(base + t.path, t.headers, SECONDS));
  }
  const etag = (await fetch(`${base}/api/v1/challenges/${SLUG}/leaderboard`)).headers.get('etag')!;
  line('API with If-None-Match (304s), warm', await load(`${base}/api/v1/challenges/${SLUG}/leaderboard`, { 'if-none-match': etag }, SECONDS));
  if (TEST_DB === 'sqlite') {
    // What the same load costs with none of Sift's work, for the page's bytes and the full board's JSON.
    const bytes = async (path: string) => Buffer.from(await (await fetch(base + path)).arrayBuffer());
    const page = await bytes(targets[0].path);
    const json = await bytes(targets[2].path);
    await yardstick(`the page's ${(page.length / 1024).toFixed(0)} KiB`, page, 'html', line);
    await yardstick(`the API's ${(json.length / 1024).toFixed(0)} KiB`, json, 'json', line);
  }
  server.close();
  await ctx.close();
}
