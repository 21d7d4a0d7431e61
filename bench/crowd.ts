/**
 * `npm run bench:crowd`: votes ingested per second over HTTP on loopback, with each vote updating
 * the subject's online (SWAP) posterior, the volunteer's row and retirement in one transaction.
 * Targets (issue 13): >= 1,500 votes/s with p99 <= 50 ms, and >= 600 serve + vote round trips/s, on
 * PostgreSQL as on SQLite. Prints, asserts nothing; bounded loops, loopback only. It also prints the
 * statements the server sent per vote and per serve + vote, counted at the driver.
 *
 * Phase 1 (ingest): the bench mints genuine serve tokens with the server's stored secret (as the
 * serve endpoint would) and POSTs votes from BENCH_CROWD_CONCURRENCY connections.
 * Phase 2 (round trip): volunteers alternate GET classify (serve) and POST vote, as browsers do.
 * Set TEST_DB=postgres to run on PostgreSQL (TEST_POSTGRES_URL). BENCH_CROWD_ROUTING=entropy serves by
 * entropy routing (default random share), every live subject carrying a seeded entropy.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { AddressInfo } from 'node:net';
import { createTestContext, TEST_DB } from '../test/helpers.js';
import { signUp, startSession, sessionUser } from '../src/accounts/service.js';
import { SESSION_COOKIE } from '../src/web/middleware.js';
import { createWorkflowForSlug } from '../src/crowd/setup.js';
import { signServe, tokenSecret } from '../src/crowd/token.js';
import { workflowById } from '../src/crowd/repo.js';
import { setSubjectEntropy } from '../src/crowd/routing-entropy.js';
import { seededRandom } from '../src/seeded-random.js';
import pg from 'pg';
import SQLite from 'better-sqlite3';

/**
 * Statements the server sends to the database (BEGIN and COMMIT included on PostgreSQL), counted at
 * the driver: each is a round trip to PostgreSQL, a step of the one SQLite connection.
 */
let statements = 0;
/** BENCH_CROWD_SQL=1: statements by their first words, per phase, to see which requests send them. */
const tally = process.env.BENCH_CROWD_SQL === '1' ? new Map<string, number>() : null;
function countStatements(): void {
  const pgQuery = pg.Client.prototype.query as (...a: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client, ...a: unknown[]) {
    statements++;
    if (tally) {
      const text = typeof a[0] === 'string' ? a[0] : String((a[0] as { text?: string })?.text);
      const key = text.replace(/\s+/g, ' ').slice(0, 90);
      tally.set(key, (tally.get(key) ?? 0) + 1);
    }
    return pgQuery.apply(this, a);
  } as typeof pg.Client.prototype.query;
  const probe = new SQLite(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, (...a: unknown[]) => unknown>;
  probe.close();
  for (const m of ['run', 'get', 'all', 'iterate']) {
    const orig = proto[m];
    proto[m] = function (this: unknown, ...a: unknown[]) {
      statements++;
      return orig.apply(this, a);
    };
  }
}

const VOLUNTEERS = Number(process.env.BENCH_CROWD_VOLUNTEERS ?? 40);
const VOTES = Number(process.env.BENCH_CROWD_VOTES ?? 20_000);
const ROUND_TRIPS = Number(process.env.BENCH_CROWD_ROUND_TRIPS ?? 3_000);
const CONCURRENCY = Number(process.env.BENCH_CROWD_CONCURRENCY ?? 16);
const ROUTING = process.env.BENCH_CROWD_ROUTING === 'entropy' ? 'entropy' : 'retirement';
const CLASSES = ['AGN', 'Star', 'XRB', 'CV', 'Other'];

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};


interface Job { cookie: string; csrf: string; body: string }
interface RtUser { cookie: string; csrf: string }

