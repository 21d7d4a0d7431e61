/**
 * `npm run bench:compute` (issue 14): volunteer computing end to end. Starts the server on a fresh
 * DATA_DIR with the demo xray-sources challenge (its baseline.yaml given a small search space by
 * this bench), starts the search as its organizer, and lets three headless Chromium volunteers
 * (one Web Worker each) run it until every unit is validated. Prints units and results per
 * minute, and each configuration's validated out-of-fold macro-F1 (the mean over its folds, from
 * the organizer's search summary), the best one's against the default configuration's.
 *
 * Env: CHROMIUM_PATH (default /usr/bin/chromium), BENCH_MAX_EPOCHS (default 40; the demo's is 80),
 * BENCH_VOLUNTEERS (default 3), BENCH_TIMEOUT_MIN (default 30).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';
import { repoRoot } from '../src/paths.js';
import { loadConfig } from '../src/config.js';
import { openConfiguredDb } from '../src/db/open.js';
import { signUp, startSession } from '../src/accounts/service.js';
import { addOrganizer } from '../src/organizers/access.js';
import { findChallengeBySlug } from '../src/challenges/repo.js';
import { SESSION_COOKIE } from '../src/web/middleware.js';
import { writeComputeChallenge } from '../test/compute-helpers.js';

const SLUG = 'xray-sources';
const MAX_EPOCHS = Number(process.env.BENCH_MAX_EPOCHS ?? 40);
const VOLUNTEERS = Number(process.env.BENCH_VOLUNTEERS ?? 3);
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MIN ?? 30) * 60_000;
/** 2 × 2 = 4 configurations × 5 folds = 20 units, 40 results; the demo's own model comes first. */
const SEARCH = { hidden: [[128, 64, 32], [256, 128]], dropout: [0.3, 0.4], delay_bound_seconds: 1800 };

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });

