import type { ColumnType, Generated } from 'kysely';
import type { TeamTables } from './tables/teams.js';
import type { BaselineTables } from './tables/baseline.js';
import type { CrowdTables } from './tables/crowd.js';
import type { ApiTables } from './tables/api.js';
import type { UploadTables } from './tables/uploads.js';
import type { ComputeTables } from './tables/compute.js';

/** Times are ISO-8601 UTC strings everywhere, so they compare the same way on SQLite and PostgreSQL. */
export type IsoTime = string;

export type Role = 'participant' | 'organizer' | 'admin';
export type ChallengeState = 'draft' | 'published' | 'closed';
export type SubmissionStatus = 'queued' | 'scoring' | 'scored' | 'failed';
export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

export interface UsersTable {
  id: Generated<number>;
  email: string;
  name: string;
  password_hash: string;
  role: Role;
  created_at: IsoTime;
  /** The profile a simulated volunteer was drawn from (`sift crowd simulate`); null for real accounts. */
  simulated: ColumnType<string | null, string | null | undefined, string | null>;
  /** ISO 3166-1 numeric code the volunteer chose for the contributors' map (issue 14); null: none. */
  country: ColumnType<string | null, string | null | undefined, string | null>;
  /** A short line the volunteer wrote about themselves; null: none. */
  profile_line: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface SessionsTable {
  token_hash: string;
  user_id: number;
  csrf_token: string;
  expires_at: IsoTime;
  created_at: IsoTime;
}

export interface ChallengesTable {
  id: Generated<number>;
  slug: string;
  title: string;
  description_md: string;
  metric: string;
  metric_options_json: string;
  format_json: string;
  id_column: string;
  target_column: string;
  weight_column: string | null;
  classes_json: string;
  higher_is_better: number;
  opens_at: IsoTime;
  closes_at: IsoTime;
  daily_limit: number;
  final_selections: number;
  state: ChallengeState;
  /** Storage key prefix of the challenge's files (challenges/<slug>: train, test, solution, sample submission). */
  folder: string;
  train_file: string;
  test_file: string;
  solution_file: string;
  sample_file: string | null;
  solution_sha256: string;
  citation: string | null;
  created_at: IsoTime;
  /** Bumped by the database on every update of the row (migration 0027): what a process's copy is checked against. */
  revision: Generated<number>;
}

export interface SubmissionsTable {
  id: Generated<number>;
  challenge_id: number;
  user_id: number;
  team_id: number | null;
  /** Path relative to DATA_DIR. */
  file_path: string;
  original_name: string;
  sha256: string;
  size_bytes: number;
  row_count: number;
  message: string | null;
  status: SubmissionStatus;
  error: string | null;
  warnings_json: string | null;
  public_score: number | null;
  private_score: number | null;
  details_json: string | null;
  scorer_version: string | null;
  solution_sha256: string | null;
  selected: number;
  is_baseline: number;
  created_at: IsoTime;
  scored_at: IsoTime | null;
}

/** Log-in attempts to one account in the current window since its last success; keyed by the sha256 of the normalised email. */
export interface LoginAttemptsTable {
  account_hash: string;
  attempts: number;
  window_started_at: IsoTime;
}

/** One row per entrant, challenge and UTC day; incremented atomically to enforce the daily limit. */
export interface SubmissionQuotaTable {
  challenge_id: number;
  entrant: string;
  day: string;
  used: number;
}

export interface JobsTable {
  id: Generated<number>;
  kind: string;
  payload_json: string;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  lease_owner: string | null;
  lease_expires_at: IsoTime | null;
  last_error: string | null;
  created_at: IsoTime;
  updated_at: IsoTime;
}

/** Every table; each later domain declares its own in src/db/tables/<domain>.ts. */
export interface Database extends TeamTables, BaselineTables, CrowdTables, ApiTables, UploadTables, ComputeTables {
  users: UsersTable;
  sessions: SessionsTable;
  login_attempts: LoginAttemptsTable;
  challenges: ChallengesTable;
  submissions: SubmissionsTable;
  submission_quota: SubmissionQuotaTable;
  jobs: JobsTable;
}
