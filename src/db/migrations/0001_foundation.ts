import { sql, type Kysely, type Migration, type CreateTableBuilder } from 'kysely';
import type { DbDialect } from '../index.js';

/** An auto-incrementing integer key that both SQLite and PostgreSQL understand. */
export function withId<T extends string>(table: CreateTableBuilder<T, never>, dialect: DbDialect): CreateTableBuilder<T, 'id'> {
  return dialect === 'postgres'
    ? table.addColumn('id', 'serial', (c) => c.primaryKey())
    : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}

export const double = sql`double precision`;

export function foundation(dialect: DbDialect): Migration {
  return {
      async up(db: Kysely<any>) {
        await withId(db.schema.createTable('users'), dialect)
          .addColumn('email', 'text', (c) => c.notNull().unique())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('password_hash', 'text', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('sessions')
          .addColumn('token_hash', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('csrf_token', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();

        await withId(db.schema.createTable('challenges'), dialect)
          .addColumn('slug', 'text', (c) => c.notNull().unique())
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('description_md', 'text', (c) => c.notNull())
          .addColumn('metric', 'text', (c) => c.notNull())
          .addColumn('metric_options_json', 'text', (c) => c.notNull())
          .addColumn('format_json', 'text', (c) => c.notNull())
          .addColumn('id_column', 'text', (c) => c.notNull())
          .addColumn('target_column', 'text', (c) => c.notNull())
          .addColumn('weight_column', 'text')
          .addColumn('classes_json', 'text', (c) => c.notNull())
          .addColumn('higher_is_better', 'integer', (c) => c.notNull())
          .addColumn('opens_at', 'text', (c) => c.notNull())
          .addColumn('closes_at', 'text', (c) => c.notNull())
          .addColumn('daily_limit', 'integer', (c) => c.notNull())
          .addColumn('final_selections', 'integer', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('folder', 'text', (c) => c.notNull())
          .addColumn('train_file', 'text', (c) => c.notNull())
          .addColumn('test_file', 'text', (c) => c.notNull())
          .addColumn('solution_file', 'text', (c) => c.notNull())
          .addColumn('sample_file', 'text')
          .addColumn('solution_sha256', 'text', (c) => c.notNull())
          .addColumn('citation', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();

        await withId(db.schema.createTable('submissions'), dialect)
          .addColumn('challenge_id', 'integer', (c) => c.notNull().references('challenges.id').onDelete('cascade'))
          .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
          .addColumn('team_id', 'integer')
          .addColumn('file_path', 'text', (c) => c.notNull())
          .addColumn('original_name', 'text', (c) => c.notNull())
          .addColumn('sha256', 'text', (c) => c.notNull())
          .addColumn('size_bytes', 'integer', (c) => c.notNull())
          .addColumn('row_count', 'integer', (c) => c.notNull())
          .addColumn('message', 'text')
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('error', 'text')
          .addColumn('warnings_json', 'text')
          .addColumn('public_score', double)
          .addColumn('private_score', double)
          .addColumn('details_json', 'text')
          .addColumn('scorer_version', 'text')
          .addColumn('solution_sha256', 'text')
          .addColumn('selected', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('is_baseline', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('scored_at', 'text')
          .execute();
        await db.schema.createIndex('submissions_board').on('submissions').columns(['challenge_id', 'status']).execute();
        await db.schema.createIndex('submissions_user').on('submissions').columns(['challenge_id', 'user_id']).execute();

        await db.schema
          .createTable('submission_quota')
          .addColumn('challenge_id', 'integer', (c) => c.notNull())
          .addColumn('entrant', 'text', (c) => c.notNull())
          .addColumn('day', 'text', (c) => c.notNull())
          .addColumn('used', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint('submission_quota_pk', ['challenge_id', 'entrant', 'day'])
          .execute();

        await withId(db.schema.createTable('jobs'), dialect)
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('payload_json', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('max_attempts', 'integer', (c) => c.notNull().defaultTo(3))
          .addColumn('lease_owner', 'text')
          .addColumn('lease_expires_at', 'text')
          .addColumn('last_error', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('jobs_claim').on('jobs').columns(['status', 'lease_expires_at']).execute();
      },
  };
}
