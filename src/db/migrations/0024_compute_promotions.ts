import type { Kysely, Migration } from 'kysely';

/**
 * Issue 14, section 5: a baseline training may be the promotion of a volunteer-computing search's
 * configuration. The run names the search and configuration, so the search page lists its promotions
 * while they train; the model's record notes the same when done. Null for ordinary trainings.
 */
export function computePromotions(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('baseline_runs').addColumn('compute_search_id', 'integer', (c) => c.references('compute_searches.id').onDelete('set null')).execute();
      await db.schema.alterTable('baseline_runs').addColumn('compute_configuration', 'integer').execute();
    },
  };
}
