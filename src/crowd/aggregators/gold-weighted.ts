import { checkVotes, finish, votesPerSubject } from './common.js';
import type { Aggregator, Consensus, VoteSet } from './types.js';

/** Per-volunteer gold record: answers on gold subjects and how many were correct. */
export interface GoldRecord {
  answered: Int32Array;
  correct: Int32Array;
}

/** Counts each volunteer's answers on gold subjects (gold[subject] >= 0) and the correct ones. */
export function goldRecord(votes: VoteSet): GoldRecord {
  const answered = new Int32Array(votes.nVolunteers);
  const correct = new Int32Array(votes.nVolunteers);
  const { gold, subject, volunteer, answer } = votes;
  if (gold) {
    for (let i = 0; i < subject.length; i++) {
      const g = gold[subject[i]];
      if (g < 0) continue;
      answered[volunteer[i]]++;
      if (answer[i] === g) correct[volunteer[i]]++;
    }
  }
  return { answered, correct };
}

/**
 * Weight of a volunteer from their gold record.
 *
 * acc = (correct + 1) / (answered + 2), Laplace-smoothed, so a volunteer with no gold answers has the
 * prior accuracy 0.5. The weight is the log-odds of a correct answer against one particular wrong
 * class, clipped at 0:
 *
 *     w = max(0, log((k - 1) * acc / (1 - acc)))
 *
 * This is the Bayes-optimal vote weight of the "one-coin" model (correct with probability acc, wrong
 * answers spread evenly over the k - 1 other classes). For k = 2 it is exactly log(acc / (1 - acc));
 * for k > 2 it is 0 at chance level (acc = 1/k) rather than at 0.5, so a volunteer who is right 40% of
 * the time on a 5-class task keeps a positive weight, and a uniform spammer's weight tends to 0. A
 * volunteer without gold answers (acc = 0.5) gets log(k - 1), which is 0 for binary tasks.
 */
export function goldWeight(correct: number, answered: number, k: number): number {
  const acc = (correct + 1) / (answered + 2);
  const w = Math.log(((k - 1) * acc) / (1 - acc));
  return w > 0 ? w : 0;
}

/** goldWeight for every volunteer. */
export function volunteerWeights(votes: VoteSet): Float64Array {
  const { answered, correct } = goldRecord(votes);
  const w = new Float64Array(votes.nVolunteers);
  for (let v = 0; v < w.length; v++) w[v] = goldWeight(correct[v], answered[v], votes.k);
  return w;
}

/** Share of the posterior the vote fractions get when no vote has weight: enough to order the classes, too little to read as confidence. */
export const TIE_BREAK = 1e-3;

/**
 * Gold-weighted vote: each vote counts with its volunteer's goldWeight; the label is the class with
 * the largest summed weight, ties to the lowest class index.
 *
 * The posterior is the one-coin model's, whose log-likelihood ratios these weights are: with a
 * uniform class prior, p(c) ∝ exp(sum of the weights of the votes for c). So one vote from a
 * volunteer with smoothed gold accuracy acc gets confidence acc, and agreeing votes compound. (It was
 * the weighted vote share, which is no probability: on the demo crowd's known sources it read 0.81
 * where the label was always right.) Votes of weight 0 carry no information, so a subject whose voters
 * all have weight 0 keeps a posterior within TIE_BREAK of uniform: its vote fractions only break the
 * tie, so it still gets a label, with a confidence of about 1/k rather than the 1 a single such vote
 * used to give.
 */
export function goldWeightedVote(votes: VoteSet): Consensus {
  checkVotes(votes);
  const { nSubjects, k, subject, volunteer, answer } = votes;
  const weights = volunteerWeights(votes);
  const posterior = new Float64Array(nSubjects * k);
  const counts = votesPerSubject(votes);
  const total = new Float64Array(nSubjects);
  for (let i = 0; i < subject.length; i++) {
    const w = weights[volunteer[i]];
    posterior[subject[i] * k + answer[i]] += w;
    total[subject[i]] += w;
  }
  for (let i = 0; i < subject.length; i++) {
    // Fallback for subjects with votes but no weight: plain fractions.
    if (total[subject[i]] === 0) posterior[subject[i] * k + answer[i]] += 1;
  }
  for (let s = 0; s < nSubjects; s++) {
    const o = s * k;
    if (counts[s] === 0) {
      posterior.fill(1 / k, o, o + k);
      continue;
    }
    if (total[s] === 0) {
      for (let c = 0; c < k; c++) posterior[o + c] = (1 - TIE_BREAK) / k + (TIE_BREAK * posterior[o + c]) / counts[s];
      continue;
    }
    let m = -Infinity;
    for (let c = 0; c < k; c++) if (posterior[o + c] > m) m = posterior[o + c];
    let z = 0;
    for (let c = 0; c < k; c++) z += posterior[o + c] = Math.exp(posterior[o + c] - m);
    for (let c = 0; c < k; c++) posterior[o + c] /= z;
  }
  return { ...finish(posterior, nSubjects, k, counts), posterior };
}

export const goldWeighted: Aggregator = { name: 'gold_weighted', aggregate: goldWeightedVote };
