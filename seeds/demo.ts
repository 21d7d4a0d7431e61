import type { Config } from '../src/config.js';
import type { DbHandle } from '../src/db/index.js';
import { ensureAdmin } from '../src/accounts/service.js';
import { importNewChallenges } from '../src/challenges/service.js';
import { seedCrowd } from './crowd.js';
import { seedBaselines } from './baselines.js';
import type { ObjectStorage } from '../src/storage/index.js';

/** On an empty database: the admin account (one-time password printed once), the demo challenges, crowd workflows and baselines. */
export async function seedDemo(handle: DbHandle, storage: ObjectStorage, config: Config, log: (msg: string) => void): Promise<void> {
  const admin = await ensureAdmin(handle.db);
  if (admin) {
    const line = '='.repeat(72);
    console.log(`${line}\nAdmin account created: ${admin.email}\nOne-time password:     ${admin.password}\nIt is shown only this once; only its scrypt hash is stored.\n${line}`);
  }
  await importNewChallenges(handle.db, storage, config.datasetsDir, log);
  await seedCrowd(handle, storage, log);
  await seedBaselines(handle, storage, log);
}