// The load generator uses node:http with keep-alive: fetch (undici) cost the client about 1 ms of CPU
// per request on this 2-core machine, so it, not the server, set the pace.
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
function request(url: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: body === undefined ? 'GET' : 'POST', agent, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The load generator runs in a worker thread: its own event loop, so it does not slow the server's. */
async function clientMain(): Promise<void> {
  const { base, jobs, fresh, concurrency, roundTrips } = workerData as { base: string; jobs: Job[]; fresh: RtUser[]; concurrency: number; roundTrips: number };
  const lat: number[] = [];
  const status: Record<number, number> = {};
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < jobs.length) {
        const j = jobs[next++];
        const s = performance.now();
        const r = await request(`${base}/crowd/xray-sources/votes`, { cookie: j.cookie, 'x-csrf-token': j.csrf, 'content-type': 'application/json', accept: 'application/json' }, j.body);
        lat.push(performance.now() - s);
        status[r.status] = (status[r.status] ?? 0) + 1;
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  parentPort!.postMessage({ phase1Done: true });
  const rtLat: number[] = [];
  let done = 0;
  const t1 = performance.now();
  await Promise.all(
    fresh.map(async (u) => {
      while (done < roundTrips) {
        const s = performance.now();
        const served = JSON.parse((await request(`${base}/crowd/xray-sources/classify`, { cookie: u.cookie, accept: 'application/json' })).text) as { token?: string; subject: unknown };
        if (!served.subject) return;
        await request(`${base}/crowd/xray-sources/votes`, { cookie: u.cookie, 'x-csrf-token': u.csrf, 'content-type': 'application/json', accept: 'application/json' }, JSON.stringify({ token: served.token, answer: 'AGN' }));
        rtLat.push(performance.now() - s);
        done++;
      }
    }),
  );
  parentPort!.postMessage({ lat, status, secs, rtLat, done, secs2: (performance.now() - t1) / 1000 });
}

if (!isMainThread) await clientMain();
else await serverMain();

async function serverMain(): Promise<void> {
// No limits, and no vote too fast: every vote takes the full path (posterior, retirement). The
// workflow cache as in production (the test helpers turn it off).
Object.assign(process.env, { CROWD_WORKFLOW_CACHE_MS: '5000', CROWD_VOTES_PER_MINUTE_USER: '100000000', CROWD_VOTES_PER_MINUTE_IP: '100000000', CROWD_SERVES_PER_MINUTE_IP: '100000000', CROWD_MIN_VOTE_MS: '0' });
// Production settings: the session cache on (the test helpers turn it off).
const ctx = await createTestContext({ challenges: ['xray-sources'], workers: 0, configOverrides: { SESSION_CACHE_MS: 2000 } });
const wfId = await createWorkflowForSlug(ctx.handle, ctx.storage, 'xray-sources', { retirement: 'fixed', retireCount: 20, trainingChances: [0.1], routing: ROUTING });
// The round trips measure the live path, as before earned promotion: no training gate (fresh volunteers who always answer AGN would stay on gold).
await ctx.handle.db.updateTable('crowd_workflows').set({ promote_window: 0 }).where('id', '=', wfId).execute();
if (ROUTING === 'entropy') {
  const wf = (await workflowById(ctx.handle.db, wfId))!;
  const rand = seededRandom(1);
  const names = await ctx.handle.db.selectFrom('crowd_subjects').select('external_id').where('workflow_id', '=', wfId).where('is_gold', '=', 0).where('gold_class', 'is', null).execute();
  await setSubjectEntropy(ctx.handle, wf, new Map(names.map((n) => [n.external_id, CLASSES.map(() => rand())])));
}
const server = ctx.app.listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const users: Array<{ id: number; cookie: string; csrf: string }> = [];
for (let i = 0; i < VOLUNTEERS; i++) {
  const u = await signUp(ctx.handle.db, { email: `bench${i}@example.org`, name: `Bench ${i}`, password: 'correct horse battery' }, 'participant');
  const token = await startSession(ctx.handle.db, u.id, 1);
  const s = await sessionUser(ctx.handle.db, token);
  users.push({ id: u.id, cookie: `${SESSION_COOKIE}=${token}`, csrf: s!.csrf_token });
}
// Warm the app (secret, volunteer rows, JIT) with one serve per volunteer.
for (const u of users) await request(`${base}/crowd/xray-sources/classify`, { cookie: u.cookie, accept: 'application/json' });
const secret = await tokenSecret(ctx.handle.db);
// Trained volunteers, so votes move the posterior: a plausible confusion matrix (70% right).
await ctx.handle.db.updateTable('crowd_volunteers').set({ confusion_json: JSON.stringify(Array.from({ length: 25 }, (_, i) => (i % 6 === 0 ? 14 : 1.5))) }).execute();
const live = (await ctx.handle.db.selectFrom('crowd_subjects').select('id').where('workflow_id', '=', wfId).where('is_gold', '=', 0).orderBy('id').execute()).map((r) => r.id);

// Phase 1: votes only. Volunteer u votes on subjects u, u+V, u+2V, ... (never the same one twice).
const jobs: Array<{ u: (typeof users)[number]; body: string }> = [];
for (let n = 0; jobs.length < VOTES && n < live.length * VOLUNTEERS; n++) {
  const u = users[n % VOLUNTEERS];
  const subjectId = live[Math.floor(n / VOLUNTEERS)];
  const token = signServe(secret, { voter: `u:${u.id}`, workflowId: wfId, subjectId, servedAt: Date.now() - 3000 });
  jobs.push({ u, body: JSON.stringify({ token, answer: CLASSES[(n * 7) % 5 === 0 ? 1 : 0] }) });
}
// Phase 2 volunteers: fresh accounts that serve and vote as a browser does.
const fresh: RtUser[] = [];
for (let i = 0; i < CONCURRENCY; i++) {
  const u = await signUp(ctx.handle.db, { email: `rt${i}@example.org`, name: `RT ${i}`, password: 'correct horse battery' }, 'participant');
  const token = await startSession(ctx.handle.db, u.id, 1);
  fresh.push({ cookie: `${SESSION_COOKIE}=${token}`, csrf: (await sessionUser(ctx.handle.db, token))!.csrf_token });
}
countStatements();
const worker = new Worker(new URL(import.meta.url), { workerData: { base, jobs: jobs.map((j) => ({ cookie: j.u.cookie, csrf: j.u.csrf, body: j.body })), fresh, concurrency: CONCURRENCY, roundTrips: ROUND_TRIPS } });
// The worker reports when phase 1 ends (statements so far are the votes'), then at the end.
let votePhaseStatements = 0;
const cpuAtStart = process.cpuUsage();
let cpuAtPhase1 = cpuAtStart;
const printTally = (label: string, per: number) => {
  if (!tally) return;
  console.log(`statements per ${label}, by their first words:`);
  for (const [k, v] of [...tally].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${(v / per).toFixed(2).padStart(6)}  ${k}`);
  tally.clear();
};
worker.on('message', (m: { phase1Done?: boolean }) => {
  if (m.phase1Done) {
    votePhaseStatements = statements;
    cpuAtPhase1 = process.cpuUsage();
    printTally('vote', jobs.length);
  }
});
const { lat, status, secs, rtLat, done, secs2 } = await new Promise<{ lat: number[]; status: Record<number, number>; secs: number; rtLat: number[]; done: number; secs2: number }>((resolve, reject) => {
  worker.on('message', (m: { phase1Done?: boolean; lat?: number[] }) => {
    if (m.lat) resolve(m as never);
  });
  worker.once('error', reject);
});
const roundTripStatements = statements - votePhaseStatements;
const cpuAtEnd = process.cpuUsage();
printTally('serve + vote', done);
// The process's CPU time (server and load generator threads together): less at the mercy of other
// work on the machine than the rates, though it leaves out PostgreSQL's own.
const cpuMs = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage) => (b.user - a.user + b.system - a.system) / 1000;
await worker.terminate();
const retired = await ctx.handle.db.selectFrom('crowd_subjects').select((eb) => eb.fn.countAll<number>().as('n')).where('retired_at', 'is not', null).executeTakeFirstOrThrow();
console.log(`crowd vote ingestion (${TEST_DB}, ${CONCURRENCY} connections, ${VOLUNTEERS} volunteers, ${live.length} live subjects, fixed retirement at 20)`);
console.log(`  votes:     ${jobs.length} in ${secs.toFixed(2)} s = ${Math.round(jobs.length / secs)} votes/s   (target >= 1,500/s)`);
console.log(`  latency:   p50 ${pct(lat, 50).toFixed(1)} ms, p95 ${pct(lat, 95).toFixed(1)} ms, p99 ${pct(lat, 99).toFixed(1)} ms, max ${Math.max(...lat).toFixed(1)} ms   (target p99 <= 50 ms)`);
console.log(`  statements: ${(votePhaseStatements / jobs.length).toFixed(1)} per vote (${TEST_DB === 'postgres' ? 'round trips, BEGIN and COMMIT included' : 'steps'})`);
console.log(`  node CPU:  ${(cpuMs(cpuAtStart, cpuAtPhase1) / jobs.length).toFixed(2)} ms per vote (server and load generator; load average ${os.loadavg()[0].toFixed(1)})`);
console.log(`  responses: ${Object.entries(status).map(([k, v]) => `${k}: ${v}`).join(', ')} (201 counted or stored; 409 would be duplicates); subjects retired: ${retired.n}`);

console.log(`crowd serve + vote round trips (${CONCURRENCY} volunteers in parallel, ${ROUTING} routing)`);
console.log(`  ${done} classifications in ${secs2.toFixed(2)} s = ${Math.round(done / secs2)}/s; round trip p50 ${pct(rtLat, 50).toFixed(1)} ms, p99 ${pct(rtLat, 99).toFixed(1)} ms`);
console.log(`  statements: ${(roundTripStatements / Math.max(1, done)).toFixed(1)} per serve + vote`);
console.log(`  node CPU:  ${(cpuMs(cpuAtPhase1, cpuAtEnd) / Math.max(1, done)).toFixed(2)} ms per serve + vote`);

server.close();
await ctx.close();

const ds = path.join(path.dirname(new URL(import.meta.url).pathname), 'crowd-aggregators.js');
if (fs.existsSync(ds)) console.log(`Dawid–Skene on 1,000,000 votes: see ${path.relative(process.cwd(), ds)} (run after this one by npm run bench:crowd).`);
else console.log('Dawid–Skene on 1,000,000 votes: dist/bench/crowd-aggregators.js is not built.');
}
