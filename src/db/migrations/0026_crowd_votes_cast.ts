import { sql, type Kysely, type Migration } from 'kysely';

/**
 * A serve needs the voter's count of answers (their experience, which sets the training chance).
 * Counting their crowd_votes rows cost O(votes) at every serve, 1.3 ms for a volunteer with 200 votes
 * on PostgreSQL (pg_stat_statements under bench:crowd), and grows without bound for the crowd's most
 * active members. The vote paths already update the volunteer's row under its lock, so they keep the
 * count there; anonymous voters, who have no row, are still counted from their votes.
 */
export function crowdVotesCast(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('crowd_volunteers').addColumn('votes_cast', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await sql`update crowd_volunteers set votes_cast = (select count(*) from crowd_votes v where v.workflow_id = crowd_volunteers.workflow_id and v.user_id = crowd_volunteers.user_id)`.execute(db);
    },
  };
}
