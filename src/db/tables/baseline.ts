import type { Generated } from 'kysely';

export type BaselineRunStatus = 'running' | 'done' | 'failed';

/** One training of a challenge's baseline model (CLI or organizer page). */
export interface BaselineRunsTable {
  id: Generated<number>;
  challenge_id: number;
  status: BaselineRunStatus;
  /** User who pressed Retrain; null from the CLI. */
  started_by: number | null;
  backend: string | null;
  seed: number;
  /** { phase, model, models, epoch, maxEpochs, history: [{model, epoch, loss, valLoss, valMetric}] } */
  progress_json: string;
  /** The saved model's JSON record once done. */
  record_json: string | null;
  validation_score: number | null;
  submission_id: number | null;
  error: string | null;
  started_at: string;
  heartbeat_at: string;
  finished_at: string | null;
}

/** Table types for baseline models and training runs (issue 4). */
export interface BaselineTables {
  baseline_runs: BaselineRunsTable;
}
