import { seededRandom } from '../seeded-random.js';

export { seededRandom };

export function shuffleInPlace<T>(a: T[] | Int32Array, rand: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

/**
 * Runs fn with Math.random replaced by a seeded generator. TensorFlow.js draws the seeds of
 * unseeded random ops (dropout masks) from Math.random, so this makes training reproducible
 * while still giving each batch a fresh dropout mask.
 */
export async function withSeededMathRandom<T>(seed: number, fn: () => Promise<T>): Promise<T> {
  const original = Math.random;
  Math.random = seededRandom(seed ^ 0x5bd1e995);
  try {
    return await fn();
  } finally {
    Math.random = original;
  }
}
