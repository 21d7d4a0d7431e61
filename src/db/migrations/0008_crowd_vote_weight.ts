import type { Kysely, Migration } from 'kysely';
import { double } from './0001_foundation.js';

/**
 * Bot votes (issue 9): each vote carries a weight (0 for a too-fast vote until an organizer restores
 * it, and for every vote of a volunteer held for review), and volunteers carry their review state and
 * the counts since their last review that decide a hold. Votes stored before this keep weight 1: they
 * counted under the old rule and the posteriors built on them stay as they were.
 */
export function crowdVoteWeight(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('crowd_votes').addColumn('weight', double, (c) => c.notNull().defaultTo(1)).execute();
      await db.schema.alterTable('crowd_votes').addColumn('restored_by', 'integer', (c) => c.references('users.id').onDelete('set null')).execute();
      await db.schema.alterTable('crowd_votes').addColumn('restored_at', 'text').execute();
      // The review queue: fast votes of a workflow still waiting for an organizer.
      await db.schema.createIndex('crowd_votes_fast').on('crowd_votes').columns(['workflow_id', 'flagged', 'weight']).execute();
      for (const column of ['held_at', 'released_at']) await db.schema.alterTable('crowd_volunteers').addColumn(column, 'text').execute();
      await db.schema.alterTable('crowd_volunteers').addColumn('reviewed_by', 'integer', (c) => c.references('users.id').onDelete('set null')).execute();
      await db.schema.alterTable('crowd_volunteers').addColumn('votes_since_review', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('crowd_volunteers').addColumn('fast_since_review', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    },
  };
}
