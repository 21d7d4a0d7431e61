import { loadConfig } from './config.js';
import { buildApp } from './app.js';
import { openConfiguredDb } from './db/open.js';
import { warmSolutions } from './challenges/service.js';
import { startWorkerThreads } from './jobs/workers.js';
import { seedDemo } from '../seeds/demo.js';
import { logger } from './log.js';
import { startUploadRuntime } from './submissions/upload-runtime.js';
import { openStorage } from './storage/index.js';

const config = loadConfig();
const handle = await openConfiguredDb(config);
const storage = openStorage(config.STORAGE_URL, config.dataDir);
if (config.SEED_ON_START) await seedDemo(handle, storage, config, (m) => logger.info(m));
const workers = await startWorkerThreads(config, config.SCORING_WORKERS);
// Solutions are read (from their binary caches) by the threads that validate and score: here, only make sure the caches are up to date.
void warmSolutions(handle.db, storage, (m) => logger.warn(m), { keep: false });
const uploads = startUploadRuntime(config);
const app = buildApp({ config, db: handle, storage, nudgeWorkers: workers.nudge, secureCookies: config.NODE_ENV === 'production', uploads });
const server = app.listen(config.PORT, config.HOST, () => {
  logger.info(`Sift is serving on http://localhost:${config.PORT} (database: ${handle.dialect}, storage: ${storage.kind}, scoring workers: ${config.SCORING_WORKERS})`);
});

async function shutdown(signal: string) {
  logger.info(`${signal}: shutting down`);
  server.close();
  await Promise.all([workers.stop(), uploads.close()]);
  storage.close();
  await handle.destroy();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
