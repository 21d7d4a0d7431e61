/**
 * `sift baseline retrain --with-crowd` (issue 10, section 4): the baseline retrained with the crowd's
 * confident labels on test rows, measured against the same baseline without them.
 *
 * - Training set: the train rows minus the evaluation split (evaluation-split.ts), plus every test-row
 *   subject whose consensus (by default Dawid–Skene) has a posterior ≥ threshold from at least
 *   CROWD_MIN_CONSENSUS_VOTES weighted votes, labelled with its consensus class, features from the test file.
 * - "Before" and "after" use the same spec, seeds and folds; each fits its own preprocessing on its
 *   own training table, as training does. Both are scored on the evaluation rows: labelled train rows
 *   that are never gold nor known sources, hence never served, and disjoint from the test rows.
 * - With `submit`, a third model trains on all train rows plus the crowd rows (as the plain baseline
 *   trains on all train rows) and is submitted as the "Baseline + crowd" account.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Challenge } from '../challenges/repo.js';
import type { Db, DbHandle } from '../db/index.js';
import { nowIso } from '../db/index.js';
import { aggregators } from '../crowd/aggregators/index.js';
import { loadCrowdConfig } from '../crowd/config.js';
import { isEvaluationRow } from '../crowd/evaluation-split.js';
import { workflowBySlug, type Workflow } from '../crowd/repo.js';
import { UserError } from '../web/errors.js';
import { bootstrapIntervals, formatDifference, pairedBootstrapDifferences, type Interval } from '../../scorers/bootstrap.js';
import { readCsvTable, type Table } from './data.js';
import { argmaxRows } from './metrics.js';
import { loadEnsembleFrom, predictTable, RECORD_FILE, specFor, trainOnTable, type BaselineRecord, type TrainOptions } from './train.js';
import { CROWD_BASELINE, startSingleRun, submitBaselineFrom } from './service.js';
import type { SubmissionRow } from '../submissions/repo.js';
import type { Selectable } from 'kysely';
import type { BaselineCrowdRetrainsTable } from '../db/tables/baseline.js';
import { crowdBaselineFolderKey, type ObjectStorage } from '../storage/index.js';
import { withLocalFolder, type LocalChallenge } from '../challenges/service.js';

export type CrowdRetrainRow = Selectable<BaselineCrowdRetrainsTable>;

export const DEFAULT_RETRAIN_THRESHOLD = 0.9;
export const DEFAULT_RETRAIN_AGGREGATOR = 'dawid_skene';
export const RETRAIN_BOOTSTRAP_RESAMPLES = 2000;

export interface RetrainOptions {
  storage: ObjectStorage;
  datasetsDir?: string;
  /** Minimum consensus posterior of an accepted crowd label, in (0, 1]. */
  threshold?: number;
  aggregator?: string;
  /** Model seed (default the spec's) and bootstrap seed. */
  seed?: number;
  /** Fewer folds / epochs (tests, the bench). */
  folds?: number;
  maxEpochs?: number;
  /** Default CROWD_MIN_CONSENSUS_VOTES. */
  minVotes?: number;
  resamples?: number;
  /** Also train on all train rows plus the crowd rows and submit as "Baseline + crowd". */
  submit?: boolean;
  startedBy?: number | null;
  /**
   * A "before" model already trained on the same rows with the same seed, folds and epochs (the bench
   * trains it once for all its runs); its record must say so, or it is refused.
   */
  beforeModelDir?: string;
  /** A row made by startCrowdRetrain (the web panel makes it before its thread starts). */
  runId?: number;
  log?: (msg: string) => void;
}

export interface RetrainFigures {
  accuracy: Interval;
  macroF1: Interval;
}

/** What a retraining reports and stores (the panel shows the last one). */
export interface CrowdRetrainRecord {
  version: 1;
  challenge: string;
  workflowId: number;
  aggregator: string;
  threshold: number;
  minVotes: number;
  seed: number;
  folds: number | null;
  maxEpochs: number | null;
  bootstrap: { seed: number; resamples: number; level: number };
  counts: {
    trainRows: number;
    evaluationRows: number;
    trainingBefore: number;
    trainingAfter: number;
    /** Test-row subjects with a consensus under this aggregator, and why the others were not taken. */
    consensusSubjects: number;
    tooFewVotes: number;
    belowThreshold: number;
    crowdLabelsAdded: number;
    perClassAdded: Record<string, number>;
    /** Evaluation rows whose predicted class differs between the two models. */
    predictionsChanged: number;
  };
  before: RetrainFigures;
  after: RetrainFigures;
  /** after − before, paired on the same bootstrap resamples. */
  difference: RetrainFigures;
  differenceText: string;
  timings: { beforeSeconds: number; afterSeconds: number; submissionModelSeconds: number | null; totalSeconds: number };
  createdAt: string;
}

