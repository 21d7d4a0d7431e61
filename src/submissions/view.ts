import { privateRevealed } from '../challenges/service.js';
import type { Challenge } from '../challenges/repo.js';
import type { SubmissionRow } from './repo.js';
import type { ScoreDetails } from './service.js';

/** Who is looking at a submission: its challenge's organizers see everything, at any time. */
export interface SubmissionAudience {
  organizer: boolean;
}

/**
 * What a viewer sees of a submission. Before the private board is revealed a participant gets the
 * public score and the warnings only: the score details (AMS s and b, a confusion matrix, per-class
 * support) of a submission that selects one event would tell its label, its subset and its weight.
 * After the reveal the submitter sees both subsets' details; organizers always see everything,
 * including why a submission could not be scored. While the public board is frozen, participants get
 * no public score for what was sent after the freeze (otherwise the freeze would still let teams
 * probe the public subset).
 */
export function submissionView(s: SubmissionRow, c: Challenge, audience: SubmissionAudience = { organizer: false }) {
  const revealed = privateRevealed(c);
  const { organizer } = audience;
  const publicHidden = !organizer && !revealed && !!c.public_frozen_at && s.created_at > c.public_frozen_at;
  const stored = s.details_json ? (JSON.parse(s.details_json) as ScoreDetails) : null;
  const scored = stored && (stored.public || stored.private) ? { public: stored.public, private: stored.private } : null;
  const details = organizer ? stored : revealed ? scored : null;
  return {
    id: s.id,
    status: s.status,
    fileName: s.original_name,
    rows: s.row_count,
    message: s.message,
    error: s.error,
    warnings: s.warnings_json ? JSON.parse(s.warnings_json) : [],
    publicScore: publicHidden ? null : s.public_score,
    publicHidden,
    privateScore: revealed || organizer ? s.private_score : null,
    details,
    scorerVersion: s.scorer_version,
    selected: s.selected === 1,
    isBaseline: s.is_baseline === 1,
    /** Sent after the close: scored and shown to its submitter, never ranked. */
    late: s.late === 1,
    createdAt: s.created_at,
    scoredAt: s.scored_at,
  };
}
