import { sql, type Kysely, type Migration } from 'kysely';
import type { DbDialect } from '../index.js';

/**
 * Every page, board read and upload starts by reading its challenge by slug. Reading the whole row
 * (32 columns, a description of several kilobytes) and decoding it was the largest single cost of a
 * leaderboard request under load (53 us a read, bench:leaderboard). A revision that the database
 * itself bumps on every update lets each process keep the decoded row and check it with a read of
 * the slug index alone. A trigger rather than the writers: it also catches updates made by hand, by
 * later migrations and by other processes, and it is part of the updating transaction.
 */
export function challengeRevision(dialect: DbDialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('challenges').addColumn('revision', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      // The check reads (slug, revision) and the row's id from this index alone.
      await db.schema.createIndex('challenges_slug_revision').on('challenges').columns(['slug', 'revision']).execute();
      if (dialect === 'postgres') {
        await sql`create function challenges_bump_revision() returns trigger language plpgsql as $$ begin new.revision := old.revision + 1; return new; end $$`.execute(db);
        await sql`create trigger challenges_revision before update on challenges for each row execute function challenges_bump_revision()`.execute(db);
      } else {
        // SQLite's BEFORE triggers cannot change the new row; the inner update does not fire the trigger
        // again (recursive triggers are off, and its WHEN no longer holds).
        await sql`create trigger challenges_revision after update on challenges for each row when new.revision = old.revision begin update challenges set revision = old.revision + 1 where id = new.id; end`.execute(db);
      }
    },
  };
}
