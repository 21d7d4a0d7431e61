/**
 * Priors on volunteers' confusion matrices (issue 10, section 3: calibrated consensus).
 *
 * Each volunteer's confusion row for true class t gets a Dirichlet prior of `strength` pseudo-votes
 * spread as the population's row t (the pooled gold answers of every volunteer, plus one mildly
 * diagonal default row, `newConfusion`'s, worth k + 1 answers, so that the prior exists, and is only
 * mildly diagonal, while there are few gold answers), tilted by the volunteer's overall gold accuracy
 * (volunteerPrior). A volunteer's own gold answers are then added as counts, so their estimate moves
 * from the prior towards their own record as their gold answers outnumber the pseudo-votes.
 *
 * Why: without it a volunteer's rows that no gold answer reached were read as near-perfect (the
 * former Dawid–Skene prior gave 1.01 pseudo-votes to the diagonal and 0.01 to each other cell, a
 * 96% accurate row for k = 5), so one vote from a volunteer who was right on 1 gold subject in 6
 * could reach a confidence of 0.99.
 */
import { newConfusion } from './online-swap.js';
import type { VoteSet } from './types.js';

/** Gold answers of every volunteer pooled into one k x k count matrix (row = true, col = answer). */
export function pooledGoldCounts(votes: VoteSet): Float64Array {
  const { k, gold, subject, answer } = votes;
  const counts = new Float64Array(k * k);
  if (!gold) return counts;
  for (let i = 0; i < subject.length; i++) {
    const g = gold[subject[i]];
    if (g >= 0) counts[g * k + answer[i]] += 1;
  }
  return counts;
}

/**
 * The population confusion matrix, rows summing to 1: pooled gold counts plus the default
 * (2 on the diagonal, 1 elsewhere), row-normalised. With no gold answers it is the default itself,
 * 2/(k+1) on the diagonal. Every cell is positive, so logs of it are finite.
 */
export function populationConfusion(pooled: Float64Array, k: number): Float64Array {
  if (pooled.length !== k * k) throw new RangeError(`pooled counts have length ${pooled.length}, expected ${k * k}`);
  const p = newConfusion(k);
  for (let i = 0; i < k * k; i++) {
    if (!(pooled[i] >= 0)) throw new RangeError(`pooled count ${i} must be a non-negative number, got ${pooled[i]}`);
    p[i] += pooled[i];
  }
  for (let t = 0; t < k; t++) {
    let z = 0;
    for (let a = 0; a < k; a++) z += p[t * k + a];
    for (let a = 0; a < k; a++) p[t * k + a] /= z;
  }
  return p;
}

const logit = (p: number) => Math.log(p / (1 - p));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * Overall accuracy of the pooled gold answers with the default added (as populationConfusion counts
 * them): the population's chance of a right answer.
 */
export function populationAccuracy(pooled: Float64Array, k: number): number {
  let right = 2 * k;
  let all = k * (k + 1);
  for (let t = 0; t < k; t++) {
    right += pooled[t * k + t];
    for (let a = 0; a < k; a++) all += pooled[t * k + a];
  }
  return right / all;
}

/**
 * One volunteer's prior matrix (rows summing to 1): the population's, tilted by how the volunteer
 * does on gold overall. Their gold accuracy is shrunk towards the population's with `strength`
 * pseudo-answers, acc_v = (correct + strength·accP) / (answered + strength); every row's diagonal
 * then moves by the same log-odds, logit(acc_v) − logit(accP), and its off-diagonal cells keep the
 * population's proportions. So a volunteer right on 1 gold subject in 6, all of one class, is not
 * assumed as good as the crowd in the classes their gold answers never reached; one without gold
 * answers gets the population's matrix itself.
 */
export function volunteerPrior(population: Float64Array, k: number, populationAcc: number, correct: number, answered: number, strength: number): Float64Array {
  const acc = (correct + strength * populationAcc) / (answered + strength);
  const shift = logit(acc) - logit(populationAcc);
  const q = new Float64Array(k * k);
  for (let t = 0; t < k; t++) {
    const o = t * k;
    const diag = k === 1 ? 1 : sigmoid(logit(population[o + t]) + shift);
    const scale = (1 - diag) / (1 - population[o + t]);
    for (let a = 0; a < k; a++) q[o + a] = a === t ? diag : population[o + a] * scale;
  }
  return q;
}

export function checkPriorStrength(strength: number): void {
  if (!(strength > 0) || !Number.isFinite(strength)) throw new RangeError(`prior strength must be a positive number, got ${strength}`);
}

/**
 * Default pseudo-votes per confusion row (CROWD_PRIOR_STRENGTH): about what one volunteer answers
 * per class in their gold training (60 gold per class, chance 1 then falling to 0.1), so a
 * volunteer's own record counts as much as the population's once they have answered a class's gold
 * about five times; close to the live posterior's fixed k + 1 = 6 for the five X-ray classes.
 */
export const DEFAULT_PRIOR_STRENGTH = 5;
