/** Expert subject sets: hard live subjects, chosen by organizers or suggested from the baseline's doubt. */
import type { Db } from '../db/index.js';
import { findChallengeById } from '../challenges/repo.js';
import { UserError } from '../web/errors.js';
import type { Workflow } from './repo.js';
import { readCsvRecords } from './setup.js';
import { latestBaselineSubmission } from '../baseline/service.js';
import type { ObjectStorage } from '../storage/index.js';

/** Marks exactly these live subjects (by name) as the expert set; returns how many matched. */
export async function setExpertSet(db: Db, wf: Workflow, names: string[]): Promise<number> {
  let matched = 0;
  await db.transaction().execute(async (tx) => {
    await tx.updateTable('crowd_subjects').set({ expert: 0 }).where('workflow_id', '=', wf.id).execute();
    for (let i = 0; i < names.length; i += 500) {
      const r = await tx.updateTable('crowd_subjects').set({ expert: 1 }).where('workflow_id', '=', wf.id).where('is_gold', '=', 0).where('external_id', 'in', names.slice(i, i + 500)).executeTakeFirst();
      matched += Number(r.numUpdatedRows);
    }
  });
  return matched;
}

/**
 * The baseline's class probabilities per source (external id), in its proba_<class> column order,
 * read from the latest scored baseline submission; 409 when there is none or it has no probabilities.
 */
export async function baselineProbabilities(db: Db, wf: Workflow, storage: ObjectStorage): Promise<Map<string, number[]>> {
  const c = await findChallengeById(db, wf.challengeId);
  const sub = c && (await latestBaselineSubmission(db, c.id, true));
  if (!c || !sub) throw new UserError(409, 'no_baseline', 'There is no scored baseline submission for this challenge yet.');
  const rows = readCsvRecords(await storage.localPath(sub.file_path));
  const probaColumns = Object.keys(rows[0] ?? {}).filter((k) => k.startsWith('proba_'));
  if (probaColumns.length < 2) throw new UserError(409, 'no_probabilities', `Baseline submission #${sub.id} has no class probabilities (proba_<class> columns).`);
  const proba = new Map<string, number[]>();
  for (const r of rows) {
    const p = probaColumns.map((k) => Number(r[k]));
    if (p.every(Number.isFinite)) proba.set(r[c.id_column], p);
  }
  return proba;
}

/** The baseline's margin per source: its highest class probability minus the next one. A small margin is a source the baseline is unsure of. */
export async function baselineMargins(db: Db, wf: Workflow, storage: ObjectStorage): Promise<Map<string, number>> {
  const margins = new Map<string, number>();
  for (const [id, proba] of await baselineProbabilities(db, wf, storage)) {
    const p = [...proba].sort((a, b) => b - a);
    margins.set(id, p[0] - p[1]);
  }
  return margins;
}

/** The `count` live, unretired subjects the baseline is least sure of, most doubtful first. */
export async function baselineUnsure(db: Db, wf: Workflow, storage: ObjectStorage, count: number): Promise<Array<{ name: string; margin: number }>> {
  const margins = await baselineMargins(db, wf, storage);
  const live = await db.selectFrom('crowd_subjects').select('external_id').where('workflow_id', '=', wf.id).where('is_gold', '=', 0).where('retired_at', 'is', null).execute();
  return live
    .filter((s) => margins.has(s.external_id))
    .map((s) => ({ name: s.external_id, margin: margins.get(s.external_id)! }))
    .sort((a, b) => a.margin - b.margin || a.name.localeCompare(b.name))
    .slice(0, count);
}
