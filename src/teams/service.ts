/**
 * Teams, the Kaggle way: one team per user per challenge; the team owns its submissions and its
 * daily limit; joining a team brings the user's earlier submissions along; merges (a user joining
 * is a merge of a one-person entrant) are allowed only before the merge deadline and only when the
 * combined submission count is at most daily_limit × days elapsed since the challenge opened.
 */
import type { Transaction } from 'kysely';
import type { Db, DbHandle } from '../db/index.js';
import { nowIso } from '../db/index.js';
import type { Database } from '../db/schema.js';
import type { Challenge } from '../challenges/repo.js';
import { findChallengeById } from '../challenges/repo.js';
import { phase } from '../challenges/service.js';
import { randomToken, sha256Hex } from '../accounts/passwords.js';
import { UserError } from '../web/errors.js';
import { entrantKey } from './entrant.js';
import * as repo from './repo.js';
import { bumpBoardVersion } from '../leaderboards/cache.js';

export const INVITE_DAYS = 7;
const DAY_MS = 86_400_000;

export interface TeamView {
  id: number;
  challengeId: number;
  name: string;
  createdBy: number;
  createdAt: string;
  members: Array<{ id: number; name: string }>;
  submissions: number;
}

type ChallengeRules = Pick<Challenge, 'opens_at' | 'closes_at' | 'daily_limit' | 'team_size' | 'merge_deadline' | 'state'>;

/** The last moment teams may merge or take members: merge_deadline, or the close. */
export const mergeDeadline = (c: ChallengeRules): string => c.merge_deadline ?? c.closes_at;

/** Whole or started days since the challenge opened (at least 1). */
export function daysElapsed(c: Pick<Challenge, 'opens_at'>, now = new Date()): number {
  return Math.max(1, Math.ceil((now.getTime() - new Date(c.opens_at).getTime()) / DAY_MS));
}

/**
 * Why two entrants may not merge, or null when they may. Pure, so the rule is tested on its own.
 * `members` and `submissions` are the combined counts.
 */
export function mergeProblem(c: ChallengeRules, combined: { members: number; submissions: number }, now = new Date()): string | null {
  if (phase(c, now) === 'closed') return 'The challenge has closed; teams can no longer change.';
  const deadline = mergeDeadline(c);
  if (now.toISOString() > deadline) return `The team merger deadline (${deadline}) has passed.`;
  if (combined.members > c.team_size) return `Teams have at most ${c.team_size} member${c.team_size === 1 ? '' : 's'}; together you would be ${combined.members}.`;
  const days = daysElapsed(c, now);
  const allowed = c.daily_limit * days;
  if (combined.submissions > allowed) {
    return `Together you have made ${combined.submissions} submissions, more than the ${allowed} allowed so far (${c.daily_limit} a day × ${days} day${days === 1 ? '' : 's'} since the challenge opened).`;
  }
  return null;
}

async function view(db: Db, teamId: number): Promise<TeamView> {
  const t = await repo.findTeam(db, teamId);
  if (!t) throw new UserError(404, 'team_not_found', 'No such team.');
  return {
    id: t.id,
    challengeId: t.challenge_id,
    name: t.name,
    createdBy: t.created_by,
    createdAt: t.created_at,
    members: await repo.teamMembers(db, t.id),
    submissions: await repo.countEntrantSubmissions(db, t.challenge_id, { teamId: t.id }),
  };
}

/** The user's team in a challenge, with its members; null when they compete alone. */
export async function teamOf(db: Db, challengeId: number, userId: number): Promise<TeamView | null> {
  const id = await repo.teamIdOf(db, challengeId, userId);
  return id === null ? null : view(db, id);
}

function checkName(name: unknown): string {
  const n = typeof name === 'string' ? name.trim().replace(/\s+/g, ' ') : '';
  if (!n || n.length > 60) throw new UserError(400, 'invalid_team_name', 'A team name must have 1 to 60 characters.');
  return n;
}

