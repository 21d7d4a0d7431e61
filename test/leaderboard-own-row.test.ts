import assert from 'node:assert/strict';
import request from 'supertest';
import { createTestContext, signedInAgent, type TestContext } from './helpers.js';
import { findChallengeBySlug } from '../src/challenges/repo.js';
import { ensureBaselineUser } from '../src/baseline/service.js';
import { LONG_BOARD_ROWS } from '../src/leaderboards/viewer-row.js';

/** The table's body rows as [class, text] pairs, in page order. */
function bodyRows(html: string): Array<{ cls: string; attrs: string; text: string }> {
  const table = /<table class="board" data-testid="leaderboard">([\s\S]*?)<\/table>/.exec(html);
  assert.ok(table, 'the leaderboard table is on the page');
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(table[1])![1];
  return [...body.matchAll(/<tr([^>]*)>([\s\S]*?)<\/tr>/g)].map((m) => ({
    cls: /class="([^"]*)"/.exec(m[1])?.[1] ?? '',
    attrs: m[1],
    text: m[2].replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim(),
  }));
}

describe("the viewer's own leaderboard row", function () {
  this.timeout(60_000);
  let ctx: TestContext;
  let viewer: Awaited<ReturnType<typeof signedInAgent>>;
  let teammate: Awaited<ReturnType<typeof signedInAgent>>;
  let topViewer: Awaited<ReturnType<typeof signedInAgent>>;

  before(async () => {
    ctx = await createTestContext({ challenges: ['xray-sources'], workers: 0 });
    const c = (await findChallengeBySlug(ctx.handle.db, 'xray-sources'))!;
    await signedInAgent(ctx.app, 'admin@example.org', 'Admin'); // the first account is the admin
    viewer = await signedInAgent(ctx.app, 'vera@example.org', 'Vera');
    teammate = await signedInAgent(ctx.app, 'tom@example.org', 'Tom');
    topViewer = await signedInAgent(ctx.app, 'ada@example.org', 'Ada');
    const id = async (email: string) => (await ctx.handle.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
    let n = 0;
    const add = (userId: number, pub: number, priv: number, teamId: number | null = null, baseline = false) =>
      ctx.handle.db
        .insertInto('submissions')
        .values({
          challenge_id: c.id, user_id: userId, team_id: teamId, file_path: `submissions/seed/${++n}.csv`, original_name: 's.csv', sha256: String(n).padStart(64, '0'), size_bytes: 1, row_count: 1,
          status: 'scored', public_score: pub, private_score: priv, selected: 0, is_baseline: baseline ? 1 : 0,
          created_at: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(), scored_at: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(),
        })
        .execute();
    // 37 seeded entrants with public scores 0.900, 0.890, … (private in the reverse order).
    for (let i = 0; i < 37; i++) {
      const u = await ctx.handle.db.insertInto('users').values({ email: `e${i}@x.org`, name: `Entrant ${i}`, password_hash: 'x', role: 'participant', created_at: '2026-01-01T00:00:00.000Z' }).returning('id').executeTakeFirstOrThrow();
      await add(u.id, 0.9 - i * 0.01, 0.3 + i * 0.01);
    }
    // Ada: second on the public board. Vera: near the bottom. Tom's team (Vera is not in it) sends for Tom.
    await add(await id('ada@example.org'), 0.895, 0.2);
    await add(await id('vera@example.org'), 0.505, 0.99);
    const team = await ctx.handle.db.insertInto('teams').values({ challenge_id: c.id, name: 'Team Owl', created_by: await id('tom@example.org'), created_at: '2026-01-01T00:00:00.000Z' }).returning('id').executeTakeFirstOrThrow();
    const owlMate = await ctx.handle.db.insertInto('users').values({ email: 'owl@x.org', name: 'Olive', password_hash: 'x', role: 'participant', created_at: '2026-01-01T00:00:00.000Z' }).returning('id').executeTakeFirstOrThrow();
    for (const userId of [await id('tom@example.org'), owlMate.id]) await ctx.handle.db.insertInto('team_members').values({ team_id: team.id, challenge_id: c.id, user_id: userId, joined_at: '2026-01-01T00:00:00.000Z' }).execute();
    // The team's row was sent by Olive, not Tom: still Tom's row.
    await add(owlMate.id, 0.501, 0.1, team.id);
    await add((await ensureBaselineUser(ctx.handle.db)).id, 0.7, 0.7, null, true);
  });
  after(async () => ctx.close());

  it('keeps the whole board in the JSON API (40 entrants and the Baseline)', async () => {
    const res = await request(ctx.app).get('/challenges/xray-sources/leaderboard').set('Accept', 'application/json').expect(200);
    assert.equal(res.body.rows.length, 41);
  });

  it('shows a long board as its top rows, a gap, and the viewer\'s row pinned last, marked "You"', async () => {
    const page = await viewer.agent.get('/challenges/xray-sources/leaderboard').expect(200);
    const rows = bodyRows(page.text);
    assert.equal(rows.length, LONG_BOARD_ROWS + 2);
    const gap = rows[LONG_BOARD_ROWS];
    assert.match(gap.cls, /\bgap\b/);
    assert.match(gap.text, /… 15 more rows · show all 41/);
    const mine = rows[rows.length - 1];
    assert.match(mine.cls, /\bmine\b/);
    assert.match(mine.cls, /\bpinned\b/);
    assert.match(mine.attrs, /aria-current="true"/);
    assert.match(mine.text, /^39 Vera You 0\.505/);
    assert.equal(rows.filter((r) => /aria-current/.test(r.attrs)).length, 1, 'exactly one row is the viewer\'s');
    assert.match(page.text, /href="\/challenges\/xray-sources\/leaderboard\?all=1"/);
  });

  it('shows every row on request, the viewer\'s pinned in place', async () => {
    const rows = bodyRows((await viewer.agent.get('/challenges/xray-sources/leaderboard?all=1').expect(200)).text);
    assert.equal(rows.length, 41);
    assert.equal(rows.filter((r) => r.cls.includes('gap')).length, 0);
    const at = rows.findIndex((r) => r.cls.includes('mine'));
    assert.match(rows[at].text, /Vera You/);
    assert.match(rows[at].cls, /\bpinned\b/);
    assert.match(rows[at + 1].text, /Team Owl/, 'the rows after it stay in rank order');
  });

  it("highlights a viewer in the top rows where they are, without pinning", async () => {
    const rows = bodyRows((await topViewer.agent.get('/challenges/xray-sources/leaderboard').expect(200)).text);
    assert.equal(rows.length, LONG_BOARD_ROWS + 1);
    assert.match(rows[1].text, /^2 Ada You/);
    assert.match(rows[1].cls, /\bmine\b/);
    assert.doesNotMatch(rows[1].cls, /pinned/);
    assert.match(rows[LONG_BOARD_ROWS].text, /… 16 more rows/);
  });

  it("marks a team member's row by the team, whoever sent its entry", async () => {
    const rows = bodyRows((await teammate.agent.get('/challenges/xray-sources/leaderboard').expect(200)).text);
    const mine = rows[rows.length - 1];
    assert.match(mine.text, /^40 Team Owl You team/);
    assert.match(mine.attrs, /aria-current="true"/);
  });

  it('marks no row for a visitor, and links the Baseline badge to its model card', async () => {
    const page = await request(ctx.app).get('/challenges/xray-sources/leaderboard').expect(200);
    assert.doesNotMatch(page.text, /aria-current="true"|data-testid="my-row"/);
    assert.match(page.text, /<a href="\/challenges\/xray-sources\/baseline"[^>]*><span class="badge" data-testid="baseline-badge">Baseline<\/span><\/a>/);
  });

  it('pins the viewer\'s row on the private board after the close, as on the public one', async () => {
    await viewer.agent.get('/challenges/xray-sources/leaderboard/private').set('Accept', 'application/json').expect(403);
    await ctx.handle.db.updateTable('challenges').set({ closes_at: new Date(Date.now() - 1000).toISOString() }).where('slug', '=', 'xray-sources').execute();
    // On the private board Vera (0.99) ranks first, Tom's team last.
    const vera = bodyRows((await viewer.agent.get('/challenges/xray-sources/leaderboard/private').expect(200)).text);
    assert.match(vera[0].text, /^1 ▲38 Vera You/);
    assert.match(vera[0].cls, /\bmine\b/);
    const tom = bodyRows((await teammate.agent.get('/challenges/xray-sources/leaderboard/private').expect(200)).text);
    const last = tom[tom.length - 1];
    assert.match(last.cls, /\bpinned\b/);
    assert.match(last.text, /Team Owl You/);
    assert.match(tom[LONG_BOARD_ROWS].text, /… \d+ more rows/);
  });
});
