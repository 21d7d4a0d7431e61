import type { ColumnType, Generated } from 'kysely';

export type ComputeSearchState = 'running' | 'done';
/** open: wants results; valid: a canonical result was chosen; failed: too many results without a quorum. */
export type ComputeUnitState = 'open' | 'valid' | 'failed';
export type ComputeResultState = 'in_progress' | 'pending_validation' | 'valid' | 'invalid' | 'error' | 'timed_out';

type Counter = ColumnType<number, number | undefined, number>;

/** An organizer's hyperparameter search over a challenge's baseline (issue 14). */
export interface ComputeSearchesTable {
  id: Generated<number>;
  challenge_id: number;
  created_by: number | null;
  state: ComputeSearchState;
  /** The search space it was generated from (baseline.yaml's `search:`). */
  space_json: string;
  folds: number;
  /** Seconds a volunteer has to return a result before it is sent to someone else. */
  delay_bound_seconds: number;
  created_at: string;
}

/** One training run: one configuration (the full model section) and one fold. */
export interface ComputeUnitsTable {
  id: Generated<number>;
  search_id: number;
  configuration: number;
  config_json: string;
  fold: number;
  /** Rows of the fold, and predictions per row: a result holds validation_rows × outputs numbers. */
  validation_rows: number;
  outputs: number;
  estimated_flops: number;
  state: ComputeUnitState;
  wanted_results: number;
  active_results: Counter;
  quorum: number;
  max_results: number;
  issued_results: Counter;
  canonical_result_id: number | null;
  canonical_metric: number | null;
  created_at: string;
  validated_at: string | null;
}

/** A replica of a unit sent to one volunteer's host. */
export interface ComputeResultsTable {
  id: Generated<number>;
  unit_id: number;
  user_id: number;
  host_id: number;
  state: ComputeResultState;
  sent_at: string;
  deadline_at: string;
  reported_at: string | null;
  metric: number | null;
  predictions_b64: string | null;
  weights_hash: string | null;
  error: string | null;
  credit: Counter;
}

/** A volunteer's browser (or other client), by the key it keeps, with its record. */
export interface ComputeHostsTable {
  id: Generated<number>;
  user_id: number;
  host_key: string;
  platform: string;
  backend: string;
  results: Counter;
  valid_results: Counter;
  invalid_results: Counter;
  error_results: Counter;
  credit: Counter;
  created_at: string;
  last_seen_at: string;
}

/** BOINC's total and recent average credit of a volunteer. */
export interface ComputeCreditTable {
  user_id: number;
  total: number;
  rac: number;
  rac_at: string | null;
}

export interface ComputeTables {
  compute_searches: ComputeSearchesTable;
  compute_units: ComputeUnitsTable;
  compute_results: ComputeResultsTable;
  compute_hosts: ComputeHostsTable;
  compute_credit: ComputeCreditTable;
}