/** Joins `userId` (alone until now) to a team: membership, earlier submissions and today's quota move along. */
async function addMember(tx: Transaction<Database>, c: Pick<Challenge, 'id'>, teamId: number, userId: number): Promise<void> {
  await tx.insertInto('team_members').values({ team_id: teamId, challenge_id: c.id, user_id: userId, joined_at: nowIso() }).execute();
  await tx.updateTable('submissions').set({ team_id: teamId }).where('challenge_id', '=', c.id).where('user_id', '=', userId).where('team_id', 'is', null).execute();
  await repo.moveQuota(tx, c.id, entrantKey(userId, null), entrantKey(userId, teamId));
  await bumpBoardVersion(tx, c.id);
}

/** Creates a team with its creator as the first member (their earlier submissions become the team's). */
export async function createTeam(handle: DbHandle, c: Challenge, userId: number, name: string): Promise<TeamView> {
  const teamName = checkName(name);
  if (phase(c) === 'closed') throw new UserError(403, 'challenge_closed', 'The challenge has closed; teams can no longer change.');
  if (c.state === 'draft') throw new UserError(404, 'not_found', 'No such challenge.');
  const id = await handle.db.transaction().execute(async (tx) => {
    if ((await repo.teamIdOf(tx, c.id, userId)) !== null) throw new UserError(409, 'already_in_team', 'You are already in a team in this challenge; leave it first.');
    const taken = await tx.selectFrom('teams').select('id').where('challenge_id', '=', c.id).where('name', '=', teamName).executeTakeFirst();
    if (taken) throw new UserError(409, 'team_name_taken', `A team named '${teamName}' already exists in this challenge.`);
    const t = await tx.insertInto('teams').values({ challenge_id: c.id, name: teamName, created_by: userId, created_at: nowIso() }).returning('id').executeTakeFirstOrThrow();
    await addMember(tx, c, t.id, userId);
    return t.id;
  });
  return view(handle.db, id);
}

/** Why a team of `members` people cannot invite anyone now (full, past the merge deadline, closed), or null. */
export const inviteProblem = (c: ChallengeRules, members: number, now = new Date()): string | null => mergeProblem(c, { members: members + 1, submissions: 0 }, now);

/** An invitation link token (shown once; only its hash is stored) and when it expires. Members only. */
export async function createInvite(db: Db, teamId: number, userId: number): Promise<{ token: string; expiresAt: string }> {
  const team = await repo.findTeam(db, teamId);
  if (!team) throw new UserError(404, 'team_not_found', 'No such team.');
  if ((await repo.teamIdOf(db, team.challenge_id, userId)) !== teamId) throw new UserError(403, 'not_a_member', 'Only members of a team can invite to it.');
  const c = (await findChallengeById(db, team.challenge_id))!;
  const problem = inviteProblem(c, await repo.countMembers(db, teamId));
  if (problem) throw new UserError(409, 'team_locked', problem);
  const token = randomToken(24);
  const expiresAt = new Date(Date.now() + INVITE_DAYS * DAY_MS).toISOString();
  await db.insertInto('team_invitations').values({ token_hash: sha256Hex(token), team_id: teamId, created_by: userId, expires_at: expiresAt, created_at: nowIso() }).execute();
  return { token, expiresAt };
}

/** The team an invitation token leads to, or a UserError when it is unknown or expired. */
export async function inviteTeam(db: Db, token: string): Promise<{ team: TeamView; challenge: Challenge; expiresAt: string }> {
  const inv = await db.selectFrom('team_invitations').selectAll().where('token_hash', '=', sha256Hex(String(token))).executeTakeFirst();
  if (!inv) throw new UserError(404, 'invite_not_found', 'This invitation link is not valid (it may have been used up by a merge or the team was dissolved).');
  if (inv.expires_at < nowIso()) throw new UserError(410, 'invite_expired', `This invitation expired at ${inv.expires_at}; ask the team for a new link.`);
  const team = await view(db, inv.team_id);
  return { team, challenge: (await findChallengeById(db, team.challengeId))!, expiresAt: inv.expires_at };
}

/**
 * Accepts an invitation. A user alone in a challenge (or alone in their own team) joins, under the
 * merge rules; a member of a bigger team must ask for a team merge instead.
 */
