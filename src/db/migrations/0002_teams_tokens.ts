import type { Kysely, Migration } from 'kysely';
import type { DbDialect } from '../index.js';
import { withId } from './0001_foundation.js';

/** Tables of issue 3: per-challenge organizers, teams, invitations, merge requests, re-score runs; challenge settings. */
export function teamsAndTokens(dialect: DbDialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('challenge_organizers')
        .addColumn('challenge_id', 'integer', (c) => c.notNull().references('challenges.id').onDelete('cascade'))
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('challenge_organizers_pk', ['challenge_id', 'user_id'])
        .execute();

      await withId(db.schema.createTable('teams'), dialect)
        .addColumn('challenge_id', 'integer', (c) => c.notNull().references('challenges.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_by', 'integer', (c) => c.notNull().references('users.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('teams_challenge_name', ['challenge_id', 'name'])
        .execute();

      // challenge_id is repeated here so that UNIQUE(challenge_id, user_id) holds one team per user per challenge.
      await db.schema
        .createTable('team_members')
        .addColumn('team_id', 'integer', (c) => c.notNull().references('teams.id').onDelete('cascade'))
        .addColumn('challenge_id', 'integer', (c) => c.notNull().references('challenges.id').onDelete('cascade'))
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('joined_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('team_members_pk', ['team_id', 'user_id'])
        .addUniqueConstraint('team_members_one_team', ['challenge_id', 'user_id'])
        .execute();

      await db.schema
        .createTable('team_invitations')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('team_id', 'integer', (c) => c.notNull().references('teams.id').onDelete('cascade'))
        .addColumn('created_by', 'integer', (c) => c.notNull().references('users.id'))
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('team_merge_requests')
        .addColumn('from_team_id', 'integer', (c) => c.notNull().references('teams.id').onDelete('cascade'))
        .addColumn('into_team_id', 'integer', (c) => c.notNull().references('teams.id').onDelete('cascade'))
        .addColumn('requested_by', 'integer', (c) => c.notNull().references('users.id'))
        .addColumn('requested_by_team_id', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('team_merge_requests_pk', ['from_team_id', 'into_team_id'])
        .execute();

      await withId(db.schema.createTable('rescore_runs'), dialect)
        .addColumn('challenge_id', 'integer', (c) => c.notNull().references('challenges.id').onDelete('cascade'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('total', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('done', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('before_json', 'text', (c) => c.notNull())
        .addColumn('after_json', 'text')
        .addColumn('reason', 'text')
        .addColumn('error', 'text')
        .addColumn('created_by', 'integer', (c) => c.references('users.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .execute();

      // New challenge settings; one ALTER per column (SQLite adds one at a time).
      await db.schema.alterTable('challenges').addColumn('team_size', 'integer', (c) => c.notNull().defaultTo(5)).execute();
      await db.schema.alterTable('challenges').addColumn('merge_deadline', 'text').execute();
      await db.schema.alterTable('challenges').addColumn('public_frozen_at', 'text').execute();
      await db.schema.alterTable('challenges').addColumn('setup_json', 'text').execute();
      await db.schema.alterTable('challenges').addColumn('open_data', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('challenges').addColumn('doi', 'text').execute();
      await db.schema.createIndex('submissions_team').on('submissions').columns(['challenge_id', 'team_id']).execute();
    },
  };
}
