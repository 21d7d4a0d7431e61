import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { signedInAgent, waitForTerminal, type TestContext } from './helpers.js';
import { crowdContext, organizerAgent } from './crowd-helpers.js';
import { findChallengeBySlug } from '../src/challenges/repo.js';
import { readCsvRecords } from '../src/crowd/setup.js';
import { isEvaluationRow } from '../src/crowd/evaluation-split.js';
import { simulateCrowdVotes } from '../src/crowd/simulate/service.js';
import { loadCrowdConfig } from '../src/crowd/config.js';
import { readOutOfFold } from '../src/baseline/oof.js';
import { trainBaseline, baselineDir } from '../src/baseline/train.js';
import { latestCrowdRetrain, retrainWithCrowd } from '../src/baseline/retrain-with-crowd.js';
import { BASELINE_NAME, CROWD_BASELINE, CROWD_BASELINE_NAME, latestBaselineSubmission, submitBaseline } from '../src/baseline/service.js';
import { activeTrainings } from '../src/baseline/routes.js';
import { board } from '../src/leaderboards/service.js';
import { pickMlEntries } from '../src/crowd/compare.js';
import { repoRoot } from '../src/paths.js';
import { withLocalFolder } from '../src/challenges/service.js';
import { baselineFolderKey, fileKeyIn } from '../src/storage/index.js';

/** Tiny training: two models, two epochs, few bootstrap resamples. */
const quick = { folds: 2, maxEpochs: 2, resamples: 200 };
const THRESHOLD = 0.6;

