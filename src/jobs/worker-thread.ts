import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config.js';
import { openConfiguredDb } from '../db/open.js';
import { JobRunner } from './runner.js';
import { collectingAfterEachJob, jobHandlers } from './handlers.js';
import { warmSolutions } from '../challenges/service.js';
import { logger } from '../log.js';
import { openStorage } from '../storage/index.js';

/** A scoring worker: its own database connection and job loop, off the web thread. */
const config = workerData.config as Config;
const handle = await openConfiguredDb(config, { migrate: false, poolSize: 2 });
const storage = openStorage(config.STORAGE_URL, config.dataDir);
const runner = new JobRunner(handle, collectingAfterEachJob(jobHandlers(handle, storage)), {
  leaseSeconds: config.JOB_LEASE_SECONDS,
  pollMs: workerData.pollMs ?? 1000,
  log: (msg, extra) => logger.warn(extra ?? {}, msg),
});
runner.start();
void warmSolutions(handle.db, storage, (m) => logger.warn(m));
parentPort!.on('message', async (msg) => {
  if (msg === 'nudge') runner.nudge();
  if (msg === 'stop') {
    await runner.stop();
    await handle.destroy();
    storage.close();
    parentPort!.postMessage('stopped');
  }
});
parentPort!.postMessage('ready');
