import type { Kysely, Migration } from 'kysely';
import type { DbDialect } from '../index.js';
import { double, withId } from './0001_foundation.js';

/** Tables of issue 5 (volunteer classification). */
export function crowd(dialect: DbDialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('crowd_settings')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();

      await withId(db.schema.createTable('crowd_workflows'), dialect)
        .addColumn('challenge_id', 'integer', (c) => c.notNull().unique().references('challenges.id').onDelete('cascade'))
        .addColumn('classes_json', 'text', (c) => c.notNull())
        .addColumn('clues_json', 'text', (c) => c.notNull())
        .addColumn('retirement', 'text', (c) => c.notNull())
        .addColumn('retire_count', 'integer', (c) => c.notNull())
        .addColumn('adaptive_threshold', double, (c) => c.notNull())
        .addColumn('adaptive_min_votes', 'integer', (c) => c.notNull())
        .addColumn('training_chances_json', 'text', (c) => c.notNull())
        .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await withId(db.schema.createTable('crowd_subjects'), dialect)
        .addColumn('workflow_id', 'integer', (c) => c.notNull().references('crowd_workflows.id').onDelete('cascade'))
        .addColumn('external_id', 'text', (c) => c.notNull())
        .addColumn('is_gold', 'integer', (c) => c.notNull())
        .addColumn('gold_class', 'integer')
        .addColumn('expert', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('features_json', 'text', (c) => c.notNull())
        .addColumn('ra', double)
        .addColumn('dec', double)
        .addColumn('vote_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('anon_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('posterior_json', 'text', (c) => c.notNull())
        .addColumn('consensus_class', 'integer')
        .addColumn('consensus_confidence', double)
        .addColumn('retired_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('crowd_subjects_ext', ['workflow_id', 'external_id'])
        .execute();
      await db.schema.createIndex('crowd_subjects_pick').on('crowd_subjects').columns(['workflow_id', 'is_gold', 'retired_at', 'vote_count']).execute();

      await withId(db.schema.createTable('crowd_serves'), dialect)
        .addColumn('workflow_id', 'integer', (c) => c.notNull().references('crowd_workflows.id').onDelete('cascade'))
        .addColumn('subject_id', 'integer', (c) => c.notNull().references('crowd_subjects.id').onDelete('cascade'))
        .addColumn('voter', 'text', (c) => c.notNull())
        .addColumn('served_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('crowd_serves_once', ['voter', 'subject_id'])
        .execute();
      await db.schema.createIndex('crowd_serves_open').on('crowd_serves').columns(['voter', 'workflow_id', 'served_at']).execute();

      await withId(db.schema.createTable('crowd_votes'), dialect)
        .addColumn('workflow_id', 'integer', (c) => c.notNull().references('crowd_workflows.id').onDelete('cascade'))
        .addColumn('subject_id', 'integer', (c) => c.notNull().references('crowd_subjects.id').onDelete('cascade'))
        .addColumn('voter', 'text', (c) => c.notNull())
        .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
        .addColumn('anon_id', 'text')
        .addColumn('answer', 'integer', (c) => c.notNull())
        .addColumn('is_gold', 'integer', (c) => c.notNull())
        .addColumn('correct', 'integer')
        .addColumn('counted', 'integer', (c) => c.notNull())
        .addColumn('flagged', 'integer', (c) => c.notNull())
        .addColumn('info_bits', double, (c) => c.notNull())
        .addColumn('time_ms', 'integer', (c) => c.notNull())
        .addColumn('ip_hash', 'text', (c) => c.notNull())
        .addColumn('served_at', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('day', 'text', (c) => c.notNull())
        .addUniqueConstraint('crowd_votes_user_subject', ['user_id', 'subject_id'])
        .addUniqueConstraint('crowd_votes_voter_subject', ['voter', 'subject_id'])
        .execute();
      await db.schema.createIndex('crowd_votes_workflow').on('crowd_votes').columns(['workflow_id', 'counted']).execute();
      await db.schema.createIndex('crowd_votes_user').on('crowd_votes').columns(['user_id', 'created_at']).execute();
      await db.schema.createIndex('crowd_votes_time').on('crowd_votes').columns(['created_at']).execute();

      await db.schema
        .createTable('crowd_volunteers')
        .addColumn('workflow_id', 'integer', (c) => c.notNull().references('crowd_workflows.id').onDelete('cascade'))
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('confusion_json', 'text', (c) => c.notNull())
        .addColumn('expert', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('crowd_volunteers_pk', ['workflow_id', 'user_id'])
        .execute();

      await withId(db.schema.createTable('crowd_comments'), dialect)
        .addColumn('subject_id', 'integer', (c) => c.notNull().references('crowd_subjects.id').onDelete('cascade'))
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('body_md', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('crowd_comments_subject').on('crowd_comments').columns(['subject_id', 'id']).execute();

      await db.schema
        .createTable('crowd_tags')
        .addColumn('subject_id', 'integer', (c) => c.notNull().references('crowd_subjects.id').onDelete('cascade'))
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('tag', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('crowd_tags_pk', ['subject_id', 'user_id', 'tag'])
        .execute();

      await withId(db.schema.createTable('crowd_flags'), dialect)
        .addColumn('subject_id', 'integer', (c) => c.notNull().references('crowd_subjects.id').onDelete('cascade'))
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('note', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('reviewed_by', 'integer')
        .addColumn('reviewed_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('crowd_flags_once', ['subject_id', 'user_id'])
        .execute();

      await db.schema
        .createTable('crowd_consensus')
        .addColumn('workflow_id', 'integer', (c) => c.notNull().references('crowd_workflows.id').onDelete('cascade'))
        .addColumn('subject_id', 'integer', (c) => c.notNull().references('crowd_subjects.id').onDelete('cascade'))
        .addColumn('aggregator', 'text', (c) => c.notNull())
        .addColumn('label', 'integer', (c) => c.notNull())
        .addColumn('confidence', double, (c) => c.notNull())
        .addColumn('posterior_json', 'text', (c) => c.notNull())
        .addColumn('n_votes', 'integer', (c) => c.notNull())
        .addColumn('computed_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('crowd_consensus_pk', ['subject_id', 'aggregator'])
        .execute();
    },
  };
}
