import type { Kysely, Migration } from 'kysely';
import type { DbDialect } from '../index.js';
import { withId } from './0001_foundation.js';

/** Tables of issue 3's token API (personal API tokens). Only the sha256 of a token is stored. */
export function apiTokens(dialect: DbDialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await withId(db.schema.createTable('api_tokens'), dialect)
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'text')
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema.createIndex('api_tokens_user').on('api_tokens').column('user_id').execute();
    },
  };
}
