import { Worker } from 'node:worker_threads';
import type { Config } from '../config.js';
import { logger } from '../log.js';

export type TrainingOutcome = { ok: boolean; submissionId?: number | null; error?: string };

/**
 * Trainings started by this process, by run id (tests await them); crowd retrainings by
 * `crowd-<id>`, promotions of a volunteer-computing configuration by `promote-<id>`.
 */
export const activeTrainings = new Map<number | string, Promise<TrainingOutcome>>();

/**
 * Starts `script` (the baseline training, the crowd retraining, a promotion) in a worker thread for
 * run `run.id`, with its own database connection. SIFT_BASELINE_MAX_EPOCHS caps the epochs (tests).
 */
export function startTrainingThread(
  ctx: { config: Config; nudgeWorkers: () => void },
  run: { id: number },
  submit: boolean,
  script: URL,
  key: number | string = run.id,
  extra: Record<string, unknown> = {},
): void {
  const cap = Number(process.env.SIFT_BASELINE_MAX_EPOCHS);
  const w = new Worker(script, {
    workerData: { ...extra, config: ctx.config, runId: run.id, submit, maxEpochs: Number.isFinite(cap) && cap > 0 ? cap : undefined },
  });
  const done = new Promise<TrainingOutcome>((resolve) => {
    let result: TrainingOutcome | null = null;
    w.on('message', (m) => (result = m));
    w.on('error', (err) => {
      logger.error({ err, runId: run.id }, 'baseline training thread crashed');
      result = { ok: false, error: err.message };
    });
    w.on('exit', () => resolve(result ?? { ok: false, error: 'the training thread exited' }));
  }).then((r) => {
    activeTrainings.delete(key);
    if (r.ok && r.submissionId) ctx.nudgeWorkers();
    if (!r.ok) logger.warn({ runId: run.id, error: r.error }, 'baseline training failed');
    return r;
  });
  activeTrainings.set(key, done);
}
