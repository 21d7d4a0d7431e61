import type { Kysely, Migration } from 'kysely';
import type { DbDialect } from '../index.js';
import { withId } from './0001_foundation.js';

/**
 * Issue 9: rejected uploads per user (an hourly limit that holds across processes) and the
 * Idempotency-Key of each submission, unique per user so two requests with one key cannot both submit.
 */
export function uploadGuards(dialect: DbDialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await withId(db.schema.createTable('upload_rejections'), dialect)
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('upload_rejections_user_time').on('upload_rejections').columns(['user_id', 'created_at']).execute();
      await db.schema
        .createTable('idempotency_keys')
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('submission_id', 'integer', (c) => c.references('submissions.id').onDelete('cascade'))
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['user_id', 'key'])
        .execute();
    },
  };
}
