import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The live pick (src/crowd/service.ts byRetirement and byEntropy) reads unretired subjects in the
 * order it serves them and stops after the first few the voter has not seen. PostgreSQL takes an
 * index's order only after equality conditions: `retired_at IS NULL` on a column of
 * crowd_subjects_pick_live was not one, so it fetched every live subject, ran both anti-joins on each
 * and sorted them (45–200 ms a serve with 1,366 live subjects under bench:crowd's load, auto_explain).
 * Partial indexes over unretired subjects put the order straight after (workflow_id, is_gold), which
 * both engines then read in order. They replace the two whole-table indexes they supersede, since a
 * vote rewrites every index that holds vote_count.
 */
export function crowdUnretiredPicks(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createIndex('crowd_subjects_unretired_by_votes')
        .on('crowd_subjects')
        .columns(['workflow_id', 'is_gold', 'vote_count desc', 'id'])
        .where(sql.ref('retired_at'), 'is', null)
        .execute();
      await db.schema
        .createIndex('crowd_subjects_unretired_by_entropy')
        .on('crowd_subjects')
        .columns(['workflow_id', 'is_gold', 'entropy desc', 'id'])
        .where(sql<boolean>`retired_at is null and entropy is not null`)
        .execute();
      await db.schema.dropIndex('crowd_subjects_pick_live').execute();
      await db.schema.dropIndex('crowd_subjects_entropy').execute();
    },
  };
}
