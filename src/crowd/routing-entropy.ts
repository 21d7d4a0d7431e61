/** The baseline's predictive entropy stored on each live subject, which entropy routing serves by (routing.ts). */
import type { DbHandle } from '../db/index.js';
import { findSubmission } from '../submissions/repo.js';
import { UserError } from '../web/errors.js';
import { baselineProbabilities } from './expert.js';
import type { Workflow } from './repo.js';
import { workflowOfChallenge } from './repo.js';
import { normalisedEntropy } from './routing.js';
import type { ObjectStorage } from '../storage/index.js';

/**
 * Sets each live subject's entropy from these class probabilities (by external id), normalised by
 * log(k); a live subject absent from the map, or whose probabilities are unusable, gets none (null),
 * so a refresh from a newer baseline replaces the old values entirely. Gold subjects are never routed
 * and keep none. Rows are written in id order, the order the vote path locks subjects in on
 * PostgreSQL. Returns how many subjects got an entropy.
 */
export async function setSubjectEntropy(handle: DbHandle, wf: Workflow, probaById: Map<string, number[]>): Promise<number> {
  return handle.db.transaction().execute(async (tx) => {
    const live = await tx.selectFrom('crowd_subjects').select(['id', 'external_id', 'entropy']).where('workflow_id', '=', wf.id).where('is_gold', '=', 0).orderBy('id').execute();
    let set = 0;
    for (const s of live) {
      const p = probaById.get(s.external_id);
      const entropy = p ? normalisedEntropy(p) : null;
      if (entropy !== null) set++;
      if (entropy !== s.entropy) await tx.updateTable('crowd_subjects').set({ entropy }).where('id', '=', s.id).execute();
    }
    return set;
  });
}

/** Sets the live subjects' entropies from the latest scored baseline submission of the workflow's challenge (409 when there is none); returns how many were set. */
export async function refreshRoutingEntropy(handle: DbHandle, wf: Workflow, storage: ObjectStorage): Promise<number> {
  return setSubjectEntropy(handle, wf, await baselineProbabilities(handle.db, wf, storage));
}

/**
 * After a submission is scored: when it is a baseline's and its challenge has a crowd workflow, the
 * routing entropies follow it. Returns how many subjects were set, or null when nothing applied.
 */
export async function refreshRoutingAfterScoring(handle: DbHandle, storage: ObjectStorage, submissionId: number): Promise<number | null> {
  const sub = await findSubmission(handle.db, submissionId);
  if (!sub || sub.is_baseline !== 1 || sub.status !== 'scored') return null;
  const wf = await workflowOfChallenge(handle.db, sub.challenge_id);
  if (!wf) return null;
  try {
    return await refreshRoutingEntropy(handle, wf, storage);
  } catch (err) {
    // A baseline that ranks without class probabilities (HiggsML's RankOrder) leaves the routing as it is: nothing to warn about.
    if (err instanceof UserError && err.code === 'no_probabilities') return null;
    throw err;
  }
}
