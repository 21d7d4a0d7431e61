import assert from 'node:assert/strict';
import fs from 'node:fs';
import request from 'supertest';
import { createApiToken } from '../src/accounts/tokens.js';
import { createTestContext, datasetFile, signedInAgent, waitForTerminal, type TestContext } from './helpers.js';
import { JSON_ } from './organizer-helpers.js';

type Details = { selected: number; n: number; classes: string[]; confusion: number[][]; ams_curve: { n: number; b_reg: number; points: Array<[number, number]>; cut: { fraction: number; selected: number; ams: number }; max: { ams: number } } };

/** Issue 12: the confusion heatmap and the AMS curve on the submission page, after the close only. */
describe('the submission page after the close', function () {
  let ctx: TestContext;
  let admin: Awaited<ReturnType<typeof signedInAgent>>;
  let pat: Awaited<ReturnType<typeof signedInAgent>>;
  const ids: Record<string, number> = {};
  const close = (slug: string) => ctx.handle.db.updateTable('challenges').set({ closes_at: new Date(Date.now() - 1000).toISOString() }).where('slug', '=', slug).execute();
  let token = '';
  const page = (slug: string, who = pat) => who.agent.get(`/challenges/${slug}/submissions/${ids[slug]}`);
  const api = (slug: string) => request(ctx.app).get(`/api/v1/challenges/${slug}/submissions/${ids[slug]}`).set('Authorization', `Bearer ${token}`);

  before(async () => {
    ctx = await createTestContext({ challenges: ['higgsml', 'xray-sources'] });
    admin = await signedInAgent(ctx.app, 'admin@example.org', 'Admin');
    pat = await signedInAgent(ctx.app, 'pat@example.org', 'Pat');
    const user = await ctx.handle.db.selectFrom('users').select('id').where('email', '=', 'pat@example.org').executeTakeFirstOrThrow();
    token = (await createApiToken(ctx.handle.db, user.id, { name: 'test' })).token;
    for (const slug of ['higgsml', 'xray-sources']) {
      const res = await pat.agent.post(`/challenges/${slug}/submissions?_csrf=${pat.csrf}`).set('Accept', JSON_).attach('file', fs.readFileSync(datasetFile(slug, 'sample_submission.csv.gz')), 's.csv.gz').expect(202);
      ids[slug] = res.body.submission.id;
      const row = await waitForTerminal(ctx.handle, ids[slug]);
      assert.equal(row.status, 'scored', row.error ?? '');
    }
  });
  after(async () => ctx.close());

  it('before the close, gives a participant no curve and no confusion data, on the page or in the JSON (web and API)', async () => {
    for (const slug of ['higgsml', 'xray-sources']) {
      const html = (await page(slug).expect(200)).text;
      assert.doesNotMatch(html, /confusion|ams-curve|heatmap|curve-missing/i, slug);
      const one = await page(slug).set('Accept', JSON_).expect(200);
      assert.equal(one.body.submission.details, null);
      const list = await pat.agent.get(`/challenges/${slug}/submissions`).set('Accept', JSON_).expect(200);
      const viaApi = await api(slug).expect(200);
      assert.equal(viaApi.body.submission.details, null);
      for (const body of [one.body, list.body, viaApi.body]) assert.doesNotMatch(JSON.stringify(body), /confusion|ams_curve|points/, slug);
    }
    // The organizers see everything at any time, as before.
    const organizer = (await page('higgsml', admin).expect(200)).text;
    assert.match(organizer, /data-testid="ams-curve-public"/);
    assert.match(organizer, /data-testid="confusion-heatmap-private"/);
  });

  it('after the close, shows each subset its AMS curve and confusion heatmap, and the JSON holds both', async () => {
    await close('higgsml');
    const html = (await page('higgsml').expect(200)).text;
    for (const subset of ['public', 'private']) {
      assert.match(html, new RegExp(`<svg[^>]*role="img" aria-label="AMS of the ${subset} subset against the fraction of events selected"[^>]*data-testid="ams-curve-${subset}"`));
      assert.match(html, new RegExp(`<svg[^>]*role="img" aria-label="Confusion matrix of the ${subset} subset[^"]*"[^>]*data-testid="confusion-heatmap-${subset}"`));
    }
    assert.match(html, /class="ams-cut"/);
    assert.match(html, /class="ams-max"/);
    // The table alternative of the heatmap stays.
    assert.equal((html.match(/<table class="confusion" data-testid="confusion">/g) ?? []).length, 2);

    const stored = await ctx.handle.db.selectFrom('submissions').selectAll().where('id', '=', ids.higgsml).executeTakeFirstOrThrow();
    const json = (await page('higgsml').set('Accept', JSON_).expect(200)).body.submission;
    assert.deepEqual((await api('higgsml').expect(200)).body.submission.details, json.details, 'the API gives the same details');
    for (const subset of ['public', 'private'] as const) {
      const d = json.details[subset] as Details;
      const curve = d.ams_curve;
      assert.ok(curve.points.length >= 201, `${subset}: ${curve.points.length} points`);
      assert.deepEqual(curve.points[0], [0, 0]);
      assert.equal(curve.points[curve.points.length - 1][0], 1);
      assert.equal(curve.n, d.n);
      assert.equal(curve.b_reg, 10);
      // The sample's Class s rows are its top-ranked ones: its cut on the curve is its score.
      assert.equal(curve.cut.selected, d.selected);
      const scoreOf = subset === 'public' ? stored.public_score! : stored.private_score!;
      assert.ok(Math.abs(curve.cut.ams - scoreOf) < 1e-9, `${subset}: cut ${curve.cut.ams} vs score ${scoreOf}`);
      assert.ok(curve.max.ams >= curve.cut.ams);
      assert.deepEqual(d.classes, ['b', 's']);
      assert.equal(d.confusion.flat().reduce((a, v) => a + v, 0), d.n);
      assert.equal(d.confusion[0][1] + d.confusion[1][1], d.selected, 'the predicted-s column counts the selected events');
    }
  });

  it('draws a heatmap for any number of classes, with the count and the row share in each cell', async () => {
    await close('xray-sources');
    const html = (await page('xray-sources').expect(200)).text;
    const json = (await page('xray-sources').set('Accept', JSON_).expect(200)).body.submission;
    const d = json.details.public as Details;
    const k = d.classes.length;
    assert.ok(k > 2);
    const heatmap = /<svg[^>]*data-testid="confusion-heatmap-public"[\s\S]*?<\/svg>/.exec(html)![0];
    const cells = [...heatmap.matchAll(/<g class="cell[^"]*" data-true="([^"]*)" data-predicted="([^"]*)" data-count="(\d+)" data-share="([^"]*)">/g)];
    assert.equal(cells.length, k * k);
    const [, t, p, count, share] = cells.find((m) => m[1] === d.classes[0] && m[2] === d.classes[0])!;
    assert.equal(Number(count), d.confusion[0][0]);
    const rowTotal = d.confusion[0].reduce((a, v) => a + v, 0);
    assert.ok(Math.abs(Number(share) - d.confusion[0][0] / rowTotal) < 1e-12, `${t}/${p}`);
    // No AMS here: no curve, and no note about one.
    assert.doesNotMatch(html, /ams-curve|curve-missing/);
  });

  it('says the curve is not available for a submission scored before curves were stored', async () => {
    const row = await ctx.handle.db.selectFrom('submissions').select('details_json').where('id', '=', ids.higgsml).executeTakeFirstOrThrow();
    const old = JSON.parse(row.details_json!);
    for (const subset of ['public', 'private']) delete old[subset].ams_curve;
    await ctx.handle.db.updateTable('submissions').set({ details_json: JSON.stringify(old) }).where('id', '=', ids.higgsml).execute();
    const html = (await page('higgsml').expect(200)).text;
    assert.match(html, /data-testid="curve-missing-public"[^>]*>The AMS curve is not available for this submission/);
    assert.match(html, /data-testid="curve-missing-private"/);
    assert.doesNotMatch(html, /data-testid="ams-curve-public"/);
  });
});
