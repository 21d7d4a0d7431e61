import type { DbHandle } from '../db/index.js';
import { SCORE_JOB, scoreJobHandler } from '../submissions/service.js';
import { RESCORE_JOB, rescoreJobHandler } from '../organizers/rescore.js';
import { CROWD_CONSENSUS_JOB, crowdConsensusHandler } from '../crowd/consensus.js';
import type { JobHandler } from './runner.js';

/** Every job kind and its handler: the one list worker threads and `sift worker` processes both run. */
export const jobHandlers = (handle: DbHandle, dataDir: string): Record<string, JobHandler> => ({
  [SCORE_JOB]: scoreJobHandler(handle, dataDir),
  [RESCORE_JOB]: rescoreJobHandler(handle, dataDir),
  [CROWD_CONSENSUS_JOB]: crowdConsensusHandler(handle),
});
