import { sql, type Kysely, type Migration } from 'kysely';
import type { DbDialect } from '../index.js';
import { double, withId } from './0001_foundation.js';

/** Tables of issue 4 (TensorFlow.js baseline): one row per training run. */
export function baseline(dialect: DbDialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await withId(db.schema.createTable('baseline_runs'), dialect)
        .addColumn('challenge_id', 'integer', (c) => c.notNull().references('challenges.id').onDelete('cascade'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('started_by', 'integer')
        .addColumn('backend', 'text')
        .addColumn('seed', 'integer', (c) => c.notNull())
        .addColumn('progress_json', 'text', (c) => c.notNull())
        .addColumn('record_json', 'text')
        .addColumn('validation_score', double)
        .addColumn('submission_id', 'integer')
        .addColumn('error', 'text')
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('heartbeat_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .execute();
      // At most one running training per challenge, enforced by the database itself.
      await db.schema.createIndex('baseline_runs_one_running').on('baseline_runs').column('challenge_id').unique().where(sql.ref('status'), '=', 'running').execute();
      await db.schema.createIndex('baseline_runs_challenge').on('baseline_runs').columns(['challenge_id', 'id']).execute();
    },
  };
}
