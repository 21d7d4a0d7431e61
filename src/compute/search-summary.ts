import type { Db } from '../db/index.js';
import type { LocalChallenge } from '../challenges/service.js';
import { UserError } from '../web/errors.js';
import { assembleOutOfFold, decodePredictions, scoreOutOfFold, type OutOfFoldScore } from './out-of-fold.js';
import { trainingData, type TrainingData } from './training-data.js';
import * as repo from './repo.js';

export interface ConfigurationView {
  configuration: number;
  model: Record<string, unknown>;
  /** The model section of baseline.yaml as it stands: the search measures the others against it. */
  isDefault: boolean;
  validatedFolds: number;
  folds: number;
  complete: boolean;
  /** Mean of the validated folds' own metrics (each fold scored alone), as the volunteers reported it. */
  meanFoldMetric: number | null;
  /** The metric of all folds' canonical predictions scored together over train.csv; null until complete. */
  outOfFold: OutOfFoldScore | null;
  outOfFoldMetric: number | null;
  /** Why a complete configuration has no out-of-fold metric (its predictions no longer fit train.csv). */
  outOfFoldError: string | null;
  /** 1 = best out-of-fold metric; null until complete. */
  rank: number | null;
  units: { done: number; pending: number; failed: number };
}

/**
 * The organizer's view of a search: per configuration, its validated out-of-fold metric once all
 * its folds have a canonical result (ranked, best first; incomplete ones after, in their order),
 * units done, pending and failed; the contributors.
 */
export async function searchSummary(db: Db, c: LocalChallenge, searchId: number, datasetsDir: string | undefined) {
  const search = await repo.findSearch(db, c.id, searchId);
  if (!search) throw new UserError(404, 'not_found', `No search ${searchId} of ${c.slug}.`);
  const units = await repo.unitsOf(db, search.id);
  const data = trainingData(c, datasetsDir);
  const defaultModel = JSON.stringify(data.spec.model);
  const byConfig = new Map<number, repo.UnitRow[]>();
  for (const u of units) byConfig.set(u.configuration, [...(byConfig.get(u.configuration) ?? []), u]);

  const scores = await outOfFoldScores(db, c, data, byConfig);
  const configurations: ConfigurationView[] = [...byConfig.entries()].map(([configuration, list]) => {
    const validated = list.filter((u) => u.state === 'valid' && u.canonical_metric !== null);
    const complete = validated.length === list.length;
    const scored = scores.get(configuration);
    const count = (state: repo.UnitRow['state']) => list.filter((u) => u.state === state).length;
    return {
      configuration,
      model: JSON.parse(list[0].config_json) as Record<string, unknown>,
      isDefault: list[0].config_json === defaultModel,
      validatedFolds: validated.length,
      folds: list.length,
      complete,
      meanFoldMetric: validated.length ? validated.reduce((s, u) => s + u.canonical_metric!, 0) / validated.length : null,
      outOfFold: scored?.score ?? null,
      outOfFoldMetric: scored?.score?.score ?? null,
      outOfFoldError: scored?.error ?? null,
      rank: null,
      units: { done: count('valid'), pending: count('open'), failed: count('failed') },
    };
  });
  const scored = configurations.filter((x) => x.outOfFoldMetric !== null).sort((a, b) => b.outOfFoldMetric! - a.outOfFoldMetric! || a.configuration - b.configuration);
  scored.forEach((x, i) => (x.rank = i + 1));
  const ranked = [...scored, ...configurations.filter((x) => x.outOfFoldMetric === null)];
  const count = (state: repo.UnitRow['state']) => units.filter((u) => u.state === state).length;
  return {
    search: { id: search.id, challenge: c.slug, state: search.state, folds: search.folds, delayBoundSeconds: search.delay_bound_seconds, createdAt: search.created_at, space: JSON.parse(search.space_json) as unknown },
    metric: data.task === 'ams' ? ('ams' as const) : ('macro_f1' as const),
    units: { total: units.length, done: count('valid'), pending: count('open'), failed: count('failed') },
    configurations: ranked,
    best: scored[0] ?? null,
    default: configurations.find((x) => x.isDefault) ?? null,
    contributors: (await repo.contributorsOf(db, search.id)).map((r) => ({ name: r.name, validResults: Number(r.valid_results), credit: Number(r.credit) })),
  };
}

type Scored = { score: OutOfFoldScore | null; error: string | null };

/**
 * Scores already computed, by the training data's version and the canonical results they were
 * computed from: a canonical result never changes, so the page (which refreshes while a promotion
 * trains) reads and scores each complete configuration's predictions once.
 */
const scoreCache = new Map<string, Scored>();
const SCORE_CACHE_MAX = 2000;

/** The out-of-fold score of every complete configuration (every unit valid with a canonical result). */
async function outOfFoldScores(db: Db, c: LocalChallenge, data: TrainingData, byConfig: Map<number, repo.UnitRow[]>): Promise<Map<number, Scored>> {
  const out = new Map<number, Scored>();
  const missing: Array<{ configuration: number; key: string; units: repo.UnitRow[] }> = [];
  for (const [configuration, units] of byConfig) {
    if (!units.every((u) => u.state === 'valid' && u.canonical_result_id !== null)) continue;
    const key = `${c.id}|${data.etag}|${units.map((u) => u.canonical_result_id).join(',')}`;
    const hit = scoreCache.get(key);
    if (hit) out.set(configuration, hit);
    else missing.push({ configuration, key, units });
  }
  const predictions = await repo.predictionsOf(db, missing.flatMap((m) => m.units.map((u) => u.canonical_result_id!)));
  for (const m of missing) {
    let scored: Scored;
    try {
      const results = m.units.map((u) => ({ fold: u.fold, predictions: decodePredictions(predictions.get(u.canonical_result_id!) ?? '') }));
      scored = { score: scoreOutOfFold(c, data, assembleOutOfFold(data, results)), error: null };
    } catch (err) {
      scored = { score: null, error: `train.csv or baseline.yaml changed since this search began: ${(err as Error).message}` };
    }
    if (scoreCache.size >= SCORE_CACHE_MAX) scoreCache.delete(scoreCache.keys().next().value!);
    scoreCache.set(m.key, scored);
    out.set(m.configuration, scored);
  }
  return out;
}

export type SearchSummary = Awaited<ReturnType<typeof searchSummary>>;
