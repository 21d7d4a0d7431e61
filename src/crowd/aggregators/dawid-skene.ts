import { checkVotes, finish, votesPerSubject } from './common.js';
import { majorityUnchecked } from './majority.js';
import type { Aggregator, Consensus, VoteSet } from './types.js';
import { checkPriorStrength, DEFAULT_PRIOR_STRENGTH, pooledGoldCounts, populationAccuracy, populationConfusion, volunteerPrior } from './prior.js';
import { goldRecord } from './gold-weighted.js';

export interface DawidSkeneOptions {
  /** Stop when the largest absolute change of any posterior entry is below this. Default 1e-5. */
  tol?: number;
  /** Default 100. */
  maxIterations?: number;
  /**
   * Pseudo-votes per confusion row of every volunteer's Dirichlet prior: the population's matrix from
   * the pooled gold answers, tilted by the volunteer's gold accuracy (see prior.ts). Default
   * DEFAULT_PRIOR_STRENGTH.
   */
  priorStrength?: number;
  /** Dirichlet pseudo-count of each class in the class prior. Default 1 (Laplace), so a handful of subjects cannot make one class near-certain before any vote. */
  classPrior?: number;
}

/**
 * Dawid–Skene EM (Dawid & Skene 1979) with priors on the confusion matrices (as in Passonneau &
 * Carpenter 2014's Bayesian version, here as a MAP estimate).
 *
 * - Initialised from the majority-vote posterior (vote fractions).
 * - M-step: class priors pi_t (plus `classPrior` per class) and per-volunteer confusion matrices
 *   theta_v[t][a] = P(answer a | true t): soft counts plus `priorStrength` x the volunteer's prior
 *   matrix (the population's from pooled gold, tilted by their own gold accuracy: prior.ts). Gold
 *   subjects are clamped to their class, so a volunteer's gold answers count in full.
 * - E-step in log space: log p(t | votes) = log pi_t + sum over votes log theta_v[t][a], normalised by
 *   log-sum-exp.
 * - Stops when max |posterior change| < tol, or after maxIterations EM rounds; `iterations` is the
 *   number of rounds run. A last M-step makes `confusion` consistent with the returned posterior.
 *
 * Subjects with no votes take no part: label -1, confidence 0, posterior = the estimated class prior.
 *
 * Why the prior: a volunteer's confusion row that no gold answer reached used to be read as
 * near-perfect (see prior.ts), and EM then lets a volunteer confirm themselves on subjects only they
 * voted on. With the population's row as a prior, one vote from a volunteer whose gold record is poor
 * weighs about as much as the crowd's typical answer of that class.
 *
 * Cost: two passes over the votes per round (M then E), O(k) per vote each, typed arrays only. The
 * confusion is kept internally transposed ([volunteer][answer][true]) so each vote touches k
 * contiguous cells; the returned `confusion` is nVolunteers x k x k, row = true class, col = answer,
 * rows summing to 1.
 */
