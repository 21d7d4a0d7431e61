import { sql, type Kysely, type Migration } from 'kysely';

/**
 * A share of live serves (CROWD_KNOWN_SHARE) goes to known sources: live subjects with a gold class.
 * The pick read them from crowd_subjects_unretired_by_votes and passed over every live subject
 * without one, most of the workflow (863 index entries a pick in bench:crowd's round trips,
 * auto_explain). This index holds only unretired subjects with a gold class (known sources and
 * gold), in the order the pick reads them.
 */
export function crowdKnownPicks(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createIndex('crowd_subjects_unretired_known_by_votes')
        .on('crowd_subjects')
        .columns(['workflow_id', 'is_gold', 'vote_count desc', 'id'])
        .where(sql<boolean>`retired_at is null and gold_class is not null`)
        .execute();
    },
  };
}
