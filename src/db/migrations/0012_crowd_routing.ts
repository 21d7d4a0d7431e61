import type { Kysely, Migration } from 'kysely';
import { double } from './0001_foundation.js';

/**
 * Entropy routing and fair credit (issue 10, section 4):
 * - each subject may carry the baseline's predictive entropy (normalised to [0, 1]; null when the
 *   baseline has no prediction for it, as for known sources, which are train rows);
 * - each workflow has its routing rule and the share of serves left to the retirement rule;
 * - each vote records whether its subject was chosen by entropy routing (1) or by the retirement
 *   rule (0) (as its serve does, so a reload keeps it), so an analysis can keep the votes served independently of the baseline;
 * - each vote carries the credit shown to volunteers: the information a volunteer of their gold
 *   record is expected to give, fixed at vote time, so it never depends on agreeing with others.
 *   Earlier votes keep their posterior-based bits as credit: that is what their volunteers saw.
 */
export function crowdRouting(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('crowd_subjects').addColumn('entropy', double).execute();
      await db.schema.alterTable('crowd_workflows').addColumn('routing', 'text', (c) => c.notNull().defaultTo('retirement')).execute();
      await db.schema.alterTable('crowd_workflows').addColumn('random_share', double, (c) => c.notNull().defaultTo(0.2)).execute();
      await db.schema.alterTable('crowd_serves').addColumn('routed', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('crowd_votes').addColumn('routed', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('crowd_votes').addColumn('credit_bits', double, (c) => c.notNull().defaultTo(0)).execute();
      await db.updateTable('crowd_votes').set((eb: any) => ({ credit_bits: eb.ref('info_bits') })).execute();
      // Entropy routing reads a voter's candidates most doubtful first without sorting them all.
      await db.schema.createIndex('crowd_subjects_entropy').on('crowd_subjects').columns(['workflow_id', 'is_gold', 'retired_at', 'entropy']).execute();
    },
  };
}
