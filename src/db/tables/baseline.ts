import type { ColumnType, Generated } from 'kysely';

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
  /** A promotion of a volunteer-computing configuration (issue 14): its search and configuration; null otherwise. */
  compute_search_id: ColumnType<number | null, number | null | undefined, number | null>;
  compute_configuration: ColumnType<number | null, number | null | undefined, number | null>;
}

/** One `retrain --with-crowd` of a challenge's baseline (issue 10): its parameters and figures. */
export interface BaselineCrowdRetrainsTable {
  id: Generated<number>;
  challenge_id: number;
  status: BaselineRunStatus;
  /** User who pressed the button; null from the CLI. */
  started_by: number | null;
  aggregator: string;
  threshold: number;
  seed: number;
  /** 1: also trains on all train rows plus the crowd rows and submits it as "Baseline + crowd". */
  submit: Generated<number>;
  evaluation_rows: number | null;
  labels_added: number | null;
  macro_f1_before: number | null;
  macro_f1_after: number | null;
  /** The CrowdRetrainRecord (counts, intervals, timings) once done. */
  record_json: string | null;
  submission_id: number | null;
  error: string | null;
  started_at: string;
  heartbeat_at: string;
  finished_at: string | null;
}

/** Table types for baseline models and training runs (issue 4), and crowd retrainings (issue 10). */
export interface BaselineTables {
  baseline_runs: BaselineRunsTable;
  baseline_crowd_retrains: BaselineCrowdRetrainsTable;
}
