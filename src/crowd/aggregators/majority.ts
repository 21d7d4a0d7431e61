import { checkVotes, finish, votesPerSubject } from './common.js';
import type { Aggregator, Consensus, VoteSet } from './types.js';

/**
 * Majority vote. posterior = vote fractions per subject; label = the most voted class, ties to the
 * lowest class index; confidence = agreement, the share of votes for the winner.
 */
export function majorityVote(votes: VoteSet): Consensus {
  checkVotes(votes);
  return majorityUnchecked(votes);
}

/** Majority vote without input validation (callers that already checked). */
export function majorityUnchecked(votes: VoteSet): Consensus {
  const { nSubjects, k, subject, answer } = votes;
  const posterior = new Float64Array(nSubjects * k);
  const counts = votesPerSubject(votes);
  for (let i = 0; i < subject.length; i++) posterior[subject[i] * k + answer[i]] += 1;
  for (let s = 0; s < nSubjects; s++) {
    const o = s * k;
    const n = counts[s];
    if (n === 0) {
      posterior.fill(1 / k, o, o + k);
    } else {
      for (let c = 0; c < k; c++) posterior[o + c] /= n;
    }
  }
  return { ...finish(posterior, nSubjects, k, counts), posterior };
}

export const majority: Aggregator = { name: 'majority', aggregate: majorityVote };
