import { Router, type Request } from 'express';
import { z } from 'zod';
import type { AppContext } from '../app.js';
import { challengeFromParams, publicChallenge } from '../challenges/visibility.js';
import type { Challenge } from '../challenges/repo.js';
import { UserError } from '../web/errors.js';
import { canOrganize } from '../challenges/organizers.js';
import { wantsJson } from '../web/middleware.js';
import { formScalar, parseBody } from '../web/validate.js';
import { CROWD_BASELINE, latestBaselineSubmission, latestRun, startRun, storedBaselineRecord, submitBaseline, type BaselineRun, type RunProgress } from './service.js';
import { DEFAULT_RETRAIN_AGGREGATOR, DEFAULT_RETRAIN_THRESHOLD, describeRetrain, latestCrowdRetrain, startCrowdRetrain, type CrowdRetrainRecord, type CrowdRetrainRow } from './retrain-with-crowd.js';
import { aggregators } from '../crowd/aggregators/index.js';
import { workflowBySlug } from '../crowd/repo.js';
import { specFor, type BaselineRecord } from './train.js';
import { modelCard, recordCurves } from './model-card.js';
import { trainingState } from './training-state.js';
import { withLocalFolder } from '../challenges/service.js';
import { activeTrainings, startTrainingThread } from './threads.js';

export { activeTrainings };

/** The baseline page and retraining belong to this challenge's organizers (and admins). */
async function managedChallenge(ctx: AppContext, req: Request): Promise<Challenge> {
  const c = await challengeFromParams(ctx, req);
  if (!req.user) throw new UserError(401, 'login_required', 'Please log in first.');
  if (!(await canOrganize(ctx.db.db, req.user, c))) throw new UserError(403, 'forbidden', "Only this challenge's organizers can see and retrain its baseline.");
  return c;
}

function runJson(run: BaselineRun | undefined) {
  if (!run) return null;
  const progress = JSON.parse(run.progress_json) as RunProgress;
  return {
    id: run.id,
    status: run.status,
    backend: run.backend,
    seed: run.seed,
    startedAt: run.started_at,
    finishedAt: run.finished_at,
    heartbeatAt: run.heartbeat_at,
    error: run.error,
    validationScore: run.validation_score,
    submissionId: run.submission_id,
    progress: { phase: progress.phase, model: progress.model, models: progress.models, epoch: progress.epoch, maxEpochs: progress.maxEpochs },
    history: progress.history,
  };
}

const trainForm = z.object({ submit: formScalar.optional() });

/** The panel's form: empty fields take the defaults. */
const retrainForm = z.object({
  threshold: z.preprocess((v) => (v === '' || v === undefined ? undefined : Number(v)), z.number({ message: 'must be a number' }).gt(0, 'must be above 0').max(1, 'must be at most 1').optional()),
  aggregator: z.preprocess((v) => (v === '' ? undefined : v), z.enum(Object.keys(aggregators) as [string, ...string[]], { message: `must be one of ${Object.keys(aggregators).join(', ')}` }).optional()),
});

function crowdRetrainJson(row: CrowdRetrainRow | undefined, slug: string) {
  if (!row) return null;
  const record = row.record_json ? (JSON.parse(row.record_json) as CrowdRetrainRecord) : null;
  return {
    id: row.id,
    status: row.status,
    aggregator: row.aggregator,
    threshold: row.threshold,
    seed: row.seed,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    error: row.error,
    evaluationRows: row.evaluation_rows,
    labelsAdded: row.labels_added,
    macroF1Before: row.macro_f1_before,
    macroF1After: row.macro_f1_after,
    submissionId: row.submission_id,
    submissionUrl: row.submission_id ? `/challenges/${slug}/submissions/${row.submission_id}` : null,
    record,
    lines: record ? describeRetrain(record) : [],
  };
}

