import type { Generated } from 'kysely';

/** Table types for crowd workflows, subjects, votes, volunteer stats, comments (issue 5). Times are ISO-8601 UTC strings. */
export interface CrowdSettingsTable {
  key: string;
  value: string;
}

export type RetirementMode = 'fixed' | 'adaptive';

/** How live subjects are chosen: closest to retirement first, or weighted by the baseline's predictive entropy (with a random share). */
export type RoutingMode = 'retirement' | 'entropy';

export interface CrowdWorkflowsTable {
  id: Generated<number>;
  challenge_id: number;
  /** Class names in code order (answer i is classes[i]). */
  classes_json: string;
  /** Class name -> clue text shown in training feedback. */
  clues_json: string;
  retirement: RetirementMode;
  retire_count: number;
  adaptive_threshold: number;
  adaptive_min_votes: number;
  /** Zooniverse Designator's training_chances: chance that the n-th subject served is gold; the last entry is the floor. */
  training_chances_json: string;
  /** Promotion from training to live subjects: this many correct among the last promote_window gold answers (0: no gate). */
  promote_correct: Generated<number>;
  promote_window: Generated<number>;
  /** 1: promotion also needs a correct gold answer in every class that has gold. */
  promote_each_class: Generated<number>;
  routing: Generated<RoutingMode>;
  /** Under entropy routing, the share of serves made by the retirement rule instead (0..1), so the crowd's accuracy can be estimated without the baseline's bias. */
  random_share: Generated<number>;
  active: Generated<number>;
  created_at: string;
  /** The resolved subject-page configuration and class histograms (src/crowd/display/store.ts); null until first needed. */
  display_json: string | null;
}

export interface CrowdSubjectsTable {
  id: Generated<number>;
  workflow_id: number;
  external_id: string;
  is_gold: number;
  /**
   * Class code of a gold subject, or of a known source (a train row with is_gold = 0: served and
   * aggregated as a live subject, scored only on the comparison page); null for test rows. Never
   * sent to volunteers before they answer, and a known source's never at all.
   */
  gold_class: number | null;
  /** 1: part of the expert set (served only to level-2 volunteers who joined it). */
  expert: Generated<number>;
  /** The row's features without the label. */
  features_json: string;
  ra: number | null;
  dec: number | null;
  /** Votes of signed-in volunteers (anonymous ones carry no weight). */
  vote_count: Generated<number>;
  anon_count: Generated<number>;
  /** Online (SWAP) posterior over the classes. */
  posterior_json: string;
  consensus_class: number | null;
  consensus_confidence: number | null;
  retired_at: string | null;
  created_at: string;
  /** The baseline's predictive entropy on this subject, divided by log(k) (0: sure, 1: no idea); null without a baseline prediction (known sources). */
  entropy: number | null;
}

export interface CrowdServesTable {
  id: Generated<number>;
  workflow_id: number;
  subject_id: number;
  /** 'u:<user id>' or 'a:<anonymous cookie id>'. */
  voter: string;
  served_at: string;
  /** 1 when entropy routing chose the subject (see crowd_votes.routed). */
  routed: Generated<number>;
}

export interface CrowdVotesTable {
  id: Generated<number>;
  workflow_id: number;
  subject_id: number;
  voter: string;
  user_id: number | null;
  anon_id: string | null;
  answer: number;
  is_gold: number;
  correct: number | null;
  /** 1 when the vote counts toward retirement (signed-in volunteer on a live subject). */
  counted: number;
  /** 1 when cast faster than the minimum time on page. */
  flagged: number;
  /** 0 for a fast vote not restored, and for every vote of a volunteer held for review; else 1. */
  weight: Generated<number>;
  /** The organizer who restored a fast vote, and when. */
  restored_by: number | null;
  restored_at: string | null;
  /** Information the vote added to its subject's posterior (organizer exports only: it reveals agreement with the other votes). */
  info_bits: number;
  /** 1 when entropy routing chose the subject; 0 when the retirement rule did (random share, retirement routing, gold, subjects without entropy). */
  routed: Generated<number>;
  /** The credit volunteers see: the information a volunteer of their gold record is expected to give, fixed at vote time. */
  credit_bits: Generated<number>;
  time_ms: number;
  ip_hash: string;
  served_at: string;
  created_at: string;
  /** UTC day of created_at (YYYY-MM-DD). */
  day: string;
}

export interface CrowdVolunteersTable {
  workflow_id: number;
  user_id: number;
  /** k×k Dirichlet-smoothed confusion counts (SWAP), learnt from gold answers. Counts per volunteer come from crowd_votes. */
  confusion_json: string;
  /** 1 when the volunteer joined the expert subject set. */
  expert: Generated<number>;
  created_at: string;
  /** Held for review (too many fast votes): none of their votes count until released. */
  held_at: string | null;
  released_at: string | null;
  reviewed_by: number | null;
  /** Votes and fast votes since the last release (or ever): the fast share that decides a hold. */
  votes_since_review: Generated<number>;
  fast_since_review: Generated<number>;
  /** Every vote the volunteer has cast in the workflow (their experience when served; migration 0026). */
  votes_cast: Generated<number>;
  /** When the volunteer saw the workflow's tutorial (null: not yet; the classify page shows it first). */
  tutorial_seen_at: string | null;
}

/** A voter ('u:<user id>' or 'a:<anonymous cookie id>') who earned live subjects, and when; never revoked. */
export interface CrowdPromotionsTable {
  workflow_id: number;
  voter: string;
  promoted_at: string;
}

export interface CrowdCommentsTable {
  id: Generated<number>;
  subject_id: number;
  user_id: number;
  body_md: string;
  created_at: string;
}

export interface CrowdTagsTable {
  subject_id: number;
  user_id: number;
  tag: string;
  created_at: string;
}

export type FlagStatus = 'open' | 'interesting' | 'resolved';

export interface CrowdFlagsTable {
  id: Generated<number>;
  subject_id: number;
  user_id: number;
  note: string;
  status: FlagStatus;
  reviewed_by: number | null;
  reviewed_at: string | null;
  created_at: string;
}

export interface CrowdConsensusTable {
  workflow_id: number;
  subject_id: number;
  aggregator: string;
  label: number;
  confidence: number;
  posterior_json: string;
  n_votes: number;
  /** Pseudo-votes per confusion row of the volunteers' prior it was computed with; null for aggregators without one. */
  prior_strength: number | null;
  computed_at: string;
}

export interface CrowdTables {
  crowd_settings: CrowdSettingsTable;
  crowd_workflows: CrowdWorkflowsTable;
  crowd_subjects: CrowdSubjectsTable;
  crowd_serves: CrowdServesTable;
  crowd_votes: CrowdVotesTable;
  crowd_volunteers: CrowdVolunteersTable;
  crowd_promotions: CrowdPromotionsTable;
  crowd_comments: CrowdCommentsTable;
  crowd_tags: CrowdTagsTable;
  crowd_flags: CrowdFlagsTable;
  crowd_consensus: CrowdConsensusTable;
}
