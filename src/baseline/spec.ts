import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** `baseline.yaml` in a challenge folder: how the baseline reads its features and trains. */
export const baselineSpecSchema = z.strictObject({
  /** Feature columns; `auto` = every numeric column of train.csv but the id, target, weight and `exclude`. */
  features: z.union([z.literal('auto'), z.array(z.string().min(1)).min(1)]).default('auto'),
  exclude: z.array(z.string()).default([]),
  missing: z
    .strictObject({
      /** Values that mean "undefined" (HiggsML: -999). Empty cells and NaN are always missing. */
      sentinels: z.array(z.number()).default([]),
      /** Add a 0/1 column per distinct missing pattern of the training set. */
      indicators: z.boolean().default(true),
    })
    .default({ sentinels: [], indicators: true }),
  /** Columns replaced by sign(x)·ln(1 + |x|·scale) (heavy-tailed momenta, fluxes). */
  log: z.array(z.string()).default([]),
  /** Multiplier applied inside the log (fluxes of 1e-14 erg/s/cm² need ~1e14). */
  log_scale: z.record(z.string(), z.number().positive()).default({}),
  /** Columns one-hot encoded over the values seen in training. */
  one_hot: z.array(z.string()).default([]),
  standardize: z.boolean().default(true),
  model: z
    .strictObject({
      hidden: z.array(z.int().positive()).min(1).default([128, 64, 32]),
      dropout: z.number().min(0).max(0.9).default(0.2),
      batch_norm: z.boolean().default(true),
      learning_rate: z.number().positive().default(1e-3),
      l2: z.number().min(0).default(0),
      batch_size: z.int().positive().default(128),
      max_epochs: z.int().positive().default(60),
      patience: z.int().positive().default(8),
      /** Ensemble of k models, each trained on k-1 folds and stopped early on the remaining one. */
      folds: z.int().min(2).max(20).default(5),
      /** What early stopping watches on the held-out fold. */
      monitor: z.enum(['loss', 'metric']).default('loss'),
      seed: z.int().default(42),
      /** Class weights: balanced per class (on the physics weights when the challenge has a weight column); sqrt: halfway (∝ 1/√n_class). */
      class_weight: z.enum(['balanced', 'sqrt', 'none']).default('balanced'),
    })
    .default({} as never),
  /** Volunteer computing's search space (issue 14): read and checked by src/compute/search-space.ts. */
  search: z.unknown().optional(),
  /** HiggsML: the selected fraction is searched in [min, max] on the out-of-fold predictions. */
  selection: z
    .strictObject({ min: z.number().gt(0).lt(1).default(0.05), max: z.number().gt(0).lt(1).default(0.5), smooth: z.number().min(0).default(0.02) })
    .default({ min: 0.05, max: 0.5, smooth: 0.02 }),
});
export type BaselineSpec = z.infer<typeof baselineSpecSchema>;

export function parseBaselineSpec(raw: unknown, where = 'baseline.yaml'): BaselineSpec {
  const r = baselineSpecSchema.safeParse(raw ?? {});
  if (!r.success) throw new Error(`${where}: ${r.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ')}`);
  // zod's .default({}) skips inner defaults; parse the model block again to fill them.
  return { ...r.data, model: baselineSpecSchema.shape.model.unwrap().parse(r.data.model ?? {}) };
}

/**
 * The challenge's baseline.yaml: in its imported folder, else in DATASETS_DIR/<slug>/, else the
 * defaults (every numeric column, standardised, with missing indicators).
 */
export function loadBaselineSpec(folders: string[]): { spec: BaselineSpec; file: string | null } {
  for (const dir of folders) {
    const file = path.join(dir, 'baseline.yaml');
    if (fs.existsSync(file)) return { spec: parseBaselineSpec(parseYaml(fs.readFileSync(file, 'utf8')), file), file };
  }
  return { spec: parseBaselineSpec({}), file: null };
}
