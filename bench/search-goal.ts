/**
 * `npm run bench:search-goal` (issue 14 §5): the search of a challenge's baseline.yaml (`search:`),
 * full size, through the real scheduler, validator and credit, with headless volunteers: each is a
 * signed-up user whose units run in a worker thread of this process, on the same unit runner the
 * browsers' Web Workers use (TensorFlow.js, wasm backend). Two volunteers by default, one per core,
 * so every unit is computed twice by different people, as in the browser.
 *
 * Prints each configuration's out-of-fold metric as the organizer's search page shows it, and the
 * configuration chosen on that metric alone (the choice reads train.csv's labels only). Then it
 * promotes that configuration as the organizer's Promote button does: trained in full on the
 * server, submitted as the Baseline row and scored. Only then, for this report, does it read the
 * new row's public and private scores beside the shipped baseline's, as an operator can; nothing
 * was chosen by them.
 *
 * Env: BENCH_CHALLENGE (default higgsml), BENCH_VOLUNTEERS (default 2), BENCH_TIMEOUT_MIN (default 60),
 * BENCH_PROMOTE=0 to stop after the search.
 */
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import zlib from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const SLUG = process.env.BENCH_CHALLENGE ?? 'higgsml';
const VOLUNTEERS = Number(process.env.BENCH_VOLUNTEERS ?? 2);
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MIN ?? 60) * 60_000;

interface UnitMessage {
  resultId: number;
  unit: { model: never; fold: number; validationRows: number; outputs: number };
}

/** A volunteer's computer: decodes the training data once, then runs the units it is sent. */
async function volunteerThread(): Promise<void> {
  process.env.SIFT_TF_BACKEND = 'wasm';
  const { loadTf } = await import('../src/baseline/backend.js');
  const { decodeTrainingData, runUnit } = await import('../src/compute/unit-runner.js');
  const { tf } = await loadTf();
  const doc = JSON.parse(zlib.gunzipSync(workerData.gzipped as Uint8Array).toString()) as Parameters<typeof decodeTrainingData>[0];
  const data = decodeTrainingData(doc);
  parentPort!.on('message', async (m: UnitMessage) => {
    try {
      const out = await runUnit(tf, data, m.unit);
      parentPort!.postMessage({ resultId: m.resultId, metric: out.metric, predictions: out.predictions, weightsHash: out.weightsHash });
    } catch (err) {
      parentPort!.postMessage({ resultId: m.resultId, error: (err as Error).message });
    }
  });
  parentPort!.postMessage({ ready: true });
}