export function baselineRoutes(ctx: AppContext): Router {
  const r = Router();

  r.get('/challenges/:slug/baseline/status', async (req, res) => {
    const c = await managedChallenge(ctx, req);
    const run = await latestRun(ctx.db.db, c.id);
    const record = await storedBaselineRecord(ctx.storage, c.slug);
    res.json({ run: runJson(run), model: record && summary(record) });
  });

  r.get('/challenges/:slug/baseline', async (req, res) => {
    const c = await challengeFromParams(ctx, req);
    const record = await storedBaselineRecord(ctx.storage, c.slug);
    // Anyone who can see the challenge reads the model card; its organizers also get the controls.
    if (!(await canOrganize(ctx.db.db, req.user, c))) {
      const card = await modelCard(ctx.db.db, c, record);
      if (wantsJson(req)) return res.json({ card: card && { ...card, curves: undefined } });
      return res.render('baseline-card', { title: `Baseline model card · ${c.title}`, challenge: publicChallenge(c), tab: 'baseline', card });
    }
    const run = await latestRun(ctx.db.db, c.id);
    const state = trainingState(run, !!record);
    const crowdRetrain = crowdRetrainJson(await latestCrowdRetrain(ctx.db.db, c.id), c.slug);
    if (wantsJson(req)) return res.json({ run: runJson(run), state, model: record && summary(record), crowdRetrain });
    const { file } = specFor(await withLocalFolder(ctx.storage, c), ctx.config.datasetsDir);
    const crowdSubmission = await latestBaselineSubmission(ctx.db.db, c.id, false, CROWD_BASELINE);
    const card = await modelCard(ctx.db.db, c, record);
    res.render('baseline', {
      title: `Baseline · ${c.title}`,
      crowdRetrain,
      crowdRetrainRunning: crowdRetrain?.status === 'running',
      crowdEnabled: !!(await workflowBySlug(ctx.db.db, c.slug)),
      crowdSubmissionUrl: crowdSubmission ? `/challenges/${c.slug}/submissions/${crowdSubmission.id}` : null,
      aggregatorNames: Object.keys(aggregators),
      defaultThreshold: DEFAULT_RETRAIN_THRESHOLD,
      challenge: publicChallenge(c),
      tab: 'baseline',
      run: runJson(run),
      state,
      card,
      specFile: file,
      // While a run trains, its own curves grow here; the card keeps the saved model's.
      liveCurves: state.kind === 'training' ? recordCurves(c, null, run) : null,
    });
  });

  r.post('/challenges/:slug/baseline/train', async (req, res) => {
    const c = await managedChallenge(ctx, req);
    const { spec } = specFor(await withLocalFolder(ctx.storage, c), ctx.config.datasetsDir);
    const form = parseBody(trainForm, req.body);
    const submit = form.submit === undefined ? true : (['1', 'true', 'on', true] as unknown[]).includes(form.submit);
    const run = await startRun(ctx.db.db, c, { startedBy: req.user!.id, seed: spec.model.seed });
    startTrainingThread(ctx, run, submit, new URL('./worker-thread.js', import.meta.url));
    if (wantsJson(req)) return res.status(202).json({ run: runJson(run) });
    res.redirect(303, `/challenges/${c.slug}/baseline`);
  });

  r.post('/challenges/:slug/baseline/retrain-crowd', async (req, res) => {
    const c = await managedChallenge(ctx, req);
    const form = parseBody(retrainForm, req.body, 'bad_retrain_settings');
    if (!(await workflowBySlug(ctx.db.db, c.slug))) throw new UserError(409, 'no_crowd_workflow', `'${c.slug}' has no crowd workflow, so it has no crowd labels to retrain with.`);
    const { spec } = specFor(await withLocalFolder(ctx.storage, c), ctx.config.datasetsDir);
    const run = await startCrowdRetrain(ctx.db.db, c, { startedBy: req.user!.id, aggregator: form.aggregator ?? DEFAULT_RETRAIN_AGGREGATOR, threshold: form.threshold ?? DEFAULT_RETRAIN_THRESHOLD, seed: spec.model.seed, submit: true });
    startTrainingThread(ctx, run, true, new URL('./retrain-thread.js', import.meta.url), `crowd-${run.id}`);
    if (wantsJson(req)) return res.status(202).json({ crowdRetrain: crowdRetrainJson(run, c.slug) });
    res.redirect(303, `/challenges/${c.slug}/baseline`);
  });

  r.post('/challenges/:slug/baseline/submit', async (req, res) => {
    const c = await managedChallenge(ctx, req);
    const { submission } = await submitBaseline(ctx.db, ctx.storage, c);
    ctx.nudgeWorkers();
    if (wantsJson(req)) return res.status(202).json({ submission: { id: submission.id, status: submission.status } });
    res.redirect(303, `/challenges/${c.slug}/baseline`);
  });
  return r;
}

function summary(r: BaselineRecord) {
  return {
    backend: r.backend,
    seed: r.seed,
    createdAt: r.createdAt,
    task: r.task,
    models: r.models.length,
    features: r.features,
    trainRows: r.trainRows,
    trainingSeconds: r.trainingSeconds,
    hyperparameters: r.hyperparameters,
    validation: { metric: r.validation.metric, score: r.validation.score, perModel: r.validation.perModel, perClass: r.validation.perClass, challengeMetric: r.validation.challengeMetric },
    chosenFraction: r.chosenFraction,
    epochs: r.models.map((m) => ({ run: m.epochsRun, best: m.bestEpoch })),
    dropped: r.preprocessing.dropped,
  };
}
