import type { Db } from '../db/index.js';
import { nowIso } from '../db/index.js';
import type { UserLike } from '../challenges/organizers.js';
import { forgetUserSessions } from '../accounts/session-cache.js';

/** Users with the organizer role (and admins) may create challenges. */
export const canCreateChallenges = (user: UserLike): boolean => !!user && (user.role === 'admin' || user.role === 'organizer');

export async function addOrganizer(db: Db, challengeId: number, userId: number): Promise<void> {
  await db
    .insertInto('challenge_organizers')
    .values({ challenge_id: challengeId, user_id: userId, created_at: nowIso() })
    .onConflict((oc) => oc.columns(['challenge_id', 'user_id']).doNothing())
    .execute();
  forgetUserSessions(db, userId);
}

export async function removeOrganizer(db: Db, challengeId: number, userId: number): Promise<void> {
  await db.deleteFrom('challenge_organizers').where('challenge_id', '=', challengeId).where('user_id', '=', userId).execute();
}

export async function organizersOf(db: Db, challengeId: number): Promise<Array<{ id: number; name: string; email: string }>> {
  return db
    .selectFrom('challenge_organizers')
    .innerJoin('users', 'users.id', 'challenge_organizers.user_id')
    .select(['users.id', 'users.name', 'users.email'])
    .where('challenge_organizers.challenge_id', '=', challengeId)
    .orderBy('challenge_organizers.created_at')
    .orderBy('users.id')
    .execute();
}

/** Ids of the challenges a user organizes (every challenge for admins). */
export async function organizedChallengeIds(db: Db, user: UserLike): Promise<number[] | 'all'> {
  if (!user) return [];
  if (user.role === 'admin') return 'all';
  const rows = await db.selectFrom('challenge_organizers').select('challenge_id').where('user_id', '=', user.id).execute();
  return rows.map((r) => r.challenge_id);
}

