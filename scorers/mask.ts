import { USAGE, type Subset } from './types.js';

/**
 * The row mask a metric is scored on: 1 where the solution row belongs to the
 * subset (Public or Private), 0 elsewhere (other subset and Ignored rows).
 */
export function subsetMask(usage: Uint8Array, subset: Subset): Uint8Array {
  const code = subset === 'public' ? USAGE.Public : USAGE.Private;
  const n = usage.length;
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) mask[i] = usage[i] === code ? 1 : 0;
  return mask;
}

/** Throws unless the mask has one entry per solution row. */
export function checkMask(rows: Uint8Array, n: number): void {
  if (rows.length !== n) {
    throw new Error(`row mask has ${rows.length} entries, expected ${n} (one per solution row)`);
  }
}
