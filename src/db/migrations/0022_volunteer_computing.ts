import type { Kysely, Migration } from 'kysely';
import type { DbDialect } from '../index.js';
import { double, withId } from './0001_foundation.js';

/**
 * Volunteer computing (issue 14), as BOINC keeps it: an organizer's search of a challenge's baseline
 * is split into work units (one configuration × one fold); each unit is sent as results (replicas)
 * to different volunteers' hosts until a quorum agrees. Credit per volunteer keeps BOINC's total and
 * recent average.
 */
export function volunteerComputing(dialect: DbDialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await withId(db.schema.createTable('compute_searches'), dialect)
        .addColumn('challenge_id', 'integer', (c) => c.notNull().references('challenges.id').onDelete('cascade'))
        .addColumn('created_by', 'integer', (c) => c.references('users.id'))
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('space_json', 'text', (c) => c.notNull())
        .addColumn('folds', 'integer', (c) => c.notNull())
        .addColumn('delay_bound_seconds', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('compute_searches_challenge').on('compute_searches').columns(['challenge_id', 'state']).execute();

      await withId(db.schema.createTable('compute_units'), dialect)
        .addColumn('search_id', 'integer', (c) => c.notNull().references('compute_searches.id').onDelete('cascade'))
        .addColumn('configuration', 'integer', (c) => c.notNull())
        .addColumn('config_json', 'text', (c) => c.notNull())
        .addColumn('fold', 'integer', (c) => c.notNull())
        .addColumn('validation_rows', 'integer', (c) => c.notNull())
        .addColumn('outputs', 'integer', (c) => c.notNull())
        .addColumn('estimated_flops', double, (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        // Results wanted at once (BOINC's target_nresults): the initial replication, raised when results disagree.
        .addColumn('wanted_results', 'integer', (c) => c.notNull())
        // Results in progress or awaiting validation: the claim compares it with wanted_results in one UPDATE.
        .addColumn('active_results', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('quorum', 'integer', (c) => c.notNull())
        .addColumn('max_results', 'integer', (c) => c.notNull())
        .addColumn('issued_results', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('canonical_result_id', 'integer')
        .addColumn('canonical_metric', double)
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('validated_at', 'text')
        .execute();
      await db.schema.createIndex('compute_units_search').on('compute_units').columns(['search_id', 'state']).execute();
      await db.schema.createIndex('compute_units_open').on('compute_units').columns(['state', 'id']).execute();

      await withId(db.schema.createTable('compute_hosts'), dialect)
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('host_key', 'text', (c) => c.notNull())
        .addColumn('platform', 'text', (c) => c.notNull())
        .addColumn('backend', 'text', (c) => c.notNull())
        .addColumn('results', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('valid_results', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('invalid_results', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('error_results', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('credit', double, (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('compute_hosts_user_key', ['user_id', 'host_key'])
        .execute();

      await withId(db.schema.createTable('compute_results'), dialect)
        .addColumn('unit_id', 'integer', (c) => c.notNull().references('compute_units.id').onDelete('cascade'))
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('host_id', 'integer', (c) => c.notNull().references('compute_hosts.id').onDelete('cascade'))
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('sent_at', 'text', (c) => c.notNull())
        .addColumn('deadline_at', 'text', (c) => c.notNull())
        .addColumn('reported_at', 'text')
        .addColumn('metric', double)
        // Out-of-fold predictions as base64 of little-endian float32, one row after another.
        .addColumn('predictions_b64', 'text')
        .addColumn('weights_hash', 'text')
        .addColumn('error', 'text')
        .addColumn('credit', double, (c) => c.notNull().defaultTo(0))
        // One volunteer never holds two replicas of one unit: the database refuses the second.
        .addUniqueConstraint('compute_results_unit_user', ['unit_id', 'user_id'])
        .execute();
      await db.schema.createIndex('compute_results_state_deadline').on('compute_results').columns(['state', 'deadline_at']).execute();
      await db.schema.createIndex('compute_results_user').on('compute_results').columns(['user_id', 'id']).execute();

      await db.schema
        .createTable('compute_credit')
        .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
        .addColumn('total', double, (c) => c.notNull())
        .addColumn('rac', double, (c) => c.notNull())
        .addColumn('rac_at', 'text')
        .execute();
    },
  };
}
