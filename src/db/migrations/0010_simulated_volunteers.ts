import type { Kysely, Migration } from 'kysely';

/**
 * Simulated volunteers (issue 10): an account made by `sift crowd simulate` carries the profile it
 * was drawn from, so every page, board and export can mark it and its votes, and `--delete` can find
 * them all. Null for every real account.
 */
export function simulatedVolunteers(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('users').addColumn('simulated', 'text').execute();
    },
  };
}
