import assert from 'node:assert/strict';
import fs from 'node:fs';
import zlib from 'node:zlib';
import request from 'supertest';
import { createTestContext, datasetFile, signedInAgent, type TestContext } from './helpers.js';
import { findChallengeBySlug } from '../src/challenges/repo.js';
import { addOrganizer } from '../src/organizers/access.js';
import { RESULT_CONTENT_TYPE } from '../src/compute/routes.js';

type Agent = Awaited<ReturnType<typeof signedInAgent>>;
const JSON_ = 'application/json';

interface UnitJson {
  resultId: number;
  unitId: number;
  validationRows: number;
  outputs: number;
  estimatedFlops: number;
  dataUrl: string;
}

/** Predictions a correct run of a unit would give, the same on every honest host (up to `jitter`). */
function honestPredictions(unit: UnitJson, jitter = 0): string {
  const p = Float32Array.from({ length: unit.validationRows * unit.outputs }, (_, i) => Math.min(1, ((unit.unitId * 31 + i * 7) % 97) / 97 + jitter));
  return Buffer.from(p.buffer).toString('base64');
}
const honestMetric = (unit: UnitJson) => 0.6 + (unit.unitId % 10) / 100;
const WEIGHTS = 'ab'.repeat(32);

const rowsOfGz = (file: string) => zlib.gunzipSync(fs.readFileSync(file)).toString('utf8').trim().split('\n').map((l) => l.split(','));

