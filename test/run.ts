import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { POSTGRES_URL } from './helpers.js';

/**
 * `npm test`: every suite on SQLite, the database suites again on PostgreSQL when it answers (once
 * with files on local disk, once in an S3 bucket), and the browser tests when Chromium is installed. A missing service is a printed notice, or a
 * failure when SIFT_REQUIRE_ALL=1 (CI sets it, so CI never skips).
 */
const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const strict = process.env.SIFT_REQUIRE_ALL === '1';
const unit = [`${dist}/scorers/**/*.test.js`, `${dist}/src/**/*.test.js`];
const integration = [`${dist}/test/*.test.js`];
const browser = [`${dist}/test/browser/*.test.js`];
const only = process.argv.slice(2);

const totals = { passes: 0, failures: 0, pending: 0 };
const notices: string[] = [];
/** Each failing pass's failure report, printed again at the very end: CI keeps only the tail of the output. */
const failureReports: string[] = [];

/** One mocha process; its output is printed whole when it ends, so passes run side by side stay readable. */
function pass(label: string, env: Record<string, string>, patterns: string[]): Promise<void> {
  const started = Date.now();
  const child = spawn(process.execPath, [path.join(dist, 'test', 'mocha-child.js'), ...patterns], { env: { ...process.env, NODE_ENV: 'test', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  return new Promise((resolve) => {
    child.once('close', (status) => {
      console.log(`\n=== ${label} (${((Date.now() - started) / 60_000).toFixed(1)} min) ===`);
      const line = out.split('\n').find((l) => l.startsWith('@@stats '));
      process.stdout.write(out.split('\n').filter((l) => !l.startsWith('@@stats ')).join('\n'));
      if (!line) {
        totals.failures += 1;
        console.log(`\n${label}: the test process ended without results (exit ${status}).`);
      } else {
        const s = JSON.parse(line.slice(8));
        totals.passes += s.passes;
        totals.failures += s.failures;
        totals.pending += s.pending;
        const report = /^ {2}\d+ failing$/m.exec(out);
        if (s.failures && report) failureReports.push(`${label}:\n${out.slice(report.index).split('\n').filter((l) => !l.startsWith('@@stats ')).slice(0, 80).join('\n')}`);
      }
      resolve();
    });
  });
}

async function postgresAnswers(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

const chromium = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));

// Files named on the command line run in the SQLite pass alone; with none, every pass runs (below).
const sqlite = () => pass('SQLite: unit and integration tests', { TEST_DB: 'sqlite' }, only.length ? only : [...unit, ...integration]);
if (only.length) await sqlite();
else {
  const postgres = await postgresAnswers();
  if (!postgres) notices.push(`PostgreSQL did not answer at ${POSTGRES_URL}: its integration tests were SKIPPED (set TEST_POSTGRES_URL).`);
  if (!chromium) notices.push('Chromium was not found (apt-get install chromium, or set CHROMIUM_PATH): the browser tests were SKIPPED.');
  // Two passes at a time (two cores), the longest first, each slot taking the next pass as soon as it
  // is free: PostgreSQL + S3 ran longest (13.7 min against 7.4-9.9 for the others on a slow machine,
  // in fixed pairs that made it wait for the first pair to end). On that machine the passes then took
  // 11.8 minutes instead of 22.6, the two PostgreSQL passes beside each other running in half the time
  // they took beside the CPU-heavy SQLite and browser passes (some of it may be the machine's drift).
  const queue: Array<() => Promise<void>> = [];
  // Every file through an S3-compatible bucket (one s3rver per test process): the storage seam of issue 13 §4.
  if (postgres) queue.push(() => pass('PostgreSQL + S3 storage (s3rver): integration tests', { TEST_DB: 'postgres', TEST_STORAGE: 's3' }, integration));
  if (postgres) queue.push(() => pass(`PostgreSQL (${POSTGRES_URL}): integration tests`, { TEST_DB: 'postgres' }, integration));
  if (chromium) queue.push(() => pass('Browser tests (Chromium, SQLite)', { TEST_DB: 'sqlite', CHROMIUM_PATH: chromium }, browser));
  queue.push(sqlite);
  const slot = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) await next();
  };
  await Promise.all([slot(), slot()]);
}

if (failureReports.length) console.log(`\n=== Failures again, by pass ===\n${failureReports.join('\n')}`);
for (const n of notices) console.log(`\nNOTICE: ${n}`);
if (strict && notices.length) {
  console.log('SIFT_REQUIRE_ALL=1: a skipped part counts as a failure.');
  totals.failures += notices.length;
}
console.log(`\n${totals.passes} passed, ${totals.failures} failed, ${totals.pending} skipped`);
process.exit(totals.failures ? 1 : 0);
