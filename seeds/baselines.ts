import fs from 'node:fs';
import path from 'node:path';
import { baselineFolderKey, type ObjectStorage } from '../src/storage/index.js';
import type { DbHandle } from '../src/db/index.js';
import { findChallengeBySlug } from '../src/challenges/repo.js';
import { baselineDir, RECORD_FILE } from '../src/baseline/train.js';
import { latestBaselineSubmission, submitBaseline } from '../src/baseline/service.js';
import { repoRoot } from '../src/paths.js';
import { OOF_FILE } from '../src/baseline/oof.js';

/** Trained baseline models shipped with the demo (made by `sift baseline train <slug>` on the training files only). */
const shipped = path.join(repoRoot, 'seeds', 'baselines');

/**
 * Puts the shipped TensorFlow.js baseline on each demo leaderboard: stores the model under
 * baselines/<slug>/ and submits its predictions as the Baseline account, once.
 */
export async function seedBaselines(handle: DbHandle, storage: ObjectStorage, log: (msg: string) => void): Promise<void> {
  if (!fs.existsSync(shipped)) return;
  for (const slug of fs.readdirSync(shipped)) {
    const c = await findChallengeBySlug(handle.db, slug);
    if (!c || !fs.existsSync(path.join(shipped, slug, RECORD_FILE))) continue;
    if (await latestBaselineSubmission(handle.db, c.id)) continue;
    await storage.localDir(baselineFolderKey(slug));
    const target = baselineDir(storage.localRoot, slug);
    if (!fs.existsSync(path.join(target, RECORD_FILE))) fs.cpSync(path.join(shipped, slug), target, { recursive: true });
    // Out-of-fold predictions (the comparison scores the baseline on known sources with them), rebuilt by `sift baseline oof`.
    const oof = path.join(shipped, slug, OOF_FILE);
    if (fs.existsSync(oof) && !fs.existsSync(path.join(target, OOF_FILE))) fs.copyFileSync(oof, path.join(target, OOF_FILE));
    await storage.publishLocalDir(baselineFolderKey(slug));
    try {
      const { submission } = await submitBaseline(handle, storage, c);
      log(`baseline submitted for ${slug} (submission ${submission.id})`);
    } catch (err) {
      log(`could not submit the shipped baseline for ${slug}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