describe('volunteer computing: units, replication, validation and credit (issue 14)', function () {
  this.timeout(60_000);
  let ctx: TestContext;
  let org: Agent;
  const v: Record<string, Agent> = {};

  const work = (who: Agent, hostKey: string, challenge = 'xray-sources') =>
    who.agent.post('/compute/work').set('x-csrf-token', who.csrf).set('Accept', JSON_).send({ host: { key: hostKey, platform: 'Linux x86_64 (test)', backend: 'wasm' }, challenge });
  const report = (who: Agent, resultId: number, body: unknown) => who.agent.post(`/compute/results/${resultId}`).set('x-csrf-token', who.csrf).set('Accept', JSON_).send(body as object);
  const honest = (unit: UnitJson, jitter = 0) => ({ metric: honestMetric(unit) + jitter, predictions: honestPredictions(unit, jitter), weightsHash: WEIGHTS });
  const unitRow = (id: number) => ctx.handle.db.selectFrom('compute_units').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const resultRow = (id: number) => ctx.handle.db.selectFrom('compute_results').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  before(async () => {
    ctx = await createTestContext({ challenges: ['xray-sources', 'higgsml'] });
    org = await signedInAgent(ctx.app, 'org@example.org', 'Organizer');
    const orgId = (await ctx.handle.db.selectFrom('users').select('id').where('email', '=', 'org@example.org').executeTakeFirstOrThrow()).id;
    for (const slug of ['xray-sources', 'higgsml']) await addOrganizer(ctx.handle.db, (await findChallengeBySlug(ctx.handle.db, slug))!.id, orgId);
    for (const name of ['alice', 'bob', 'carol', 'dave', 'eve', 'frank', 'gina']) v[name] = await signedInAgent(ctx.app, `${name}@example.org`, name);
  });
  after(() => ctx.close());

  it('lets only organizers start a search; units are configurations × folds with FLOPs estimates', async () => {
    await v.alice.agent.post('/challenges/xray-sources/compute/searches').set('x-csrf-token', v.alice.csrf).set('Accept', JSON_).expect(403);
    const res = await org.agent.post('/challenges/xray-sources/compute/searches').set('x-csrf-token', org.csrf).set('Accept', JSON_).expect(201);
    assert.equal(res.body.configurations, 6);
    assert.equal(res.body.units, 30);
    const again = await org.agent.post('/challenges/xray-sources/compute/searches').set('x-csrf-token', org.csrf).set('Accept', JSON_).expect(409);
    assert.equal(again.body.error.code, 'search_running');
    const units = await ctx.handle.db.selectFrom('compute_units').selectAll().where('search_id', '=', res.body.search.id).execute();
    const wide = units.find((u) => JSON.parse(u.config_json).hidden.join() === '256,128')!;
    const narrow = units.find((u) => JSON.parse(u.config_json).hidden.join() === '64,32' && u.fold === wide.fold)!;
    assert.ok(wide.estimated_flops > 2 * narrow.estimated_flops, `${wide.estimated_flops} vs ${narrow.estimated_flops}`);
    assert.equal(units.reduce((s, u) => s + (u.configuration === 0 ? u.validation_rows : 0), 0), 1862, 'the folds of one configuration cover every training row once');
  });

  it('sends one unit to two different volunteers; agreeing results make it valid and both earn the same credit and a RAC', async () => {
    const a = (await work(v.alice, 'alice-host-1').expect(200)).body.unit as UnitJson;
    const b = (await work(v.bob, 'bob-host-1').expect(200)).body.unit as UnitJson;
    assert.equal(b.unitId, a.unitId, 'the second volunteer completes the first unit’s quorum');
    const a2 = (await work(v.alice, 'alice-host-1').expect(200)).body.unit as UnitJson;
    assert.notEqual(a2.unitId, a.unitId, 'a volunteer never gets a second replica of a unit');

    const ra = await report(v.alice, a.resultId, honest(a)).expect(200);
    assert.equal(ra.body.state, 'pending_validation', 'one result alone is never trusted');
    // Another backend rounds a little differently: within the validator's tolerance.
    const rb = await report(v.bob, b.resultId, honest(b, 2e-5)).expect(200);
    assert.equal(rb.body.state, 'valid');
    const unit = await unitRow(a.unitId);
    assert.equal(unit.state, 'valid');
    assert.equal(unit.canonical_result_id, a.resultId);
    const [ca, cb] = [(await resultRow(a.resultId)).credit, (await resultRow(b.resultId)).credit];
    assert.ok(ca > 0);
    assert.equal(ca, cb, 'BOINC grants every valid result the same credit');
    assert.ok(Math.abs(ca - (a.estimatedFlops * 200) / 86_400e9) < 1e-9, 'cobblestones of the estimated FLOPs');

    const mine = await v.bob.agent.get('/compute/units').set('Accept', JSON_).expect(200);
    assert.equal(mine.body.units[0].status, 'valid');
    assert.equal(mine.body.units[0].credit, cb);
    assert.ok(mine.body.credit.total === cb && mine.body.credit.rac > 0, JSON.stringify(mine.body.credit));
    const hosts = await v.bob.agent.get('/compute/hosts').set('Accept', JSON_).expect(200);
    assert.deepEqual([hosts.body.hosts[0].validResults, hosts.body.hosts[0].invalidResults, hosts.body.hosts[0].backend], [1, 0, 'wasm']);
    // Reporting twice is refused, and changes nothing.
    await report(v.alice, a.resultId, honest(a)).expect(409);
  });

  it('marks a tampered result invalid with no credit, asking a third volunteer to break the tie', async () => {
    // Carol takes the unit Alice holds (a unit already out is completed first).
    const aliceHeld = await ctx.handle.db.selectFrom('compute_results').select(['compute_results.id', 'compute_results.unit_id']).innerJoin('users', 'users.id', 'compute_results.user_id').where('users.email', '=', 'alice@example.org').where('state', '=', 'in_progress').executeTakeFirstOrThrow();
    const c = (await work(v.carol, 'carol-host-1').expect(200)).body.unit as UnitJson;
    assert.equal(c.unitId, aliceHeld.unit_id);
    const a: UnitJson = { ...c, resultId: aliceHeld.id };
    await report(v.carol, c.resultId, { ...honest(c), metric: honestMetric(c) + 0.05 }).expect(200);
    const ra = await report(v.alice, a.resultId, honest(a)).expect(200);
    assert.equal(ra.body.state, 'pending_validation', 'two disagreeing results make no quorum');
    assert.equal((await unitRow(c.unitId)).wanted_results, 3);

    const b = (await work(v.bob, 'bob-host-1').expect(200)).body.unit as UnitJson;
    assert.equal(b.unitId, c.unitId, 'the unit is re-issued to a third volunteer');
    assert.equal((await report(v.bob, b.resultId, honest(b)).expect(200)).body.state, 'valid');
    const carol = await resultRow(c.resultId);
    assert.equal(carol.state, 'invalid');
    assert.equal(carol.credit, 0);
    assert.equal((await resultRow(a.resultId)).state, 'valid');
    const hosts = await v.carol.agent.get('/compute/hosts').set('Accept', JSON_).expect(200);
    assert.equal(hosts.body.hosts.find((h: { key: string }) => h.key === 'carol-host-1').invalidResults, 1);
    const mine = await v.carol.agent.get('/compute/units').set('Accept', JSON_).expect(200);
    assert.equal(mine.body.credit.total, 0);

    // Predictions off while the metric agrees: invalid too, judged against the canonical result.
    const d = (await work(v.dave, 'dave-host-1').expect(200)).body.unit as UnitJson;
    const e = (await work(v.eve, 'eve-host-1').expect(200)).body.unit as UnitJson;
    const f = (await work(v.frank, 'frank-host-1').expect(200)).body.unit as UnitJson;
    assert.equal(d.unitId, e.unitId);
    assert.notEqual(f.unitId, d.unitId, 'a unit goes to two volunteers at first, not three');
    await report(v.dave, d.resultId, honest(d)).expect(200);
    const tampered = { ...honest(e), predictions: honestPredictions(e, 0.2) };
    assert.equal((await report(v.eve, e.resultId, tampered).expect(200)).body.state, 'pending_validation');
    const g = (await work(v.gina, 'gina-host-1').expect(200)).body.unit as UnitJson;
    assert.equal(g.unitId, d.unitId);
    await report(v.gina, g.resultId, honest(g)).expect(200);
    assert.equal((await resultRow(e.resultId)).state, 'invalid');
    assert.equal((await resultRow(d.resultId)).state, 'valid');
  });

  it('never gives one volunteer two replicas of a unit, nor a unit more replicas than it wants, under concurrent requests', async () => {
    const responses = await Promise.all(['frank-host-2', 'frank-host-3', 'frank-host-2', 'frank-host-3', 'frank-host-2', 'frank-host-3'].map((k) => work(v.frank, k)));
    const ids = responses.map((r) => r.body.unit?.unitId).filter((x) => x !== undefined);
    assert.ok(ids.length >= 4, JSON.stringify(responses.map((r) => r.body)));
    assert.equal(new Set(ids).size, ids.length, `units ${ids.join(', ')}`);
    await Promise.all(['alice', 'bob', 'carol', 'dave', 'eve', 'gina'].map((n) => work(v[n], `${n}-host-9`)));
    const units = await ctx.handle.db.selectFrom('compute_units').selectAll().execute();
    for (const u of units) {
      const out = await ctx.handle.db.selectFrom('compute_results').select(['user_id', 'state']).where('unit_id', '=', u.id).where('state', 'in', ['in_progress', 'pending_validation']).execute();
      assert.ok(out.length <= u.wanted_results, `unit ${u.id}: ${out.length} replicas out, wants ${u.wanted_results}`);
      assert.equal(out.length, u.active_results, `unit ${u.id}: its count of places taken`);
    }
    const pairs = await ctx.handle.db.selectFrom('compute_results').select(['unit_id', 'user_id']).execute();
    assert.equal(new Set(pairs.map((p) => `${p.unit_id}/${p.user_id}`)).size, pairs.length);
  });

  it('re-issues a unit whose replica passed its deadline, and refuses that late result', async () => {
    await org.agent.post('/challenges/higgsml/compute/searches').set('x-csrf-token', org.csrf).set('Accept', JSON_).expect(201);
    const e = (await work(v.eve, 'eve-host-1', 'higgsml').expect(200)).body.unit as UnitJson;
    const g = (await work(v.gina, 'gina-host-1', 'higgsml').expect(200)).body.unit as UnitJson;
    assert.equal(g.unitId, e.unitId);
    await ctx.handle.db.updateTable('compute_results').set({ deadline_at: new Date(Date.now() - 1000).toISOString() }).where('id', '=', e.resultId).execute();
    const f = (await work(v.frank, 'frank-host-1', 'higgsml').expect(200)).body.unit as UnitJson;
    assert.equal(f.unitId, e.unitId, 'the overdue place goes to someone else');
    assert.equal((await resultRow(e.resultId)).state, 'timed_out');
    const late = await report(v.eve, e.resultId, honest(e)).expect(409);
    assert.equal(late.body.error.code, 'deadline_passed');
    await report(v.gina, g.resultId, honest(g)).expect(200);
    assert.equal((await report(v.frank, f.resultId, honest(f)).expect(200)).body.state, 'valid');
    const eveHost = await v.eve.agent.get('/compute/hosts').set('Accept', JSON_).expect(200);
    const eveHost1 = eveHost.body.hosts.find((h: { key: string }) => h.key === 'eve-host-1');
    assert.ok(eveHost1.errorResults >= 1, `a timeout counts against its host: ${JSON.stringify(eveHost.body.hosts)}`);
  });

  it('gives a host with many errors fewer units at once', async () => {
    for (let i = 0; i < 4; i++) {
      const u = (await work(v.dave, 'dave-flaky', 'higgsml').expect(200)).body.unit as UnitJson;
      await report(v.dave, u.resultId, { error: 'WebGL context lost' }).expect(200);
    }
    const first = (await work(v.dave, 'dave-flaky', 'higgsml').expect(200)).body;
    assert.ok(first.unit, JSON.stringify(first));
    assert.equal(first.host.inProgressLimit, 1);
    const second = (await work(v.dave, 'dave-flaky', 'higgsml').expect(200)).body;
    assert.equal(second.unit, null);
    assert.match(second.reason, /limit/);
  });

  it('gives a unit up once it was sent its most times without a quorum', async () => {
    const a = (await work(v.alice, 'alice-host-1', 'higgsml').expect(200)).body.unit as UnitJson;
    // Sent its most times already: each replica that fails now only gives its place back.
    await ctx.handle.db.updateTable('compute_units').set((eb) => ({ max_results: eb.ref('issued_results') })).where('id', '=', a.unitId).execute();
    const others = await ctx.handle.db.selectFrom('compute_results').select('id').where('unit_id', '=', a.unitId).where('id', '!=', a.resultId).where('state', 'in', ['in_progress', 'pending_validation']).execute();
    await report(v.alice, a.resultId, { error: 'out of memory' }).expect(200);
    assert.equal((await unitRow(a.unitId)).state, others.length ? 'open' : 'failed');
    await ctx.handle.db.updateTable('compute_results').set({ deadline_at: new Date(Date.now() - 1000).toISOString() }).where('unit_id', '=', a.unitId).where('state', '=', 'in_progress').execute();
    const next = (await work(v.carol, 'carol-host-1', 'higgsml').expect(200)).body.unit as UnitJson | null;
    assert.notEqual(next?.unitId, a.unitId);
    const unit = await unitRow(a.unitId);
    assert.deepEqual([unit.state, unit.active_results], ['failed', 0]);
  });

  it('refuses bad result bodies with a 400 naming the field', async () => {
    const u = (await work(v.alice, 'alice-host-1').expect(200)).body.unit as UnitJson;
    const cases: Array<[unknown, RegExp]> = [
      [{ ...honest(u), metric: 'high' }, /metric/],
      [{ ...honest(u), predictions: 'not base64!' }, /predictions/],
      [{ ...honest(u), predictions: Buffer.from(new Float32Array(3).buffer).toString('base64') }, /predictions: must hold \d+ numbers/],
      [{ ...honest(u), predictions: Buffer.from([1, 2, 3]).toString('base64') }, /predictions: must be base64 of float32/],
      [{ ...honest(u), predictions: Buffer.from(new Float32Array(u.validationRows * u.outputs).fill(1.5).buffer).toString('base64') }, /predictions: value 0 is 1.5; probabilities lie in \[0, 1\]/],
      [{ ...honest(u), weightsHash: 'abc' }, /weightsHash/],
      [{ metric: 0.5, predictions: honestPredictions(u) }, /weightsHash/],
      [{ ...honest(u), extra: 1 }, /extra/],
      [{ error: '' }, /error/],
    ];
    for (const [body, field] of cases) {
      const res = await report(v.alice, u.resultId, body);
      assert.equal(res.status, 400, `${JSON.stringify(body).slice(0, 80)}: ${res.status} ${res.text.slice(0, 200)}`);
      assert.match(res.body.error.message, field);
    }
    await work(v.alice, '').expect(400).expect((r) => assert.match(r.body.error.message, /host\.key/));
    await report(v.bob, u.resultId, honest(u)).expect(404);
    await report(v.alice, 99_999, honest(u)).expect(404);
    assert.equal((await resultRow(u.resultId)).state, 'in_progress', 'bad bodies change nothing');
    // A large fold's result comes under its own type, past the app's 100 kB JSON limit.
    await v.alice.agent.post(`/compute/results/${u.resultId}`).set('x-csrf-token', v.alice.csrf).set('Accept', JSON_).set('Content-Type', RESULT_CONTENT_TYPE).send(JSON.stringify(honest(u))).expect(200);
  });

  it('serves the preprocessed training rows compressed and cacheable, never test rows or the solution', async () => {
    await request(ctx.app).get('/challenges/xray-sources/compute/data').set('Accept', JSON_).expect(401);
    const res = await v.alice.agent.get('/challenges/xray-sources/compute/data').set('Accept-Encoding', 'gzip').expect(200);
    assert.equal(res.headers['content-encoding'], 'gzip');
    assert.match(res.headers.etag, /^"[A-Za-z0-9_-]{20,}"$/, 'a strong ETag');
    assert.match(res.headers['cache-control'], /max-age=\d+/);
    await v.alice.agent.get('/challenges/xray-sources/compute/data').set('If-None-Match', res.headers.etag).expect(304);
    const doc = res.body;
    const train = rowsOfGz(datasetFile('xray-sources', 'train.csv.gz'));
    assert.equal(doc.rows, train.length - 1);
    assert.equal(Buffer.from(doc.x, 'base64').byteLength, doc.rows * doc.features.length * 4);
    for (const hidden of ['Class', 'OriginalClass', 'Usage', 'name']) assert.ok(!doc.features.includes(hidden), hidden);
    const labels = Buffer.from(doc.label, 'base64');
    const classCol = train[0].indexOf('Class');
    assert.deepEqual(Array.from(labels), train.slice(1).map((r) => doc.classes.indexOf(r[classCol])), 'the training labels, in order');
    const text = JSON.stringify(doc);
    const testIds = rowsOfGz(datasetFile('xray-sources', 'test.csv.gz')).slice(1).map((r) => r[0]);
    assert.ok(!testIds.some((id) => text.includes(id)), 'no test row id');
    assert.ok(!/Usage|Private|Public/.test(text), 'nothing of the solution file');
    const folds = Array.from(Buffer.from(doc.fold, 'base64'));
    assert.deepEqual(new Set(folds), new Set([0, 1, 2, 3, 4]));
  });

  it('shows the organizer the search: validated out-of-fold metrics per configuration, counts and contributors; and no one else', async () => {
    const list = await org.agent.get('/challenges/xray-sources/compute/searches').set('Accept', JSON_).expect(200);
    const id = list.body.searches[0].id;
    const res = await org.agent.get(`/challenges/xray-sources/compute/searches/${id}`).set('Accept', JSON_).expect(200);
    const valid = await ctx.handle.db.selectFrom('compute_units').selectAll().where('search_id', '=', id).where('state', '=', 'valid').execute();
    assert.equal(res.body.units.done, valid.length);
    assert.equal(res.body.units.done + res.body.units.pending + res.body.units.failed, 30);
    const config0 = res.body.configurations.find((c: { configuration: number }) => c.configuration === 0);
    const mean = (units: typeof valid) => units.reduce((s, u) => s + u.canonical_metric!, 0) / units.length;
    assert.ok(Math.abs(config0.meanFoldMetric - mean(valid.filter((u) => u.configuration === 0))) < 1e-9);
    const names = res.body.contributors.map((c: { name: string }) => c.name);
    assert.ok(names.includes('alice') && names.includes('bob') && !names.includes('carol'), names.join());
    await v.alice.agent.get(`/challenges/xray-sources/compute/searches/${id}`).set('Accept', JSON_).expect(403);
  });

  it('sends no units of a draft challenge, whose data only its organizers may read', async () => {
    await ctx.handle.db.updateTable('challenges').set({ state: 'draft' }).where('slug', 'in', ['xray-sources', 'higgsml']).execute();
    try {
      const res = await work(v.gina, 'gina-host-7', 'xray-sources').expect(404);
      assert.match(res.body.error.message, /xray-sources/);
      assert.equal((await v.gina.agent.post('/compute/work').set('x-csrf-token', v.gina.csrf).set('Accept', JSON_).send({ host: { key: 'gina-host-7', platform: 'test', backend: 'cpu' } }).expect(200)).body.unit, null);
      await v.gina.agent.get('/challenges/xray-sources/compute/data').set('Accept', JSON_).expect(404);
    } finally {
      await ctx.handle.db.updateTable('challenges').set({ state: 'published' }).where('slug', 'in', ['xray-sources', 'higgsml']).execute();
    }
  });
});

