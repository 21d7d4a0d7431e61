import { z } from 'zod';
import type { BaselineSpec } from '../baseline/spec.js';
import { seededRandom } from '../seeded-random.js';

type ModelSpec = BaselineSpec['model'];

/** Lists of values to try for the model section's hyperparameters; a key left out keeps the model's value. */
export const searchSpaceSchema = z.strictObject({
  hidden: z.array(z.array(z.int().min(1).max(4096)).min(1).max(8)).min(1).optional(),
  dropout: z.array(z.number().min(0).max(0.9)).min(1).optional(),
  learning_rate: z.array(z.number().positive().max(1)).min(1).optional(),
  l2: z.array(z.number().min(0)).min(1).optional(),
  batch_size: z.array(z.int().positive().max(65_536)).min(1).optional(),
  batch_norm: z.array(z.boolean()).min(1).optional(),
  class_weight: z.array(z.enum(['balanced', 'sqrt', 'none'])).min(1).optional(),
  /** A larger grid is sampled down to this many configurations, by `seed`. */
  max_configurations: z.int().min(1).max(500).default(24),
  seed: z.int().default(1),
  /** Seconds a volunteer has for one unit before it is sent to someone else (BOINC's delay bound). */
  delay_bound_seconds: z.int().min(30).max(14 * 86_400).default(3600),
});
export type SearchSpace = z.infer<typeof searchSpaceSchema>;

const SEARCHED = ['hidden', 'dropout', 'learning_rate', 'l2', 'batch_size', 'batch_norm', 'class_weight'] as const;

/** The `search:` section of baseline.yaml; null when there is none. Errors name the field. */
export function parseSearchSpace(raw: unknown, where = 'baseline.yaml'): SearchSpace | null {
  if (raw === undefined || raw === null) return null;
  const r = searchSpaceSchema.safeParse(raw);
  if (!r.success) throw new Error(`${where}: ${r.error.issues.map((i) => `search.${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

/**
 * Every configuration of the grid, as full model sections (the model's own values where the space
 * names none), so a unit carries all its worker needs. The model's own configuration comes first
 * when the grid holds it, so the search always measures the default against the others.
 */
export function configurations(space: SearchSpace, model: ModelSpec): ModelSpec[] {
  let grid: Array<Partial<ModelSpec>> = [{}];
  for (const key of SEARCHED) {
    const values = space[key] as unknown[] | undefined;
    if (!values) continue;
    grid = grid.flatMap((partial) => values.map((v) => ({ ...partial, [key]: v })));
  }
  const all = grid.map((partial) => ({ ...model, ...partial }));
  const isDefault = (m: ModelSpec) => JSON.stringify(m) === JSON.stringify(model);
  const ordered = [...all.filter(isDefault), ...all.filter((m) => !isDefault(m))];
  if (ordered.length <= space.max_configurations) return ordered;
  // Keep the default (if any) and draw the rest without replacement, reproducibly.
  const rand = seededRandom(space.seed);
  const keep = ordered.slice(0, isDefault(ordered[0]) ? 1 : 0);
  const rest = ordered.slice(keep.length);
  while (keep.length < space.max_configurations) keep.push(rest.splice(Math.floor(rand() * rest.length), 1)[0]);
  return keep;
}

/**
 * Floating-point operations of one unit: a dense layer costs 2·in·out per row forward, and training
 * about three times that (forward, and the backward pass's two products), for every training row
 * and epoch; then one forward pass over the fold. Batch norm, activations and the optimiser are
 * a few per weight and left out, as BOINC's estimates are rough.
 */
export function estimateFlops(model: ModelSpec, inputs: number, outputs: number, trainRows: number, validationRows: number): number {
  const widths = [inputs, ...model.hidden, outputs];
  let forwardPerRow = 0;
  for (let i = 1; i < widths.length; i++) forwardPerRow += 2 * widths[i - 1] * widths[i];
  return 3 * forwardPerRow * trainRows * model.max_epochs + forwardPerRow * validationRows;
}
