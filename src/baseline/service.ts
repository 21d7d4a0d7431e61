import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Selectable } from 'kysely';
import type { DbHandle, Db } from '../db/index.js';
import { nowIso } from '../db/index.js';
import type { BaselineRunsTable } from '../db/tables/baseline.js';
import type { Challenge } from '../challenges/repo.js';
import { hashPassword } from '../accounts/passwords.js';
import { accept } from '../submissions/service.js';
import type { SubmissionRow } from '../submissions/repo.js';
import { UserError } from '../web/errors.js';
import { metricHumanName } from '../challenges/metric-names.js';
import { baselineDir, readRecord, trainBaseline, writeSubmission, type BaselineRecord, type TrainOptions } from './train.js';
import type { EpochInfo } from './model.js';
import { baselineFolderKey, type ObjectStorage } from '../storage/index.js';
import { withLocalFolder, type LocalChallenge } from '../challenges/service.js';

export type BaselineRun = Selectable<BaselineRunsTable>;

export const BASELINE_EMAIL = 'baseline@sift.local';
export const BASELINE_NAME = 'Baseline';
/** The second baseline account: the baseline retrained with crowd labels (`retrain --with-crowd --submit`). */
export const CROWD_BASELINE_EMAIL = 'baseline-crowd@sift.local';
export const CROWD_BASELINE_NAME = 'Baseline + crowd';

export interface BaselineAccount {
  email: string;
  name: string;
}
export const PLAIN_BASELINE: BaselineAccount = { email: BASELINE_EMAIL, name: BASELINE_NAME };
export const CROWD_BASELINE: BaselineAccount = { email: CROWD_BASELINE_EMAIL, name: CROWD_BASELINE_NAME };
/** A running run whose heartbeat is older than this is taken for dead (its process was killed). */
export const STALE_RUN_MS = 15 * 60_000;

export interface RunProgress {
  phase: 'starting' | 'training' | 'saving' | 'done' | 'failed';
  model: number;
  models: number;
  epoch: number;
  maxEpochs: number;
  history: Array<{ model: number } & EpochInfo>;
}

/** The dedicated "Baseline" (or "Baseline + crowd") account that owns baseline submissions (created on first use). */
export async function ensureBaselineUser(db: Db, account: BaselineAccount = PLAIN_BASELINE): Promise<{ id: number; name: string }> {
  const found = await db.selectFrom('users').select(['id', 'name']).where('email', '=', account.email).executeTakeFirst();
  if (found) return found;
  try {
    return await db
      .insertInto('users')
      .values({ email: account.email, name: account.name, password_hash: await hashPassword(crypto.randomBytes(24).toString('base64url')), role: 'participant', created_at: nowIso() })
      .returning(['id', 'name'])
      .executeTakeFirstOrThrow();
  } catch (err) {
    const again = await db.selectFrom('users').select(['id', 'name']).where('email', '=', account.email).executeTakeFirst();
    if (again) return again; // created concurrently
    throw err;
  }
}

export async function latestRun(db: Db, challengeId: number): Promise<BaselineRun | undefined> {
  return db.selectFrom('baseline_runs').selectAll().where('challenge_id', '=', challengeId).orderBy('id', 'desc').limit(1).executeTakeFirst();
}

/**
 * The challenge's newest submission of the plain Baseline account (only a scored one with
 * `scoredOnly`); `account` CROWD_BASELINE gives the newest "Baseline + crowd" one instead.
 */
export async function latestBaselineSubmission(db: Db, challengeId: number, scoredOnly = false, account: BaselineAccount = PLAIN_BASELINE): Promise<SubmissionRow | undefined> {
  return db
    .selectFrom('submissions')
    .selectAll('submissions')
    .innerJoin('users', 'users.id', 'submissions.user_id')
    // Any baseline submission but the crowd-retrained account's counts as the plain baseline.
    .where('users.email', account.email === CROWD_BASELINE_EMAIL ? '=' : '<>', CROWD_BASELINE_EMAIL)
    .where('submissions.challenge_id', '=', challengeId)
    .where('submissions.is_baseline', '=', 1)
    .$if(scoredOnly, (q) => q.where('submissions.status', '=', 'scored'))
    .orderBy('submissions.id', 'desc')
    .executeTakeFirst();
}

