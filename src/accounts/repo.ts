import type { Db } from '../db/index.js';
import type { Role } from '../db/schema.js';

export type User = { id: number; email: string; name: string; role: Role; created_at: string };

const publicColumns = ['id', 'email', 'name', 'role', 'created_at'] as const;

export async function insertUser(db: Db, u: { email: string; name: string; password_hash: string; role: Role; created_at: string }): Promise<User> {
  return db.insertInto('users').values(u).returning(publicColumns).executeTakeFirstOrThrow();
}

export async function findUserByEmail(db: Db, email: string) {
  return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
}

export async function findUserById(db: Db, id: number): Promise<User | undefined> {
  return db.selectFrom('users').select(publicColumns).where('id', '=', id).executeTakeFirst();
}

export async function listUsers(db: Db): Promise<User[]> {
  return db.selectFrom('users').select(publicColumns).orderBy('id').execute();
}

/** False when there is no such user. */
export async function setUserRole(db: Db, id: number, role: Role): Promise<boolean> {
  const done = await db.updateTable('users').set({ role }).where('id', '=', id).executeTakeFirst();
  return Number(done.numUpdatedRows) > 0;
}

export async function countUsers(db: Db): Promise<number> {
  const row = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertSession(db: Db, s: { token_hash: string; user_id: number; csrf_token: string; expires_at: string; created_at: string }) {
  await db.insertInto('sessions').values(s).execute();
}

export async function findSessionUser(db: Db, tokenHash: string, now: string) {
  return db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['users.id', 'users.email', 'users.name', 'users.role', 'users.created_at', 'sessions.csrf_token', 'sessions.expires_at'])
    // Whether the user organizes some challenge, whatever their role: pages show "Organize" then.
    .select((eb) => eb.exists(eb.selectFrom('challenge_organizers').select('challenge_organizers.challenge_id').whereRef('challenge_organizers.user_id', '=', 'users.id')).as('organizes'))
    .where('sessions.token_hash', '=', tokenHash)
    .where('sessions.expires_at', '>', now)
    .executeTakeFirst();
}

export async function deleteSession(db: Db, tokenHash: string) {
  await db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
}

export async function deleteUserSessions(db: Db, userId: number): Promise<number> {
  const r = await db.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/**
 * Counts one log-in attempt against an account before its password is checked, in one statement, so
 * concurrent guesses from several processes all count and none slips past the limit: a window that
 * started before `windowStart` restarts at this attempt. A successful log-in then clears the count.
 */
export async function countLoginAttempt(db: Db, accountHash: string, now: string, windowStart: string): Promise<{ attempts: number; window_started_at: string }> {
  return db
    .insertInto('login_attempts')
    .values({ account_hash: accountHash, attempts: 1, window_started_at: now })
    .onConflict((oc) =>
      oc.column('account_hash').doUpdateSet((eb) => {
        const stale = eb('login_attempts.window_started_at', '<', windowStart);
        return {
          attempts: eb.case().when(stale).then(1).else(eb('login_attempts.attempts', '+', 1)).end(),
          window_started_at: eb.case().when(stale).then(now).else(eb.ref('login_attempts.window_started_at')).end(),
        };
      }),
    )
    .returning(['attempts', 'window_started_at'])
    .executeTakeFirstOrThrow();
}

export async function clearLoginAttempts(db: Db, accountHash: string): Promise<void> {
  await db.deleteFrom('login_attempts').where('account_hash', '=', accountHash).execute();
}

/** Windows that ended long ago hold nothing worth keeping. */
export async function pruneLoginAttempts(db: Db, windowStart: string): Promise<void> {
  await db.deleteFrom('login_attempts').where('window_started_at', '<', windowStart).execute();
}