export async function acceptInvite(handle: DbHandle, token: string, userId: number): Promise<TeamView> {
  const { team, challenge: c } = await inviteTeam(handle.db, token);
  await handle.db.transaction().execute(async (tx) => {
    const current = await repo.teamIdOf(tx, c.id, userId);
    if (current === team.id) return;
    let soloTeam: number | null = null;
    if (current !== null) {
      if ((await repo.countMembers(tx, current)) > 1) {
        throw new UserError(409, 'already_in_team', 'You are in another team of this challenge; leave it or ask for a team merge instead.');
      }
      soloTeam = current;
    }
    const mine = soloTeam !== null ? await repo.countEntrantSubmissions(tx, c.id, { teamId: soloTeam }) : await repo.countEntrantSubmissions(tx, c.id, { userId });
    const theirs = await repo.countEntrantSubmissions(tx, c.id, { teamId: team.id });
    const problem = mergeProblem(c, { members: (await repo.countMembers(tx, team.id)) + 1, submissions: mine + theirs });
    if (problem) throw new UserError(409, 'merge_not_allowed', problem);
    if (soloTeam !== null) await absorb(tx, c.id, soloTeam, team.id);
    else await addMember(tx, c, team.id, userId);
  });
  return view(handle.db, team.id);
}

/** Moves every member, submission and quota use of team `from` into team `into`, then deletes `from`. */
async function absorb(tx: Transaction<Database>, challengeId: number, from: number, into: number): Promise<void> {
  await tx.updateTable('team_members').set({ team_id: into }).where('team_id', '=', from).execute();
  await tx.updateTable('submissions').set({ team_id: into }).where('challenge_id', '=', challengeId).where('team_id', '=', from).execute();
  await repo.moveQuota(tx, challengeId, entrantKey(0, from), entrantKey(0, into));
  await repo.deleteTeam(tx, from);
  await bumpBoardVersion(tx, challengeId);
}

/**
 * Leaves a team. Kaggle keeps submissions with the team, so a member who has submitted for it
 * cannot leave; a team left empty is deleted.
 */
