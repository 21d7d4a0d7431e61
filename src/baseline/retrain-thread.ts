import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config.js';
import { openConfiguredDb } from '../db/open.js';
import { findChallengeById } from '../challenges/repo.js';
import { findCrowdRetrain, retrainWithCrowd } from './retrain-with-crowd.js';
import { openStorage } from '../storage/index.js';

/** A retraining with crowd labels off the web thread: its own database connection and TensorFlow.js instance. */
const { config, runId, maxEpochs } = workerData as { config: Config; runId: number; maxEpochs?: number };
const handle = await openConfiguredDb(config, { migrate: false, poolSize: 2 });
const storage = openStorage(config.STORAGE_URL, config.dataDir);
try {
  const run = await findCrowdRetrain(handle.db, runId);
  const c = run && (await findChallengeById(handle.db, run.challenge_id));
  if (!run || !c) throw new Error(`crowd retraining ${runId} or its challenge is gone`);
  const r = await retrainWithCrowd(handle, c, { storage, datasetsDir: config.datasetsDir, runId, aggregator: run.aggregator, threshold: run.threshold, seed: run.seed, submit: run.submit === 1, maxEpochs });
  parentPort!.postMessage({ ok: true, submissionId: r.submission?.id ?? null });
} catch (err) {
  // The failure is on the run row already (retrainWithCrowd marks it).
  parentPort!.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) });
} finally {
  storage.close();
  await handle.destroy();
}
