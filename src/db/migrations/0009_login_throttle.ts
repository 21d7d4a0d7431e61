import type { Kysely, Migration } from 'kysely';

/**
 * Log-in attempts per account since its last successful log-in, shared by every process on the
 * database, so guessing one account's password is limited whatever addresses the guesses come
 * from. Signing out everywhere deletes a user's sessions: an index on sessions.user_id keeps that
 * a lookup.
 */
export function loginThrottle(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('login_attempts')
        .addColumn('account_hash', 'text', (c) => c.primaryKey())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('window_started_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('login_attempts_window').on('login_attempts').column('window_started_at').execute();
      await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
    },
  };
}