/** The record with the row ids behind it (tests check the sets; they are not stored). */
export interface CrowdRetrainResult {
  runId: number;
  record: CrowdRetrainRecord;
  evaluationIds: string[];
  trainingIdsBefore: string[];
  trainingIdsAfter: string[];
  crowdLabels: CrowdLabel[];
  submission: SubmissionRow | null;
}

export interface CrowdLabel {
  id: string;
  label: string;
  posterior: number;
  votes: number;
}

/** Where the retrained models live: DATA_DIR/baselines-crowd/<slug>/{before,after,submission}. */
export const crowdBaselineDir = (dataDir: string, slug: string) => path.join(dataDir, 'baselines-crowd', slug);

export function checkRetrainOptions(o: { threshold?: number; aggregator?: string; seed?: number; folds?: number; maxEpochs?: number }): void {
  if (o.folds !== undefined && !(Number.isInteger(o.folds) && o.folds >= 2 && o.folds <= 20)) throw new UserError(400, 'bad_folds', `The number of folds must be a whole number from 2 to 20, got ${o.folds}.`);
  if (o.maxEpochs !== undefined && !(Number.isInteger(o.maxEpochs) && o.maxEpochs >= 1)) throw new UserError(400, 'bad_epochs', `The epoch cap must be a positive whole number, got ${o.maxEpochs}.`);
  if (o.threshold !== undefined && !(o.threshold > 0 && o.threshold <= 1)) throw new UserError(400, 'bad_threshold', `The threshold must be a number in (0, 1], got ${o.threshold}.`);
  if (o.aggregator !== undefined && !Object.hasOwn(aggregators, o.aggregator)) throw new UserError(400, 'bad_aggregator', `Unknown aggregator '${o.aggregator}': use one of ${Object.keys(aggregators).join(', ')}.`);
  if (o.seed !== undefined && !(Number.isInteger(o.seed) && o.seed >= 0 && o.seed <= 0xffffffff)) throw new UserError(400, 'bad_seed', `The seed must be a whole number from 0 to 4294967295, got ${o.seed}.`);
}

/**
 * The test-row subjects whose consensus passes the threshold from enough weighted votes, with the
 * counts of those left out. Gold subjects and known sources (train rows) are never taken.
 */
export async function acceptedCrowdLabels(db: Db, wf: Workflow, aggregator: string, threshold: number, minVotes: number) {
  const rows = await db
    .selectFrom('crowd_consensus as cc')
    .innerJoin('crowd_subjects as s', 's.id', 'cc.subject_id')
    .select(['s.external_id', 'cc.label', 'cc.posterior_json', 'cc.n_votes'])
    .where('cc.workflow_id', '=', wf.id)
    .where('cc.aggregator', '=', aggregator)
    .where('s.is_gold', '=', 0)
    .where('s.gold_class', 'is', null)
    .orderBy('s.id')
    .execute();
  let tooFewVotes = 0;
  let belowThreshold = 0;
  const labels: CrowdLabel[] = [];
  for (const r of rows) {
    const posterior = (JSON.parse(r.posterior_json) as number[])[r.label] ?? 0;
    if (r.n_votes < minVotes) tooFewVotes++;
    else if (posterior < threshold) belowThreshold++;
    else labels.push({ id: r.external_id, label: wf.classes[r.label], posterior, votes: r.n_votes });
  }
  return { labels, consensusSubjects: rows.length, tooFewVotes, belowThreshold };
}

/** Selected rows of tables sharing the train file's header; `set` overrides a column's cells per part. */
interface Part {
  table: Table;
  rows: number[];
  set?: Record<string, string[]>;
}

export function stackRows(header: string[], parts: Part[]): Table {
  const cache = new Map<string, string[]>();
  return {
    header,
    rows: parts.reduce((n, p) => n + p.rows.length, 0),
    has: (name) => header.includes(name),
    column(name) {
      let col = cache.get(name);
      if (!col) {
        col = parts.flatMap((p) => {
          const given = p.set?.[name];
          if (given) return given;
          const cells = p.table.has(name) ? p.table.column(name) : null;
          return p.rows.map((i) => (cells ? cells[i] : ''));
        });
        cache.set(name, col);
      }
      return col;
    },
  };
}