export async function leaveTeam(handle: DbHandle, c: Challenge, userId: number): Promise<void> {
  if (phase(c) === 'closed') throw new UserError(403, 'challenge_closed', 'The challenge has closed; teams can no longer change.');
  await handle.db.transaction().execute(async (tx) => {
    const teamId = await repo.teamIdOf(tx, c.id, userId);
    if (teamId === null) throw new UserError(404, 'not_in_team', 'You are not in a team in this challenge.');
    const own = await tx
      .selectFrom('submissions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('challenge_id', '=', c.id)
      .where('team_id', '=', teamId)
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    if (Number(own.n) > 0) throw new UserError(409, 'cannot_leave', 'You have submitted for this team; your submissions belong to it, so you cannot leave.');
    await tx.deleteFrom('team_members').where('team_id', '=', teamId).where('user_id', '=', userId).execute();
    if ((await repo.countMembers(tx, teamId)) === 0) {
      await repo.deleteTeam(tx, teamId);
    }
    await bumpBoardVersion(tx, c.id);
  });
}

/**
 * Merges team `fromTeamId` into `intoTeamId`. Both sides must agree: the first call (by a member
 * of either team) records a request; the same call by a member of the other team merges.
 */
export async function mergeTeams(
  handle: DbHandle,
  c: Challenge,
  fromTeamId: number,
  intoTeamId: number,
  userId: number,
): Promise<{ status: 'requested' | 'merged'; team: TeamView }> {
  if (fromTeamId === intoTeamId) throw new UserError(400, 'same_team', 'A team cannot merge with itself.');
  const status = await handle.db.transaction().execute(async (tx) => {
    const from = await repo.findTeam(tx, fromTeamId);
    const into = await repo.findTeam(tx, intoTeamId);
    if (!from || !into || from.challenge_id !== c.id || into.challenge_id !== c.id) throw new UserError(404, 'team_not_found', 'No such team in this challenge.');
    const mine = await repo.teamIdOf(tx, c.id, userId);
    if (mine !== fromTeamId && mine !== intoTeamId) throw new UserError(403, 'not_a_member', 'Only members of one of the two teams can ask for a merge.');
    const problem = mergeProblem(c, {
      members: (await repo.countMembers(tx, fromTeamId)) + (await repo.countMembers(tx, intoTeamId)),
      submissions: (await repo.countEntrantSubmissions(tx, c.id, { teamId: fromTeamId })) + (await repo.countEntrantSubmissions(tx, c.id, { teamId: intoTeamId })),
    });
    if (problem) throw new UserError(409, 'merge_not_allowed', problem);
    const pending = await tx.selectFrom('team_merge_requests').selectAll().where('from_team_id', '=', fromTeamId).where('into_team_id', '=', intoTeamId).executeTakeFirst();
    if (pending && pending.requested_by_team_id !== mine) {
      await absorb(tx, c.id, fromTeamId, intoTeamId);
      return 'merged' as const;
    }
    if (!pending) {
      await tx
        .insertInto('team_merge_requests')
        .values({ from_team_id: fromTeamId, into_team_id: intoTeamId, requested_by: userId, requested_by_team_id: mine!, created_at: nowIso() })
        .execute();
    }
    return 'requested' as const;
  });
  return { status, team: await view(handle.db, status === 'merged' ? intoTeamId : fromTeamId) };
}

/**
 * Withdraws a pending merge request before the other side agrees. Only members of the team that
 * asked may withdraw it; afterwards the same call by the other team records a fresh request
 * instead of merging.
 */
export async function cancelMerge(handle: DbHandle, c: Challenge, fromTeamId: number, intoTeamId: number, userId: number): Promise<{ status: 'cancelled'; team: TeamView }> {
  const ids = [fromTeamId, intoTeamId];
  if (!ids.every(Number.isSafeInteger)) throw new UserError(404, 'merge_request_not_found', 'There is no pending request to merge these teams.');
  const mine = await handle.db.transaction().execute(async (tx) => {
    const team = await repo.teamIdOf(tx, c.id, userId);
    if (team === null || !ids.includes(team)) throw new UserError(403, 'not_a_member', 'Only members of the team that asked for the merge can withdraw it.');
    const pending = await tx.selectFrom('team_merge_requests').select('requested_by_team_id').where('from_team_id', '=', fromTeamId).where('into_team_id', '=', intoTeamId).executeTakeFirst();
    if (!pending) throw new UserError(404, 'merge_request_not_found', 'There is no pending request to merge these teams.');
    if (pending.requested_by_team_id !== team) throw new UserError(403, 'not_a_member', 'Only members of the team that asked for the merge can withdraw it; your team agrees to it by asking for the same merge.');
    await tx.deleteFrom('team_merge_requests').where('from_team_id', '=', fromTeamId).where('into_team_id', '=', intoTeamId).execute();
    return team;
  });
  return { status: 'cancelled', team: await view(handle.db, mine) };
}

/** Merge requests that involve a team, for its page. */
export async function mergeRequests(db: Db, teamId: number) {
  return db
    .selectFrom('team_merge_requests as r')
    .innerJoin('teams as f', 'f.id', 'r.from_team_id')
    .innerJoin('teams as i', 'i.id', 'r.into_team_id')
    .select(['r.from_team_id', 'r.into_team_id', 'r.requested_by_team_id', 'f.name as from_name', 'i.name as into_name', 'r.created_at'])
    .where((eb) => eb.or([eb('r.from_team_id', '=', teamId), eb('r.into_team_id', '=', teamId)]))
    .execute();
}

/** Teams of a challenge with their member names (for the merge form and organizers). */
export async function listTeams(db: Db, challengeId: number) {
  const teams = await db.selectFrom('teams').select(['id', 'name']).where('challenge_id', '=', challengeId).orderBy('name').execute();
  const names = await repo.memberNames(db, teams.map((t) => t.id));
  return teams.map((t) => ({ ...t, members: names.get(t.id) ?? [] }));
}
