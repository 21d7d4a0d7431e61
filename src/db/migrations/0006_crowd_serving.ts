import type { Kysely, Migration } from 'kysely';

/** Serving reads a volunteer's vote count per workflow on every subject: an index that covers it. */
export function crowdServing(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.createIndex('crowd_votes_voter_workflow').on('crowd_votes').columns(['voter', 'workflow_id']).execute();
    },
  };
}
