import type { DbHandle } from '../src/db/index.js';
import { findChallengeBySlug } from '../src/challenges/repo.js';
import { createWorkflow, type WorkflowOptions } from '../src/crowd/setup.js';
import { loadCrowdConfig } from '../src/crowd/config.js';
import { simulateCrowdVotes, type SimulateOptions } from '../src/crowd/simulate/service.js';
import type { ObjectStorage } from '../src/storage/index.js';

/**
 * Demo crowd workflows, for each demo challenge imported and without a workflow yet. Of the X-ray
 * source challenges one routes by the baseline's doubt (entropy, with the default random share), the
 * other by retirement, so the demo shows both. The demo's baselines are submitted after the crowd is
 * seeded: until the first is scored (which sets the entropies) entropy routing serves by the
 * retirement rule.
 *
 * HiggsML: test events are the subjects, training events the gold set, classes s and b. Its live
 * subjects are HIGGS_DEMO_LIVE events sampled by id hash from the 11,889 test events (setup.ts
 * liveLimit). The simulated crowd's votes retire a few hundred of them at 3 votes each, so a few
 * thousand keep the pool far from exhausted while the workflow, its page and the comparison stay
 * quick to build; all 11,889 would add rows that no simulated vote reaches. Three votes per event,
 * as Higgs Hunters' two classes need fewer than CLAXSON's five, give the crowd AMS hundreds of events.
 */
export const HIGGS_DEMO_LIVE = 2000;

export const CROWD_DEMO: Record<string, WorkflowOptions> = {
  'xmm-sources': { retirement: 'fixed', retireCount: 20 },
  'xray-sources': { retirement: 'adaptive', adaptiveThreshold: 0.95, adaptiveMinVotes: 5, routing: 'entropy' },
  higgsml: { retirement: 'fixed', retireCount: 3, liveLimit: HIGGS_DEMO_LIVE },
};

/**
 * The simulated crowd each new demo workflow gets, so the boards, profiles and the comparison page
 * show data out of the box. Smaller than the CLI's default (300 volunteers, 20,000 votes: about a
 * minute per challenge) to keep start-up on an empty database well under 30 s on two cores.
 */
export const DEMO_SIMULATION: Omit<SimulateOptions, 'onProgress'> = { volunteers: 60, votes: 2000, profile: 'mixed', seed: 7, days: 14, consensus: true };

export async function seedCrowd(handle: DbHandle, storage: ObjectStorage, log: (msg: string) => void): Promise<void> {
  for (const [slug, opts] of Object.entries(CROWD_DEMO)) {
    const c = await findChallengeBySlug(handle.db, slug);
    if (!c) continue;
    const exists = await handle.db.selectFrom('crowd_workflows').select('id').where('challenge_id', '=', c.id).executeTakeFirst();
    if (exists) continue;
    await createWorkflow(handle, storage, c, opts);
    log(`created the crowd workflow of ${slug}`);
    // Only on a new workflow: a simulated crowd someone removed with --delete stays removed.
    const s = await simulateCrowdVotes(handle, storage, slug, DEMO_SIMULATION, loadCrowdConfig());
    log(`simulated crowd on ${slug}: ${s.volunteers} volunteers, ${s.votes} votes, ${s.retired} subjects retired (sift crowd simulate ${slug} --delete removes it)`);
  }
}
