import assert from 'node:assert/strict';
import request from 'supertest';
import { createTestContext, type TestContext } from './helpers.js';
import { findChallengeBySlug } from '../src/challenges/repo.js';
import { challengeCards } from '../src/challenges/listing.js';
import { metricHumanName } from '../src/challenges/metric-names.js';
import { createWorkflow } from '../src/crowd/setup.js';

const DAY_MS = 86_400_000;

describe('challenge list', function () {
  this.timeout(60_000);
  let ctx: TestContext;
  // Taken when the suite runs, not when mocha loads the file: in a full run that is minutes apart.
  let now: number;

  before(async () => {
    now = Date.now();
    ctx = await createTestContext({ challenges: ['higgsml', 'xray-sources', 'xmm-sources'], workers: 0 });
    const db = ctx.handle.db;
    const id = async (slug: string) => (await findChallengeBySlug(db, slug))!.id;
    // xray-sources closed on 5 March 2026; xmm-sources opens in three days and five hours (and half an hour, so a slow run still reads "5 hours"); higgsml is open.
    await db.updateTable('challenges').set({ opens_at: '2026-01-01T00:00:00.000Z', closes_at: '2026-03-05T17:00:00.000Z' }).where('slug', '=', 'xray-sources').execute();
    await db
      .updateTable('challenges')
      .set({ opens_at: new Date(now + 3 * DAY_MS + 5 * 3_600_000 + 30 * 60_000).toISOString(), closes_at: new Date(now + 60 * DAY_MS).toISOString() })
      .where('slug', '=', 'xmm-sources')
      .execute();
    const users: Record<string, number> = {};
    for (const name of ['ann', 'ben', 'cat', 'dan', 'bot']) {
      users[name] = (await db.insertInto('users').values({ email: `${name}@x.org`, name, password_hash: 'x', role: 'participant', created_at: '2026-01-01T00:00:00.000Z' }).returning('id').executeTakeFirstOrThrow()).id;
    }
    const higgs = await id('higgsml');
    // ben and cat form one team: their three submissions are one entrant.
    const team = (await db.insertInto('teams').values({ challenge_id: higgs, name: 'Ridge Runners', created_by: users.ben, created_at: '2026-01-02T00:00:00.000Z' }).returning('id').executeTakeFirstOrThrow()).id;
    const add = (challengeId: number, user: string, teamId: number | null, extra: { status?: 'scored' | 'failed'; is_baseline?: number } = {}) =>
      db
        .insertInto('submissions')
        .values({
          challenge_id: challengeId, user_id: users[user], team_id: teamId, file_path: 'x', original_name: 'x.csv', sha256: 'x', size_bytes: 1, row_count: 1, message: null,
          status: extra.status ?? 'scored', error: null, warnings_json: null, public_score: 1, private_score: 1, details_json: null, scorer_version: 'ams@1',
          solution_sha256: 'x', selected: 0, is_baseline: extra.is_baseline ?? 0, created_at: '2026-01-03T00:00:00.000Z', scored_at: null,
        })
        .execute();
    await add(higgs, 'ann', null);
    await add(higgs, 'ann', null, { status: 'failed' });
    await add(higgs, 'ben', team);
    await add(higgs, 'cat', team);
    await add(higgs, 'cat', team);
    // The baseline is not an entrant, and its submission is not counted.
    await add(higgs, 'bot', null, { is_baseline: 1 });
    const xray = await id('xray-sources');
    await add(xray, 'dan', null);
    // Volunteers can join xmm-sources (a live crowd workflow) but not higgsml (none) nor xray-sources (paused).
    await createWorkflow(ctx.handle, ctx.storage, (await findChallengeBySlug(db, 'xmm-sources'))!, { maxLive: 5, goldPerClass: 2, knownPerClass: 1 });
    await createWorkflow(ctx.handle, ctx.storage, (await findChallengeBySlug(db, 'xray-sources'))!, { maxLive: 5, goldPerClass: 2, knownPerClass: 1 });
    await db.updateTable('crowd_workflows').set({ active: 0 }).where('challenge_id', '=', xray).execute();
  });
  after(async () => ctx.close());

  it('names every metric as people do', () => {
    assert.deepEqual(
      ['ams', 'accuracy', 'macro_f1', 'log_loss', 'roc_auc'].map(metricHumanName),
      ['AMS', 'accuracy', 'macro-F1', 'log loss', 'ROC AUC'],
    );
    assert.equal(metricHumanName('brier_score'), 'brier score');
  });

  it('counts entrants (users or teams with a submission) and submissions, the baseline left out', async () => {
    const cards = await challengeCards(ctx.handle.db, new Date(now));
    const bySlug = Object.fromEntries(cards.map((c) => [c.slug, c]));
    assert.deepEqual([bySlug.higgsml.entrants, bySlug.higgsml.submissions], [2, 5]);
    assert.deepEqual([bySlug['xray-sources'].entrants, bySlug['xray-sources'].submissions], [1, 1]);
    assert.deepEqual([bySlug['xmm-sources'].entrants, bySlug['xmm-sources'].submissions], [0, 0]);
  });

  it('says the time left, when it opens, or the day it closed', async () => {
    const cards = await challengeCards(ctx.handle.db, new Date(now));
    const bySlug = Object.fromEntries(cards.map((c) => [c.slug, c]));
    assert.equal(bySlug['xray-sources'].phase, 'closed');
    assert.deepEqual(bySlug['xray-sources'].timing, { label: 'closed', countdown: null, countdownTo: null, closedOn: '5 Mar 2026' });
    assert.equal(bySlug['xmm-sources'].phase, 'upcoming');
    assert.equal(bySlug['xmm-sources'].timing.label, 'opens');
    assert.equal(bySlug['xmm-sources'].timing.countdown, '3 days 5 hours');
    assert.equal(bySlug.higgsml.timing.label, 'closes');
    assert.match(bySlug.higgsml.timing.countdown!, /^\d+ days?( \d+ hours?)?$/);
  });

  it('renders cards with the counts, times, human metric names and a link for volunteers only where a workflow is live', async () => {
    const page = (await request(ctx.app).get('/').expect(200)).text;
    const card = (slug: string) => {
      const m = new RegExp(`<article[^>]*data-slug="${slug}"[^>]*>([\\s\\S]*?)</article>`).exec(page);
      assert.ok(m, `a card for ${slug}`);
      return m[1].replace(/\s+/g, ' ');
    };
    const higgs = card('higgsml');
    assert.match(higgs, /data-testid="entrants">2</);
    assert.match(higgs, /data-testid="submissions">5</);
    assert.match(higgs, /data-testid="metric">AMS <small>\(higher is better\)/);
    assert.match(higgs, /closes <span data-countdown="[^"]+">in \d+ days/);
    assert.match(higgs, /Models only: no volunteer workflow is open/);
    assert.doesNotMatch(higgs, /\/crowd\//);

    const xray = card('xray-sources');
    assert.match(xray, /data-testid="metric">macro-F1 </);
    assert.match(xray, /· closed 5 Mar 2026/);
    assert.doesNotMatch(xray, /data-countdown/);
    assert.doesNotMatch(xray, /\/crowd\//, 'a paused workflow takes no volunteers');

    const xmm = card('xmm-sources');
    assert.match(xmm, /opens <span data-countdown="[^"]+">in 3 days 5 hours<\/span>/);
    assert.match(xmm, /Volunteers can join: <a href="\/crowd\/xmm-sources\/classify">classify by eye<\/a>/);

    assert.doesNotMatch(page, /macro_f1|>ams</, 'no metric key is printed');
  });

  it('prints the human metric name in the challenge header and keeps the key in the JSON', async () => {
    const page = (await request(ctx.app).get('/challenges/xray-sources').expect(200)).text;
    assert.match(page, /metric macro-F1 \(higher is better\)/);
    assert.doesNotMatch(page, /macro_f1/);
    const api = (await request(ctx.app).get('/api/v1/challenges/xray-sources').expect(200)).body;
    assert.equal(api.challenge.metric, 'macro_f1');
    assert.equal(api.challenge.metricName, 'macro-F1');
  });

  it('answers JSON at / as before, and leaves drafts out', async () => {
    await ctx.handle.db.updateTable('challenges').set({ state: 'draft' }).where('slug', '=', 'xmm-sources').execute();
    try {
      const cards = await challengeCards(ctx.handle.db);
      assert.deepEqual(cards.map((c) => c.slug).sort(), ['higgsml', 'xray-sources']);
      const json = (await request(ctx.app).get('/').set('Accept', 'application/json').expect(200)).body;
      assert.deepEqual(json.challenges.map((c: { slug: string }) => c.slug).sort(), ['higgsml', 'xray-sources']);
      assert.doesNotMatch((await request(ctx.app).get('/').expect(200)).text, /xmm-sources/);
    } finally {
      await ctx.handle.db.updateTable('challenges').set({ state: 'published' }).where('slug', '=', 'xmm-sources').execute();
    }
  });
});
