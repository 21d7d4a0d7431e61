import type { VoteSet } from './types.js';

import { seededRandom } from '../../seeded-random.js';

/**
 * Volunteer skill types:
 * - perfect: always the true class;
 * - skilled: a confusion matrix with accuracy drawn from `skill` per true class, the errors spread
 *   unevenly (random weights) over the other classes;
 * - spammer: uniformly random answers;
 * - biased: always one class (drawn per volunteer).
 */
export type VolunteerKind = 'perfect' | 'skilled' | 'spammer' | 'biased';

export interface CrowdSpec {
  nSubjects: number;
  nVolunteers: number;
  k: number;
  /** Distinct volunteers per subject (each chosen uniformly at random). */
  votesPerSubject: number;
  /** Relative share of each kind of volunteer (normalised; missing kinds are 0). */
  mix: Partial<Record<VolunteerKind, number>>;
  /** Per-class accuracy range of skilled volunteers. Default [0.6, 0.9]. */
  skill?: [number, number];
  /** Class prior of the true labels. Default uniform. */
  classPrior?: number[];
  /** Share of subjects that are gold (truth published in votes.gold). Default 0: no gold array. */
  goldFraction?: number;
  /** Shuffle the vote order (as votes arrive live). Default true. */
  shuffle?: boolean;
  /** Default 1. */
  seed?: number;
}

export interface SimulatedCrowd {
  votes: VoteSet;
  /** True class of every subject. */
  truth: Int32Array;
  kind: VolunteerKind[];
  /** The simulated confusion matrices, nVolunteers x k x k, row = true class, col = answer. */
  confusion: Float64Array;
}

/** A draw from the distribution p[offset .. offset + k). */
export function sample(rng: () => number, p: Float64Array | number[], offset: number, k: number): number {
  let u = rng();
  for (let c = 0; c < k - 1; c++) {
    u -= p[offset + c];
    if (u < 0) return c;
  }
  return k - 1;
}

/** A simulated crowd with known truth; the same spec (and seed) always gives the same crowd. */
export function simulateCrowd(spec: CrowdSpec): SimulatedCrowd {
  const { nSubjects, nVolunteers, k, votesPerSubject } = spec;
  if (votesPerSubject > nVolunteers) throw new RangeError('votesPerSubject cannot exceed nVolunteers (volunteers vote once per subject)');
  const rng = seededRandom(spec.seed ?? 1);
  const [lo, hi] = spec.skill ?? [0.6, 0.9];
  const kk = k * k;

  // Volunteer kinds: shares by cumulative fraction, then shuffled.
  const kinds: VolunteerKind[] = ['perfect', 'skilled', 'spammer', 'biased'];
  const total = kinds.reduce((s, x) => s + (spec.mix[x] ?? 0), 0);
  if (!(total > 0)) throw new RangeError('mix must give some volunteers a positive share');
  const kind: VolunteerKind[] = [];
  let cum = 0;
  for (const x of kinds) {
    cum += (spec.mix[x] ?? 0) / total;
    const upto = Math.round(cum * nVolunteers);
    while (kind.length < upto) kind.push(x);
  }
  while (kind.length < nVolunteers) kind.push(kinds[kinds.length - 1]);
  for (let i = nVolunteers - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [kind[i], kind[j]] = [kind[j], kind[i]];
  }

  const confusion = new Float64Array(nVolunteers * kk);
  for (let v = 0; v < nVolunteers; v++) {
    const base = v * kk;
    switch (kind[v]) {
      case 'perfect':
        for (let t = 0; t < k; t++) confusion[base + t * k + t] = 1;
        break;
      case 'spammer':
        confusion.fill(1 / k, base, base + kk);
        break;
      case 'biased': {
        const b = Math.floor(rng() * k);
        for (let t = 0; t < k; t++) confusion[base + t * k + b] = 1;
        break;
      }
      case 'skilled':
        for (let t = 0; t < k; t++) {
          const acc = k === 1 ? 1 : lo + (hi - lo) * rng();
          const row = base + t * k;
          let z = 0;
          for (let a = 0; a < k; a++) {
            if (a === t) continue;
            const w = 0.1 + rng();
            confusion[row + a] = w;
            z += w;
          }
          for (let a = 0; a < k; a++) confusion[row + a] = a === t ? acc : (confusion[row + a] / z) * (1 - acc);
        }
        break;
    }
  }

  const prior = new Float64Array(k);
  if (spec.classPrior) {
    const z = spec.classPrior.reduce((s, x) => s + x, 0);
    for (let c = 0; c < k; c++) prior[c] = spec.classPrior[c] / z;
  } else prior.fill(1 / k);
  const truth = new Int32Array(nSubjects);
  for (let s = 0; s < nSubjects; s++) truth[s] = sample(rng, prior, 0, k);

  const goldFraction = spec.goldFraction ?? 0;
  let gold: Int32Array | undefined;
  if (goldFraction > 0) {
    gold = new Int32Array(nSubjects).fill(-1);
    for (let s = 0; s < nSubjects; s++) if (rng() < goldFraction) gold[s] = truth[s];
  }

  const n = nSubjects * votesPerSubject;
  const subject = new Int32Array(n);
  const volunteer = new Int32Array(n);
  const answer = new Int32Array(n);
  const seen = new Int32Array(nVolunteers).fill(-1);
  let i = 0;
  for (let s = 0; s < nSubjects; s++) {
    for (let j = 0; j < votesPerSubject; j++) {
      let v: number;
      do v = Math.floor(rng() * nVolunteers);
      while (seen[v] === s);
      seen[v] = s;
      subject[i] = s;
      volunteer[i] = v;
      answer[i] = sample(rng, confusion, v * kk + truth[s] * k, k);
      i++;
    }
  }
  if (spec.shuffle ?? true) {
    for (let x = n - 1; x > 0; x--) {
      const y = Math.floor(rng() * (x + 1));
      let tmp = subject[x]; subject[x] = subject[y]; subject[y] = tmp;
      tmp = volunteer[x]; volunteer[x] = volunteer[y]; volunteer[y] = tmp;
      tmp = answer[x]; answer[x] = answer[y]; answer[y] = tmp;
    }
  }

  const votes: VoteSet = { nSubjects, nVolunteers, k, subject, volunteer, answer };
  if (gold) votes.gold = gold;
  return { votes, truth, kind, confusion };
}

/**
 * Share of subjects whose label equals the truth, over the subjects where `include` is true (default:
 * all). Subjects labelled -1 count as wrong.
 */
export function accuracy(label: Int32Array, truth: Int32Array, include?: (s: number) => boolean): number {
  let right = 0;
  let n = 0;
  for (let s = 0; s < truth.length; s++) {
    if (include && !include(s)) continue;
    n++;
    if (label[s] === truth[s]) right++;
  }
  return n === 0 ? NaN : right / n;
}
