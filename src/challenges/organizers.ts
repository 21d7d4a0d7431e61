import type { Db } from '../db/index.js';
import type { Role } from '../db/schema.js';

export type UserLike = { id: number; role: Role | string } | null | undefined;
type ChallengeLike = { id: number } | null | undefined;

/** Admins organize every challenge; anyone listed in challenge_organizers organizes that one. */
export async function canOrganize(db: Db, user: UserLike, challenge: ChallengeLike): Promise<boolean> {
  if (!user || !challenge) return false;
  if (user.role === 'admin') return true;
  const row = await db
    .selectFrom('challenge_organizers')
    .select('user_id')
    .where('challenge_id', '=', challenge.id)
    .where('user_id', '=', user.id)
    .executeTakeFirst();
  return !!row;
}
