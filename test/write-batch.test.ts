import assert from 'node:assert/strict';
import { createTestContext, type TestContext } from './helpers.js';
import { batchedTransaction } from '../src/db/write-batch.js';
import { nowIso } from '../src/db/index.js';

describe('batched write transactions (group commit on SQLite)', function () {
  let ctx: TestContext;
  before(async () => {
    ctx = await createTestContext({ challenges: [], workers: 0 });
  });
  after(async () => ctx.close());

  const insertJob = (kind: string) => (tx: Parameters<Parameters<typeof batchedTransaction>[1]>[0]) =>
    tx.insertInto('jobs').values({ kind, payload_json: '{}', status: 'done', attempts: 0, max_attempts: 1, created_at: nowIso(), updated_at: nowIso() }).returning('id').executeTakeFirstOrThrow();
  const kinds = async (prefix: string) => (await ctx.handle.db.selectFrom('jobs').select('kind').where('kind', 'like', `${prefix}%`).orderBy('kind').execute()).map((r) => r.kind);

  it('keeps each unit whole: a failing unit stores nothing and the others are stored', async () => {
    const results = await Promise.allSettled([
      batchedTransaction(ctx.handle, insertJob('t1-a')),
      batchedTransaction(ctx.handle, async (tx) => {
        await insertJob('t1-b')(tx);
        throw new Error('b changed its mind');
      }),
      batchedTransaction(ctx.handle, async (tx) => {
        await insertJob('t1-c1')(tx);
        return insertJob('t1-c2')(tx);
      }),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.match(String((results[1] as PromiseRejectedResult).reason), /changed its mind/);
    assert.ok((results[2] as PromiseFulfilledResult<{ id: number }>).value.id > 0);
    assert.deepEqual(await kinds('t1-'), ['t1-a', 't1-c1', 't1-c2']);
  });

  it('lets later units see what earlier ones wrote, in arrival order (SQLite; PostgreSQL runs them side by side)', async () => {
    const seen = await Promise.all(
      ['t2-a', 't2-b', 't2-c'].map((k) =>
        batchedTransaction(ctx.handle, async (tx) => {
          await insertJob(k)(tx);
          return (await tx.selectFrom('jobs').select('kind').where('kind', 'like', 't2-%').execute()).length;
        }),
      ),
    );
    if (ctx.handle.dialect === 'sqlite') assert.deepEqual(seen, [1, 2, 3]);
    else assert.ok(seen.every((n) => n >= 1 && n <= 3), String(seen));
    assert.deepEqual(await kinds('t2-'), ['t2-a', 't2-b', 't2-c']);
  });
});