describe('baseline retrained with crowd labels (retrain --with-crowd)', function () {
  this.timeout(180_000);
  let ctx: TestContext & { workflowId: number };
  before(async () => {
    ctx = await crowdContext({ maxLive: 120, goldPerClass: 8, knownPerClass: 4, retireCount: 5 });
    await simulateCrowdVotes(ctx.handle, ctx.storage, 'xmm-sources', { volunteers: 25, votes: 450, profile: 'mixed', seed: 3, days: 2, consensus: true }, loadCrowdConfig());
  });
  after(async () => {
    await Promise.all(activeTrainings.values());
    await ctx.close();
  });

  it('writes the out-of-fold predictions at training: every train id once, a class name each, scoring the recorded macro-F1', async () => {
    const c = (await findChallengeBySlug(ctx.handle.db, 'xmm-sources'))!;
    const outDir = path.join(ctx.config.dataDir, 'oof-check');
    const record = await trainBaseline(await withLocalFolder(ctx.storage, c), { dataDir: ctx.storage.localRoot, datasetsDir: ctx.config.datasetsDir, seed: 4, outDir, folds: 2, maxEpochs: 2 });
    fs.mkdirSync(path.join(ctx.config.dataDir, 'baselines'), { recursive: true });
    fs.renameSync(outDir, baselineDir(ctx.config.dataDir, 'oof-check'));
    const oof = readOutOfFold(ctx.config.dataDir, 'oof-check')!;
    const train = readCsvRecords(await ctx.storage.localPath(fileKeyIn(c.folder_key, c.train_file)));
    assert.equal(oof.size, train.length);
    let tp = 0;
    for (const r of train) {
      const label = oof.get(r[c.id_column]);
      assert.ok(label !== undefined && c.classes.includes(label), `${r[c.id_column]}: ${label}`);
      if (label === r[c.target_column]) tp++;
    }
    assert.ok(tp > 0);
    // The file is the out-of-fold prediction the record scored: its macro-F1 is the recorded one.
    const { classificationReport } = await import('../scorers/classification.js');
    const truth = Int32Array.from(train, (r) => c.classes.indexOf(r[c.target_column]));
    const pred = Int32Array.from(train, (r) => c.classes.indexOf(oof.get(r[c.id_column])!));
    assert.ok(Math.abs(classificationReport(truth, pred, c.classes.length).macroF1 - record.validation.score) < 1e-9);
  });

  it('ships out-of-fold files with the demo baselines of both X-ray challenges', () => {
    for (const slug of ['xray-sources', 'xmm-sources']) {
      const file = path.join(repoRoot, 'seeds', 'baselines', slug, 'oof.csv');
      const rows = fs.readFileSync(file, 'utf8').trim().split('\n');
      const record = JSON.parse(fs.readFileSync(path.join(repoRoot, 'seeds', 'baselines', slug, 'baseline.json'), 'utf8'));
      assert.equal(rows.length - 1, record.trainRows, slug);
    }
  });

  it('evaluates on rows disjoint from every crowd-labelled, gold and known subject, and grows the training set by exactly the accepted subjects', async () => {
    const c = (await findChallengeBySlug(ctx.handle.db, 'xmm-sources'))!;
    const result = await retrainWithCrowd(ctx.handle, c, { storage: ctx.storage, datasetsDir: ctx.config.datasetsDir, threshold: THRESHOLD, seed: 9, ...quick });

    // The accepted subjects, worked out here from the stored consensus: test rows only, posterior ≥ threshold, enough votes.
    const minVotes = loadCrowdConfig().CROWD_MIN_CONSENSUS_VOTES;
    const consensus = await ctx.handle.db
      .selectFrom('crowd_consensus as cc')
      .innerJoin('crowd_subjects as s', 's.id', 'cc.subject_id')
      .select(['s.external_id', 's.is_gold', 's.gold_class', 'cc.label', 'cc.posterior_json', 'cc.n_votes'])
      .where('cc.workflow_id', '=', ctx.workflowId)
      .where('cc.aggregator', '=', 'dawid_skene')
      .execute();
    const expected = new Map<string, string>();
    for (const r of consensus) {
      const p = JSON.parse(r.posterior_json)[r.label];
      if (r.is_gold === 0 && r.gold_class === null && r.n_votes >= minVotes && p >= THRESHOLD) expected.set(r.external_id, c.classes[r.label]);
    }
    assert.ok(expected.size >= 5, `only ${expected.size} subjects pass the threshold: the test crowd is too small`);
    assert.ok(consensus.some((r) => r.is_gold === 0 && r.gold_class === null && r.n_votes < minVotes), 'some test subjects have too few votes');
    assert.deepEqual(new Map(result.crowdLabels.map((l) => [l.id, l.label])), expected);

    // Training grew by exactly the accepted subjects.
    const before = [...result.trainingIdsBefore].sort();
    const after = [...result.trainingIdsAfter].sort();
    assert.equal(after.length - before.length, expected.size);
    assert.deepEqual(after, [...before, ...expected.keys()].sort());

    // The evaluation set: the hashed split of the train rows, outside both training sets, never a subject of the workflow.
    const evaluation = new Set(result.evaluationIds);
    const trainIds = readCsvRecords(await ctx.storage.localPath(fileKeyIn(c.folder_key, c.train_file))).map((r) => r[c.id_column]);
    assert.deepEqual([...evaluation].sort(), trainIds.filter((id) => isEvaluationRow(id)).sort());
    assert.ok(evaluation.size > 50);
    for (const id of result.trainingIdsAfter) assert.ok(!evaluation.has(id), `${id} is both trained on and evaluated`);
    const subjects = await ctx.handle.db.selectFrom('crowd_subjects').select(['external_id', 'is_gold', 'gold_class']).where('workflow_id', '=', ctx.workflowId).execute();
    assert.ok(subjects.some((s) => s.is_gold === 0 && s.gold_class !== null), 'the workflow has known sources');
    for (const s of subjects) assert.ok(!evaluation.has(s.external_id), `${s.external_id} (gold ${s.is_gold}, class ${s.gold_class}) is served and evaluated`);
    assert.equal(new Set([...before, ...evaluation]).size, trainIds.length);

    // Stored for the panel.
    const r = result.record;
    assert.equal(r.counts.evaluationRows, evaluation.size);
    assert.equal(r.counts.crowdLabelsAdded, expected.size);
    assert.equal(Object.values(r.counts.perClassAdded).reduce((a, b) => a + b, 0), expected.size);
    assert.ok(r.before.macroF1.lo! <= r.before.macroF1.estimate! && r.before.macroF1.estimate! <= r.before.macroF1.hi!);
    assert.match(r.differenceText, /^macro-F1 after − before = /);
    const row = (await latestCrowdRetrain(ctx.handle.db, c.id))!;
    assert.equal(row.status, 'done');
    assert.equal(row.labels_added, expected.size);
    assert.equal(row.evaluation_rows, evaluation.size);
    assert.equal(row.macro_f1_after, r.after.macroF1.estimate);
  });

  it('submits "Baseline + crowd" as a second unranked baseline row; the comparison and the baseline links keep the plain one', async () => {
    const c = (await findChallengeBySlug(ctx.handle.db, 'xmm-sources'))!;
    fs.cpSync(path.join(repoRoot, 'seeds', 'baselines', 'xmm-sources'), baselineDir(ctx.storage.localRoot, 'xmm-sources'), { recursive: true });
    await ctx.storage.publishLocalDir(baselineFolderKey('xmm-sources'));
    const plain = (await submitBaseline(ctx.handle, ctx.storage, c)).submission;
    const result = await retrainWithCrowd(ctx.handle, c, { storage: ctx.storage, datasetsDir: ctx.config.datasetsDir, threshold: THRESHOLD, seed: 9, submit: true, ...quick });
    const crowdSub = result.submission!;
    assert.ok(crowdSub);
    assert.doesNotMatch(crowdSub.message ?? '', /out-of-fold/, 'no score on crowd-labelled test rows in the message');
    ctx.workers.nudge();
    assert.equal((await waitForTerminal(ctx.handle, plain.id, 60_000)).status, 'scored');
    assert.equal((await waitForTerminal(ctx.handle, crowdSub.id, 60_000)).status, 'scored');

    const rows = await board(ctx.handle.db, c, 'public', false);
    const baselines = rows.filter((r) => r.isBaseline);
    assert.deepEqual(baselines.map((r) => r.name).sort(), [BASELINE_NAME, CROWD_BASELINE_NAME]);
    assert.ok(baselines.every((r) => r.rank === null));
    assert.equal(pickMlEntries(rows).baseline?.submissionId, plain.id);
    assert.equal((await latestBaselineSubmission(ctx.handle.db, c.id))!.id, plain.id);
    assert.equal((await latestBaselineSubmission(ctx.handle.db, c.id, false, CROWD_BASELINE))!.id, crowdSub.id);
    const page = await request(ctx.app).get('/challenges/xmm-sources/leaderboard').expect(200);
    assert.match(page.text, /Baseline \+ crowd <span class="badge" data-testid="baseline-badge">Baseline<\/span>/);
    assert.equal((await latestCrowdRetrain(ctx.handle.db, c.id))!.submission_id, crowdSub.id);
  });

  it('shows organizers the panel, runs the retraining from it as a background thread, and refuses bad settings with 400', async () => {
    process.env.SIFT_BASELINE_MAX_EPOCHS = '1';
    const org = await organizerAgent(ctx, 'panel@example.org');
    await org.agent.post('/challenges/xmm-sources/baseline/retrain-crowd').set('Accept', 'application/json').set('X-CSRF-Token', org.csrf).send({ threshold: '1.5' }).expect(400);
    const bad = await org.agent.post('/challenges/xmm-sources/baseline/retrain-crowd').set('Accept', 'application/json').set('X-CSRF-Token', org.csrf).send({ aggregator: 'oracle' }).expect(400);
    assert.match(JSON.stringify(bad.body), /aggregator/);
    // A run whose process died (no heartbeat for 15 minutes) does not block the next one.
    const challengeId = (await findChallengeBySlug(ctx.handle.db, 'xmm-sources'))!.id;
    const old = new Date(Date.now() - 20 * 60_000).toISOString();
    const dead = await ctx.handle.db.insertInto('baseline_crowd_retrains').values({ challenge_id: challengeId, status: 'running', aggregator: 'dawid_skene', threshold: 0.9, seed: 1, started_at: old, heartbeat_at: old }).returning('id').executeTakeFirstOrThrow();
    const started = await org.agent.post('/challenges/xmm-sources/baseline/retrain-crowd').set('Accept', 'application/json').set('X-CSRF-Token', org.csrf).send({ threshold: String(THRESHOLD) }).expect(202);
    const id = started.body.crowdRetrain.id as number;
    await org.agent.post('/challenges/xmm-sources/baseline/retrain-crowd').set('Accept', 'application/json').set('X-CSRF-Token', org.csrf).send({}).expect(409);
    const outcome = await activeTrainings.get(`crowd-${id}`);
    assert.equal((await ctx.handle.db.selectFrom('baseline_crowd_retrains').select('status').where('id', '=', dead.id).executeTakeFirstOrThrow()).status, 'failed');
    delete process.env.SIFT_BASELINE_MAX_EPOCHS;
    assert.equal(outcome?.ok, true, outcome?.error);
    const page = await org.agent.get('/challenges/xmm-sources/baseline').expect(200);
    const row = (await latestCrowdRetrain(ctx.handle.db, (await findChallengeBySlug(ctx.handle.db, 'xmm-sources'))!.id))!;
    assert.equal(row.id, id);
    // Handlebars escapes "=" as &#x3D; (the browser shows "=").
    assert.match(page.text, new RegExp(`crowd labels added: ${row.labels_added} \\(threshold ${THRESHOLD}\\); macro-F1 \\d\\.\\d{3} → \\d\\.\\d{3} macro-F1 after − before &#x3D; [+−]?\\d\\.\\d{3} \\[`));
    assert.match(page.text, new RegExp(`Evaluation set: ${row.evaluation_rows} labelled training rows`));
    assert.match(page.text, new RegExp(`href="/challenges/xmm-sources/submissions/${row.submission_id}"`));
    // A participant sees neither the panel nor the figures.
    const pat = await signedInAgent(ctx.app, 'pat2@example.org', 'Pat');
    const card = await pat.agent.get('/challenges/xmm-sources/baseline').expect(200);
    assert.doesNotMatch(card.text, /labels added|Baseline \+ crowd|retrain-crowd/);
    const refused = await pat.agent.post('/challenges/xmm-sources/baseline/retrain-crowd').set('Accept', 'application/json').set('X-CSRF-Token', pat.csrf).send({}).expect(403);
    assert.doesNotMatch(refused.text, /labels added|macro-F1/);
  });
});
