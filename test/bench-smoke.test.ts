/**
 * The issue-13 benchmarks run end to end on a tiny load, on this pass's database. They assert no
 * speed (targets are never timed tests); they catch a benchmark that no longer runs, as when
 * bench:leaderboard read a helper before its declaration had run and crashed on its first load.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/**
 * On this pass's database, with files on local disk: the benchmarks measure the database and HTTP,
 * and a bench process would not end while the S3 pass's s3rver (started by test/helpers.ts in that
 * process) still ran. bench:scale is the one that uses S3 storage.
 */
const run = (script: string, env: Record<string, string>) =>
  promisify(execFile)(process.execPath, [path.join(dist, 'bench', script)], { env: { ...process.env, NODE_ENV: 'test', TEST_STORAGE: 'local', ...env }, timeout: 120_000, maxBuffer: 1 << 22 });

/** The figure lines a bench printed: a name, then req/s, p50 and p99. */
const figureLines = (out: string) => out.split('\n').filter((l) => /\d+ req\/s\s+p50\s+[\d.]+ ms\s+p99\s+[\d.]+ ms/.test(l));

describe('benchmarks run end to end (tiny loads)', function () {
  this.timeout(180_000);

  for (const loader of ['wrk', 'autocannon']) {
    it(`bench:leaderboard with ${loader} prints every run's figures`, async function () {
      const { stdout } = await run('leaderboard.js', {
        BENCH_LEADERBOARD_LOADER: loader,
        BENCH_LEADERBOARD_ENTRANTS: '30',
        BENCH_LEADERBOARD_SUBMISSIONS: '2',
        BENCH_LEADERBOARD_SECONDS: '1',
        BENCH_LEADERBOARD_CONNECTIONS: '4',
        BENCH_LEADERBOARD_ONLY: 'page of 50',
      }).catch((err: { stdout?: string; stderr?: string; message: string }) => {
        // wrk is Debian's package, not npm's: without it the bench says so in its error.
        if (loader === 'wrk' && /ENOENT|spawn wrk/.test(`${err.message}${err.stderr}`)) this.skip();
        throw new Error(`${err.message}\n${err.stdout}\n${err.stderr}`);
      });
      assert.match(stdout, /seeded 30 entrants × 2 scored submissions/);
      assert.match(stdout, /API, page of 50 rows: cold request \d+ ms \(status 200\)/);
      const lines = figureLines(stdout);
      // From cold, warm and the 304 run; on SQLite the two yardsticks too.
      assert.equal(lines.length, process.env.TEST_DB === 'postgres' ? 3 : 5, stdout);
      for (const l of lines) {
        assert.match(l, /server CPU \d+\.\d{3} ms\/req/, l);
        assert.doesNotMatch(l, /non-2xx|NaN/, l);
      }
    });
  }

  it('bench:crowd prints votes/s, round trips/s and the statements per vote', async () => {
    const { stdout } = await run('crowd.js', { BENCH_CROWD_VOTES: '200', BENCH_CROWD_ROUND_TRIPS: '40', BENCH_CROWD_CONCURRENCY: '4' });
    assert.match(stdout, /votes: +200 in [\d.]+ s = \d+ votes\/s/);
    assert.match(stdout, /responses: 201: 200 /);
    assert.match(stdout, /\d+ classifications in [\d.]+ s = \d+\/s; round trip p50 [\d.]+ ms, p99 [\d.]+ ms/);
    assert.match(stdout, /statements: [\d.]+ per serve \+ vote/);
  });
});
