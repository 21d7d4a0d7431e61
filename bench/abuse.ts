/**
 * `npm run bench:abuse`: how long GET / takes while decompression bombs are uploaded (issue 9).
 *
 * Starts the app on a loopback port (SQLite, temporary DATA_DIR, the higgsml demo challenge), builds
 * a ~0.4 MB .csv.gz that inflates to ~255 MB of valid-looking EventId,RankOrder,Class rows, and sends
 * three at once, first from one user (the in-flight limit answers the third), then from three users
 * (each validated, so only the decompressed cap and the worker threads protect the event loop).
 * Meanwhile GET / is polled every 20 ms; prints its latency percentiles (and, for comparison, those of
 * 2 s with no upload: the machine's own noise) and the uploads' outcomes. BENCH_ROUNDS (20) rounds each.
 */
import zlib from 'node:zlib';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { signUp } from '../src/accounts/service.js';
import { createApiToken } from '../src/accounts/tokens.js';
import { defaultValidationThreads } from '../src/submissions/validation.js';
import { createTestContext } from '../test/helpers.js';

const POLL_MS = 20;
const BOMB_MB = 255;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);

function bomb(): Buffer {
  const rows: string[] = [];
  // One row repeated: deflate's best case for text rows (~500:1).
  rows.push('108000,1,b');
  const block = Buffer.from(rows.join('\n') + '\n');
  const header = Buffer.from('EventId,RankOrder,Class\n');
  const blocks = Math.floor((BOMB_MB * 1024 * 1024 - header.length) / block.length);
  const plain = Buffer.allocUnsafe(header.length + blocks * block.length);
  header.copy(plain, 0);
  for (let i = 0; i < blocks; i++) block.copy(plain, header.length + i * block.length);
  return zlib.gzipSync(plain, { level: 9 });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Polls GET / every POLL_MS until `work` settles; returns the latencies. */
async function pollWhile<T>(base: string, work: Promise<T>): Promise<{ latencies: number[]; result: T }> {
  const latencies: number[] = [];
  let done = false;
  const poller = (async () => {
    // Bounded: at most 5 minutes of polling.
    for (let i = 0; i < 15_000 && !done; i++) {
      const t0 = performance.now();
      const res = await fetch(`${base}/`);
      await res.arrayBuffer();
      const dt = performance.now() - t0;
      latencies.push(dt);
      if (dt < POLL_MS) await new Promise((r) => setTimeout(r, POLL_MS - dt));
    }
  })();
  const result = await work.finally(() => (done = true));
  await poller;
  return { latencies, result };
}

function summary(latencies: number[]): string {
  const sorted = [...latencies].sort((a, b) => a - b);
  const f = (x: number) => `${x.toFixed(1)} ms`;
  return `${sorted.length} requests, p50 ${f(percentile(sorted, 50))}, p95 ${f(percentile(sorted, 95))}, p99 ${f(percentile(sorted, 99))}, max ${f(sorted[sorted.length - 1])}`;
}

async function upload(base: string, auth: string, file: Buffer, t0: number): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(file)]), 'bomb.csv.gz');
  const res = await fetch(`${base}/api/v1/challenges/higgsml/submissions`, { method: 'POST', headers: { Authorization: auth }, body: form });
  const body = (await res.json()) as { error?: { code: string; message: string } };
  return `${res.status} ${body.error?.code ?? 'accepted'} (${(performance.now() - t0).toFixed(0)} ms)`;
}

async function scenario(name: string, base: string, auths: string[], file: Buffer): Promise<void> {
  const latencies: number[] = [];
  const outcomes = new Map<string, number>();
  // How long the event loop itself was held, apart from the CPU the machine lends this process.
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  for (let round = 0; round < ROUNDS; round++) {
    const t0 = performance.now();
    const r = await pollWhile(base, Promise.all(auths.map((auth) => upload(base, auth, file, t0))));
    latencies.push(...r.latencies);
    for (const o of r.result) {
      const kind = o.replace(/ \(.*/, '');
      outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
    }
    if (round === 0) console.log(`\n${name}\n  first round: ${r.result.join('; ')}`);
  }
  console.log(`  outcomes over ${ROUNDS} rounds: ${[...outcomes].map(([k, n]) => `${n} x ${k}`).join(', ')}`);
  delay.disable();
  console.log(`  GET / during the uploads: ${summary(latencies)}`);
  const ms = (ns: number) => `${(ns / 1e6).toFixed(1)} ms`;
  console.log(`  event-loop delay (monitorEventLoopDelay, 5 ms resolution): p50 ${ms(delay.percentile(50))}, p99 ${ms(delay.percentile(99))}, max ${ms(delay.max)}`);
}

const ctx = await createTestContext({
  challenges: ['higgsml'],
  // The default in-flight limit; the hourly limit of rejected files is lifted so that every round
  // measures validation rather than the limit's cheap 429 (which would stop a real attacker sooner).
  configOverrides: { UPLOADS_IN_FLIGHT_PER_USER: 2, REJECTED_UPLOADS_PER_HOUR: 10_000, LOG_LEVEL: 'error' },
});
const server = ctx.app.listen(0, '127.0.0.1');
await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
try {
  const auths: string[] = [];
  for (const name of ['one', 'two', 'three']) {
    const user = await signUp(ctx.handle.db, { email: `${name}@bench.example`, name, password: 'correct horse battery' }, 'participant');
    auths.push(`Bearer ${(await createApiToken(ctx.handle.db, user.id, { name: 'bench' })).token}`);
  }
  const file = bomb();
  const prefix = zlib.gunzipSync(file.subarray(0, 64), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString('utf8').split('\n');
  console.log(`bomb starts: ${prefix.slice(0, 3).join(' | ')} ...`);
  console.log(`bomb: ${(file.length / 1024).toFixed(0)} KiB gzip, ${BOMB_MB} MiB of rows once decompressed; validation threads: ${ctx.config.VALIDATION_THREADS ?? defaultValidationThreads()}`);
  // Warm up: the first request compiles templates and the first validation loads the solution in a worker.
  await fetch(`${base}/`).then((r) => r.arrayBuffer());
  console.log(`warm-up upload: ${await upload(base, auths[2], file, performance.now())}`);
  const idle = await pollWhile(base, new Promise((r) => setTimeout(r, 2000)));
  console.log(`GET / with no upload (machine noise), 2 s: ${summary(idle.latencies)}`);
  await scenario('three bombs at once from one user', base, [auths[0], auths[0], auths[0]], file);
  await scenario('three bombs at once from three users', base, auths, file);
} finally {
  server.close();
  await ctx.close();
}
