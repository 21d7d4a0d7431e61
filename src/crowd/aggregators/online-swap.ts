import { checkVotes, finish, votesPerSubject } from './common.js';
import type { Aggregator, Consensus, VoteSet } from './types.js';

/**
 * Online SWAP (Marshall et al. 2016, Space Warps) generalised to k classes, in the style of Zooniverse
 * Caesar's running reducers: each volunteer has Dirichlet-smoothed confusion counts learnt from gold
 * answers only, and each subject's posterior is updated in O(k) per vote. All functions are pure or
 * update only the array they are given, so the service can keep the state in its database.
 */

/**
 * Dirichlet-smoothed confusion counts of one volunteer, k x k row-major (row = true class, col = answer),
 * updated from gold answers only.
 *
 * Prior: `alpha` pseudo-counts in every cell plus another `alpha` on the diagonal, i.e. with the
 * default alpha = 1: 2 on the diagonal, 1 elsewhere. A new volunteer is thus assumed right with
 * probability 2 / (k + 1), twice as likely as any single wrong answer, and each gold answer moves the
 * estimate by one count; a larger alpha makes the prior stiffer.
 */
export function newConfusion(k: number, alpha = 1): Float64Array {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  if (!(alpha > 0)) throw new RangeError(`alpha must be positive, got ${alpha}`);
  const c = new Float64Array(k * k).fill(alpha);
  for (let t = 0; t < k; t++) c[t * k + t] += alpha;
  return c;
}

/**
 * Pseudo-votes per row of newConfusion's prior (k + 1 with the default alpha): the live posterior's
 * fixed prior strength, shown beside Dawid–Skene's configurable one.
 */
export const swapPriorStrength = (k: number, alpha = 1): number => alpha * (k + 1);

/** Records one gold answer (true class known) in place: confusion[trueClass][answer] += 1. */
export function observeGold(confusion: Float64Array, k: number, trueClass: number, answer: number): void {
  if (trueClass < 0 || trueClass >= k || answer < 0 || answer >= k) {
    throw new RangeError(`trueClass ${trueClass} and answer ${answer} must be in [0, ${k})`);
  }
  confusion[trueClass * k + answer] += 1;
}

/** Internal: likelihood from the k x k block starting at `offset`, written into `out`. O(k²). */
function likelihoodAt(confusion: Float64Array, offset: number, k: number, answer: number, out: Float64Array): Float64Array {
  for (let t = 0; t < k; t++) {
    const row = offset + t * k;
    let sum = 0;
    for (let a = 0; a < k; a++) sum += confusion[row + a];
    out[t] = confusion[row + answer] / sum;
  }
  return out;
}

/**
 * P(answer | true = t) for each t, from the volunteer's smoothed counts: counts[t][answer] / row sum.
 * O(k²) for the row sums (k is small; independent of the number of votes).
 */
export function answerLikelihood(confusion: Float64Array, k: number, answer: number): Float64Array {
  if (answer < 0 || answer >= k) throw new RangeError(`answer ${answer} must be in [0, ${k})`);
  return likelihoodAt(confusion, 0, k, answer, new Float64Array(k));
}

/** Internal: updatePosterior writing into `out` (may alias `posterior`). */
function updateInto(posterior: Float64Array, likelihood: Float64Array, out: Float64Array): Float64Array {
  const k = posterior.length;
  let z = 0;
  for (let t = 0; t < k; t++) {
    const p = posterior[t] * likelihood[t];
    out[t] = p;
    z += p;
  }
  if (!(z > 0) || !Number.isFinite(z)) {
    // Likelihood incompatible with the prior (all products 0): keep the prior.
    for (let t = 0; t < k; t++) out[t] = posterior[t];
    return out;
  }
  for (let t = 0; t < k; t++) out[t] /= z;
  return out;
}

/**
 * Subject posterior update in O(k): posterior ∝ prior ⊙ likelihood; returns the new posterior (the
 * input is not modified). If every product is 0 the prior is returned unchanged (as a copy).
 */
export function updatePosterior(posterior: Float64Array, likelihood: Float64Array): Float64Array {
  if (likelihood.length !== posterior.length) throw new RangeError('posterior and likelihood must have the same length');
  return updateInto(posterior, likelihood, new Float64Array(posterior.length));
}

/**
 * Information the vote added: KL(after || before) in bits, sum_t after_t log2(after_t / before_t).
 * Always >= 0, and 0 when the vote left the posterior unchanged (an uninformative volunteer, whose
 * likelihood is the same for every class). Terms with after_t = 0 contribute 0.
 */
export function information(before: Float64Array, after: Float64Array): number {
  let kl = 0;
  for (let t = 0; t < after.length; t++) {
    const q = after[t];
    if (q > 0) kl += q * Math.log2(q / before[t]);
  }
  return kl > 0 ? kl : 0; // clip -0 / rounding noise
}

export function uniformPrior(k: number): Float64Array {
  return new Float64Array(k).fill(1 / k);
}

export interface SwapReplay {
  consensus: Consensus;
  /** Per-volunteer total information added (bits), SWAP's contribution measure for rankings. */
  information: Float64Array;
}

/**
 * Replays the votes in array order, as the service applies them live: for each vote the subject's
 * posterior is updated with the volunteer's current likelihood (information credited to the
 * volunteer), then, if the subject is gold, the volunteer's confusion counts learn from the answer.
 * Subject posteriors start uniform. `consensus.confusion` holds each volunteer's final smoothed counts
 * normalised by row (row = true, col = answer).
 */
export function replayOnlineSwap(votes: VoteSet, alpha = 1): SwapReplay {
  checkVotes(votes);
  const { nSubjects, nVolunteers, k, subject, volunteer, answer, gold } = votes;
  const kk = k * k;
  const counts = new Float64Array(nVolunteers * kk);
  const init = newConfusion(k, alpha);
  for (let v = 0; v < nVolunteers; v++) counts.set(init, v * kk);
  const posterior = new Float64Array(nSubjects * k).fill(1 / k);
  const info = new Float64Array(nVolunteers);
  const lik = new Float64Array(k);
  const before = new Float64Array(k);
  for (let i = 0; i < subject.length; i++) {
    const s = subject[i], v = volunteer[i], a = answer[i];
    const row = posterior.subarray(s * k, s * k + k);
    before.set(row);
    likelihoodAt(counts, v * kk, k, a, lik);
    updateInto(before, lik, row);
    info[v] += information(before, row);
    if (gold && gold[s] >= 0) counts[v * kk + gold[s] * k + a] += 1;
  }
  const confusion = new Float64Array(nVolunteers * kk);
  for (let r = 0; r < nVolunteers * k; r++) {
    let sum = 0;
    for (let a = 0; a < k; a++) sum += counts[r * k + a];
    for (let a = 0; a < k; a++) confusion[r * k + a] = counts[r * k + a] / sum;
  }
  const consensus: Consensus = { ...finish(posterior, nSubjects, k, votesPerSubject(votes)), posterior, confusion };
  return { consensus, information: info };
}

export const onlineSwap: Aggregator = { name: 'online_swap', aggregate: (votes) => replayOnlineSwap(votes).consensus };
