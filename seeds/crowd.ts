import type { DbHandle } from '../src/db/index.js';
import { findChallengeBySlug } from '../src/challenges/repo.js';
import { createWorkflow, type WorkflowOptions } from '../src/crowd/setup.js';

/** Demo crowd workflows: the X-ray source challenges, when imported and without a workflow yet. */
export const CROWD_DEMO: Record<string, WorkflowOptions> = {
  'xmm-sources': { retirement: 'fixed', retireCount: 20 },
  'xray-sources': { retirement: 'adaptive', adaptiveThreshold: 0.95, adaptiveMinVotes: 5 },
};

export async function seedCrowd(handle: DbHandle, log: (msg: string) => void): Promise<void> {
  for (const [slug, opts] of Object.entries(CROWD_DEMO)) {
    const c = await findChallengeBySlug(handle.db, slug);
    if (!c) continue;
    const exists = await handle.db.selectFrom('crowd_workflows').select('id').where('challenge_id', '=', c.id).executeTakeFirst();
    if (exists) continue;
    await createWorkflow(handle, c, opts);
    log(`created the crowd workflow of ${slug}`);
  }
}
