import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../src/config.js';
import type { DbHandle } from '../src/db/index.js';
import { findChallengeBySlug } from '../src/challenges/repo.js';
import { baselineDir, RECORD_FILE } from '../src/baseline/train.js';
import { latestBaselineSubmission, submitBaseline } from '../src/baseline/service.js';
import { repoRoot } from '../src/paths.js';
import { OOF_FILE } from '../src/baseline/oof.js';

/** Trained baseline models shipped with the demo (made by `sift baseline train <slug>` on the training files only). */
const shipped = path.join(repoRoot, 'seeds', 'baselines');

/**
 * Puts the shipped TensorFlow.js baseline on each demo leaderboard: copies the model under
 * DATA_DIR/baselines/<slug>/ and submits its predictions as the Baseline account, once.
 */
export async function seedBaselines(handle: DbHandle, config: Config, log: (msg: string) => void): Promise<void> {
  if (!fs.existsSync(shipped)) return;
  for (const slug of fs.readdirSync(shipped)) {
    const c = await findChallengeBySlug(handle.db, slug);
    if (!c || !fs.existsSync(path.join(shipped, slug, RECORD_FILE))) continue;
    if (await latestBaselineSubmission(handle.db, c.id)) continue;
    const target = baselineDir(config.dataDir, slug);
    if (!fs.existsSync(path.join(target, RECORD_FILE))) fs.cpSync(path.join(shipped, slug), target, { recursive: true });
    // Out-of-fold predictions (the comparison scores the baseline on known sources with them), rebuilt by `sift baseline oof`.
    const oof = path.join(shipped, slug, OOF_FILE);
    if (fs.existsSync(oof) && !fs.existsSync(path.join(target, OOF_FILE))) fs.copyFileSync(oof, path.join(target, OOF_FILE));
    try {
      const { submission } = await submitBaseline(handle, config.dataDir, c);
      log(`baseline submitted for ${slug} (submission ${submission.id})`);
    } catch (err) {
      log(`could not submit the shipped baseline for ${slug}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
