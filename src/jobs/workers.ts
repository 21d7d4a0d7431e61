import { Worker } from 'node:worker_threads';
import type { Config } from '../config.js';
import { logger } from '../log.js';

export interface WorkerPool {
  nudge(): void;
  stop(): Promise<void>;
}

/** Starts n scoring worker threads; each claims jobs from the database on its own. */
export async function startWorkerThreads(config: Config, n: number, pollMs = 1000): Promise<WorkerPool> {
  const url = new URL('./worker-thread.js', import.meta.url);
  const workers = await Promise.all(
    Array.from({ length: n }, () => {
      const w = new Worker(url, { workerData: { config, pollMs } });
      w.on('error', (err) => logger.error({ err }, 'scoring worker crashed'));
      return new Promise<Worker>((resolve, reject) => {
        w.once('message', (m) => (m === 'ready' ? resolve(w) : reject(new Error(String(m)))));
        w.once('error', reject);
      });
    }),
  );
  let next = 0;
  return {
    // One worker is enough to pick up a fresh job; rotate so load spreads.
    nudge: () => workers.length && workers[next++ % workers.length].postMessage('nudge'),
    stop: async () => {
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve) => {
              const done = () => resolve();
              w.once('message', () => w.terminate().then(done, done));
              w.once('exit', done);
              w.postMessage('stop');
            }),
        ),
      );
    },
  };
}
