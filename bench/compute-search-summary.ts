/**
 * The organizer's search page, measured (issue 14): a search of each demo challenge with every unit
 * validated (two simulated volunteers agreeing on seeded random predictions, so no training runs),
 * then the search summary (every configuration's out-of-fold metric over train.csv) timed cold and
 * warm. TEST_DB=postgres (with TEST_POSTGRES_URL) runs it on PostgreSQL.
 * Run: npm run build && NODE_ENV=test node dist/bench/compute-search-summary.js
 */
import { performance } from 'node:perf_hooks';
import { createTestContext, TEST_DB } from '../test/helpers.js';
import { findChallengeBySlug } from '../src/challenges/repo.js';
import { withLocalFolder } from '../src/challenges/service.js';
import { signUp } from '../src/accounts/service.js';
import { reportResult, requestWork, startSearch } from '../src/compute/service.js';
import { trainingData } from '../src/compute/training-data.js';
import { rowsByFold } from '../src/compute/out-of-fold.js';
import { searchSummary } from '../src/compute/search-summary.js';
import { seededRandom } from '../src/seeded-random.js';

for (const slug of ['higgsml', 'xray-sources']) {
  const ctx = await createTestContext({ challenges: [slug] });
  const c = (await findChallengeBySlug(ctx.handle.db, slug))!;
  const local = await withLocalFolder(ctx.storage, c);
  const volunteers: number[] = [];
  for (const name of ['ada', 'bo']) volunteers.push((await signUp(ctx.handle.db, { email: `${name}@example.org`, name, password: 'correct horse battery' })).id);
  const { search, units } = await startSearch(ctx.handle.db, local, volunteers[0], ctx.config.datasetsDir);
  const data = trainingData(local, ctx.config.datasetsDir);
  const byFold = rowsByFold(data);
  const rand = seededRandom(7);
  for (let i = 0; i < units; i++) {
    let predictions: Float32Array | null = null;
    for (const v of volunteers) {
      const { unit } = await requestWork(ctx.handle, v, { key: `bench-host-${v}`, platform: 'bench', backend: 'cpu' }, c);
      predictions ??= Float32Array.from({ length: byFold[unit!.fold].length * data.outputs }, rand);
      await reportResult(ctx.handle, v, unit!.resultId, { kind: 'result', metric: 0.5, predictions, weightsHash: 'ab'.repeat(32) });
    }
  }
  const t0 = performance.now();
  const s = await searchSummary(ctx.handle.db, local, search.id, ctx.config.datasetsDir);
  const cold = performance.now() - t0;
  const warm: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t = performance.now();
    await searchSummary(ctx.handle.db, local, search.id, ctx.config.datasetsDir);
    warm.push(performance.now() - t);
  }
  warm.sort((a, b) => a - b);
  console.log(`${TEST_DB} ${slug}: ${data.rows} train rows, ${s.configurations.length} configurations × ${search.folds} folds validated; summary cold ${cold.toFixed(0)} ms, warm ${warm[3].toFixed(0)} ms (median of 7)`);
  await ctx.close();
}
process.exit(0);