export function dawidSkeneEM(votes: VoteSet, options: DawidSkeneOptions = {}): Consensus {
  checkVotes(votes);
  const tol = options.tol ?? 1e-5;
  const maxIterations = options.maxIterations ?? 100;
  const strength = options.priorStrength ?? DEFAULT_PRIOR_STRENGTH;
  checkPriorStrength(strength);
  const classPrior = options.classPrior ?? 1;
  if (!(classPrior >= 0)) throw new RangeError(`classPrior must be >= 0, got ${classPrior}`);
  const { nSubjects, nVolunteers, k, subject, volunteer, answer, gold } = votes;
  const n = subject.length;
  const kk = k * k;
  // Each volunteer's prior pseudo-counts, transposed like the confusion ([volunteer][answer][true]).
  const pooled = pooledGoldCounts(votes);
  const population = populationConfusion(pooled, k);
  const populationAcc = populationAccuracy(pooled, k);
  const { answered, correct } = goldRecord(votes);
  const priorCounts = new Float64Array(nVolunteers * kk);
  for (let v = 0; v < nVolunteers; v++) {
    const q = volunteerPrior(population, k, populationAcc, correct[v], answered[v], strength);
    for (let t = 0; t < k; t++) for (let a = 0; a < k; a++) priorCounts[v * kk + a * k + t] = strength * q[t * k + a];
  }
  const counts = votesPerSubject(votes);

  // Per-vote offset into the transposed confusion (volunteer * k² + answer * k), counting-sorted by
  // subject, so the passes walk the posterior sequentially (the votes arrive in any order).
  const start = new Int32Array(nSubjects + 1);
  for (let s = 0; s < nSubjects; s++) start[s + 1] = start[s] + counts[s];
  const fill = start.slice(0, nSubjects);
  const cOff = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const s = subject[i];
    const j = fill[s]++;
    cOff[j] = volunteer[i] * kk + answer[i] * k;
  }

  // Subjects that take part (have votes), and gold clamps among them.
  let nActive = 0;
  for (let s = 0; s < nSubjects; s++) if (counts[s] > 0) nActive++;
  const active = new Int32Array(nActive);
  for (let s = 0, j = 0; s < nSubjects; s++) if (counts[s] > 0) active[j++] = s;

  const posterior = majorityUnchecked(votes).posterior;
  const clampGold = (post: Float64Array) => {
    if (!gold) return;
    for (let j = 0; j < nActive; j++) {
      const s = active[j];
      const g = gold[s];
      if (g < 0) continue;
      const o = s * k;
      post.fill(0, o, o + k);
      post[o + g] = 1;
    }
  };
  clampGold(posterior);

  const conf = new Float64Array(nVolunteers * kk); // transposed soft counts, then probabilities
  const logConf = new Float64Array(nVolunteers * kk);
  const prior = new Float64Array(k);
  const logPrior = new Float64Array(k);
  const rowSum = new Float64Array(k);
  const logp = new Float64Array(k);

  const mStep = () => {
    conf.set(priorCounts);
    for (let j = 0; j < nActive; j++) {
      const s = active[j];
      const o = s * k;
      for (let i = start[s], end = start[s + 1]; i < end; i++) {
        const co = cOff[i];
        for (let t = 0; t < k; t++) conf[co + t] += posterior[o + t];
      }
    }
    for (let v = 0; v < nVolunteers; v++) {
      const base = v * kk;
      rowSum.fill(0);
      for (let a = 0; a < k; a++) for (let t = 0; t < k; t++) rowSum[t] += conf[base + a * k + t];
      for (let a = 0; a < k; a++) {
        for (let t = 0; t < k; t++) {
          const idx = base + a * k + t;
          conf[idx] /= rowSum[t];
          logConf[idx] = Math.log(conf[idx]);
        }
      }
    }
    prior.fill(classPrior);
    for (let j = 0; j < nActive; j++) {
      const o = active[j] * k;
      for (let t = 0; t < k; t++) prior[t] += posterior[o + t];
    }
    let z = 0;
    for (let t = 0; t < k; t++) z += prior[t];
    for (let t = 0; t < k; t++) {
      prior[t] /= z;
      logPrior[t] = Math.log(prior[t]);
    }
  };

  /** E-step, fused per subject (votes are grouped by subject); returns the largest absolute change of the posterior. */
  const eStep = (): number => {
    let delta = 0;
    for (let j = 0; j < nActive; j++) {
      const s = active[j];
      if (gold && gold[s] >= 0) continue; // clamped, unchanged
      const o = s * k;
      for (let t = 0; t < k; t++) logp[t] = logPrior[t];
      for (let i = start[s], end = start[s + 1]; i < end; i++) {
        const co = cOff[i];
        for (let t = 0; t < k; t++) logp[t] += logConf[co + t];
      }
      let m = -Infinity;
      for (let t = 0; t < k; t++) if (logp[t] > m) m = logp[t];
      let z = 0;
      for (let t = 0; t < k; t++) {
        const e = Math.exp(logp[t] - m);
        logp[t] = e;
        z += e;
      }
      for (let t = 0; t < k; t++) {
        const p = logp[t] / z;
        const d = Math.abs(p - posterior[o + t]);
        if (d > delta) delta = d;
        posterior[o + t] = p;
      }
    }
    return delta;
  };

  let iterations = 0;
  if (n > 0) {
    while (iterations < maxIterations) {
      mStep();
      const delta = eStep();
      iterations++;
      if (delta < tol) break;
    }
  }
  mStep();

  for (let s = 0; s < nSubjects; s++) if (counts[s] === 0) posterior.set(prior, s * k);

  // Confusion out: row = true class, col = answer.
  const confusion = new Float64Array(nVolunteers * kk);
  for (let v = 0; v < nVolunteers; v++) {
    const base = v * kk;
    for (let t = 0; t < k; t++) for (let a = 0; a < k; a++) confusion[base + t * k + a] = conf[base + a * k + t];
  }

  return { ...finish(posterior, nSubjects, k, counts), posterior, iterations, confusion };
}

export const dawidSkene: Aggregator = { name: 'dawid_skene', aggregate: (votes, opts) => dawidSkeneEM(votes, { priorStrength: opts?.priorStrength }) };
