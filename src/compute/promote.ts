/**
 * Promote a search's configuration (issue 14, section 5): the configuration with the best validated
 * out-of-fold metric (or one the organizer names among the complete ones) is trained in full on the
 * server through the baseline's own training path (a baseline run, in a worker thread), and its test
 * predictions are submitted as the new Baseline row, as every baseline is. The choice reads the
 * out-of-fold metric on train.csv only; the test labels are never looked at.
 */
import type { Db } from '../db/index.js';
import type { LocalChallenge } from '../challenges/service.js';
import type { ModelSpec } from '../baseline/model.js';
import { startRun, type BaselineRun } from '../baseline/service.js';
import type { VolunteerComputingOrigin } from '../baseline/train.js';
import { UserError } from '../web/errors.js';
import { searchSummary } from './search-summary.js';

export interface Promotion {
  run: BaselineRun;
  model: ModelSpec;
  foundBy: VolunteerComputingOrigin;
}

/** Picks the configuration and records the baseline run that will train it; refuses (409) a search with no complete configuration. */
export async function startPromotion(db: Db, c: LocalChallenge, searchId: number, o: { configuration?: number; userId: number; datasetsDir: string | undefined }): Promise<Promotion> {
  const summary = await searchSummary(db, c, searchId, o.datasetsDir);
  if (!summary.best) {
    throw new UserError(409, 'no_complete_configuration', `Search ${searchId} of ${c.slug} has no configuration with every fold validated yet, so none has an out-of-fold metric to be chosen by.`);
  }
  const chosen = o.configuration === undefined ? summary.best : summary.configurations.find((x) => x.configuration === o.configuration);
  if (!chosen) throw new UserError(404, 'not_found', `Search ${searchId} has no configuration ${o.configuration}.`);
  if (!chosen.outOfFold) throw new UserError(409, 'configuration_incomplete', `Configuration ${chosen.configuration} of search ${searchId} has ${chosen.validatedFolds} of ${chosen.folds} folds validated; only a complete one can be promoted.`);
  const model = chosen.model as unknown as ModelSpec;
  const run = await startRun(db, c, { startedBy: o.userId, seed: model.seed });
  await db.updateTable('baseline_runs').set({ compute_search_id: searchId, compute_configuration: chosen.configuration }).where('id', '=', run.id).execute();
  const foundBy: VolunteerComputingOrigin = { kind: 'volunteer_computing', searchId, configuration: chosen.configuration, outOfFold: { metric: chosen.outOfFold.metric, score: chosen.outOfFold.score } };
  return { run: { ...run, compute_search_id: searchId, compute_configuration: chosen.configuration }, model, foundBy };
}

/** The search's promotions, newest first: the baseline runs that train its configurations. */
export function promotionsOf(db: Db, searchId: number) {
  return db
    .selectFrom('baseline_runs')
    .select(['id', 'status', 'compute_configuration', 'validation_score', 'submission_id', 'error', 'started_at', 'finished_at'])
    .where('compute_search_id', '=', searchId)
    .orderBy('id', 'desc')
    .execute();
}