export async function findRun(db: Db, id: number): Promise<BaselineRun | undefined> {
  return db.selectFrom('baseline_runs').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Tables of runs of which at most one per challenge may be running (a partial unique index), kept alive by a heartbeat. */
type SingleRunTable = 'baseline_runs' | 'baseline_crowd_retrains';

/**
 * Starts a run in `table`: first marks failed any running row whose process stopped beating for
 * STALE_RUN_MS (a killed process must not block the next run forever), then inserts the new row.
 * The partial unique index makes the insert atomic across processes; a second start is refused with
 * 409 `conflict.code`, naming the run in progress; a stalled row gets the `conflict.stalled` error.
 */
export async function startSingleRun<T>(db: Db, table: SingleRunTable, c: Challenge, conflict: { code: string; what: string; stalled: string }, insert: () => Promise<T>): Promise<T> {
  await db
    .updateTable(table)
    .set({ status: 'failed', error: conflict.stalled, finished_at: nowIso() })
    .where('challenge_id', '=', c.id)
    .where('status', '=', 'running')
    .where('heartbeat_at', '<', new Date(Date.now() - STALE_RUN_MS).toISOString())
    .execute();
  try {
    return await insert();
  } catch (err) {
    const running = await db.selectFrom(table).select(['id', 'started_at']).where('challenge_id', '=', c.id).where('status', '=', 'running').executeTakeFirst();
    if (running) throw new UserError(409, conflict.code, `A ${conflict.what} for '${c.slug}' is already running (run ${running.id}, started ${running.started_at}). Wait for it to finish.`, { runId: running.id });
    throw err;
  }
}

/** Records the start of a training run; a second one for the challenge is refused with 409 while one runs. */
export async function startRun(db: Db, c: Challenge, opts: { startedBy?: number | null; seed: number }): Promise<BaselineRun> {
  const progress: RunProgress = { phase: 'starting', model: 0, models: 0, epoch: 0, maxEpochs: 0, history: [] };
  return startSingleRun(db, 'baseline_runs', c, { code: 'baseline_training_running', what: 'baseline training', stalled: 'The training process stopped without finishing (no progress for 15 minutes).' }, () =>
    db
      .insertInto('baseline_runs')
      .values({ challenge_id: c.id, status: 'running', started_by: opts.startedBy ?? null, seed: opts.seed, progress_json: JSON.stringify(progress), started_at: nowIso(), heartbeat_at: nowIso() })
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
}

async function saveProgress(db: Db, runId: number, p: RunProgress, backend?: string): Promise<void> {
  await db.updateTable('baseline_runs').set({ progress_json: JSON.stringify(p), heartbeat_at: nowIso(), ...(backend ? { backend } : {}) }).where('id', '=', runId).execute();
}

/**
 * Trains under a run record, writing progress after every epoch (the organizer page polls it),
 * then marks the run done with the model's record, or failed with the error.
 */
export async function trainUnderRun(
  db: Db,
  storage: ObjectStorage,
  c: Challenge,
  run: BaselineRun,
  opts: Omit<TrainOptions, 'seed' | 'dataDir'> & { onEpochExtra?: TrainOptions['onEpoch'] },
): Promise<BaselineRecord> {
  const p: RunProgress = JSON.parse(run.progress_json);
  p.phase = 'training';
  try {
    const record = await trainBaseline(await withLocalFolder(storage, c), {
      ...opts,
      dataDir: storage.localRoot,
      seed: run.seed,
      onModelStart: (m, models, maxEpochs) => {
        Object.assign(p, { model: m, models, epoch: 0, maxEpochs });
        opts.onModelStart?.(m, models, maxEpochs);
      },
      onEpoch: async (m, e) => {
        p.epoch = e.epoch;
        p.history.push({ model: m, ...e });
        await saveProgress(db, run.id, p);
        await opts.onEpochExtra?.(m, e);
      },
    });
    await storage.publishLocalDir(baselineFolderKey(c.slug));
    p.phase = 'done';
    await db
      .updateTable('baseline_runs')
      .set({ status: 'done', backend: record.backend, progress_json: JSON.stringify(p), record_json: JSON.stringify(record), validation_score: record.validation.score, finished_at: nowIso(), heartbeat_at: nowIso() })
      .where('id', '=', run.id)
      .execute();
    return record;
  } catch (err) {
    p.phase = 'failed';
    await db
      .updateTable('baseline_runs')
      .set({ status: 'failed', error: err instanceof Error ? err.message : String(err), progress_json: JSON.stringify(p), finished_at: nowIso() })
      .where('id', '=', run.id)
      .execute();
    throw err;
  }
}

/**
 * The trained baseline's record (null before the first training), its folder fetched to this
 * machine first (baselineDir(storage.localRoot, slug)), so readers of the model find it there.
 */
export async function storedBaselineRecord(storage: ObjectStorage, slug: string): Promise<BaselineRecord | null> {
  await storage.localDir(baselineFolderKey(slug));
  return readRecord(storage.localRoot, slug);
}

/** Predicts the test file with the saved model and submits it as the Baseline account's entry. */
export async function submitBaseline(handle: DbHandle, storage: ObjectStorage, c: Challenge): Promise<{ submission: SubmissionRow; record: BaselineRecord; file: string }> {
  if (!(await storedBaselineRecord(storage, c.slug))) throw new UserError(409, 'baseline_not_trained', `No trained baseline for '${c.slug}' yet: train it first.`);
  const out = await submitBaselineFrom(handle, storage, await withLocalFolder(storage, c), baselineDir(storage.localRoot, c.slug), PLAIN_BASELINE);
  const latest = await handle.db.selectFrom('baseline_runs').select('id').where('challenge_id', '=', c.id).where('status', '=', 'done').orderBy('id', 'desc').limit(1).executeTakeFirst();
  if (latest) await handle.db.updateTable('baseline_runs').set({ submission_id: out.submission.id }).where('id', '=', latest.id).execute();
  return out;
}

/**
 * Predicts the test file with the model saved in `modelDir` and submits it, flagged as a baseline, as
 * `account`. With `retrainedWith`, the message names it and leaves out the out-of-fold score: that
 * score is then partly on crowd-labelled test rows, which is hidden while the challenge is open.
 */
export async function submitBaselineFrom(
  handle: DbHandle,
  storage: ObjectStorage,
  c: LocalChallenge,
  modelDir: string,
  account: BaselineAccount,
  retrainedWith?: string,
): Promise<{ submission: SubmissionRow; record: BaselineRecord; file: string }> {
  const { file, record } = await writeSubmission(c, storage.localRoot, undefined, modelDir);
  const user = await ensureBaselineUser(handle.db, account);
  const tmpPath = path.join(os.tmpdir(), `sift-baseline-${process.pid}-${crypto.randomBytes(6).toString('hex')}.csv`);
  fs.copyFileSync(file, tmpPath);
  const what = record.task === 'ams' ? `top ${(record.chosenFraction! * 100).toFixed(1)}% as signal` : 'arg-max class';
  const model = `${record.models.length}-model MLP ensemble (${record.backend}, seed ${record.seed}), ${what}`;
  const found = record.foundBy ? `; configuration ${record.foundBy.configuration} of volunteer-computing search #${record.foundBy.searchId}` : '';
  const message = retrainedWith ? `TensorFlow.js baseline retrained with ${retrainedWith}: ${model}` : `TensorFlow.js baseline: ${model}; out-of-fold ${metricHumanName(record.validation.metric)} ${record.validation.score.toFixed(4)}${found}`;
  const submission = await accept(handle, storage, c, user.id, { tmpPath, originalName: `baseline-${c.slug}.csv`, size: fs.statSync(tmpPath).size }, message, { isBaseline: true });
  return { submission, record, file };
}
