import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createTestContext, signedInAgent, type TestContext } from './helpers.js';
import { writeComputeChallenge } from './compute-helpers.js';
import { importChallengeFolder } from '../src/challenges/service.js';
import { addOrganizer } from '../src/organizers/access.js';
import { RESULT_CONTENT_TYPE } from '../src/compute/routes.js';
import { runnerModules, WORKER_CSP } from '../src/compute/assets.js';
import { decodeTrainingData, runUnit, type UnitOutcome } from '../src/compute/unit-runner.js';
import { loadTf } from '../src/baseline/backend.js';

type Agent = Awaited<ReturnType<typeof signedInAgent>>;
const JSON_ = 'application/json';
const SLUG = 'xray-cheat';

/**
 * The volunteer's side of issue 14 without a browser: the code and bundles a browser is served
 * (allow-listed, cached, under the worker's own CSP), and a cheating client. Honest volunteers run
 * their units with the same runner the browsers run, here in Node on the wasm backend; a third
 * client returns tampered copies of real results, which are marked invalid and earn nothing.
 */
describe('volunteer computing, the volunteer’s side: served code, and a tampered result (issue 14)', function () {
  this.timeout(180_000);
  let ctx: TestContext;
  let datasets: string;
  const v: Record<string, Agent> = {};

  before(async () => {
    datasets = fs.mkdtempSync(path.join(os.tmpdir(), 'sift-compute-datasets-'));
    const dir = writeComputeChallenge(datasets, { slug: SLUG, everyNthRow: 8, model: { folds: 2, max_epochs: 2, patience: 2 }, search: { hidden: [[8]], delay_bound_seconds: 600 } });
    ctx = await createTestContext({ configOverrides: { DATASETS_DIR: datasets } });
    const challenge = await importChallengeFolder(ctx.handle.db, ctx.storage, dir);
    for (const name of ['org', 'alice', 'bob', 'mallory']) v[name] = await signedInAgent(ctx.app, `${name}@example.org`, name);
    const orgId = (await ctx.handle.db.selectFrom('users').select('id').where('email', '=', 'org@example.org').executeTakeFirstOrThrow()).id;
    await addOrganizer(ctx.handle.db, challenge.id, orgId);
    await v.org.agent.post(`/challenges/${SLUG}/compute/searches`).set('x-csrf-token', v.org.csrf).set('Accept', JSON_).expect(201);
  });
  after(async () => {
    await ctx?.close();
    if (datasets) fs.rmSync(datasets, { recursive: true, force: true });
  });

  it('serves TensorFlow.js, its wasm files and the runner’s modules from an allow-list, versioned and cached; the worker alone may compile WebAssembly', async () => {
    const page = await v.alice.agent.get('/compute').expect(200);
    const attr = (name: string) => new RegExp(`${name}="([^"]+)"`).exec(page.text)![1];
    const csp = page.headers['content-security-policy'] as string;
    assert.match(csp, /worker-src 'self'/);
    assert.doesNotMatch(csp, /wasm-unsafe-eval|unsafe-eval/, 'pages keep a policy without any eval');
    assert.match(page.text, /<a href="\/compute">Compute<\/a>/, 'the navigation links the page');

    const worker = await request(ctx.app).get(attr('data-worker')).expect(200);
    assert.equal(worker.headers['content-security-policy'], WORKER_CSP);
    assert.match(WORKER_CSP, /script-src 'self' 'wasm-unsafe-eval';/);
    assert.doesNotMatch(WORKER_CSP, /'unsafe-eval'/);
    for (const url of [attr('data-tf'), attr('data-wasm-backend'), attr('data-runner')]) {
      const res = await request(ctx.app).get(url).expect(200);
      assert.match(res.headers['content-type'], /^text\/javascript/);
      assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable', url);
    }
    const wasm = await request(ctx.app).get(`${attr('data-wasm-dir')}tfjs-backend-wasm-simd.wasm`).expect(200);
    assert.equal(wasm.headers['content-type'], 'application/wasm');
    // The runner imports its metrics from scorers/: a sibling module of the same version.
    const codeRoot = attr('data-runner').replace(/src\/compute\/unit-runner\.js$/, '');
    await request(ctx.app).get(`${codeRoot}scorers/ams.js`).expect(200);
    // Anything off the list is not there: server modules, other packages, paths that climb.
    for (const url of [`${codeRoot}src/config.js`, `${codeRoot}src/compute/service.js`, '/compute/assets/tfjs-4.22.0/../../package.json', `${attr('data-wasm-dir')}tf-backend-wasm.node.js`]) {
      await request(ctx.app).get(url).expect(404);
    }
  });

  it('finds the runner’s whole module graph and refuses one that imports a Node or bare module', () => {
    const modules = [...runnerModules().keys()].sort();
    assert.ok(modules.includes('src/compute/unit-runner.js') && modules.includes('src/baseline/network.js') && modules.includes('scorers/ams.js'), modules.join(', '));
    assert.ok(!modules.some((m) => /training-data|service|backend\.js/.test(m)), `type-only imports stay out: ${modules.join(', ')}`);
    const fake = fs.mkdtempSync(path.join(os.tmpdir(), 'sift-runner-'));
    fs.mkdirSync(path.join(fake, 'src', 'compute'), { recursive: true });
    fs.writeFileSync(path.join(fake, 'src', 'compute', 'unit-runner.js'), "import fs from 'node:fs';\nexport const x = fs;\n");
    assert.throws(() => runnerModules(fake), /src\/compute\/unit-runner\.js imports 'node:fs'/);
    fs.rmSync(fake, { recursive: true, force: true });
  });

  it('marks a tampered result invalid with no credit, while the two honest ones are valid', async () => {
    const { tf } = await loadTf();
    const work = (who: Agent, host: string) => who.agent.post('/compute/work').set('x-csrf-token', who.csrf).set('Accept', JSON_).send({ host: { key: host, platform: 'Node (test)', backend: 'wasm' }, challenge: SLUG }).expect(200);
    const report = (who: Agent, resultId: number, body: object) =>
      who.agent.post(`/compute/results/${resultId}`).set('x-csrf-token', who.csrf).set('Content-Type', RESULT_CONTENT_TYPE).set('Accept', JSON_).send(JSON.stringify(body)).expect(200);
    const wire = (o: UnitOutcome, predictions = o.predictions, metric = o.metric) => ({ metric, predictions: Buffer.from(predictions.buffer, predictions.byteOffset, predictions.byteLength).toString('base64'), weightsHash: o.weightsHash });
    const resultRow = (id: number) => ctx.handle.db.selectFrom('compute_results').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const doc = (await v.alice.agent.get(`/challenges/${SLUG}/compute/data`).expect(200)).body;
    const data = decodeTrainingData(doc);

    // Two kinds of tampering, one per unit: predictions moved by 0.05 with the honest metric, and the honest predictions with a better metric.
    const tamper = [(o: UnitOutcome) => wire(o, o.predictions.map((p) => Math.min(1, p + 0.05))), (o: UnitOutcome) => wire(o, o.predictions, o.metric + 0.05)];
    for (const [round, lie] of tamper.entries()) {
      const cheat = (await work(v.mallory, 'mallory-host')).body.unit;
      const honestRun = await runUnit(tf, data, cheat);
      assert.equal((await report(v.mallory, cheat.resultId, lie(honestRun))).body.state, 'pending_validation');

      const a = (await work(v.alice, 'alice-host')).body.unit;
      assert.equal(a.unitId, cheat.unitId, 'the unit goes to a second volunteer');
      assert.equal((await report(v.alice, a.resultId, wire(await runUnit(tf, data, a)))).body.state, 'pending_validation', 'two disagreeing results: neither is trusted');
      const b = (await work(v.bob, 'bob-host')).body.unit;
      assert.equal(b.unitId, cheat.unitId, 'a third replica breaks the tie');
      assert.equal((await report(v.bob, b.resultId, wire(await runUnit(tf, data, b)))).body.state, 'valid');

      const [m, ra, rb] = await Promise.all([resultRow(cheat.resultId), resultRow(a.resultId), resultRow(b.resultId)]);
      assert.deepEqual([m.state, ra.state, rb.state], ['invalid', 'valid', 'valid'], `round ${round + 1}`);
      assert.equal(m.credit, 0);
      assert.ok(ra.credit > 0 && ra.credit === rb.credit, 'the honest ones earn the unit’s credit');
    }
    const mine = (await v.mallory.agent.get('/compute/units').set('Accept', JSON_).expect(200)).body;
    assert.equal(mine.credit.total, 0);
    assert.deepEqual(mine.units.map((u: { status: string }) => u.status), ['invalid', 'invalid']);
    const host = (await v.mallory.agent.get('/compute/hosts').set('Accept', JSON_).expect(200)).body.hosts[0];
    assert.equal(host.invalidResults, 2);
    for (const honest of [v.alice, v.bob]) assert.ok((await honest.agent.get('/compute/units').set('Accept', JSON_).expect(200)).body.credit.total > 0);

    // The page lists the units with their status in words.
    const page = await v.mallory.agent.get('/compute').expect(200);
    assert.equal((page.text.match(/<tr data-status="invalid">/g) ?? []).length, 2);
    assert.match(page.text, /<td>invalid<\/td>/);
  });

  it('shows signed-out visitors what computing is and a sign-in link, without the runner', async () => {
    const res = await request(ctx.app).get('/compute').expect(200);
    assert.match(res.text, /data-testid="compute-signed-out"/);
    assert.match(res.text, /href="\/login\?next=%2Fcompute"/);
    assert.doesNotMatch(res.text, /data-runner=/);
  });
});
