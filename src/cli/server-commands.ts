/** The server-side commands of `sift`, imported by main.ts only when one of them runs. */
import cliProgress from 'cli-progress';
import { loadConfig } from '../config.js';
import { openConfiguredDb } from '../db/open.js';
import { importChallengeFolder } from '../challenges/service.js';
import { seedDemo } from '../../seeds/demo.js';
import { JobRunner } from '../jobs/runner.js';
import { collectingAfterEachJob, jobHandlers } from '../jobs/handlers.js';
import { logger } from '../log.js';
import { openStorage } from '../storage/index.js';

export async function seed(): Promise<void> {
  const config = loadConfig();
  const handle = await openConfiguredDb(config);
  const storage = openStorage(config.STORAGE_URL, config.dataDir);
  await seedDemo(handle, storage, config, (m) => console.log(m));
  storage.close();
  await handle.destroy();
}

export async function importChallenge(folder: string): Promise<void> {
  const config = loadConfig();
  const handle = await openConfiguredDb(config);
  const storage = openStorage(config.STORAGE_URL, config.dataDir);
  const bar = new cliProgress.SingleBar({ format: 'copying files [{bar}] {percentage}% | {value}/{total} MB' }, cliProgress.Presets.shades_classic);
  let started = false;
  try {
    const c = await importChallengeFolder(handle.db, storage, folder, (copied, total) => {
      if (!started) bar.start(Math.max(1, Math.round(total / 1e6)), 0);
      started = true;
      bar.update(Math.round(copied / 1e6));
    });
    if (started) bar.stop();
    console.log(`Imported '${c.slug}' (${c.title}), metric ${c.metric}, solution sha256 ${c.solution_sha256.slice(0, 12)}…`);
  } catch (err) {
    if (started) bar.stop();
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 2;
  } finally {
    storage.close();
    await handle.destroy();
  }
}

export async function worker(): Promise<void> {
  const config = loadConfig();
  const handle = await openConfiguredDb(config);
  const storage = openStorage(config.STORAGE_URL, config.dataDir);
  const runner = new JobRunner(handle, collectingAfterEachJob(jobHandlers(handle, storage)), { leaseSeconds: config.JOB_LEASE_SECONDS, pollMs: 500, log: (m, e) => logger.warn(e ?? {}, m) });
  runner.start();
  logger.info(`worker ${runner.owner} polling ${handle.dialect} for jobs`);
  const stop = async () => {
    await runner.stop();
    storage.close();
    await handle.destroy();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
