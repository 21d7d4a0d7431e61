import type { Kysely, Migration } from 'kysely';

/**
 * Calibrated consensus (issue 10): each stored consensus records the prior strength it was computed
 * with (pseudo-votes per confusion row, CROWD_PRIOR_STRENGTH), so a page shows the value behind the
 * figures even after the setting changes. Null for an aggregator without such a prior, and for rows
 * computed before this migration.
 */
export function consensusPriorStrength(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('crowd_consensus').addColumn('prior_strength', 'real').execute();
    },
  };
}
