import type { Kysely, Migration } from 'kysely';

/**
 * Live subjects are served closest to retirement first, ties by id (src/crowd/service.ts
 * byRetirement: ORDER BY vote_count DESC, id). crowd_subjects_pick ends in vote_count ascending (then
 * the row id ascending), so for live subjects the engine read and sorted every unretired subject with
 * the most votes: 13 ms a serve with 2,000 HiggsML subjects on SQLite, growing with the test set.
 * This index has the order itself, so a serve reads the first few rows (0.45 ms measured).
 */
export function crowdLivePick(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.createIndex('crowd_subjects_pick_live').on('crowd_subjects').columns(['workflow_id', 'is_gold', 'retired_at', 'vote_count desc', 'id']).execute();
    },
  };
}
