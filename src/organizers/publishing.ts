/** What the public sees of a challenge and when: publishing, closing, freezing the board, open data. */
import type { Db } from '../db/index.js';
import { nowIso } from '../db/index.js';
import type { Challenge } from '../challenges/repo.js';
import { challengeScoringProblems, phase } from '../challenges/service.js';
import { UserError } from '../web/errors.js';
import { isConfigured } from './setup-status.js';
import type { ObjectStorage } from '../storage/index.js';

export async function publish(db: Db, storage: ObjectStorage, c: Challenge): Promise<void> {
  if (c.state !== 'draft') return;
  if (!isConfigured(c)) throw new UserError(409, 'not_configured', 'Save the settings (columns, metric, split) before publishing.');
  // Checked again on the files as they are now: a draft saved before these checks, or edited since.
  const problems = await challengeScoringProblems(storage, c);
  if (problems.length) {
    throw new UserError(409, 'not_scorable', `This challenge cannot be published: ${problems.join('; ')}. Fix the files or the settings, then publish.`, { problems });
  }
  await db.updateTable('challenges').set({ state: 'published' }).where('id', '=', c.id).execute();
}

/** Closes now: no more uploads, and the private board is revealed (it also is at the deadline, by time). */
export async function closeNow(db: Db, c: Challenge): Promise<void> {
  if (c.state === 'draft') throw new UserError(409, 'draft', 'A draft cannot be closed; publish it first.');
  const now = nowIso();
  await db.updateTable('challenges').set({ state: 'closed', closes_at: c.closes_at < now ? c.closes_at : now }).where('id', '=', c.id).execute();
}

/** Freezes or unfreezes the public board while the challenge runs; the close ends any freeze, so neither is offered after it. */
export async function setFrozen(db: Db, c: Challenge, frozen: boolean): Promise<void> {
  if (c.state !== 'draft' && phase(c) === 'closed') {
    throw new UserError(409, 'challenge_closed', `This challenge has closed: the freeze ended at the close and the public leaderboard shows every submission, so it can no longer be ${frozen ? 'frozen' : 'unfrozen'}.`);
  }
  await db.updateTable('challenges').set({ public_frozen_at: frozen ? (c.public_frozen_at ?? nowIso()) : null }).where('id', '=', c.id).execute();
}

/** After the close, publishes the full solution as open data with a citation block. */
export async function setOpenData(db: Db, c: Challenge, on: boolean, doi: string | null): Promise<void> {
  if (on && phase(c) !== 'closed') throw new UserError(409, 'not_closed', 'The solution can be published only after the challenge has closed.');
  await db.updateTable('challenges').set({ open_data: on ? 1 : 0, doi: doi?.trim() || null }).where('id', '=', c.id).execute();
}
