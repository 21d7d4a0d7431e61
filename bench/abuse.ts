/**
 * `npm run bench:abuse`: how long GET / takes while decompression bombs are uploaded (issue 9).
 *
 * Starts the app on a loopback port (SQLite, temporary DATA_DIR, the higgsml demo challenge), builds
 * a ~0.4 MB .csv.gz that inflates to ~255 MB of valid-looking EventId,RankOrder,Class rows, and sends
 * three at once, first from one user (the in-flight limit answers the third), then from three users
 * (each validated, so only the decompressed cap and the worker threads protect the event loop).
 * Meanwhile GET / is polled every 10 ms; prints its latency percentiles (and, for comparison, those of
 * 2 s with no upload: the machine's own noise) and the uploads' outcomes. BENCH_ROUNDS (40) rounds each.
 *
 * The clients (poller and uploaders) run in a worker thread with keep-alive node:http, so the figures
 * are the server's as an outside client sees them: a client on the server's own event loop would add
 * its own work to every latency it measures.
 */
import http from 'node:http';
import zlib from 'node:zlib';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { signUp } from '../src/accounts/service.js';
import { createApiToken } from '../src/accounts/tokens.js';
import { defaultValidationThreads } from '../src/submissions/validation.js';
import { createTestContext } from '../test/helpers.js';

const POLL_MS = 10;
const BOMB_MB = 255;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);

interface ClientJob {
  base: string;
  auths: string[];
  file: Uint8Array;
}

type ClientMessage = { kind: 'line'; text: string } | { kind: 'scenario'; phase: 'start' | 'end' };

function bomb(): Buffer {
  // One row repeated: deflate's best case for text rows (~500:1).
  const block = Buffer.from('108000,1,b\n');
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

function summary(latencies: number[]): string {
  const sorted = [...latencies].sort((a, b) => a - b);
  const f = (x: number) => `${x.toFixed(1)} ms`;
  return `${sorted.length} requests, p50 ${f(percentile(sorted, 50))}, p95 ${f(percentile(sorted, 95))}, p99 ${f(percentile(sorted, 99))}, max ${f(sorted[sorted.length - 1])}`;
}

/** The client side, in its own thread: polls GET / while uploads run, and reports lines of figures. */
async function runClients({ base, auths, file }: ClientJob): Promise<void> {
  const post = (m: ClientMessage) => parentPort!.postMessage(m);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const send = (method: string, path: string, headers: http.OutgoingHttpHeaders = {}, body?: Buffer) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(`${base}${path}`, { method, agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject).end(body);
    });

  const boundary = 'sift-bench-boundary';
  const multipart = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bomb.csv.gz"\r\nContent-Type: application/gzip\r\n\r\n`),
    Buffer.from(file),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const upload = async (auth: string, t0: number) => {
    const res = await send('POST', '/api/v1/challenges/higgsml/submissions', { Authorization: auth, 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': multipart.length }, multipart);
    const code = (JSON.parse(res.text) as { error?: { code: string } }).error?.code ?? 'accepted';
    return `${res.status} ${code} (${(performance.now() - t0).toFixed(0)} ms)`;
  };

  /** Polls GET / every POLL_MS until `work` settles; returns the latencies. */
  const pollWhile = async <T>(work: Promise<T>) => {
    const latencies: number[] = [];
    let done = false;
    const poller = (async () => {
      // Bounded: at most 5 minutes of polling.
      for (let i = 0; i < 30_000 && !done; i++) {
        const t0 = performance.now();
        await send('GET', '/');
        const dt = performance.now() - t0;
        latencies.push(dt);
        if (dt < POLL_MS) await new Promise((r) => setTimeout(r, POLL_MS - dt));
      }
    })();
    const result = await work.finally(() => (done = true));
    await poller;
    return { latencies, result };
  };

  const scenario = async (name: string, who: string[]) => {
    const latencies: number[] = [];
    const outcomes = new Map<string, number>();
    post({ kind: 'scenario', phase: 'start' });
    for (let round = 0; round < ROUNDS; round++) {
      const t0 = performance.now();
      const r = await pollWhile(Promise.all(who.map((auth) => upload(auth, t0))));
      latencies.push(...r.latencies);
      for (const o of r.result) {
        const kind = o.replace(/ \(.*/, '');
        outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
      }
      if (round === 0) post({ kind: 'line', text: `\n${name}\n  first round: ${r.result.join('; ')}` });
    }
    post({ kind: 'line', text: `  outcomes over ${ROUNDS} rounds: ${[...outcomes].map(([k, n]) => `${n} x ${k}`).join(', ')}` });
    post({ kind: 'line', text: `  GET / during the uploads: ${summary(latencies)}` });
    post({ kind: 'scenario', phase: 'end' });
  };

  // Warm up: the first request compiles templates and the first validation loads the solution in a worker.
  await send('GET', '/');
  post({ kind: 'line', text: `warm-up upload: ${await upload(auths[2], performance.now())}` });
  const idle = await pollWhile(new Promise((r) => setTimeout(r, 2000)));
  post({ kind: 'line', text: `GET / with no upload (machine noise), 2 s: ${summary(idle.latencies)}` });
  await scenario('three bombs at once from one user', [auths[0], auths[0], auths[0]]);
  await scenario('three bombs at once from three users', auths);
  agent.destroy();
}

async function runServer(): Promise<void> {
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
    // How long the server's event loop itself was held during each scenario.
    const delay = monitorEventLoopDelay({ resolution: 5 });
    const ms = (ns: number) => `${(ns / 1e6).toFixed(1)} ms`;
    const clients = new Worker(new URL(import.meta.url), { workerData: { base, auths, file: new Uint8Array(file) } satisfies ClientJob });
    await new Promise<void>((resolve, reject) => {
      clients.on('message', (m: ClientMessage) => {
        if (m.kind === 'line') return console.log(m.text);
        if (m.phase === 'start') {
          delay.reset();
          delay.enable();
          return;
        }
        delay.disable();
        console.log(`  server event-loop delay (monitorEventLoopDelay, 5 ms resolution): p50 ${ms(delay.percentile(50))}, p99 ${ms(delay.percentile(99))}, max ${ms(delay.max)}`);
      });
      clients.once('error', reject);
      clients.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the client thread exited with ${code}`))));
    });
  } finally {
    server.close();
    await ctx.close();
  }
}

if (isMainThread) await runServer();
else await runClients(workerData as ClientJob);
