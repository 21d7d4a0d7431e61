import assert from 'node:assert/strict';
import pg from 'pg';
import { migrate, openDb } from '../src/db/index.js';
import { POSTGRES_URL, TEST_DB } from './helpers.js';

/**
 * Test processes share one PostgreSQL database, each in its own schema, and drop that schema when
 * they end. Kysely's own check for its migration tables listed every schema and failed with
 * 'schema ... does not exist' when one was dropped meanwhile (5 of 15 migrations here, before the fix).
 */
describe('migrating one PostgreSQL schema while other schemas come and go', function () {
  this.timeout(60_000);

  before(function () {
    if (TEST_DB !== 'postgres') this.skip();
  });

  it('migrates every time, whatever another process drops meanwhile', async () => {
    const tag = `${process.pid}_${Date.now() % 100_000}`;
    let stop = false;
    const churner = new pg.Client({ connectionString: POSTGRES_URL });
    await churner.connect();
    const churn = (async () => {
      for (let i = 0; !stop; i++) {
        const name = `churn_${tag}_${i}`;
        await churner.query(`CREATE SCHEMA ${name}; CREATE TABLE ${name}.t (id serial PRIMARY KEY, note text)`);
        await churner.query(`DROP SCHEMA ${name} CASCADE`);
      }
    })();
    const failures: string[] = [];
    try {
      for (let k = 0; k < 8; k++) {
        const schema = `migrate_race_${tag}_${k}`;
        const handle = openDb({ databaseUrl: POSTGRES_URL, schema, sqliteFile: '' });
        try {
          await migrate(handle, schema);
          const tables = await handle.db.selectFrom('crowd_votes').select('id').limit(1).execute();
          assert.deepEqual(tables, []);
        } catch (error) {
          failures.push(String(error));
        } finally {
          await handle.destroy();
          await churner.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        }
      }
    } finally {
      stop = true;
      await churn;
      await churner.end();
    }
    assert.deepEqual(failures, []);
  });
});
