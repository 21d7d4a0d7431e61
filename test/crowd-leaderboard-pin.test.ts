import assert from 'node:assert/strict';
import request from 'supertest';
import { signedInAgent } from './helpers.js';
import { crowdContext, serve, vote } from './crowd-helpers.js';
import { loadCrowdConfig } from '../src/crowd/config.js';
import { simulateCrowdVotes } from '../src/crowd/simulate/service.js';

/** Issue 12: the volunteer leaderboard, like the competitors' boards, shows the top rows and keeps your own row in view. */
describe('volunteer leaderboard: your row marked and pinned', function () {
  this.timeout(90_000);
  let ctx: Awaited<ReturnType<typeof crowdContext>>;
  let me: Awaited<ReturnType<typeof signedInAgent>>;

  before(async () => {
    ctx = await crowdContext({ maxLive: 30, goldPerClass: 6, retirement: 'fixed', retireCount: 50 });
    // 40 simulated volunteers with many votes each rank above one real volunteer with a single vote.
    await simulateCrowdVotes(ctx.handle, ctx.storage, 'xmm-sources', { volunteers: 40, votes: 1200, profile: 'expert', seed: 3, days: 2, consensus: false }, loadCrowdConfig({}));
    me = await signedInAgent(ctx.app, 'late-joiner@example.org', 'Late Joiner');
    const s = await serve(me.agent);
    await vote(me.agent, me.csrf, s.token, 'AGN').expect(201);
  });
  after(async () => ctx.close());

  const rowsOf = (html: string, testid: string) => html.split(`data-testid="${testid}"`)[1].split('</table>')[0].split('<tr').slice(2);

  it('shows the top 25, a gap row linking to all, and your row pinned after it', async () => {
    const html = (await me.agent.get('/crowd/leaderboard').expect(200)).text;
    const rows = rowsOf(html, 'all-time');
    assert.equal(rows.length, 27, 'top 25 + gap + yours');
    assert.match(rows[25], /class="gap"[\s\S]*… 15 more volunteers · <a href="\/crowd\/leaderboard\?all=1">show all 41<\/a>/);
    assert.match(rows[26], /class="mine pinned" aria-current="true" data-testid="my-row"><td>41<\/td>[\s\S]*Late Joiner<\/a> <span class="badge you">You<\/span>/);
    assert.equal((html.match(/aria-current="true"/g) ?? []).length, 2, 'marked on the weekly and the all-time board');
  });

  it('shows every row with ?all=1, and nobody\'s row is marked for a visitor', async () => {
    const all = rowsOf((await me.agent.get('/crowd/leaderboard?all=1').expect(200)).text, 'all-time');
    assert.equal(all.length, 41);
    assert.match(all[40], /class="mine pinned"/);
    const anonymous = (await request(ctx.app).get('/crowd/leaderboard').expect(200)).text;
    assert.doesNotMatch(anonymous, /aria-current|class="mine/);
    assert.equal(rowsOf(anonymous, 'all-time').length, 26, 'top 25 + gap');
  });

  it('keeps the JSON as it was: the top 100 of each board, unmarked', async () => {
    const body = (await request(ctx.app).get('/crowd/leaderboard').set('Accept', 'application/json').expect(200)).body;
    assert.equal(body.allTime.length, 41);
    assert.ok(!('mine' in body.allTime[0]));
  });
});
