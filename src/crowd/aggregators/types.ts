/**
 * Consensus aggregators: shared types.
 *
 * Conventions shared by every aggregator:
 * - subjects, volunteers and classes are dense indices (0..n-1);
 * - a subject with no votes gets label -1, confidence 0, and a posterior row equal to the method's
 *   prior (uniform 1/k for majority, gold_weighted and online_swap; the estimated class prior for
 *   dawid_skene), so every posterior row sums to 1;
 * - volunteers' confusion matrices start from a Dirichlet prior (prior.ts): dawid_skene's from the
 *   pooled gold answers with a configurable strength, online_swap's the fixed mildly diagonal default;
 * - only dawid_skene clamps gold subjects to their known class (as the issue asks); the others report
 *   what the votes say, so their accuracy can be measured on gold.
 */

/** Votes as parallel typed arrays; subjects, volunteers and classes are dense indices. */
export interface VoteSet {
  nSubjects: number;
  nVolunteers: number;
  k: number;
  subject: Int32Array;
  volunteer: Int32Array;
  answer: Int32Array;
  /** Known true class per subject, or -1 (gold subjects). */
  gold?: Int32Array;
}

export interface Consensus {
  /** Arg-max class per subject, -1 when the subject has no votes. */
  label: Int32Array;
  /** Row-major nSubjects x k posterior (or vote fractions for majority). */
  posterior: Float64Array;
  /** Probability of the chosen label (agreement for majority vote). */
  confidence: Float64Array;
  iterations?: number;
  /** Per-volunteer k x k confusion estimates where the method has them (row = true, col = answer). */
  confusion?: Float64Array;
}

/** Settings an aggregator may use (the others ignore them). */
export interface AggregateOptions {
  /** Pseudo-votes per confusion row of each volunteer's prior (dawid_skene; see prior.ts). */
  priorStrength?: number;
}

export interface Aggregator {
  name: 'majority' | 'gold_weighted' | 'dawid_skene' | 'online_swap';
  aggregate(votes: VoteSet, opts?: AggregateOptions): Consensus;
}