async function main(): Promise<void> {
  const { createTestContext } = await import('../test/helpers.js');
  const { signUp } = await import('../src/accounts/service.js');
  const { findChallengeBySlug } = await import('../src/challenges/repo.js');
  const { withLocalFolder } = await import('../src/challenges/service.js');
  const { trainingData } = await import('../src/compute/training-data.js');
  const { requestWork, reportResult, startSearch } = await import('../src/compute/service.js');
  const { searchSummary } = await import('../src/compute/search-summary.js');
  const { startPromotion } = await import('../src/compute/promote.js');
  const { submitBaseline, trainUnderRun } = await import('../src/baseline/service.js');
  const { waitForTerminal } = await import('../test/helpers.js');

  // One scoring worker, for the promoted Baseline row.
  const ctx = await createTestContext({ challenges: [SLUG], workers: 1 });
  const challenge = (await findChallengeBySlug(ctx.handle.db, SLUG))!;
  const local = await withLocalFolder(ctx.storage, challenge);
  const data = trainingData(local, ctx.config.datasetsDir);
  const organizer = await signUp(ctx.handle.db, { email: 'organizer@example.org', name: 'Organizer', password: 'correct horse battery' }, 'admin');
  const started = await startSearch(ctx.handle.db, local, organizer.id, ctx.config.datasetsDir);
  console.log(`bench:search-goal: ${SLUG}, ${started.configurations} configurations × ${data.folds} folds = ${started.units} units, ${VOLUNTEERS} volunteers (worker threads, wasm), ${os.cpus().length} cores`);

  const t0 = performance.now();
  let results = 0;
  await Promise.all(
    Array.from({ length: VOLUNTEERS }, async (_, v) => {
      const user = await signUp(ctx.handle.db, { email: `volunteer${v}@example.org`, name: `Volunteer ${v}`, password: 'correct horse battery' });
      const worker = new Worker(new URL(import.meta.url), { workerData: { gzipped: data.gzipped } });
      const next = () => new Promise<Record<string, unknown>>((resolve) => worker.once('message', resolve));
      await next();
      const host = { key: `bench-volunteer-${v}`, platform: `${os.platform()} ${os.arch()}, Node ${process.version}`, backend: 'wasm' };
      try {
        while (performance.now() - t0 < TIMEOUT_MS) {
          const work = await requestWork(ctx.handle, user.id, host, challenge);
          if (!work.unit) {
            const summary = await searchSummary(ctx.handle.db, local, started.search.id, ctx.config.datasetsDir);
            if (summary.search.state !== 'running') return;
            await sleep(2000);
            continue;
          }
          const u = work.unit;
          worker.postMessage({ resultId: u.resultId, unit: { model: u.model, fold: u.fold, validationRows: u.validationRows, outputs: u.outputs } });
          const m = await next();
          const report = m.error ? { kind: 'error' as const, error: String(m.error) } : { kind: 'result' as const, metric: m.metric as number, predictions: m.predictions as Float32Array, weightsHash: m.weightsHash as string };
          const r = await reportResult(ctx.handle, user.id, u.resultId, report);
          results++;
          console.log(`  ${((performance.now() - t0) / 60_000).toFixed(1)} min  volunteer ${v}: configuration ${u.configuration}, fold ${u.fold}: ${m.error ? `error ${m.error}` : `metric ${(m.metric as number).toFixed(4)}`} → ${r.state}`);
        }
      } finally {
        await worker.terminate();
      }
    }),
  );
  const minutes = (performance.now() - t0) / 60_000;
  const summary = await searchSummary(ctx.handle.db, local, started.search.id, ctx.config.datasetsDir);
  console.log(`\n${summary.units.done} of ${summary.units.total} units validated (${summary.units.failed} failed) from ${results} results in ${minutes.toFixed(1)} min: ${(summary.units.done / minutes).toFixed(2)} units/min`);
  console.log('configurations, best out-of-fold first (train.csv only):');
  for (const c of summary.configurations) {
    const m = c.model as { hidden: number[]; dropout: number; learning_rate: number; batch_size: number; class_weight: string };
    console.log(`  #${c.configuration + 1}${c.isDefault ? ' (default)' : ''}: hidden ${JSON.stringify(m.hidden)}, dropout ${m.dropout}, lr ${m.learning_rate}, batch ${m.batch_size}, class weight ${m.class_weight}: out-of-fold ${c.outOfFoldMetric?.toFixed(4) ?? c.outOfFoldError ?? 'incomplete'} (mean of folds ${c.meanFoldMetric?.toFixed(4) ?? '-'})`);
  }
  if (process.env.BENCH_PROMOTE !== '0' && summary.best) {
    const shipped = await ctx.handle.db.selectFrom('submissions').select(['id', 'public_score', 'private_score']).where('challenge_id', '=', challenge.id).orderBy('id', 'desc').executeTakeFirst();
    const promotion = await startPromotion(ctx.handle.db, local, started.search.id, { userId: organizer.id, datasetsDir: ctx.config.datasetsDir });
    console.log(`\npromoting configuration #${promotion.foundBy.configuration + 1} (out-of-fold ${promotion.foundBy.outOfFold.score.toFixed(4)}): training in full…`);
    const t1 = performance.now();
    await trainUnderRun(ctx.handle.db, ctx.storage, challenge, promotion.run, { datasetsDir: ctx.config.datasetsDir, model: promotion.model, foundBy: promotion.foundBy });
    const { submission } = await submitBaseline(ctx.handle, ctx.storage, challenge);
    const scored = await waitForTerminal(ctx.handle, submission.id, 600_000);
    console.log(`trained and scored in ${((performance.now() - t1) / 60_000).toFixed(1)} min: ${scored.status}`);
    console.log(`  promoted Baseline: public ${scored.public_score}, private ${scored.private_score}`);
    if (shipped) console.log(`  shipped Baseline (submission ${shipped.id}): public ${shipped.public_score}, private ${shipped.private_score}`);
  }
  await ctx.close();
}

if (isMainThread) await main();
else await volunteerThread();