describe('volunteer computing: concurrent reports (issue 14)', function () {
  this.timeout(60_000);
  let ctx: TestContext;
  after(() => ctx?.close());

  it('validates each unit once and credits each volunteer once per unit when all replicas report at the same moment', async () => {
    ctx = await createTestContext({ challenges: ['higgsml'] });
    const org = await signedInAgent(ctx.app, 'org@example.org', 'Organizer');
    const orgId = (await ctx.handle.db.selectFrom('users').select('id').where('email', '=', 'org@example.org').executeTakeFirstOrThrow()).id;
    await addOrganizer(ctx.handle.db, (await findChallengeBySlug(ctx.handle.db, 'higgsml'))!.id, orgId);
    await org.agent.post('/challenges/higgsml/compute/searches').set('x-csrf-token', org.csrf).set('Accept', JSON_).expect(201);
    const hana = await signedInAgent(ctx.app, 'hana@example.org', 'hana');
    const ivan = await signedInAgent(ctx.app, 'ivan@example.org', 'ivan');
    const take = async (who: Agent) =>
      (await who.agent.post('/compute/work').set('x-csrf-token', who.csrf).set('Accept', JSON_).send({ host: { key: `${who.csrf.slice(0, 8)}-host`, platform: 'test', backend: 'cpu' } }).expect(200)).body.unit as UnitJson;
    const units = [await take(hana), await take(hana), await take(ivan), await take(ivan)];
    assert.deepEqual(units.map((u) => u.unitId).slice(2).sort(), units.map((u) => u.unitId).slice(0, 2).sort(), 'both volunteers hold the same two units');
    const body = (u: UnitJson) => ({ metric: honestMetric(u), predictions: honestPredictions(u), weightsHash: WEIGHTS });
    const who = [hana, hana, ivan, ivan];
    const res = await Promise.all(units.map((u, i) => who[i].agent.post(`/compute/results/${u.resultId}`).set('x-csrf-token', who[i].csrf).set('Accept', JSON_).send(body(u))));
    assert.deepEqual(res.map((r) => r.status), [200, 200, 200, 200], res.map((r) => r.text).join('\n'));
    const rows = await ctx.handle.db.selectFrom('compute_results').selectAll().execute();
    assert.deepEqual(rows.map((r) => r.state), ['valid', 'valid', 'valid', 'valid']);
    const credit = await ctx.handle.db.selectFrom('compute_credit').selectAll().orderBy('user_id').execute();
    const perUnit = (u: UnitJson) => (u.estimatedFlops * 200) / 86_400e9;
    for (const c of credit) assert.ok(Math.abs(c.total - (perUnit(units[0]) + perUnit(units[1]))) < 1e-9, JSON.stringify(credit));
    const validated = await ctx.handle.db.selectFrom('compute_units').selectAll().where('state', '=', 'valid').execute();
    assert.equal(validated.length, 2);
    assert.ok(validated.every((u) => u.active_results === 0));
  });
});
