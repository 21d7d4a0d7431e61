import { move, transferableSymbol, valueSymbol } from 'piscina';
import { validateUpload, type ValidationTask } from './validation.js';

/** Piscina task: validates one upload; the prediction's typed arrays are moved back, not copied. */
export default async function validate(task: ValidationTask) {
  const result = await validateUpload(task);
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