async function main() {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sift-bench-compute-'));
  const dataDir = path.join(scratch, 'data');
  const datasets = path.join(scratch, 'datasets');
  writeComputeChallenge(datasets, { slug: SLUG, model: { max_epochs: MAX_EPOCHS }, search: SEARCH });
  const port = await freePort();
  // SQLite and local files under the fresh DATA_DIR, whatever this shell points at.
  const { DATABASE_URL: _db, DATABASE_SCHEMA: _schema, STORAGE_URL: _storage, ...inherited } = process.env;
  const env = { ...inherited, NODE_ENV: 'production', DATA_DIR: dataDir, DATASETS_DIR: datasets, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
  const base = `http://127.0.0.1:${port}`;
  console.log(`bench:compute: ${SLUG} with a ${SEARCH.hidden.length}×${SEARCH.dropout.length} search, max_epochs ${MAX_EPOCHS}, ${VOLUNTEERS} Chromium volunteers, ${os.cpus().length} cores`);
  const started = Date.now();
  const server: ChildProcess = spawn(process.execPath, [path.join(repoRoot, 'dist', 'src', 'server.js')], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  server.stderr!.on('data', (d: Buffer) => process.stderr.write(`[server] ${d}`));
  const stopServer = () => server.exitCode === null && server.kill('SIGTERM');
  process.once('exit', stopServer);
  for (;;) {
    if (await fetch(`${base}/api/v1/challenges`).then((r) => r.ok, () => false)) break;
    if (server.exitCode !== null || Date.now() - started > 180_000) throw new Error('the server did not start');
    await sleep(250);
  }
  console.log(`server up in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  // Accounts straight in the database (the server shares the SQLite file): an organizer and the volunteers.
  const handle = await openConfiguredDb(loadConfig({}, { DATA_DIR: dataDir, DATASETS_DIR: datasets, NODE_ENV: 'production', LOG_LEVEL: 'warn' }));
  const challenge = (await findChallengeBySlug(handle.db, SLUG))!;
  const org = await signUp(handle.db, { email: 'bench-org@example.org', name: 'Bench organizer', password: 'correct horse battery' }, 'participant');
  await addOrganizer(handle.db, challenge.id, org.id);
  const orgSession = await startSession(handle.db, org.id, 1);
  const volunteers = [];
  for (let i = 0; i < VOLUNTEERS; i++) {
    const v = await signUp(handle.db, { email: `bench-volunteer-${i}@example.org`, name: `Volunteer ${i + 1}`, password: 'correct horse battery' }, 'participant');
    volunteers.push({ id: v.id, session: await startSession(handle.db, v.id, 1) });
  }
  const cookie = `${SESSION_COOKIE}=${orgSession}`;
  const csrf = /data-csrf="([^"]+)"/.exec(await (await fetch(`${base}/compute`, { headers: { cookie } })).text())![1];
  const json = { cookie, 'x-csrf-token': csrf, Accept: 'application/json' };
  const startedSearch = await fetch(`${base}/challenges/${SLUG}/compute/searches`, { method: 'POST', headers: json });
  if (startedSearch.status !== 201) throw new Error(`starting the search answered ${startedSearch.status}: ${await startedSearch.text()}`);
  const search = (await startedSearch.json()) as { search: { id: number }; configurations: number; units: number };
  console.log(`search ${search.search.id}: ${search.configurations} configurations, ${search.units} units (each sent to 2 volunteers)`);

  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  const computeStarted = Date.now();
  const pages = [];
  for (const v of volunteers) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: base });
    await context.addCookies([{ name: SESSION_COOKIE, value: v.session, url: base }]);
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error(`[page] ${String(e)}`));
    await page.goto(`${base}/compute`);
    await page.fill('#compute-pause', '0');
    await page.uncheck('#compute-visible');
    await page.getByTestId('compute-start').click();
    pages.push(page);
  }

  type Summary = { search: { state: string }; units: { total: number; done: number; pending: number; failed: number }; configurations: Array<{ configuration: number; model: Record<string, unknown>; validatedFolds: number; folds: number; outOfFoldMetric: number | null }> };
  let summary: Summary;
  let lastLine = '';
  for (;;) {
    summary = (await (await fetch(`${base}/challenges/${SLUG}/compute/searches/${search.search.id}`, { headers: json })).json()) as Summary;
    const line = `  ${((Date.now() - computeStarted) / 60_000).toFixed(1)} min: ${summary.units.done} valid, ${summary.units.pending} open, ${summary.units.failed} failed`;
    if (line.replace(/^.*min: /, '') !== lastLine.replace(/^.*min: /, '')) console.log(line);
    lastLine = line;
    if (summary.search.state !== 'running') break;
    if (Date.now() - computeStarted > TIMEOUT_MS) {
      console.log(`stopped after ${TIMEOUT_MS / 60_000} minutes with units still open`);
      break;
    }
    await sleep(2000);
  }
  const minutes = (Date.now() - computeStarted) / 60_000;
  const states = await handle.db.selectFrom('compute_results').select((eb) => ['state', eb.fn.countAll<number>().as('n')]).groupBy('state').execute();
  const reported = states.filter((s) => s.state === 'valid' || s.state === 'invalid').reduce((t, s) => t + Number(s.n), 0);
  await browser.close();
  stopServer();
  await handle.destroy();

  console.log(`\n${summary.units.done} of ${summary.units.total} units validated in ${minutes.toFixed(1)} min: ${(summary.units.done / minutes).toFixed(2)} units/min, ${(reported / minutes).toFixed(2)} results/min (3 volunteers, 1 worker each)`);
  console.log(`results by state: ${states.map((s) => `${s.state} ${s.n}`).join(', ')}`);
  console.log('\nconfiguration  hidden          dropout  folds  out-of-fold macro-F1 (mean of the validated folds)');
  for (const c of summary.configurations) {
    console.log(`${String(c.configuration + 1).padStart(13)}  ${JSON.stringify(c.model.hidden).padEnd(14)}  ${String(c.model.dropout).padEnd(7)}  ${c.validatedFolds}/${c.folds}   ${c.outOfFoldMetric === null ? '—' : c.outOfFoldMetric.toFixed(4)}${c.configuration === 0 ? '  (default: baseline.yaml\'s model)' : ''}`);
  }
  const scored = summary.configurations.filter((c) => c.outOfFoldMetric !== null && c.validatedFolds === c.folds);
  const best = scored.reduce<(typeof scored)[number] | null>((b, c) => (!b || c.outOfFoldMetric! > b.outOfFoldMetric! ? c : b), null);
  const byDefault = summary.configurations.find((c) => c.configuration === 0);
  if (best && byDefault?.outOfFoldMetric != null) {
    console.log(`\nbest: configuration ${best.configuration + 1} at ${best.outOfFoldMetric!.toFixed(4)} against the default's ${byDefault.outOfFoldMetric.toFixed(4)} (${best.outOfFoldMetric! >= byDefault.outOfFoldMetric ? '+' : ''}${(best.outOfFoldMetric! - byDefault.outOfFoldMetric).toFixed(4)}); chosen on out-of-fold macro-F1 only, test labels unread`);
  }
  console.log(`wall time ${((Date.now() - started) / 60_000).toFixed(1)} min in all`);
  fs.rmSync(scratch, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