export async function startCrowdRetrain(db: Db, c: Challenge, o: { startedBy?: number | null; aggregator: string; threshold: number; seed: number; submit: boolean }): Promise<CrowdRetrainRow> {
  return startSingleRun(db, 'baseline_crowd_retrains', c, { code: 'crowd_retrain_running', what: 'retraining with crowd labels', stalled: 'The retraining process stopped without finishing (no progress for 15 minutes).' }, () =>
    db
      .insertInto('baseline_crowd_retrains')
      .values({ challenge_id: c.id, status: 'running', started_by: o.startedBy ?? null, aggregator: o.aggregator, threshold: o.threshold, seed: o.seed, submit: o.submit ? 1 : 0, started_at: nowIso(), heartbeat_at: nowIso() })
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
}

export async function latestCrowdRetrain(db: Db, challengeId: number, doneOnly = false): Promise<CrowdRetrainRow | undefined> {
  return db
    .selectFrom('baseline_crowd_retrains')
    .selectAll()
    .where('challenge_id', '=', challengeId)
    .$if(doneOnly, (q) => q.where('status', '=', 'done'))
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function findCrowdRetrain(db: Db, id: number): Promise<CrowdRetrainRow | undefined> {
  return db.selectFrom('baseline_crowd_retrains').selectAll().where('id', '=', id).executeTakeFirst();
}

const seconds = (t0: number) => (performance.now() - t0) / 1000;

/** Runs the retraining under a stored row (made here unless `runId` is given), marking it done or failed. */
export async function retrainWithCrowd(handle: DbHandle, challenge: Challenge, opts: RetrainOptions): Promise<CrowdRetrainResult> {
  checkRetrainOptions(opts);
  const c = await withLocalFolder(opts.storage, challenge);
  const wf = await workflowBySlug(handle.db, c.slug);
  if (!wf) throw new UserError(409, 'no_crowd_workflow', `'${c.slug}' has no crowd workflow, so it has no crowd labels to retrain with.`);
  const aggregator = opts.aggregator ?? DEFAULT_RETRAIN_AGGREGATOR;
  const threshold = opts.threshold ?? DEFAULT_RETRAIN_THRESHOLD;
  const seed = opts.seed ?? specFor(c, opts.datasetsDir).spec.model.seed;
  const run = opts.runId !== undefined ? await findCrowdRetrain(handle.db, opts.runId) : await startCrowdRetrain(handle.db, c, { startedBy: opts.startedBy, aggregator, threshold, seed, submit: !!opts.submit });
  if (!run) throw new Error(`crowd retraining run ${opts.runId} is gone`);
  try {
    const result = await retrain(handle, c, wf, { ...opts, aggregator, threshold, seed }, run.id);
    const { record } = result;
    await handle.db
      .updateTable('baseline_crowd_retrains')
      .set({
        status: 'done',
        evaluation_rows: record.counts.evaluationRows,
        labels_added: record.counts.crowdLabelsAdded,
        macro_f1_before: record.before.macroF1.estimate,
        macro_f1_after: record.after.macroF1.estimate,
        record_json: JSON.stringify(record),
        submission_id: result.submission?.id ?? null,
        finished_at: nowIso(),
        heartbeat_at: nowIso(),
      })
      .where('id', '=', run.id)
      .execute();
    return result;
  } catch (err) {
    await handle.db
      .updateTable('baseline_crowd_retrains')
      .set({ status: 'failed', error: err instanceof Error ? err.message : String(err), finished_at: nowIso() })
      .where('id', '=', run.id)
      .execute();
    throw err;
  }
}

async function retrain(handle: DbHandle, c: LocalChallenge, wf: Workflow, opts: RetrainOptions & { aggregator: string; threshold: number; seed: number }, runId: number): Promise<CrowdRetrainResult> {
  const started = performance.now();
  const log = opts.log ?? (() => {});
  const minVotes = opts.minVotes ?? loadCrowdConfig().CROWD_MIN_CONSENSUS_VOTES;
  const heartbeat = () => handle.db.updateTable('baseline_crowd_retrains').set({ heartbeat_at: nowIso() }).where('id', '=', runId).execute();

  const train = readCsvTable(path.join(c.folder, c.train_file));
  const test = readCsvTable(path.join(c.folder, c.test_file));
  const trainIds = train.column(c.id_column);
  const known = new Set(trainIds);
  const accepted = await acceptedCrowdLabels(handle.db, wf, opts.aggregator, opts.threshold, minVotes);
  // A test id that is also a train id would leak a labelled row into both sides: never take one.
  const crowd = accepted.labels.filter((l) => !known.has(l.id));
  const testRow = new Map(test.column(c.id_column).map((id, i) => [id, i]));
  const crowdRows = crowd.map((l) => testRow.get(l.id)).filter((i): i is number => i !== undefined);
  const crowdTaken = crowd.filter((l) => testRow.has(l.id));

  const all = trainIds.map((_, i) => i);
  const evaluation = all.filter((i) => isEvaluationRow(trainIds[i]));
  const fit = all.filter((i) => !isEvaluationRow(trainIds[i]));
  if (!evaluation.length) throw new UserError(409, 'no_evaluation_rows', `'${c.slug}' has no train rows in the evaluation split.`);
  const crowdPart: Part = { table: test, rows: crowdRows, set: { [c.target_column]: crowdTaken.map((l) => l.label), ...(c.weight_column ? { [c.weight_column]: crowdRows.map(() => '1') } : {}) } };
  const beforeTable = stackRows(train.header, [{ table: train, rows: fit }]);
  const afterTable = stackRows(train.header, [{ table: train, rows: fit }, crowdPart]);
  const evalTable = stackRows(train.header, [{ table: train, rows: evaluation }]);
  log(`${c.slug}: ${evaluation.length} evaluation rows; training on ${fit.length} train rows before, plus ${crowdTaken.length} crowd labels after (${opts.aggregator}, posterior ≥ ${opts.threshold}, ≥ ${minVotes} votes)`);

  await opts.storage.localDir(crowdBaselineFolderKey(c.slug));
  const dir = crowdBaselineDir(opts.storage.localRoot, c.slug);
  const trainOpts: Omit<TrainOptions, 'subsample'> = { dataDir: opts.storage.localRoot, datasetsDir: opts.datasetsDir, seed: opts.seed, folds: opts.folds, maxEpochs: opts.maxEpochs, onEpoch: () => heartbeat().then(() => {}) };
  let t0 = performance.now();
  const beforeDir = opts.beforeModelDir ?? path.join(dir, 'before');
  if (opts.beforeModelDir) checkReusable(opts.beforeModelDir, beforeTable.rows, opts);
  else await trainOnTable(c, beforeTable, { ...trainOpts, outDir: beforeDir });
  const beforeSeconds = seconds(t0);
  t0 = performance.now();
  await trainOnTable(c, afterTable, { ...trainOpts, outDir: path.join(dir, 'after') });
  const afterSeconds = seconds(t0);

  const k = c.classes.length;
  const truth = Int32Array.from(evalTable.column(c.target_column), (l) => c.classes.indexOf(l.trim()));
  const predBefore = await predictClasses(beforeDir, evalTable, c.id_column, k);
  const predAfter = await predictClasses(path.join(dir, 'after'), evalTable, c.id_column, k);
  const bootstrap = { seed: opts.seed, resamples: opts.resamples ?? RETRAIN_BOOTSTRAP_RESAMPLES, level: 0.95 };
  const bBefore = bootstrapIntervals(predBefore, truth, k, bootstrap);
  const bAfter = bootstrapIntervals(predAfter, truth, k, bootstrap);
  const diff = pairedBootstrapDifferences(predAfter, predBefore, truth, k, bootstrap);

  let submission: SubmissionRow | null = null;
  let submissionModelSeconds: number | null = null;
  if (opts.submit) {
    t0 = performance.now();
    const fullTable = stackRows(train.header, [{ table: train, rows: all }, crowdPart]);
    await trainOnTable(c, fullTable, { ...trainOpts, outDir: path.join(dir, 'submission') });
    submissionModelSeconds = seconds(t0);
    submission = (await submitBaselineFrom(handle, opts.storage, c, path.join(dir, 'submission'), CROWD_BASELINE, `crowd labels (${opts.aggregator}, posterior ≥ ${opts.threshold})`)).submission;
  }

  await opts.storage.publishLocalDir(crowdBaselineFolderKey(c.slug));
  const perClassAdded = Object.fromEntries(c.classes.map((cl) => [cl, crowdTaken.filter((l) => l.label === cl).length]));
  const record: CrowdRetrainRecord = {
    version: 1,
    challenge: c.slug,
    workflowId: wf.id,
    aggregator: opts.aggregator,
    threshold: opts.threshold,
    minVotes,
    seed: opts.seed,
    folds: opts.folds ?? null,
    maxEpochs: opts.maxEpochs ?? null,
    bootstrap,
    counts: {
      trainRows: train.rows,
      evaluationRows: evaluation.length,
      trainingBefore: beforeTable.rows,
      trainingAfter: afterTable.rows,
      consensusSubjects: accepted.consensusSubjects,
      tooFewVotes: accepted.tooFewVotes,
      belowThreshold: accepted.belowThreshold,
      crowdLabelsAdded: crowdTaken.length,
      perClassAdded,
      predictionsChanged: predAfter.reduce((n, p, i) => n + (p !== predBefore[i] ? 1 : 0), 0),
    },
    before: { accuracy: bBefore.accuracy, macroF1: bBefore.macroF1 },
    after: { accuracy: bAfter.accuracy, macroF1: bAfter.macroF1 },
    difference: { accuracy: diff.accuracy, macroF1: diff.macroF1 },
    differenceText: formatDifference('macro-F1 after', 'before', diff.macroF1, 3),
    timings: { beforeSeconds, afterSeconds, submissionModelSeconds, totalSeconds: seconds(started) },
    createdAt: new Date().toISOString(),
  };
  return {
    runId,
    record,
    evaluationIds: evaluation.map((i) => trainIds[i]),
    trainingIdsBefore: beforeTable.column(c.id_column),
    trainingIdsAfter: afterTable.column(c.id_column),
    crowdLabels: crowdTaken,
    submission,
  };
}

function checkReusable(dir: string, rows: number, o: { seed: number; folds?: number; maxEpochs?: number }): void {
  const r = JSON.parse(fs.readFileSync(path.join(dir, RECORD_FILE), 'utf8')) as BaselineRecord;
  const same = r.trainRows === rows && r.seed === o.seed && (o.folds === undefined || r.models.length === o.folds) && (o.maxEpochs === undefined || r.hyperparameters.max_epochs === o.maxEpochs);
  if (!same) throw new Error(`${dir}: this "before" model was trained on ${r.trainRows} rows, seed ${r.seed}, ${r.models.length} models, at most ${r.hyperparameters.max_epochs} epochs; not the same training as asked`);
}

async function predictClasses(dir: string, t: Table, idColumn: string, k: number): Promise<Int32Array> {
  const { record, models } = await loadEnsembleFrom(dir);
  const { proba } = await predictTable(record, models, t, idColumn);
  models.forEach((m) => m.dispose());
  return argmaxRows(proba, k);
}

/** The panel's and the CLI's lines: "crowd labels added: N (threshold t); macro-F1 before → after [interval]". */
export function describeRetrain(r: CrowdRetrainRecord): string[] {
  const f = (i: Interval) => (i.estimate === null ? 'n/a' : i.estimate.toFixed(3));
  const iv = (i: Interval) => (i.lo === null || i.hi === null ? '[n/a]' : `[${i.lo.toFixed(3)}, ${i.hi.toFixed(3)}]`);
  return [
    `crowd labels added: ${r.counts.crowdLabelsAdded} (threshold ${r.threshold}, ${r.aggregator}, at least ${r.minVotes} votes); per class: ${Object.entries(r.counts.perClassAdded).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `left out: ${r.counts.tooFewVotes} with too few votes, ${r.counts.belowThreshold} below the threshold (of ${r.counts.consensusSubjects} test subjects with a consensus)`,
    `evaluation set: ${r.counts.evaluationRows} labelled train rows, never served to the crowd (${r.counts.predictionsChanged} predictions changed); training rows ${r.counts.trainingBefore} before, ${r.counts.trainingAfter} after`,
    `macro-F1 ${f(r.before.macroF1)} ${iv(r.before.macroF1)} → ${f(r.after.macroF1)} ${iv(r.after.macroF1)}; ${r.differenceText}`,
    `accuracy ${f(r.before.accuracy)} ${iv(r.before.accuracy)} → ${f(r.after.accuracy)} ${iv(r.after.accuracy)}`,
    `seed ${r.seed}, bootstrap ${r.bootstrap.resamples} resamples; ${r.timings.beforeSeconds.toFixed(1)} s before, ${r.timings.afterSeconds.toFixed(1)} s after${r.timings.submissionModelSeconds === null ? '' : `, ${r.timings.submissionModelSeconds.toFixed(1)} s submission model`}, ${r.timings.totalSeconds.toFixed(1)} s in all`,
  ];
}
