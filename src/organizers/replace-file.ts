/** Replacing one of a challenge's data files from the console. */
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Db } from '../db/index.js';
import type { LocalChallenge } from '../challenges/service.js';
import type { ObjectStorage } from '../storage/index.js';
import { findChallengeById } from '../challenges/repo.js';
import { backupFolderFiles, GENERATED_SAMPLE_MARK, placeUpload, type DataKind } from './setup.js';
import { isConfigured, setupOf } from './setup-status.js';
import { configure } from './settings.js';

/**
 * Replaces one data file. On a configured challenge a new train, test or solution file is checked
 * with the saved settings, exactly as a save of the settings form (a new solution is re-mapped; re-score
 * afterwards), and a refused file leaves the previous one in place.
 */
export async function replaceFile(db: Db, storage: ObjectStorage, c: LocalChallenge, kind: DataKind, tmp: string): Promise<LocalChallenge> {
  if (kind === 'sample_submission' || !isConfigured(c)) {
    const name = await placeUpload(c.folder, kind, tmp);
    const column = ({ train: 'train_file', test: 'test_file', sample_submission: 'sample_file' } as const)[kind as Exclude<DataKind, 'solution'>];
    if (kind === 'sample_submission') await fsp.rm(path.join(c.folder, GENERATED_SAMPLE_MARK), { force: true });
    await storage.publishLocalDir(c.folder_key);
    if (column) await db.updateTable('challenges').set({ [column]: name }).where('id', '=', c.id).execute();
    return { ...(await findChallengeById(db, c.id))!, folder: c.folder };
  }
  const backup = await backupFolderFiles(c.folder);
  try {
    await placeUpload(c.folder, kind, tmp);
    const s = setupOf(c)!;
    const fresh = await configure(db, storage, c, {
      id_column: s.idColumn, target_column: s.targetColumn, weight_column: s.weightColumn ?? '', split: s.split, usage_column: s.usageColumn ?? '',
      public_fraction: String(s.publicFraction), seed: s.seed, metric: c.metric, format: c.format.kind, classes: c.classes.join(','),
      positive_class: typeof c.metricOptions.positive_class === 'string' ? c.metricOptions.positive_class : '',
      opens_at: c.opens_at, closes_at: c.closes_at, merge_deadline: c.merge_deadline ?? '', daily_limit: String(c.daily_limit),
      final_selections: String(c.final_selections), team_size: String(c.team_size), title: c.title, description: c.description_md, citation: c.citation ?? '',
    });
    await backup.discard();
    return fresh;
  } catch (err) {
    await backup.restore();
    throw err;
  }
}
