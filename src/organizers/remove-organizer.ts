import type { DbHandle } from '../db/index.js';
import type { Challenge } from '../challenges/repo.js';
import { UserError } from '../web/errors.js';
import { forgetUserSessions } from '../accounts/session-cache.js';
import { organizersOf, removeOrganizer } from './access.js';

/**
 * Takes a user off a challenge's organizers. A challenge keeps at least one organizer (admins
 * organize every challenge, but someone must answer for it), so removing the last one is refused.
 */
export async function removeChallengeOrganizer(handle: DbHandle, c: Pick<Challenge, 'id'>, userId: number): Promise<void> {
  const pg = handle.dialect === 'postgres';
  await handle.db.transaction().execute(async (tx) => {
    // Lock the challenge row on PostgreSQL, so two concurrent removals cannot both see two organizers.
    await tx.selectFrom('challenges').select('id').where('id', '=', c.id).$if(pg, (q) => q.forUpdate()).executeTakeFirst();
    const list = await organizersOf(tx, c.id);
    if (!list.some((o) => o.id === userId)) throw new UserError(404, 'not_an_organizer', 'This user does not organize this challenge.');
    if (list.length === 1) throw new UserError(400, 'last_organizer', 'A challenge keeps at least one organizer: add another organizer before removing this one.');
    await removeOrganizer(tx, c.id, userId);
  });
  // The menu's "Organize" comes with the session lookup: let this process see the change at once.
  forgetUserSessions(handle.db, userId);
}
