import type { Kysely, Migration } from 'kysely';

/**
 * Late submissions (issue 12): after the close a challenge may still take uploads, as Kaggle does.
 * challenges.late_submissions is the organizer's switch (on by default, as on Kaggle);
 * submissions.late is set once, at upload, from the server clock against the close, so a re-score
 * never changes it. Late rows are scored like any other and never ranked.
 */
export function lateSubmissions(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('challenges').addColumn('late_submissions', 'integer', (c) => c.notNull().defaultTo(1)).execute();
      await db.schema.alterTable('submissions').addColumn('late', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    },
  };
}
