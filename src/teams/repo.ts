import { sql, type Transaction } from 'kysely';
import type { Db } from '../db/index.js';
import type { Database } from '../db/schema.js';

type Q = Db | Transaction<Database>;

/** The team a user belongs to in a challenge, or null. */
export async function teamIdOf(db: Q, challengeId: number, userId: number): Promise<number | null> {
  const row = await db.selectFrom('team_members').select('team_id').where('challenge_id', '=', challengeId).where('user_id', '=', userId).executeTakeFirst();
  return row?.team_id ?? null;
}

export async function findTeam(db: Q, id: number) {
  return db.selectFrom('teams').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function teamMembers(db: Q, teamId: number): Promise<Array<{ id: number; name: string }>> {
  return db
    .selectFrom('team_members')
    .innerJoin('users', 'users.id', 'team_members.user_id')
    .select(['users.id', 'users.name'])
    .where('team_members.team_id', '=', teamId)
    .orderBy('team_members.joined_at')
    .orderBy('users.id')
    .execute();
}

/** Member names of several teams at once, for leaderboards. */
export async function memberNames(db: Q, teamIds: number[]): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  if (!teamIds.length) return out;
  const rows = await db
    .selectFrom('team_members')
    .innerJoin('users', 'users.id', 'team_members.user_id')
    .select(['team_members.team_id', 'users.name'])
    .where('team_members.team_id', 'in', teamIds)
    .orderBy('team_members.joined_at')
    .orderBy('users.id')
    .execute();
  for (const r of rows) out.set(r.team_id, [...(out.get(r.team_id) ?? []), r.name]);
  return out;
}

export async function countMembers(db: Q, teamId: number): Promise<number> {
  const row = await db.selectFrom('team_members').select((eb) => eb.fn.countAll<number>().as('n')).where('team_id', '=', teamId).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Submissions that count for an entrant (baselines and late submissions excluded): the team's, or a solo user's. */
export async function countEntrantSubmissions(db: Q, challengeId: number, entrant: { teamId: number } | { userId: number }): Promise<number> {
  let q = db
    .selectFrom('submissions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('challenge_id', '=', challengeId)
    .where('is_baseline', '=', 0)
    .where('late', '=', 0);
  q = 'teamId' in entrant ? q.where('team_id', '=', entrant.teamId) : q.where('user_id', '=', entrant.userId).where('team_id', 'is', null);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

/** Adds one entrant's daily quota use to another's (a user joining a team brings today's uploads along). */
export async function moveQuota(tx: Q, challengeId: number, from: string, to: string): Promise<void> {
  const rows = await tx.selectFrom('submission_quota').selectAll().where('challenge_id', '=', challengeId).where('entrant', '=', from).execute();
  for (const r of rows) {
    await tx
      .insertInto('submission_quota')
      .values({ challenge_id: challengeId, entrant: to, day: r.day, used: r.used })
      .onConflict((oc) => oc.columns(['challenge_id', 'entrant', 'day']).doUpdateSet({ used: sql<number>`submission_quota.used + ${r.used}` }))
      .execute();
  }
  await tx.deleteFrom('submission_quota').where('challenge_id', '=', challengeId).where('entrant', '=', from).execute();
}

/** Deletes a team with its pending merge requests and invitations (its members and submissions are dealt with first). */
export async function deleteTeam(db: Q, teamId: number): Promise<void> {
  await db.deleteFrom('team_merge_requests').where((eb) => eb.or([eb('from_team_id', '=', teamId), eb('into_team_id', '=', teamId)])).execute();
  await db.deleteFrom('team_invitations').where('team_id', '=', teamId).execute();
  await db.deleteFrom('teams').where('id', '=', teamId).execute();
}
