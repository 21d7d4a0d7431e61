import type { Generated } from 'kysely';

/** A user who runs one challenge (besides admins, who run all). */
export interface ChallengeOrganizersTable {
  challenge_id: number;
  user_id: number;
  created_at: string;
}

export interface TeamsTable {
  id: Generated<number>;
  challenge_id: number;
  name: string;
  created_by: number;
  created_at: string;
}

/** One row per member; UNIQUE(challenge_id, user_id): one team per user per challenge. */
export interface TeamMembersTable {
  team_id: number;
  challenge_id: number;
  user_id: number;
  joined_at: string;
}

/** An invitation link; only the sha256 of its token is stored. */
export interface TeamInvitationsTable {
  token_hash: string;
  team_id: number;
  created_by: number;
  expires_at: string;
  created_at: string;
}

/** A merge asked for by one side; the merge happens when the other side asks for the same. */
export interface TeamMergeRequestsTable {
  from_team_id: number;
  into_team_id: number;
  requested_by: number;
  requested_by_team_id: number;
  created_at: string;
}

export type RescoreStatus = 'queued' | 'running' | 'done' | 'failed';

/** One "re-score all submissions" job: its progress, and the boards before and after. */
export interface RescoreRunsTable {
  id: Generated<number>;
  challenge_id: number;
  status: RescoreStatus;
  total: number;
  done: number;
  before_json: string;
  after_json: string | null;
  reason: string | null;
  error: string | null;
  created_by: number | null;
  created_at: string;
  finished_at: string | null;
}

/** Table types for teams, team members, invitations, organizer roles and re-score runs (issue 3). */
export interface TeamTables {
  challenge_organizers: ChallengeOrganizersTable;
  teams: TeamsTable;
  team_members: TeamMembersTable;
  team_invitations: TeamInvitationsTable;
  team_merge_requests: TeamMergeRequestsTable;
  rescore_runs: RescoreRunsTable;
}

/** Challenge columns added by migration 0002 (declared here so the foundation's schema file stays as it is). */
declare module '../schema.js' {
  interface ChallengesTable {
    /** Largest team. */
    team_size: Generated<number>;
    /** Last moment teams may merge or take new members; null: the close. */
    merge_deadline: string | null;
    /** When set, the public board shows submissions made up to this time only. */
    public_frozen_at: string | null;
    /** The organizer console's column mapping and split (JSON of ChallengeSetup). */
    setup_json: string | null;
    /** 1 when the full solution is published as open data after the close. */
    open_data: Generated<number>;
    doi: string | null;
  }
}
