/**
 * Volunteer computing, the organizer's side and the rewards (issue 14, sections 4 and 5): the real
 * out-of-fold metric of a configuration, the search pages, promoting the best configuration to the
 * Baseline row, profiles (country, line) with both kinds of contribution, the volunteer of the day,
 * the contributors' map, and the /api/v1 compute routes.
 */
import assert from 'node:assert/strict';
import request from 'supertest';
import { createTestContext, signedInAgent, waitForTerminal, type TestContext } from './helpers.js';
import { findChallengeBySlug } from '../src/challenges/repo.js';
import { addOrganizer } from '../src/organizers/access.js';
import { createApiToken } from '../src/accounts/tokens.js';
import { activeTrainings } from '../src/baseline/threads.js';
import { classificationReport } from '../scorers/classification.js';
import { computeCommunity, drawForDate, formatCredit } from '../src/compute/community.js';
import { PROFILE_LINE_MAX } from '../src/compute/volunteer-profile.js';

type Agent = Awaited<ReturnType<typeof signedInAgent>>;
const JSON_ = 'application/json';
const WEIGHTS = 'cd'.repeat(32);

interface UnitJson {
  resultId: number;
  unitId: number;
  configuration: number;
  fold: number;
  validationRows: number;
  outputs: number;
}

interface DataDoc {
  rows: number;
  outputs: number;
  classes: string[];
  label: string;
  fold: string;
}

