import assert from 'node:assert/strict';
import { crowdContext } from './crowd-helpers.js';
import { TEST_DB } from './helpers.js';
import { signUp } from '../src/accounts/service.js';
import { serveNext, userVoter } from '../src/crowd/service.js';
import { tokenSecret, verifyServe } from '../src/crowd/token.js';
import { pickAndStoreServe, servableSubjects, workflowById, type ServableShape, type Workflow } from '../src/crowd/repo.js';

/**
 * On PostgreSQL a serve by the retirement rule is picked and stored in one statement
 * (pickAndStoreServe). It must choose what the two-statement path chooses for the same draw: among
 * the first candidates in serving order, those tied with the first on (expert, vote_count), in id
 * order, the one at floor(draw × ties). SQLite has only the two-statement path.
 */
describe('crowd serve: the one-statement pick and store (PostgreSQL)', function () {
  let ctx: Awaited<ReturnType<typeof crowdContext>>;
  let wf: Workflow;
  before(async function () {
    if (TEST_DB !== 'postgres') this.skip();
    ctx = await crowdContext({ retirement: 'fixed', retireCount: 50 });
    wf = (await workflowById(ctx.handle.db, ctx.workflowId))!;
    // Vote counts with ties at the head of each order, and two expert subjects among the live ones.
    const ids = async (gold: number) => (await ctx.handle.db.selectFrom('crowd_subjects').select('id').where('workflow_id', '=', wf.id).where('is_gold', '=', gold).orderBy('id').execute()).map((r) => r.id);
    const live = await ids(0);
    const gold = await ids(1);
    for (const [i, id] of live.entries()) await ctx.handle.db.updateTable('crowd_subjects').set({ vote_count: [7, 3, 7, 1, 7, 7, 0, 3][i % 8], expert: i === 5 || i === 9 ? 1 : 0 }).where('id', '=', id).execute();
    for (const [i, id] of gold.entries()) await ctx.handle.db.updateTable('crowd_subjects').set({ vote_count: [2, 0, 5, 0, 0, 1][i % 6] }).where('id', '=', id).execute();
  });
  after(async () => ctx?.close());

  let voters = 0;
  const shapes: ServableShape[] = [
    { order: 'retirement', gold: false, expertFirst: false, knownOnly: false, goldClass: false },
    { order: 'retirement', gold: false, expertFirst: true, knownOnly: false, goldClass: false },
    { order: 'retirement', gold: true, expertFirst: false, knownOnly: false, goldClass: false },
    { order: 'retirement', gold: true, expertFirst: false, knownOnly: false, goldClass: true },
  ];

  it('chooses the subject the two-statement path chooses, for every shape and draw, and stores it as served', async () => {
    const servedAt = new Date().toISOString();
    let tiesSeen = 0;
    for (const shape of shapes) {
      for (const draw of [0, 0.24, 0.5, 0.76, 0.999]) {
        const voter = `u:pick-${voters++}`;
        const first = await servableSubjects(ctx.handle.db, shape, wf.id, voter, 1, 8);
        const tied = first.filter((x) => x.vote_count === first[0].vote_count && x.expert === first[0].expert);
        if (tied.length > 1) tiesSeen++;
        const expected = tied[Math.floor(draw * tied.length)];
        const picked = await pickAndStoreServe(ctx.handle.db, shape, wf.id, voter, 1, 8, draw, servedAt, false);
        assert.ok(picked && expected, `${JSON.stringify(shape)} draw ${draw}: something to serve`);
        assert.equal(picked.subject.id, expected.id, `${JSON.stringify(shape)} draw ${draw}`);
        assert.deepEqual(picked.subject, expected);
        assert.equal(picked.stored, true);
        const rows = await ctx.handle.db.selectFrom('crowd_serves').selectAll().where('voter', '=', voter).execute();
        assert.deepEqual(rows.map((r) => [r.subject_id, r.served_at, r.routed, r.workflow_id]), [[expected.id, servedAt, 0, wf.id]]);
      }
    }
    // The fixture's ties are what the comparison is about.
    assert.ok(tiesSeen >= 10, `ties seen in ${tiesSeen} picks`);
  });

  it('never stores one subject twice for a voter, and says so when a concurrent serve stored it first', async () => {
    const voter = `u:pick-${voters++}`;
    const shape = shapes[0];
    const picks = await Promise.all(Array.from({ length: 6 }, () => pickAndStoreServe(ctx.handle.db, shape, wf.id, voter, 0, 8, 0, new Date().toISOString(), false)));
    const rows = await ctx.handle.db.selectFrom('crowd_serves').select('subject_id').where('voter', '=', voter).execute();
    const stored = picks.filter((p) => p?.stored).map((p) => p!.subject.id);
    assert.deepEqual([...stored].sort(), rows.map((r) => r.subject_id).sort());
    assert.equal(new Set(stored).size, stored.length);
    // A pick that lost the race names a subject that is stored once, by the winner.
    for (const p of picks.filter((x) => x && !x.stored)) assert.ok(stored.includes(p!.subject.id));
  });

  it('serveNext on PostgreSQL stores the serve with the time its token carries', async () => {
    const u = await signUp(ctx.handle.db, { email: 'pick@example.org', name: 'Pick', password: 'correct horse battery' });
    const voter = userVoter(u.id);
    const secret = await tokenSecret(ctx.handle.db);
    const seen = new Set<number>();
    for (let i = 0; i < 4; i++) {
      const served = (await serveNext(ctx.handle, wf, voter, secret, { reserveMinutes: 30, store: true }))!;
      const claim = verifyServe(secret, served.token)!;
      const row = await ctx.handle.db.selectFrom('crowd_serves').selectAll().where('voter', '=', voter.key).where('subject_id', '=', served.subject.id).executeTakeFirstOrThrow();
      assert.equal(Date.parse(row.served_at), claim.servedAt);
      // Unanswered, a reload serves the same subject again.
      const again = (await serveNext(ctx.handle, wf, voter, secret, { reserveMinutes: 30, store: true }))!;
      assert.equal(again.subject.id, served.subject.id);
      seen.add(served.subject.id);
      // Answered (a vote row is enough for the pick), the next serve is another subject.
      await ctx.handle.db
        .insertInto('crowd_votes')
        .values({ workflow_id: wf.id, subject_id: served.subject.id, voter: voter.key, user_id: u.id, anon_id: null, answer: 0, is_gold: served.subject.is_gold, correct: null, counted: 0, flagged: 0, restored_by: null, restored_at: null, info_bits: 0, time_ms: 1000, served_at: served.servedAt, created_at: new Date().toISOString(), day: new Date().toISOString().slice(0, 10), ip_hash: 'test' })
        .execute();
    }
    assert.equal(seen.size, 4);
  });
});
