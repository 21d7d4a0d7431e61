import { sql, type Kysely, type Migration } from 'kysely';
import type { DbDialect } from '../index.js';
import { double, withId } from './0001_foundation.js';

/**
 * Issue 10, section 4: one row per `retrain --with-crowd` of a challenge's baseline (CLI or the
 * organizer panel), with its figures, so the baseline page can show the last one.
 */
export function crowdRetrains(dialect: DbDialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await withId(db.schema.createTable('baseline_crowd_retrains'), dialect)
        .addColumn('challenge_id', 'integer', (c) => c.notNull().references('challenges.id').onDelete('cascade'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('started_by', 'integer')
        .addColumn('aggregator', 'text', (c) => c.notNull())
        .addColumn('threshold', double, (c) => c.notNull())
        .addColumn('seed', 'integer', (c) => c.notNull())
        .addColumn('submit', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('evaluation_rows', 'integer')
        .addColumn('labels_added', 'integer')
        .addColumn('macro_f1_before', double)
        .addColumn('macro_f1_after', double)
        .addColumn('record_json', 'text')
        .addColumn('submission_id', 'integer')
        .addColumn('error', 'text')
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('heartbeat_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .execute();
      // At most one running retraining per challenge, enforced by the database itself.
      await db.schema.createIndex('baseline_crowd_retrains_one_running').on('baseline_crowd_retrains').column('challenge_id').unique().where(sql.ref('status'), '=', 'running').execute();
      await db.schema.createIndex('baseline_crowd_retrains_challenge').on('baseline_crowd_retrains').columns(['challenge_id', 'id']).execute();
    },
  };
}