describe('volunteer computing: the organizer’s search, promotion, profiles and community (issue 14)', function () {
  this.timeout(180_000);
  let ctx: TestContext;
  let org: Agent;
  let alice: Agent;
  let bob: Agent;
  let carol: Agent;
  let searchId = 0;
  let labels: Uint8Array;
  let folds: Uint8Array;
  let k = 0;
  const ids: Record<string, number> = {};

  const work = (who: Agent, host: string, challenge = 'xray-sources') =>
    who.agent.post('/compute/work').set('x-csrf-token', who.csrf).set('Accept', JSON_).send({ host: { key: host, platform: 'test', backend: 'wasm' }, challenge });
  const report = (who: Agent, resultId: number, body: unknown) => who.agent.post(`/compute/results/${resultId}`).set('x-csrf-token', who.csrf).set('Accept', JSON_).send(body as object);

  /** One-hot rows of a fold, in train.csv order, from a class per row of train.csv. */
  const foldPredictions = (unit: UnitJson, classOf: (row: number) => number) => {
    const rows = [...folds.keys()].filter((i) => folds[i] === unit.fold);
    assert.equal(rows.length, unit.validationRows);
    const p = new Float32Array(rows.length * k);
    rows.forEach((row, j) => (p[j * k + classOf(row)] = 1));
    return p;
  };
  /** Alice and Bob run the same unit and agree, until every fold of `configuration` is validated. */
  async function completeConfiguration(configuration: number, classOf: (row: number) => number, foldMetric: number) {
    for (let n = 0; n < 5; n++) {
      const a = (await work(alice, 'alice-host').expect(200)).body.unit as UnitJson;
      const b = (await work(bob, 'bob-host').expect(200)).body.unit as UnitJson;
      assert.equal(a.unitId, b.unitId);
      assert.equal(a.configuration, configuration, 'units come configuration by configuration');
      const body = { metric: foldMetric, predictions: Buffer.from(foldPredictions(a, classOf).buffer).toString('base64'), weightsHash: WEIGHTS };
      await report(alice, a.resultId, body).expect(200);
      assert.equal((await report(bob, b.resultId, body).expect(200)).body.state, 'valid');
    }
  }
  const summary = async () => (await org.agent.get(`/challenges/xray-sources/compute/searches/${searchId}`).set('Accept', JSON_).expect(200)).body;

  before(async () => {
    ctx = await createTestContext({ challenges: ['xray-sources', 'higgsml'] });
    org = await signedInAgent(ctx.app, 'org@example.org', 'Organizer');
    alice = await signedInAgent(ctx.app, 'alice@example.org', 'alice');
    bob = await signedInAgent(ctx.app, 'bob@example.org', 'bob');
    carol = await signedInAgent(ctx.app, 'carol@example.org', 'carol');
    for (const u of await ctx.handle.db.selectFrom('users').select(['id', 'name']).execute()) ids[u.name] = u.id;
    for (const slug of ['xray-sources', 'higgsml']) await addOrganizer(ctx.handle.db, (await findChallengeBySlug(ctx.handle.db, slug))!.id, ids.Organizer);
    const doc = (await alice.agent.get('/challenges/xray-sources/compute/data').expect(200)).body as DataDoc;
    labels = Uint8Array.from(Buffer.from(doc.label, 'base64'));
    folds = Uint8Array.from(Buffer.from(doc.fold, 'base64'));
    k = doc.outputs;
  });
  after(async () => {
    await Promise.all(activeTrainings.values());
    delete process.env.SIFT_BASELINE_MAX_EPOCHS;
    await ctx.close();
  });

  it('shows organizers the search pages, linked from the console; participants get 403', async () => {
    const empty = await org.agent.get('/challenges/xray-sources/compute').expect(200);
    assert.match(empty.text, /Start a search/);
    assert.match(empty.text, /No search yet/);
    const console_ = await org.agent.get('/organize/xray-sources').expect(200);
    assert.match(console_.text, /href="\/challenges\/xray-sources\/compute"/);
    const started = await org.agent.post('/challenges/xray-sources/compute/searches').type('form').send({ _csrf: org.csrf }).expect(303);
    searchId = Number(/searches\/(\d+)$/.exec(started.headers.location)![1]);
    const list = await org.agent.get('/challenges/xray-sources/compute').expect(200);
    assert.match(list.text, new RegExp(`/compute/searches/${searchId}"`));
    const page = await org.agent.get(`/challenges/xray-sources/compute/searches/${searchId}`).expect(200);
    assert.match(page.text, /data-testid="units-pending">30</);
    assert.match(page.text, /data-testid="default-config">default/);
    assert.match(page.text, /data-testid="promote-unavailable"/);
    await alice.agent.get('/challenges/xray-sources/compute').expect(403);
    await alice.agent.get(`/challenges/xray-sources/compute/searches/${searchId}`).expect(403);
    await alice.agent.post(`/challenges/xray-sources/compute/searches/${searchId}/promote`).set('x-csrf-token', alice.csrf).set('Accept', JSON_).expect(403);
    await request(ctx.app).get('/challenges/xray-sources/compute').set('Accept', JSON_).expect(401);
    await org.agent.get('/challenges/no-such/compute').expect(404);
  });

  it('refuses to promote (409) while no configuration has every fold validated', async () => {
    const res = await org.agent.post(`/challenges/xray-sources/compute/searches/${searchId}/promote`).set('x-csrf-token', org.csrf).set('Accept', JSON_).send({}).expect(409);
    assert.equal(res.body.error.code, 'no_complete_configuration');
    const none = await ctx.handle.db.selectFrom('baseline_runs').select('id').execute();
    assert.equal(none.length, 0, 'no training was started');
  });

  it('scores a complete configuration by its out-of-fold metric over every train.csv row, and ranks by it', async () => {
    // Configuration 0 (the default) right on three rows in four; configuration 1 right on every row.
    const mostlyRight = (row: number) => (row % 4 === 0 ? (labels[row] + 1) % k : labels[row]);
    await completeConfiguration(0, mostlyRight, 0.9);
    let s = await summary();
    const c0 = s.configurations.find((c: { configuration: number }) => c.configuration === 0);
    const expected = classificationReport(Int32Array.from(labels), Int32Array.from(labels, (_, i) => mostlyRight(i)), k).macroF1;
    assert.ok(Math.abs(c0.outOfFoldMetric - expected) < 1e-12, `${c0.outOfFoldMetric} vs ${expected}`);
    assert.ok(Math.abs(c0.meanFoldMetric - 0.9) < 1e-9, 'the folds’ own figures are kept beside it');
    assert.deepEqual([c0.isDefault, c0.complete, c0.rank, s.best.configuration, s.metric], [true, true, 1, 0, 'macro_f1']);
    assert.equal(s.configurations.filter((c: { outOfFoldMetric: number | null }) => c.outOfFoldMetric !== null).length, 1, 'incomplete configurations have none');

    await completeConfiguration(1, (row) => labels[row], 0.5);
    s = await summary();
    assert.deepEqual(s.configurations.slice(0, 2).map((c: { configuration: number; rank: number }) => [c.configuration, c.rank]), [[1, 1], [0, 2]], 'ranked by out-of-fold metric, not by the folds’ reports');
    assert.equal(s.best.outOfFoldMetric, 1);
    assert.equal(s.default.configuration, 0);
    assert.deepEqual([s.units.done, s.units.pending], [10, 20]);
    assert.deepEqual(s.contributors.map((c: { name: string }) => c.name).sort(), ['alice', 'bob']);
    const page = await org.agent.get(`/challenges/xray-sources/compute/searches/${searchId}`).expect(200);
    assert.match(page.text, /<strong>1\.0000<\/strong>/);
    assert.match(page.text, new RegExp(`<strong>${expected.toFixed(4)}</strong>`));
    assert.match(page.text, /data-testid="promote"/);
  });

  it('promotes the best configuration: trained in full on the server, submitted as the Baseline row, noted as found by volunteer computing', async () => {
    process.env.SIFT_BASELINE_MAX_EPOCHS = '2';
    const res = await org.agent.post(`/challenges/xray-sources/compute/searches/${searchId}/promote`).set('x-csrf-token', org.csrf).set('Accept', JSON_).send({}).expect(202);
    assert.equal(res.body.configuration, 1);
    const again = await org.agent.post(`/challenges/xray-sources/compute/searches/${searchId}/promote`).set('x-csrf-token', org.csrf).set('Accept', JSON_).send({ configuration: 0 }).expect(409);
    assert.equal(again.body.error.code, 'baseline_training_running');
    const outcome = await activeTrainings.get(`promote-${res.body.run.id}`)!;
    assert.ok(outcome.ok, outcome.error);
    const run = await ctx.handle.db.selectFrom('baseline_runs').selectAll().where('id', '=', res.body.run.id).executeTakeFirstOrThrow();
    assert.deepEqual([run.status, run.compute_search_id, run.compute_configuration], ['done', searchId, 1]);
    const record = JSON.parse(run.record_json!);
    assert.deepEqual(record.foundBy, { kind: 'volunteer_computing', searchId, configuration: 1, outOfFold: { metric: 'macro_f1', score: 1 } });
    const config1 = (await summary()).configurations.find((c: { configuration: number }) => c.configuration === 1);
    assert.deepEqual(record.hyperparameters.hidden, config1.model.hidden);
    assert.equal(record.hyperparameters.dropout, config1.model.dropout);

    const sub = await waitForTerminal(ctx.handle, outcome.submissionId!, 60_000);
    assert.equal(sub.status, 'scored', sub.error ?? '');
    assert.equal(sub.is_baseline, 1);
    assert.match(sub.message ?? '', new RegExp(`configuration 1 of volunteer-computing search #${searchId}`));
    const owner = await ctx.handle.db.selectFrom('users').select('name').where('id', '=', sub.user_id).executeTakeFirstOrThrow();
    assert.equal(owner.name, 'Baseline');
    const card = await carol.agent.get('/challenges/xray-sources/baseline').expect(200);
    assert.match(card.text, /data-testid="card-found-by"/);
    assert.match(card.text, new RegExp(`configuration 1 of search #${searchId}`));
    const page = await org.agent.get(`/challenges/xray-sources/compute/searches/${searchId}`).expect(200);
    assert.match(page.text, new RegExp(`Baseline submission #${sub.id}`));
  });

  it('lets a volunteer set a country and a profile line, refusing bad ones with a 400 that names the field', async () => {
    const save = (who: Agent, body: Record<string, string>) => who.agent.post('/profile/about').type('form').send({ _csrf: who.csrf, ...body });
    const bad: Array<[Record<string, string>, RegExp]> = [
      [{ country: 'XYZ' }, /country/],
      [{ country: '999' }, /country/],
      [{ profile_line: 'x'.repeat(PROFILE_LINE_MAX + 1) }, /profile_line: must be at most 140/],
      [{ profile_line: 'two\nlines' }, /profile_line: must be one line/],
      [{ nickname: 'ally' }, /nickname/],
    ];
    for (const [body, field] of bad) {
      const res = await save(alice, body).set('Accept', JSON_);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(res.body.error.message, field);
    }
    assert.deepEqual(await ctx.handle.db.selectFrom('users').select(['country', 'profile_line']).where('id', '=', ids.alice).executeTakeFirstOrThrow(), { country: null, profile_line: null }, 'bad input changes nothing');
    await save(alice, { country: '756', profile_line: '  Training models between two coffees.  ' }).expect(303);
    await save(bob, { country: '250', profile_line: '' }).expect(303);
    const form = await alice.agent.get('/profile').expect(200);
    assert.match(form.text, /<option value="756" selected>Switzerland<\/option>/);
    assert.match(form.text, /value="Training models between two coffees\."/);
    await save(bob, { country: '' }).expect(303);
    assert.equal((await ctx.handle.db.selectFrom('users').select('country').where('id', '=', ids.bob).executeTakeFirstOrThrow()).country, null);
    await save(bob, { country: '250' }).expect(303);
  });

  it('shows both kinds of contribution on the public profile: crowd figures, compute credit, RAC and badges', async () => {
    const profile = await carol.agent.get(`/crowd/users/${ids.alice}`).expect(200);
    assert.match(profile.text, /data-testid="profile-line">Training models between two coffees\./);
    assert.match(profile.text, /data-testid="country">Switzerland/);
    assert.match(profile.text, /data-testid="classifications">0</);
    const json = (await carol.agent.get(`/crowd/users/${ids.alice}`).set('Accept', JSON_).expect(200)).body.profile;
    const credit = await ctx.handle.db.selectFrom('compute_credit').selectAll().where('user_id', '=', ids.alice).executeTakeFirstOrThrow();
    assert.ok(json.compute.total > 0 && Math.abs(json.compute.total - credit.total) < 1e-12);
    assert.ok(json.compute.rac > 0);
    assert.equal(json.compute.validResults, 10);
    assert.deepEqual(json.compute.badges.map((b: { family: string; name: string }) => `${b.family}:${b.name}`), ['quark:down quark', 'lepton:electron'], 'alice ties bob for the best RAC: top 50% of two');
    assert.match(profile.text, /data-testid="compute-badges">[\s\S]*down quark/);
    assert.match(profile.text, /top quark &#x3D; top 1%[\s\S]*tau neutrino &#x3D; credit on 180 distinct days[\s\S]*Higgs boson &#x3D; 5 years/, 'the page explains the computing badges');
    // Leptons and bosons count from the results' dates: a first result 400 days ago makes a photon.
    const first = await ctx.handle.db.selectFrom('compute_results').select('id').where('user_id', '=', ids.alice).where('state', '=', 'valid').orderBy('id').executeTakeFirstOrThrow();
    await ctx.handle.db.updateTable('compute_results').set({ reported_at: new Date(Date.now() - 400 * 86_400_000).toISOString() }).where('id', '=', first.id).execute();
    const later = (await carol.agent.get(`/crowd/users/${ids.alice}`).set('Accept', JSON_).expect(200)).body.profile.compute;
    assert.deepEqual(later.badges.map((b: { name: string }) => b.name), ['down quark', 'electron', 'photon']);
    assert.equal(later.creditDays, 2);
    assert.equal(later.firstContributionAt.slice(0, 10), new Date(Date.now() - 400 * 86_400_000).toISOString().slice(0, 10));
    const none = (await carol.agent.get(`/crowd/users/${ids.carol}`).set('Accept', JSON_).expect(200)).body.profile.compute;
    assert.deepEqual([none.total, none.rac, none.badges], [0, 0, []]);
  });

  it('draws the volunteer of the day from the UTC date alone, among volunteers with a valid result before that day', async () => {
    const today = new Date();
    assert.equal((await computeCommunity(ctx.handle.db, today)).volunteerOfTheDay?.id ?? null, (await computeCommunity(ctx.handle.db, today)).volunteerOfTheDay?.id ?? null);
    // Results reported today count from tomorrow: only alice's 400-day-old one counts today, and it is past the 30-day window.
    assert.equal((await computeCommunity(ctx.handle.db, today)).volunteerOfTheDay, null);
    const tomorrow = (h: number) => new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + 1, h));
    const morning = await computeCommunity(ctx.handle.db, tomorrow(1));
    const evening = await computeCommunity(ctx.handle.db, tomorrow(23));
    assert.ok(morning.volunteerOfTheDay);
    assert.equal(evening.volunteerOfTheDay!.id, morning.volunteerOfTheDay.id, 'the same all day');
    const candidates = [ids.alice, ids.bob].sort((a, b) => a - b);
    assert.equal(morning.volunteerOfTheDay.id, candidates[drawForDate(morning.date, 2)]);
    // Another day may draw another volunteer: over days in the window, both are drawn, each as the date's hash says.
    const days = [...Array(28).keys()].map((d) => new Date(tomorrow(12).getTime() + d * 86_400_000));
    const drawn = await Promise.all(days.map(async (d) => (await computeCommunity(ctx.handle.db, d)).volunteerOfTheDay!.id));
    assert.deepEqual(drawn, days.map((d) => candidates[drawForDate(d.toISOString().slice(0, 10), 2)]));
    assert.equal(new Set(drawn).size, 2, drawn.join());
    const aliceDay = days[drawn.indexOf(ids.alice)];
    const withLine = await computeCommunity(ctx.handle.db, aliceDay);
    assert.equal(withLine.volunteerOfTheDay!.profileLine, 'Training models between two coffees.');
    assert.equal(withLine.volunteerOfTheDay!.country, 'Switzerland');
    const page = await request(ctx.app).get('/compute/community').expect(200);
    assert.match(page.text, /data-testid="compute-community"/);
    assert.match(page.text, /data-testid="contributor-map"><svg/);
  });

  it('serves the contributors’ map alone as cached SVG, shaded by credit per chosen country', async () => {
    const res = await request(ctx.app).get('/compute/map.svg').expect(200);
    assert.match(res.headers['content-type'], /^image\/svg\+xml/);
    assert.match(res.headers['cache-control'], /public, max-age=\d+/);
    const svg = Buffer.isBuffer(res.body) ? res.body.toString('utf8') : res.text;
    assert.ok(svg.startsWith('<svg'));
    const credit = async (id: number) => (await ctx.handle.db.selectFrom('compute_credit').select('total').where('user_id', '=', id).executeTakeFirstOrThrow()).total;
    assert.match(svg, new RegExp(`<title>Switzerland: ${formatCredit(await credit(ids.alice)).replace('.', '\\.')} credit</title>`));
    assert.match(svg, /<title>France: \d+\.\d\d credit<\/title>/);
    assert.match(svg, /<title>Germany<\/title>/, 'a country no volunteer chose is drawn without credit');
    const json = (await request(ctx.app).get('/compute/community').set('Accept', JSON_).expect(200)).body;
    assert.deepEqual(json.countries.map((c: { code: string }) => c.code).sort(), ['250', '756']);
  });

  it('serves the compute routes under /api/v1 to a token, organizers’ ones to organizers only', async () => {
    const token = async (id: number) => `Bearer ${(await createApiToken(ctx.handle.db, id, { name: 'compute' })).token}`;
    const [carolAuth, orgAuth] = [await token(ids.carol), await token(ids.Organizer)];
    await request(ctx.app).post('/api/v1/compute/work').send({ host: { key: 'carol-cli-1', platform: 'node', backend: 'cpu' } }).expect(401);
    const work = await request(ctx.app).post('/api/v1/compute/work').set('Authorization', carolAuth).send({ host: { key: 'carol-cli-1', platform: 'node', backend: 'cpu' }, challenge: 'xray-sources' }).expect(200);
    const unit = work.body.unit as UnitJson;
    assert.ok(unit && unit.configuration >= 1, JSON.stringify(work.body));
    const bad = await request(ctx.app).post(`/api/v1/compute/results/${unit.resultId}`).set('Authorization', carolAuth).send({ metric: 0.5, predictions: 'AAAAAA==', weightsHash: WEIGHTS }).expect(400);
    assert.match(bad.body.error.message, /predictions: must hold/);
    const body = { metric: 0.7, predictions: Buffer.from(foldPredictions(unit, (row) => labels[row]).buffer).toString('base64'), weightsHash: WEIGHTS };
    assert.equal((await request(ctx.app).post(`/api/v1/compute/results/${unit.resultId}`).set('Authorization', carolAuth).send(body).expect(200)).body.state, 'pending_validation');
    const units = await request(ctx.app).get('/api/v1/compute/units').set('Authorization', carolAuth).expect(200);
    assert.deepEqual(units.body.units.map((u: { resultId: number; status: string }) => [u.resultId, u.status]), [[unit.resultId, 'pending_validation']]);
    const hosts = await request(ctx.app).get('/api/v1/compute/hosts').set('Authorization', carolAuth).expect(200);
    assert.equal(hosts.body.hosts[0].key, 'carol-cli-1');
    const data = await request(ctx.app).get('/api/v1/challenges/xray-sources/compute/data').set('Authorization', carolAuth).expect(200);
    assert.equal(data.body.rows, labels.length);

    await request(ctx.app).get('/api/v1/challenges/xray-sources/compute/searches').set('Authorization', carolAuth).expect(403);
    await request(ctx.app).get(`/api/v1/challenges/xray-sources/compute/searches/${searchId}`).set('Authorization', carolAuth).expect(403);
    const list = await request(ctx.app).get('/api/v1/challenges/xray-sources/compute/searches').set('Authorization', orgAuth).expect(200);
    assert.equal(list.body.searches[0].id, searchId);
    const one = await request(ctx.app).get(`/api/v1/challenges/xray-sources/compute/searches/${searchId}`).set('Authorization', orgAuth).expect(200);
    assert.equal(one.body.best.configuration, 1);
    assert.equal(one.body.promotions.length, 1);
    await request(ctx.app).get('/api/v1/challenges/xray-sources/compute/searches/0').set('Authorization', orgAuth).expect(400);
    await request(ctx.app).get('/api/v1/challenges/xray-sources/compute/searches/9999').set('Authorization', orgAuth).expect(404);
    const higgs = await request(ctx.app).post('/api/v1/challenges/higgsml/compute/searches').set('Authorization', orgAuth).expect(201);
    const refused = await request(ctx.app).post(`/api/v1/challenges/higgsml/compute/searches/${higgs.body.search.id}/promote`).set('Authorization', orgAuth).send({}).expect(409);
    assert.equal(refused.body.error.code, 'no_complete_configuration');
    const badConfig = await request(ctx.app).post(`/api/v1/challenges/xray-sources/compute/searches/${searchId}/promote`).set('Authorization', orgAuth).send({ configuration: 'best' }).expect(400);
    assert.match(badConfig.body.error.message, /configuration/);
    const incomplete = await request(ctx.app).post(`/api/v1/challenges/xray-sources/compute/searches/${searchId}/promote`).set('Authorization', orgAuth).send({ configuration: 4 }).expect(409);
    assert.equal(incomplete.body.error.code, 'configuration_incomplete');
    // The page's form sends the configuration as text.
    const form = await org.agent.post(`/challenges/xray-sources/compute/searches/${searchId}/promote`).type('form').send({ _csrf: org.csrf, configuration: '4' }).expect(409);
    assert.match(form.text, /Configuration 4 of search \d+ has \d of 5 folds validated/);
  });
});
