/**
 * `npm run bench:baseline`: trains the TensorFlow.js baseline on the demo challenges' training
 * files only, submits the predictions through the platform (the same validation and scorers as
 * any upload) and prints every score; then times epochs on a resampled 250k HiggsML training set.
 * Test labels are used only by the platform's scorer, after everything was chosen on train.csv.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { repoRoot } from '../src/paths.js';
import { openConfiguredDb } from '../src/db/open.js';
import { importChallengeFolder } from '../src/challenges/service.js';
import { score } from '../src/submissions/service.js';
import { startRun, submitBaseline, trainUnderRun } from '../src/baseline/service.js';
import { describeRecord, progressBars } from '../src/baseline/cli.js';
import { loadTf } from '../src/baseline/backend.js';
import { buildModel, fitModel } from '../src/baseline/model.js';
import { effectiveBatchSize, specFor } from '../src/baseline/train.js';
import { readCsvTable } from '../src/baseline/data.js';
import { fitPreprocessor, transform } from '../src/baseline/preprocess.js';
import { seededRandom, withSeededMathRandom } from '../src/baseline/rng.js';
import { openStorage } from '../src/storage/index.js';
import { withLocalFolder } from '../src/challenges/service.js';

const only = process.argv.slice(2);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sift-bench-baseline-'));
const config = loadConfig({}, { DATA_DIR: dataDir, DATASETS_DIR: path.join(repoRoot, 'datasets'), LOG_LEVEL: 'warn' });
const handle = await openConfiguredDb(config);
const storage = openStorage(config.STORAGE_URL, config.dataDir);
const quiet = !process.stdout.isTTY;

async function bench(slug: string) {
  console.log(`\n=== ${slug} ===`);
  const c = await importChallengeFolder(handle.db, storage, path.join(repoRoot, 'datasets', slug));
  const { spec } = specFor(await withLocalFolder(storage, c), config.datasetsDir);
  const run = await startRun(handle.db, c, { seed: spec.model.seed });
  const record = await trainUnderRun(handle.db, storage, c, run, {
    datasetsDir: config.datasetsDir,
    log: (m) => console.log(m),
    ...(quiet ? {} : progressBars(c.metric === 'ams' ? 'AMS' : 'macro-F1')),
  });
  for (const line of describeRecord(record)) console.log(line);
  const { submission } = await submitBaseline(handle, storage, c);
  await score(handle, storage, submission.id);
  const row = await handle.db.selectFrom('submissions').selectAll().where('id', '=', submission.id).executeTakeFirstOrThrow();
  if (row.status !== 'scored') throw new Error(`submission ${row.status}: ${row.error}`);
  console.log(`platform score (${c.metric}): public ${row.public_score!.toFixed(4)}, private ${row.private_score!.toFixed(4)}`);
  const details = JSON.parse(row.details_json!);
  if (c.metric !== 'ams') {
    const priv = details.private;
    console.log(`private split details: ${JSON.stringify(priv, null, 0).slice(0, 4000)}`);
  } else {
    console.log(`public details: ${JSON.stringify(details.public)}`);
    console.log(`private details: ${JSON.stringify(details.private)}`);
  }
  return record;
}

async function epochTiming() {
  console.log('\n=== HiggsML, resampled 250k training set (timing only; labels resampled, the scores mean nothing) ===');
  const { tf, backend } = await loadTf();
  const folder = path.join(repoRoot, 'datasets', 'higgsml');
  const c = { folder, slug: 'higgsml' } as never;
  const { spec } = specFor(c);
  const t = readCsvTable(path.join(folder, 'train.csv.gz'));
  const pre = fitPreprocessor(t, spec, ['EventId', 'Label', 'Weight']);
  const x0 = transform(pre, t);
  const d = pre.columns.length;
  const labels = t.column('Label');
  const n = 250_000;
  const rand = seededRandom(7);
  const x = new Float32Array(n * d);
  const y = new Float32Array(n);
  const w = new Float32Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    const j = Math.floor(rand() * t.rows);
    for (let k = 0; k < d; k++) x[i * d + k] = x0[j * d + k] + (pre.columns[k].kind === 'numeric' ? 0.01 * (rand() - 0.5) : 0);
    y[i] = labels[j] === 's' ? 1 : 0;
  }
  const trainN = Math.round(n * 0.8);
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  const batch = effectiveBatchSize(trainN, spec.model);
  const epochs = 2;
  const times: number[] = [];
  await withSeededMathRandom(1, async () => {
    const model = buildModel(tf, d, 1, spec.model, 1);
    let last = Date.now();
    await fitModel(tf, model, { x, d, y, k: 1, w }, idx.subarray(0, trainN), idx.subarray(trainN), { ...spec.model, patience: 100 }, {
      seed: 1,
      batchSize: batch,
      maxEpochs: epochs,
      metric: () => 0,
      onEpoch: () => {
        times.push((Date.now() - last) / 1000);
        last = Date.now();
      },
    });
    model.dispose();
  });
  console.log(`backend ${backend}, ${trainN} training rows, batch ${batch}, ${d} features: ${times.map((s) => `${s.toFixed(1)} s`).join(', ')} per epoch (incl. validation on ${n - trainN} rows)`);
}

try {
  const { backend } = await loadTf();
  console.log(`TensorFlow.js backend: ${backend}; ${os.cpus().length} CPUs; Node ${process.version}`);
  for (const slug of ['higgsml', 'xray-sources']) if (!only.length || only.includes(slug)) await bench(slug);
  if (!only.length || only.includes('timing')) await epochTiming();
} finally {
  await handle.destroy();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
