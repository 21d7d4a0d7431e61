/**
 * Entropy routing, the pure part: the baseline's doubt on a subject, and the draw among the few most
 * doubtful candidates. The serving itself is in service.ts, the stored entropies in routing-entropy.ts.
 */

/**
 * Share of serves left to the retirement rule under entropy routing. A fifth keeps a sample of votes
 * whose subjects were chosen without looking at the baseline (votes carry the `routed` flag), large
 * enough to estimate the crowd's accuracy on its own, while four serves in five go where the model
 * is unsure.
 */
export const DEFAULT_RANDOM_SHARE = 0.2;

/** Entropy routing draws among this many of the most doubtful eligible subjects, so it stays one short indexed read with thousands of them. */
export const ROUTE_AMONG = 8;

/**
 * The predictive entropy of a probability vector divided by log(k): 0 for a certain prediction, 1 for
 * a uniform one. The vector is normalised first (stored probabilities may not sum exactly to 1); null
 * when it holds a negative or non-finite value or sums to 0, or has fewer than two classes.
 */
export function normalisedEntropy(p: ArrayLike<number>): number | null {
  const k = p.length;
  if (k < 2) return null;
  let sum = 0;
  for (let i = 0; i < k; i++) {
    if (!Number.isFinite(p[i]) || p[i] < 0) return null;
    sum += p[i];
  }
  if (!(sum > 0)) return null;
  let h = 0;
  for (let i = 0; i < k; i++) {
    const q = p[i] / sum;
    if (q > 0) h -= q * Math.log(q);
  }
  return Math.min(1, Math.max(0, h / Math.log(k)));
}

/**
 * Index drawn with probability proportional to its weight (u uniform in [0, 1)); uniform when every
 * weight is 0. A subject the baseline is sure of (entropy 0) is drawn only when every candidate is.
 */
export function drawWeighted(weights: readonly number[], u: number): number {
  const total = weights.reduce((a, w) => a + Math.max(0, w), 0);
  if (!(total > 0)) return Math.min(weights.length - 1, Math.floor(u * weights.length));
  let target = u * total;
  let last = 0;
  for (let i = 0; i < weights.length; i++) {
    if (!(weights[i] > 0)) continue;
    last = i;
    target -= weights[i];
    if (target < 0) return i;
  }
  return last; // rounding left a sliver: the last drawable one

}
