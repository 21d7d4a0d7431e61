import assert from 'node:assert/strict';
import { createTestContext, type TestContext } from './helpers.js';
import { board } from '../src/leaderboards/service.js';
import { findChallengeBySlug } from '../src/challenges/repo.js';

describe('leaderboard rules', function () {
  let ctx: TestContext;
  const users: Record<string, number> = {};

  before(async () => {
    ctx = await createTestContext({ challenges: ['xray-sources'], workers: 0 });
    for (const name of ['ann', 'ben', 'cat', 'dan']) {
      const u = await ctx.handle.db.insertInto('users').values({ email: `${name}@x.org`, name, password_hash: 'x', role: 'participant', created_at: '2026-01-01T00:00:00.000Z' }).returning('id').executeTakeFirstOrThrow();
      users[name] = u.id;
    }
    const c = (await findChallengeBySlug(ctx.handle.db, 'xray-sources'))!;
    let minute = 0;
    const add = async (name: string, pub: number | null, priv: number | null, extra: { selected?: number; status?: 'scored' | 'failed'; is_baseline?: number } = {}) =>
      ctx.handle.db
        .insertInto('submissions')
        .values({
          challenge_id: c.id, user_id: users[name], team_id: null, file_path: 'x', original_name: 'x.csv', sha256: 'x', size_bytes: 1, row_count: 1, message: null,
          status: extra.status ?? 'scored', error: null, warnings_json: null, public_score: pub, private_score: priv, details_json: null, scorer_version: 'macro_f1@1',
          solution_sha256: 'x', selected: extra.selected ?? 0, is_baseline: extra.is_baseline ?? 0,
          created_at: new Date(Date.UTC(2026, 0, 1, 0, minute++)).toISOString(), scored_at: null,
        })
        .execute();
    // ann: best public 0.80; she selected the 0.70 one, whose private is best of hers.
    await add('ann', 0.8, 0.6);
    await add('ann', 0.7, 0.75, { selected: 1 });
    await add('ann', 0.5, 0.9);
    // ben ties ann's best public later in time; selects nothing: his best 2 public count (final_selections = 2).
    await add('ben', 0.8, 0.5);
    await add('ben', 0.79, 0.65);
    await add('ben', 0.1, 0.99); // third-best public: not auto-selected
    // cat: a failed submission with a great score must never rank.
    await add('cat', 0.95, 0.95, { status: 'failed' });
    await add('cat', 0.6, 0.7);
    // The baseline sits on the board unranked.
    await add('dan', 0.75, 0.72, { is_baseline: 1 });
  });
  after(async () => ctx.close());

  it('ranks best public scores, ties to the earlier submission, baseline unranked, failures excluded', async () => {
    const c = (await findChallengeBySlug(ctx.handle.db, 'xray-sources'))!;
    const rows = await board(ctx.handle.db, c, 'public', false);
    assert.deepEqual(
      rows.map((r) => [r.name, r.rank, r.score, r.isBaseline, r.entries]),
      [
        ['ann', 1, 0.8, false, 3],
        ['ben', 2, 0.8, false, 3],
        ['dan', null, 0.75, true, 1],
        ['cat', 3, 0.6, false, 1],
      ],
    );
  });

  it("ranks the private board by Kaggle's selection rule and shows the rank moves", async () => {
    const c = (await findChallengeBySlug(ctx.handle.db, 'xray-sources'))!;
    assert.equal(c.final_selections, 2);
    const rows = await board(ctx.handle.db, c, 'private', true);
    assert.deepEqual(
      rows.map((r) => [r.name, r.rank, r.score, r.rankChange]),
      [
        ['ann', 1, 0.75, 0], // her selected entry, not her unselected 0.9
        ['dan', null, 0.72, null],
        ['cat', 2, 0.7, 1],
        ['ben', 3, 0.65, -1], // best of his two best public entries, not the 0.99 one
      ],
    );
    const pub = await board(ctx.handle.db, c, 'public', true);
    assert.deepEqual(pub.map((r) => [r.name, r.rankChange]), [['ann', 0], ['ben', -1], ['dan', null], ['cat', 1]]);
  });

  it('orders ascending for lower-is-better metrics', async () => {
    const c = (await findChallengeBySlug(ctx.handle.db, 'xray-sources'))!;
    const rows = await board(ctx.handle.db, { ...c, higherIsBetter: false }, 'public', false);
    assert.deepEqual(rows.map((r) => [r.name, r.score]), [['ben', 0.1], ['ann', 0.5], ['cat', 0.6], ['dan', 0.75]]);
  });
});
