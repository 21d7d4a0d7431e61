/**
 * The train rows set apart to evaluate a baseline retrained with crowd labels (`sift baseline retrain
 * --with-crowd`). They are never gold, never known sources, so never served to the crowd, and neither
 * the "before" nor the "after" model trains on them. The rule depends on the row id alone, so every
 * process, seed and run agrees on it without storing it.
 */
import crypto from 'node:crypto';

/** Share of a challenge's train rows set apart for evaluation. */
export const EVALUATION_SHARE = 0.2;

export function isEvaluationRow(id: string, share = EVALUATION_SHARE): boolean {
  const h = crypto.createHash('sha256').update(`sift-evaluation:${id}`).digest();
  return h.readUInt32BE(0) / 2 ** 32 < share;
}
