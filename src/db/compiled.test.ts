import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { reusableQuery } from './compiled.js';
import { migrate, openDb, type DbHandle } from './index.js';

describe('reusableQuery', () => {
  let dir: string;
  let handle: DbHandle;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sift-compiled-'));
    handle = openDb({ sqliteFile: path.join(dir, 'db.sqlite') });
    await migrate(handle);
    await sql`PRAGMA foreign_keys = OFF`.execute(handle.db); // board_versions rows without their challenges
    await handle.db.insertInto('board_versions').values([{ challenge_id: 1, version: 5 }, { challenge_id: 2, version: 9 }]).execute();
  });
  after(async () => {
    await handle.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs each call with its own arguments, a query per shape, inside transactions too', async () => {
    let builds = 0;
    const versions = reusableQuery((db, shape, id: number, floor: number) => {
      builds++;
      const q = db.selectFrom('board_versions').select(['challenge_id', 'version']).where('version', '>=', floor);
      return (shape === 'one' ? q.where('challenge_id', '=', id) : q.where('challenge_id', '!=', id)).orderBy('challenge_id');
    });
    assert.deepEqual(await versions(handle.db, 'one', 1, 0), [{ challenge_id: 1, version: 5 }]);
    assert.deepEqual(await versions(handle.db, 'one', 2, 0), [{ challenge_id: 2, version: 9 }]);
    assert.deepEqual(await versions(handle.db, 'one', 2, 10), []);
    assert.deepEqual(await versions(handle.db, 'others', 2, 0), [{ challenge_id: 1, version: 5 }]);
    await handle.db.transaction().execute(async (tx) => assert.deepEqual(await versions(tx, 'others', 1, 6), [{ challenge_id: 2, version: 9 }]));
    assert.equal(builds, 2, 'built once per shape, transactions included');
  });

  it('refuses an argument that would go into the text of the query', async () => {
    const bad = reusableQuery((db, _shape, column: string) => db.selectFrom('board_versions').select(sql.ref(column).as('x')));
    await assert.rejects(bad(handle.db, '', 'version'), /went into the text of the query/);
  });
});
