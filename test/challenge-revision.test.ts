import assert from 'node:assert/strict';
import { createTestContext, type TestContext } from './helpers.js';
import { openConfiguredDb } from '../src/db/open.js';
import type { DbHandle } from '../src/db/index.js';
import { findChallengeBySlug } from '../src/challenges/repo.js';

const SLUG = 'xray-sources';

describe('challenge reads: decoded once per revision, never stale across processes', function () {
  this.timeout(30_000);
  let ctx: TestContext;
  let other: DbHandle;

  before(async () => {
    ctx = await createTestContext({ challenges: [SLUG], workers: 0 });
    // Another process's handle on the same database.
    other = await openConfiguredDb(ctx.config);
  });
  after(async () => {
    await other?.destroy();
    await ctx?.close();
  });

  const revisionOf = async () => (await ctx.handle.db.selectFrom('challenges').select('revision').where('slug', '=', SLUG).executeTakeFirstOrThrow()).revision;

  it('bumps the revision on every update, whoever makes it', async () => {
    const before = await revisionOf();
    await other.db.updateTable('challenges').set({ daily_limit: 7 }).where('slug', '=', SLUG).execute();
    assert.equal(await revisionOf(), before + 1);
    await other.db.updateTable('challenges').set({ daily_limit: 7 }).where('slug', '=', SLUG).execute();
    assert.equal(await revisionOf(), before + 2, 'an update that changes no value counts too');
  });

  it('hands out the same frozen object until the row changes, then the new row', async () => {
    const first = (await findChallengeBySlug(ctx.handle.db, SLUG))!;
    assert.equal(await findChallengeBySlug(ctx.handle.db, SLUG), first, 'unchanged: the decoded copy');
    assert.ok(Object.isFrozen(first) && Object.isFrozen(first.classes) && Object.isFrozen(first.format) && Object.isFrozen(first.metricOptions));
    assert.ok(Object.isFrozen(first.format.classes), 'frozen all the way down');
    assert.throws(() => {
      (first as { title: string }).title = 'changed in memory';
    }, TypeError);

    await other.db.updateTable('challenges').set({ title: 'Renamed by another process', public_frozen_at: '2026-01-01T00:00:00.000Z' }).where('slug', '=', SLUG).execute();
    const after = (await findChallengeBySlug(ctx.handle.db, SLUG))!;
    assert.notEqual(after, first);
    assert.equal(after.title, 'Renamed by another process');
    assert.equal(after.public_frozen_at, '2026-01-01T00:00:00.000Z');
    assert.equal(after.revision, first.revision + 1);
  });

  it('keeps nothing a transaction read: a rolled-back update is never served', async () => {
    const committed = (await findChallengeBySlug(ctx.handle.db, SLUG))!;
    await assert.rejects(
      ctx.handle.db.transaction().execute(async (tx) => {
        await tx.updateTable('challenges').set({ title: 'Never committed' }).where('slug', '=', SLUG).execute();
        assert.equal((await findChallengeBySlug(tx, SLUG))!.title, 'Never committed', 'the transaction sees its own update');
        throw new Error('roll back');
      }),
      /roll back/,
    );
    const now = (await findChallengeBySlug(ctx.handle.db, SLUG))!;
    assert.equal(now.title, committed.title);
    assert.equal(now, committed, 'the rollback restored the revision, so the copy still holds');
    // The next committed update takes the revision the rolled-back one had; its row is read, not a kept one.
    await other.db.updateTable('challenges').set({ title: 'Committed' }).where('slug', '=', SLUG).execute();
    assert.equal((await findChallengeBySlug(ctx.handle.db, SLUG))!.title, 'Committed');
  });

  it('answers an unknown slug with nothing', async () => {
    assert.equal(await findChallengeBySlug(ctx.handle.db, 'no-such-challenge'), undefined);
    assert.equal(await findChallengeBySlug(other.db, 'no-such-challenge'), undefined);
  });
});
