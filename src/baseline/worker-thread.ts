import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config.js';
import { openConfiguredDb } from '../db/open.js';
import { findChallengeById } from '../challenges/repo.js';
import { findRun, submitBaseline, trainUnderRun } from './service.js';
import { openStorage } from '../storage/index.js';
import type { TrainOptions } from './train.js';

/**
 * A baseline training off the web thread: its own database connection and TensorFlow.js instance.
 * A promoted volunteer-computing configuration (src/compute/promote.ts) comes with its `model` and `foundBy`.
 */
const { config, runId, maxEpochs, submit, model, foundBy } = workerData as { config: Config; runId: number; maxEpochs?: number; submit: boolean } & Pick<TrainOptions, 'model' | 'foundBy'>;
const handle = await openConfiguredDb(config, { migrate: false, poolSize: 2 });
const storage = openStorage(config.STORAGE_URL, config.dataDir);
try {
  const run = await findRun(handle.db, runId);
  const c = run && (await findChallengeById(handle.db, run.challenge_id));
  if (!run || !c) throw new Error(`baseline run ${runId} or its challenge is gone`);
  await trainUnderRun(handle.db, storage, c, run, { datasetsDir: config.datasetsDir, maxEpochs, model, foundBy });
  let submissionId: number | null = null;
  if (submit) submissionId = (await submitBaseline(handle, storage, c)).submission.id;
  parentPort!.postMessage({ ok: true, submissionId });
} catch (err) {
  // A training failure is already on the run; a failed submission after training is noted there too.
  await handle.db
    .updateTable('baseline_runs')
    .set({ error: err instanceof Error ? err.message : String(err) })
    .where('id', '=', runId)
    .where('status', '=', 'done')
    .execute()
    .catch(() => {});
  parentPort!.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) });
} finally {
  storage.close();
  await handle.destroy();
}
