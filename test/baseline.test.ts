import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createTestContext, signedInAgent, waitForTerminal, type TestContext } from './helpers.js';
import { findChallengeBySlug } from '../src/challenges/repo.js';
import { loadTf, tfjsNodeAvailable } from '../src/baseline/backend.js';
import { buildModel, loadModel, predictMatrix, saveModel } from '../src/baseline/model.js';
import { parseBaselineSpec } from '../src/baseline/spec.js';
import { startRun, submitBaseline, trainUnderRun, BASELINE_NAME } from '../src/baseline/service.js';
import { trainBaseline } from '../src/baseline/train.js';
import { activeTrainings } from '../src/baseline/routes.js';
import { addOrganizer } from '../src/organizers/access.js';
import { seededRandom } from '../src/baseline/rng.js';
import { withLocalFolder } from '../src/challenges/service.js';

/** Small and fast: a subsample of the demo training file, two models, a few epochs. */
const quick = { subsample: 1500, maxEpochs: 3, folds: 2 };

describe('TensorFlow.js baseline', function () {
  this.timeout(120_000);
  let ctx: TestContext;
  before(async () => {
    ctx = await createTestContext({ challenges: ['higgsml', 'xray-sources'] });
  });
  after(async () => {
    await Promise.all(activeTrainings.values());
    await ctx.close();
  });

  it('trains, submits and shows the flagged, unranked Baseline row on the leaderboard (HiggsML)', async () => {
    const c = (await findChallengeBySlug(ctx.handle.db, 'higgsml'))!;
    const run = await startRun(ctx.handle.db, c, { seed: 7 });
    const record = await trainUnderRun(ctx.handle.db, ctx.storage, c, run, { datasetsDir: ctx.config.datasetsDir, ...quick });
    assert.equal(record.task, 'ams');
    assert.ok(record.chosenFraction! > 0 && record.chosenFraction! < 1);
    assert.ok(record.features.includes('missing(DER_mass_MMC)'), 'missing-value indicator from baseline.yaml');
    assert.ok(!record.features.includes('PRI_tau_phi'), 'excluded column');
    assert.ok(fs.existsSync(path.join(ctx.storage.localRoot, 'baselines', 'higgsml', 'model-0', 'model.json')));
    const done = await ctx.handle.db.selectFrom('baseline_runs').selectAll().where('id', '=', run.id).executeTakeFirstOrThrow();
    assert.equal(done.status, 'done');
    assert.equal(done.backend, record.backend);

    const { agent } = await signedInAgent(ctx.app, 'alice@example.org', 'Alice');
    const { submission } = await submitBaseline(ctx.handle, ctx.storage, c);
    ctx.workers.nudge();
    const row = await waitForTerminal(ctx.handle, submission.id, 60_000);
    assert.equal(row.status, 'scored', row.error ?? '');
    assert.equal(row.is_baseline, 1);
    assert.ok(Number.isFinite(row.public_score) && row.public_score! > 0);

    const board = await request(ctx.app).get('/challenges/higgsml/leaderboard').set('Accept', 'application/json').expect(200);
    const base = board.body.rows.find((r: { name: string }) => r.name === BASELINE_NAME);
    assert.ok(base, JSON.stringify(board.body.rows));
    assert.equal(base.isBaseline, true);
    assert.equal(base.rank ?? null, null);
    const page = await agent.get('/challenges/higgsml/leaderboard').expect(200);
    assert.match(page.text, /Baseline<\/span>/);
  });

  it('uses the wasm backend when @tensorflow/tfjs-node cannot be imported, and records it', async function () {
    if (await tfjsNodeAvailable()) this.skip();
    const { tf, backend } = await loadTf();
    assert.equal(backend, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    const rec = JSON.parse(fs.readFileSync(path.join(ctx.storage.localRoot, 'baselines', 'higgsml', 'baseline.json'), 'utf8'));
    assert.equal(rec.backend, 'wasm');
  });

  it('predicts the same values after saving and loading the model in tfjs format', async () => {
    const { tf } = await loadTf();
    const spec = parseBaselineSpec({ model: { hidden: [16, 8] } });
    const model = buildModel(tf, 5, 3, spec.model, 3);
    const rand = seededRandom(1);
    const x = Float32Array.from({ length: 40 * 5 }, () => rand() * 4 - 2);
    const before = predictMatrix(tf, model, x, 5);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sift-model-'));
    try {
      await saveModel(tf, model, dir);
      const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
      assert.equal(json.format, 'layers-model');
      assert.deepEqual(json.weightsManifest[0].paths, ['./weights.bin']);
      const again = await loadModel(tf, dir);
      const after = predictMatrix(tf, again, x, 5);
      for (let i = 0; i < before.length; i++) assert.ok(Math.abs(before[i] - after[i]) < 1e-7, `${i}: ${before[i]} vs ${after[i]}`);
      again.dispose();
    } finally {
      model.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives the same validation score for the same seed and backend', async () => {
    const c = (await findChallengeBySlug(ctx.handle.db, 'xray-sources'))!;
    const outA = path.join(ctx.config.dataDir, 'repro-a');
    const outB = path.join(ctx.config.dataDir, 'repro-b');
    const a = await trainBaseline(await withLocalFolder(ctx.storage, c), { dataDir: ctx.storage.localRoot, datasetsDir: ctx.config.datasetsDir, seed: 11, outDir: outA, ...quick });
    const b = await trainBaseline(await withLocalFolder(ctx.storage, c), { dataDir: ctx.storage.localRoot, datasetsDir: ctx.config.datasetsDir, seed: 11, outDir: outB, ...quick });
    assert.equal(a.backend, b.backend);
    assert.ok(Math.abs(a.validation.score - b.validation.score) < 1e-6, `${a.validation.score} vs ${b.validation.score}`);
    a.models.forEach((m, i) => assert.ok(Math.abs(m.validationLoss - b.models[i].validationLoss) < 1e-6));
  });

  it('lets only organizers see the baseline page, retrains in the background and refuses a second start (409)', async () => {
    process.env.SIFT_BASELINE_MAX_EPOCHS = '2';
    const { agent: participant } = await signedInAgent(ctx.app, 'pat@example.org', 'Pat');
    // Participants read the model card (test/baseline-card.test.ts), without the controls.
    assert.doesNotMatch((await participant.get('/challenges/xray-sources/baseline').expect(200)).text, /baseline\/train/);
    const { agent, csrf } = await signedInAgent(ctx.app, 'org@example.org', 'Olga');
    const olga = await ctx.handle.db.updateTable('users').set({ role: 'organizer' }).where('email', '=', 'org@example.org').returning('id').executeTakeFirstOrThrow();
    // The organizer role alone is not enough: the baseline belongs to this challenge's organizers.
    assert.doesNotMatch((await agent.get('/challenges/xray-sources/baseline').expect(200)).text, /baseline\/train/);
    await agent.post('/challenges/xray-sources/baseline/train').set('Accept', 'application/json').set('X-CSRF-Token', csrf).send({}).expect(403);
    await addOrganizer(ctx.handle.db, (await findChallengeBySlug(ctx.handle.db, 'xray-sources'))!.id, olga.id);
    await agent.get('/challenges/xray-sources/baseline').expect(200);

    const first = await agent.post('/challenges/xray-sources/baseline/train').set('Accept', 'application/json').set('X-CSRF-Token', csrf).send({ submit: true }).expect(202);
    const second = await agent.post('/challenges/xray-sources/baseline/train').set('Accept', 'application/json').set('X-CSRF-Token', csrf).send({}).expect(409);
    assert.equal(second.body.error.code, 'baseline_training_running');
    assert.match(second.body.error.message, /already running/);
    const running = await agent.get('/challenges/xray-sources/baseline').expect(200);
    assert.match(running.text, /http-equiv="refresh"/);

    const result = await activeTrainings.get(first.body.run.id)!;
    assert.ok(result.ok, result.error);
    const status = await agent.get('/challenges/xray-sources/baseline/status').expect(200);
    assert.equal(status.body.run.status, 'done');
    assert.ok(status.body.run.history.length >= 2);
    assert.equal(status.body.model.validation.metric, 'macro_f1');
    assert.equal(status.body.model.validation.challengeMetric, undefined, 'a macro-F1 challenge needs no second figure');
    const row = await waitForTerminal(ctx.handle, result.submissionId!, 60_000);
    assert.equal(row.status, 'scored', row.error ?? '');
    assert.equal(row.is_baseline, 1);

    const page = await agent.get('/challenges/xray-sources/baseline').expect(200);
    assert.match(page.text, /<svg[^>]+role="img"/);
    assert.match(page.text, /<path d="M/);
    assert.doesNotMatch(page.text, /http-equiv="refresh"/);
    delete process.env.SIFT_BASELINE_MAX_EPOCHS;
  });
});
