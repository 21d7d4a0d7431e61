import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { createTestContext, signedInAgent, type TestContext } from './helpers.js';
import { repoRoot } from '../src/paths.js';
import { findChallengeBySlug, type Challenge } from '../src/challenges/repo.js';
import { addOrganizer } from '../src/organizers/access.js';
import { ensureBaselineUser, type RunProgress } from '../src/baseline/service.js';
import { baselineDir, trainBaseline, RECORD_FILE, type BaselineRecord } from '../src/baseline/train.js';
import { architecture } from '../src/baseline/model-card.js';
import { buildModel } from '../src/baseline/model.js';
import { loadTf } from '../src/baseline/backend.js';
import { withLocalFolder } from '../src/challenges/service.js';
import { baselineFolderKey } from '../src/storage/index.js';

/** Scores with digits nothing else on the page has. */
const PUBLIC = 0.66284;
const PRIVATE = 0.73519;
const privateDigits = /73519|0\.7352/;

describe('the public baseline model card', function () {
  this.timeout(120_000);
  let ctx: TestContext;
  let c: Challenge;
  let pat: Awaited<ReturnType<typeof signedInAgent>>;
  let org: Awaited<ReturnType<typeof signedInAgent>>;
  let record: BaselineRecord;
  const recordFile = () => path.join(baselineDir(ctx.storage.localRoot, 'xray-sources'), RECORD_FILE);
  /** The baseline folder as written here, stored for every process (a bucket's copy is otherwise swept). */
  const publish = () => ctx.storage.publishLocalDir(baselineFolderKey('xray-sources'));

  before(async () => {
    ctx = await createTestContext({ challenges: ['xray-sources'], workers: 0 });
    c = (await findChallengeBySlug(ctx.handle.db, 'xray-sources'))!;
    // The model the demo ships (trained on train.csv by `sift baseline train`), saved with no training run on this site.
    fs.cpSync(path.join(repoRoot, 'seeds', 'baselines', 'xray-sources'), baselineDir(ctx.storage.localRoot, 'xray-sources'), { recursive: true });
    await publish();
    record = JSON.parse(fs.readFileSync(recordFile(), 'utf8'));
    const baseline = await ensureBaselineUser(ctx.handle.db);
    await ctx.handle.db
      .insertInto('submissions')
      .values({
        challenge_id: c.id, user_id: baseline.id, team_id: null, file_path: 'submissions/seed/b.csv', original_name: 'baseline.csv', sha256: '0'.repeat(64), size_bytes: 1, row_count: 1,
        status: 'scored', public_score: PUBLIC, private_score: PRIVATE, selected: 0, is_baseline: 1, created_at: '2026-11-25T14:00:00.000Z', scored_at: '2026-11-25T14:00:00.000Z',
      })
      .execute();
    await signedInAgent(ctx.app, 'admin@example.org', 'Admin'); // the first account is the admin
    pat = await signedInAgent(ctx.app, 'pat@example.org', 'Pat');
    org = await signedInAgent(ctx.app, 'olga@example.org', 'Olga');
    const olga = await ctx.handle.db.updateTable('users').set({ role: 'organizer' }).where('email', '=', 'olga@example.org').returning('id').executeTakeFirstOrThrow();
    await addOrganizer(ctx.handle.db, c.id, olga.id);
  });
  after(async () => ctx.close());

  it('shows a participant the architecture, preprocessing, training, curves and seed, with no controls', async () => {
    const page = await pat.agent.get('/challenges/xray-sources/baseline').expect(200);
    const html = page.text;
    assert.match(html, /data-testid="model-card"/);
    // Architecture: the hidden layers of the record, ReLU then softmax, and the parameter count.
    const layers = /data-testid="card-layers">([\s\S]*?)<\/table>/.exec(html)![1];
    for (const units of record.hyperparameters.hidden) assert.match(layers, new RegExp(`<td class="num">${units}</td><td>ReLU</td>`));
    assert.match(layers, new RegExp(`<td class="num">${record.classes.length}</td><td>softmax</td>`));
    assert.match(html, new RegExp(`data-testid="card-parameters">${architecture(record).total}<`));
    // Preprocessing, training and provenance.
    assert.match(html, /standardised: minus the training mean/);
    assert.match(html, new RegExp(`Adam, learning rate ${record.hyperparameters.learning_rate}`));
    assert.match(html, new RegExp(`has not improved for ${record.hyperparameters.patience} epochs`));
    assert.equal(record.hyperparameters.class_weight, 'sqrt', 'xray-sources/baseline.yaml');
    assert.match(html, /square root: a class weighs ∝ 1\/√\(its rows\)/);
    assert.match(html, new RegExp(`data-testid="card-seed">${record.seed}<`));
    assert.match(html, /data-testid="card-backend">tfjs wasm \(WebAssembly, CPU\)</);
    for (const f of record.features.slice(0, 3)) assert.ok(html.includes(`<code>${f}</code>`), f);
    // The curves are server-rendered SVG with drawn lines, one per model.
    const plots = /data-testid="baseline-plots">([\s\S]*?)<\/div>/.exec(html)![1];
    assert.equal((plots.match(/<svg /g) ?? []).length, 2);
    assert.match(plots, /Held-out macro-F1 per epoch/);
    assert.ok((plots.match(/<path d="M/g) ?? []).length >= record.models.length * 3);
    // Held-out training rows only, said on the page.
    assert.match(html, /No test row, test label or solution file is used/);
    // No controls of any kind.
    assert.doesNotMatch(html, /baseline\/(train|submit|retrain-crowd)|Retrain|http-equiv="refresh"/);
    assert.doesNotMatch(html, /baseline\/status/);
  });

  it('shows the public score, and no private score before the close (page and JSON)', async () => {
    const page = await pat.agent.get('/challenges/xray-sources/baseline').expect(200);
    assert.match(page.text, /data-testid="card-scores"[\s\S]*0\.66284/);
    assert.doesNotMatch(page.text, privateDigits);
    assert.match(page.text, /shown when the challenge closes/);
    const json = await request(ctx.app).get('/challenges/xray-sources/baseline').set('Accept', 'application/json').expect(200);
    assert.equal(json.body.card.scores.publicScore, PUBLIC);
    assert.equal(json.body.card.scores.privateScore, null);
    assert.doesNotMatch(json.text, privateDigits);
    assert.equal(json.body.card.curves, undefined);
  });

  it('lets a visitor read it too, and says so plainly when there is no model', async () => {
    await request(ctx.app).get('/challenges/xray-sources/baseline').expect(200);
    fs.renameSync(recordFile(), `${recordFile()}.away`);
    await publish();
    try {
      const page = await pat.agent.get('/challenges/xray-sources/baseline').expect(200);
      assert.match(page.text, /data-testid="no-baseline"/);
      const organizer = await org.agent.get('/challenges/xray-sources/baseline').expect(200);
      assert.match(organizer.text, /No baseline has been trained for this challenge yet/);
      assert.match(organizer.text, />Train and submit</);
    } finally {
      fs.renameSync(`${recordFile()}.away`, recordFile());
      await publish();
    }
  });

  it('gives the organizer the controls, and a saved model without a run is not "no baseline"', async () => {
    const page = await org.agent.get('/challenges/xray-sources/baseline').expect(200);
    assert.doesNotMatch(page.text, /No baseline has been trained/);
    assert.match(page.text, /A trained model is saved for this challenge/);
    assert.match(page.text, /<button type="submit" data-testid="retrain" >Retrain and submit<\/button>/);
    assert.match(page.text, /data-testid="model-card"/);
    const json = await org.agent.get('/challenges/xray-sources/baseline').set('Accept', 'application/json').expect(200);
    assert.equal(json.body.state.kind, 'saved');
    assert.equal(json.body.state.busy, false);
  });

  it('names the challenge\'s metric: on an accuracy challenge the held-out accuracy, and why the curves track macro-F1', async () => {
    await ctx.handle.db.updateTable('challenges').set({ metric: 'accuracy' }).where('id', '=', c.id).execute();
    const withAccuracy = { ...record, validation: { ...record.validation, challengeMetric: { metric: 'accuracy', score: 0.81234 } } };
    fs.writeFileSync(recordFile(), JSON.stringify(withAccuracy));
    await publish();
    try {
      const page = await org.agent.get('/challenges/xray-sources/baseline').expect(200);
      assert.doesNotMatch(page.text, /Validation macro_f1|Held-out macro_f1/);
      assert.match(page.text, /Held-out accuracy \(this challenge's metric\)<\/th><td class="num">0\.8123</);
      assert.match(page.text, /Held-out macro-F1 \(what the baseline tracks\)/);
      assert.match(page.text, /data-testid="card-metric-why">The curves track macro-F1, which the baseline follows on every multi-class challenge; this challenge is scored by accuracy/);
      // A record saved before the challenge's own figure existed says so instead of showing a wrong one.
      fs.writeFileSync(recordFile(), JSON.stringify(record));
      await publish();
      const older = await pat.agent.get('/challenges/xray-sources/baseline').expect(200);
      assert.match(older.text, /Held-out accuracy \(this challenge's metric\)<\/th><td>not recorded with this model/);
    } finally {
      fs.writeFileSync(recordFile(), JSON.stringify(record));
      await publish();
      await ctx.handle.db.updateTable('challenges').set({ metric: 'macro_f1' }).where('id', '=', c.id).execute();
    }
  });

  it('shows "starting…" for a queued run, disables Retrain, and refuses a second one with 409', async () => {
    const starting: RunProgress = { phase: 'starting', model: 0, models: 0, epoch: 0, maxEpochs: 0, history: [] };
    const now = new Date().toISOString();
    const run = await ctx.handle.db
      .insertInto('baseline_runs')
      .values({ challenge_id: c.id, status: 'running', started_by: null, seed: 42, progress_json: JSON.stringify(starting), started_at: now, heartbeat_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    try {
      const page = await org.agent.get('/challenges/xray-sources/baseline').expect(200);
      assert.match(page.text, new RegExp(`Run ${run.id} is starting…`));
      assert.doesNotMatch(page.text, /model 0|epoch 0 of at most 0|No baseline has been trained/);
      assert.match(page.text, /<button type="submit" data-testid="retrain" disabled>/);
      assert.match(page.text, /http-equiv="refresh"/);
      const refused = await org.agent.post('/challenges/xray-sources/baseline/train').set('Accept', 'application/json').set('X-CSRF-Token', org.csrf).send({}).expect(409);
      assert.equal(refused.body.error.code, 'baseline_training_running');
      assert.match(refused.body.error.message, new RegExp(`already running \\(run ${run.id},`));

      // Training: the real model and epoch, counted from 1.
      const training: RunProgress = { ...starting, phase: 'training', model: 1, models: 5, epoch: 3, maxEpochs: 60, history: [{ model: 0, epoch: 1, loss: 0.9, valLoss: 0.95, valMetric: 0.4 }] };
      await ctx.handle.db.updateTable('baseline_runs').set({ progress_json: JSON.stringify(training) }).where('id', '=', run.id).execute();
      const busy = await org.agent.get('/challenges/xray-sources/baseline').expect(200);
      assert.match(busy.text, /training model 2 of 5, epoch 3 of at most 60/);
      assert.match(busy.text, /<progress value="63" max="300"/);
      assert.match(busy.text, /data-testid="live-plots"/);
      assert.match(busy.text, /data-testid="retrain" disabled/);
      // The participant's card still shows the saved model, and nothing of the run.
      const card = await pat.agent.get('/challenges/xray-sources/baseline').expect(200);
      assert.doesNotMatch(card.text, /live-plots|training model 2/);
    } finally {
      await ctx.handle.db.updateTable('baseline_runs').set({ status: 'failed', error: 'test', finished_at: new Date().toISOString() }).where('id', '=', run.id).execute();
    }
    const after = await org.agent.get('/challenges/xray-sources/baseline').expect(200);
    assert.match(after.text, /<button type="submit" data-testid="retrain" >Retrain and submit/);
    assert.match(after.text, new RegExp(`Run ${run.id} failed: test`));
  });

  it('shows the private score once the challenge has closed', async () => {
    await ctx.handle.db.updateTable('challenges').set({ closes_at: new Date(Date.now() - 1000).toISOString() }).where('id', '=', c.id).execute();
    const page = await pat.agent.get('/challenges/xray-sources/baseline').expect(200);
    assert.match(page.text, /data-testid="card-private-score">0\.73519</);
  });

  it("counts the parameters as TensorFlow.js does", async () => {
    const { tf } = await loadTf();
    for (const hp of [record.hyperparameters, { ...record.hyperparameters, hidden: [7, 5], batch_norm: false }]) {
      const r = { ...record, hyperparameters: hp };
      const a = architecture(r);
      const model = buildModel(tf, a.inputs, a.outputs, hp, 1);
      assert.equal(a.total, model.countParams());
      assert.equal(a.trainable, model.trainableWeights.reduce((n, w) => n + (w.shape as number[]).reduce((x, y) => x * y, 1), 0));
      model.dispose();
    }
  });

  it("records the challenge's own metric over the out-of-fold predictions when training (accuracy)", async () => {
    const acc = { ...c, metric: 'accuracy' } as Challenge;
    const r = await trainBaseline(await withLocalFolder(ctx.storage, acc), { dataDir: ctx.storage.localRoot, datasetsDir: ctx.config.datasetsDir, outDir: path.join(ctx.config.dataDir, 'acc-check'), subsample: 1500, maxEpochs: 2, folds: 2 });
    assert.equal(r.validation.metric, 'macro_f1');
    assert.equal(r.validation.challengeMetric?.metric, 'accuracy');
    // Accuracy = correct / rows = Σ recall × support / Σ support over the same out-of-fold predictions.
    const perClass = r.validation.perClass!;
    const expected = perClass.reduce((s, k) => s + k.recall * k.support, 0) / perClass.reduce((s, k) => s + k.support, 0);
    assert.ok(Math.abs(r.validation.challengeMetric!.score - expected) < 1e-9, `${r.validation.challengeMetric!.score} vs ${expected}`);
  });
});
