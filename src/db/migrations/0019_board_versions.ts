import type { Kysely, Migration } from 'kysely';

/**
 * Leaderboards that hold load (issue 13): each process keeps every board computed once, and checks
 * this per-challenge counter (one primary-key read) before serving it. Every write that changes a
 * board's rows bumps the counter in its own transaction, so no process, of however many share the
 * database, serves a board older than the last committed change. A challenge without a row is at version 0.
 */
export function boardVersions(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('board_versions')
        .addColumn('challenge_id', 'integer', (c) => c.primaryKey().references('challenges.id').onDelete('cascade'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .execute();
    },
  };
}
