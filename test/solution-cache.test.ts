/**
 * The binary solution cache (src/challenges/solution-cache.ts): written at import, read instead of
 * parsing the CSV, rejected and rebuilt when damaged or when the solution changes, never served, and
 * giving exactly the scores the CSV gives.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import request from 'supertest';
import { createTestContext, datasetFile, type TestContext } from './helpers.js';
import { findChallengeBySlug, type Challenge } from '../src/challenges/repo.js';
import { loadChallengeSolution, solutionSpec } from '../src/challenges/service.js';
import { clearSolutionCache, ensureSolutionCache, getSolution, idLookup, loadSolution, solutionLoads } from '../src/challenges/solution.js';
import { decodeSolutionCache, encodeSolutionCache, solutionCacheFile } from '../src/challenges/solution-cache.js';
import { parseSubmission } from '../src/submissions/parse.js';
import { getMetric } from '../scorers/registry.js';
import { subsetMask } from '../scorers/mask.js';
import type { Solution } from '../scorers/types.js';
import { fileKeyIn } from '../src/storage/index.js';

const SLUGS = ['higgsml', 'xray-sources', 'xmm-sources'];

function flipByte(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[at] ^= 0xff;
  return copy;
}

function assertSameSolution(actual: Solution, expected: Solution): void {
  assert.equal(actual.sha256, expected.sha256);
  assert.deepEqual(actual.classes, expected.classes);
  assert.deepEqual([...actual.label], [...expected.label]);
  assert.deepEqual([...actual.weight], [...expected.weight]);
  assert.deepEqual([...actual.usage], [...expected.usage]);
  assert.deepEqual(actual.ids, expected.ids);
  assert.deepEqual([...actual.index], [...expected.index]);
}

describe('solution cache', function () {
  this.timeout(60_000);
  let ctx: TestContext;
  const challenge = async (slug: string): Promise<Challenge> => (await findChallengeBySlug(ctx.handle.db, slug))!;
  /** The solution as a file on this machine (the storage's own file, or its local copy of a bucket's). */
  const solutionFile = (c: Challenge) => ctx.storage.localPath(fileKeyIn(c.folder_key, c.solution_file));
  /** The solution parsed from the CSV, bypassing every cache. */
  const parsed = async (c: Challenge) => loadSolution(await solutionFile(c), solutionSpec(c));
  /** A load as a new thread makes it: nothing in memory, the disk cache allowed. */
  async function coldLoad(c: Challenge): Promise<{ sol: Solution; loads: ReturnType<typeof solutionLoads> }> {
    clearSolutionCache();
    const sol = await loadChallengeSolution(ctx.storage, c);
    return { sol, loads: solutionLoads() };
  }

  before(async () => {
    ctx = await createTestContext({ challenges: SLUGS, workers: 0 });
  });
  after(async () => {
    clearSolutionCache();
    await ctx.close();
  });

  it('is written at import, as a dot file beside the solution in the challenge folder under DATA_DIR', async () => {
    for (const slug of SLUGS) {
      const c = await challenge(slug);
      const file = solutionCacheFile(await solutionFile(c));
      assert.ok(fs.existsSync(file), `${slug}: no cache at ${file}`);
      assert.equal(path.dirname(file), path.join(ctx.storage.localRoot, 'challenges', slug));
      assert.match(path.basename(file), /^\./);
    }
    // Loading a folder in place (the repository's datasets/) writes nothing there.
    assert.ok(!fs.existsSync(solutionCacheFile(datasetFile('higgsml', 'solution.csv.gz'))));
  });

  it('is read instead of parsing the CSV, and holds the same solution', async () => {
    for (const slug of SLUGS) {
      const c = await challenge(slug);
      const { sol, loads } = await coldLoad(c);
      assert.deepEqual(loads, { parsed: 0, fromDiskCache: 1, diskCacheWrites: 0 }, slug);
      assert.equal(sol.sha256, c.solution_sha256);
      assertSameSolution(sol, await parsed(c));
      // Rows are found by id as from the parsed solution (HiggsML's integer ids through the stored table).
      const expected = await parsed(c);
      for (const id of [expected.ids[0], expected.ids[expected.ids.length - 1], 'no-such-id', '']) {
        assert.equal(idLookup(sol).get(id), expected.index.get(id) ?? -1, `${slug}: id ${id}`);
      }
    }
    assert.ok((await coldLoad(await challenge('higgsml'))).sol.label.length > 0);
  });

  it('gives exactly the scores the CSV gives, on the demo solutions and their sample submissions', async () => {
    for (const slug of SLUGS) {
      const c = await challenge(slug);
      const fromCsv = await parsed(c);
      const { sol: fromCache, loads } = await coldLoad(c);
      assert.equal(loads.fromDiskCache, 1);
      const metric = getMetric(c.metric);
      for (const subset of ['public', 'private'] as const) {
        const scoreWith = async (sol: Solution) => {
          const outcome = await parseSubmission(await ctx.storage.get(fileKeyIn(c.folder_key, c.sample_file!)), { filename: c.sample_file!, format: c.format, solution: sol });
          assert.ok(outcome.ok, `${slug}: sample submission invalid`);
          return metric.score(outcome.prediction, sol, subsetMask(sol.usage, subset), c.metricOptions);
        };
        const [a, b] = [await scoreWith(fromCsv), await scoreWith(fromCache)];
        assert.ok(Number.isFinite(a.score), `${slug} ${subset}: ${a.score}`);
        assert.ok(Math.abs(a.score - b.score) <= 1e-12, `${slug} ${subset}: ${a.score} vs ${b.score}`);
        assert.deepEqual(b.details, a.details);
      }
    }
  });

  it('is rejected and rebuilt when damaged', async () => {
    const c = await challenge('higgsml');
    const file = solutionCacheFile(await solutionFile(c));
    const good = fs.readFileSync(file);
    const damages: Array<[string, Buffer]> = [
      ['a flipped payload byte', flipByte(good, good.length - 100)],
      ['truncated', good.subarray(0, good.length - 1000)],
      ['not a cache', Buffer.from('EventId,Label\n1,s\n')],
      ['empty', Buffer.alloc(0)],
    ];
    for (const [what, bytes] of damages) {
      fs.writeFileSync(file, bytes);
      const first = await coldLoad(c);
      assert.deepEqual(first.loads, { parsed: 1, fromDiskCache: 0, diskCacheWrites: 1 }, what);
      assertSameSolution(first.sol, await parsed(c));
      assert.deepEqual(fs.readFileSync(file), good, `${what}: the rebuilt cache is the original one`);
      assert.deepEqual((await coldLoad(c)).loads, { parsed: 0, fromDiskCache: 1, diskCacheWrites: 0 }, what);
    }
    fs.rmSync(file);
    assert.equal((await coldLoad(c)).loads.parsed, 1, 'missing');
    assert.ok(fs.existsSync(file), 'missing: rebuilt on demand');
  });

  it('is rejected and rebuilt when the organizer replaces the solution file (a new sha256), or the spec changes', async () => {
    const c = await challenge('xray-sources');
    const file = await solutionFile(c);
    const original = fs.readFileSync(file);
    const before = await parsed(c);
    try {
      // The same rows with the first row's class changed: a new file, a new sha256.
      const lines = zlib.gunzipSync(original).toString('utf8').split('\n');
      const header = lines[0].split(',');
      const target = header.indexOf(c.target_column);
      const first = lines[1].split(',');
      first[target] = c.classes.find((k) => k !== first[target])!;
      lines[1] = first.join(',');
      fs.writeFileSync(file, zlib.gzipSync(lines.join('\n')));
      const { sol, loads } = await coldLoad(c);
      assert.deepEqual(loads, { parsed: 1, fromDiskCache: 0, diskCacheWrites: 1 });
      assert.notEqual(sol.sha256, before.sha256);
      assert.notEqual(sol.label[0], before.label[0]);
      assertSameSolution(sol, await parsed(c));
      assert.deepEqual((await coldLoad(c)).loads, { parsed: 0, fromDiskCache: 1, diskCacheWrites: 0 });

      // The classes in another order give other label codes: the cache of the old order is not used.
      const reordered = { ...c, classes: [...c.classes].reverse() };
      clearSolutionCache();
      const other = await getSolution(file, solutionSpec(reordered), { diskCache: true });
      assert.deepEqual(solutionLoads(), { parsed: 1, fromDiskCache: 0, diskCacheWrites: 1 });
      assert.deepEqual(other.classes, reordered.classes);
    } finally {
      fs.writeFileSync(file, original);
      await ensureSolutionCache(file, solutionSpec(c));
    }
    assert.deepEqual((await coldLoad(c)).loads, { parsed: 0, fromDiskCache: 1, diskCacheWrites: 0 });
  });

  it('ensureSolutionCache rebuilds a stale cache without keeping the solution in memory', async () => {
    const c = await challenge('xmm-sources');
    const file = solutionCacheFile(await solutionFile(c));
    fs.rmSync(file);
    clearSolutionCache();
    await ensureSolutionCache(await solutionFile(c), solutionSpec(c));
    assert.deepEqual(solutionLoads(), { parsed: 1, fromDiskCache: 0, diskCacheWrites: 1 });
    await ensureSolutionCache(await solutionFile(c), solutionSpec(c));
    assert.deepEqual(solutionLoads(), { parsed: 1, fromDiskCache: 0, diskCacheWrites: 1 }, 'a valid cache is left as it is');
    assert.deepEqual((await coldLoad(c)).loads, { parsed: 0, fromDiskCache: 1, diskCacheWrites: 0 });
  });

  it('is never listed or served: downloads, the data API, the overview (even once the solution is open data)', async () => {
    const c = await challenge('higgsml');
    const name = path.basename(solutionCacheFile(await solutionFile(c)));
    const check = async () => {
      await request(ctx.app).get(`/challenges/higgsml/data/${encodeURIComponent(name)}`).expect(404);
      await request(ctx.app).get(`/api/v1/challenges/higgsml/data/${encodeURIComponent(name)}`).expect(404);
      const list = await request(ctx.app).get('/api/v1/challenges/higgsml/data').expect(200);
      assert.ok(!JSON.stringify(list.body).includes('sift-cache'));
      const page = await request(ctx.app).get('/challenges/higgsml').expect(200);
      assert.ok(!page.text.includes('sift-cache'));
      const json = await request(ctx.app).get('/challenges/higgsml').set('Accept', 'application/json').expect(200);
      assert.ok(!JSON.stringify(json.body).includes('sift-cache'));
    };
    await check();
    await ctx.handle.db.updateTable('challenges').set({ state: 'closed', open_data: 1 }).where('id', '=', c.id).execute();
    try {
      await request(ctx.app).get(`/challenges/higgsml/data/${c.solution_file}`).expect(200);
      await check();
    } finally {
      await ctx.handle.db.updateTable('challenges').set({ state: c.state, open_data: 0 }).where('id', '=', c.id).execute();
    }
  });

  it('stores non-integer ids by name and makes ids and the index only when asked', async () => {
    const c = await challenge('xray-sources');
    const expected = await parsed(c);
    const bytes = encodeSolutionCache(expected, solutionSpec(c), null, 0);
    const decoded = decodeSolutionCache(bytes, expected.sha256, solutionSpec(c));
    assert.ok(typeof decoded !== 'string', String(decoded));
    assert.equal(Object.getOwnPropertyDescriptor(decoded.solution, 'ids')?.get !== undefined, true);
    assertSameSolution(decoded.solution, expected);
    assert.equal(decoded.solution.ids, decoded.solution.ids, 'made once');
    assert.match(String(decodeSolutionCache(bytes, 'f'.repeat(64), solutionSpec(c))), /sha256 differs/);
    const newer = Buffer.from(bytes);
    newer.write('"version":2', newer.indexOf('"version":1'), 'latin1');
    assert.match(String(decodeSolutionCache(newer, expected.sha256, solutionSpec(c))), /format version 2/);
  });
});
