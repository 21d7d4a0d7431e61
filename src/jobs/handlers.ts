import type { DbHandle } from '../db/index.js';
import { SCORE_JOB, scoreJobHandler } from '../submissions/service.js';
import { RESCORE_JOB, rescoreJobHandler } from '../organizers/rescore.js';
import { CROWD_CONSENSUS_JOB, crowdConsensusHandler } from '../crowd/consensus.js';
import { refreshRoutingAfterScoring } from '../crowd/routing-entropy.js';
import type { JobHandler } from './runner.js';
import type { ObjectStorage } from '../storage/index.js';
import { collectGarbageSoon } from '../collect-garbage.js';

/**
 * Scoring, then, for a baseline's submission, the crowd's routing entropies from its probabilities.
 * The score stands whatever happens to the refresh (an organizer can redo it from the manage page).
 */
function scoreThenRoute(handle: DbHandle, storage: ObjectStorage): JobHandler {
  const scoring = scoreJobHandler(handle, storage);
  return {
    async run(payload: { submissionId: number }) {
      await scoring.run(payload);
      try {
        await refreshRoutingAfterScoring(handle, storage, payload.submissionId);
      } catch (err) {
        console.warn(`crowd routing: entropies not refreshed after submission ${payload.submissionId}: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
    giveUp: scoring.giveUp,
  };
}

/** Every job kind and its handler: the one list worker threads and `sift worker` processes both run. */
export const jobHandlers = (handle: DbHandle, storage: ObjectStorage): Record<string, JobHandler> => ({
  [SCORE_JOB]: scoreThenRoute(handle, storage),
  [RESCORE_JOB]: rescoreJobHandler(handle, storage),
  [CROWD_CONSENSUS_JOB]: crowdConsensusHandler(handle),
});

/**
 * The handlers, each followed by a full garbage collection (collect-garbage.ts): for a thread or
 * process that only runs jobs, so that what a job leaves behind is freed before the next.
 */
export const collectingAfterEachJob = (handlers: Record<string, JobHandler>): Record<string, JobHandler> =>
  Object.fromEntries(
    Object.entries(handlers).map(([kind, handler]) => [
      kind,
      {
        ...handler,
        async run(...args: Parameters<JobHandler['run']>) {
          try {
            await handler.run(...args);
          } finally {
            collectGarbageSoon();
          }
        },
      },
    ]),
  );
