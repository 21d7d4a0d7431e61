import type { DbHandle } from '../db/index.js';
import { SCORE_JOB, scoreJobHandler } from '../submissions/service.js';
import { RESCORE_JOB, rescoreJobHandler } from '../organizers/rescore.js';
import { CROWD_CONSENSUS_JOB, crowdConsensusHandler } from '../crowd/consensus.js';
import { refreshRoutingAfterScoring } from '../crowd/routing-entropy.js';
import type { JobHandler } from './runner.js';

/**
 * Scoring, then, for a baseline's submission, the crowd's routing entropies from its probabilities.
 * The score stands whatever happens to the refresh (an organizer can redo it from the manage page).
 */
function scoreThenRoute(handle: DbHandle, dataDir: string): JobHandler {
  const scoring = scoreJobHandler(handle, dataDir);
  return {
    async run(payload: { submissionId: number }) {
      await scoring.run(payload);
      try {
        await refreshRoutingAfterScoring(handle, dataDir, payload.submissionId);
      } catch (err) {
        console.warn(`crowd routing: entropies not refreshed after submission ${payload.submissionId}: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
    giveUp: scoring.giveUp,
  };
}

/** Every job kind and its handler: the one list worker threads and `sift worker` processes both run. */
export const jobHandlers = (handle: DbHandle, dataDir: string): Record<string, JobHandler> => ({
  [SCORE_JOB]: scoreThenRoute(handle, dataDir),
  [RESCORE_JOB]: rescoreJobHandler(handle, dataDir),
  [CROWD_CONSENSUS_JOB]: crowdConsensusHandler(handle),
});
