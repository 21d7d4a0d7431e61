import { move, transferableSymbol, valueSymbol } from 'piscina';
import { validateUpload, type ValidationTask } from './validation.js';
import { collectGarbageSoon } from '../collect-garbage.js';

/**
 * Piscina task: validates one upload; the prediction's typed arrays are moved back, not copied. The
 * upload's bytes are collected once the result has gone (collect-garbage.ts).
 */
export default async function validate(task: ValidationTask) {
  let result: Awaited<ReturnType<typeof validateUpload>>;
  try {
    result = await validateUpload(task);
  } finally {
    collectGarbageSoon();
  }
  if (!result.outcome.ok) return result;
  const { label, rank, proba } = result.outcome.prediction;
  const buffers = [label, rank, proba].filter((a) => a !== undefined).map((a) => a.buffer);
  return move({
    get [transferableSymbol]() {
      return buffers;
    },
    get [valueSymbol]() {
      return result;
    },
  });
}
