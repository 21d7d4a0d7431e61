import { metricHumanName } from '../challenges/metric-names.js';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Db, DbHandle } from '../db/index.js';
import { nowIso } from '../db/index.js';
import { getMetric } from '../../scorers/registry.js';
import { subsetMask } from '../../scorers/mask.js';
import type { Solution } from '../../scorers/types.js';
import type { Challenge } from '../challenges/repo.js';
import { findChallengeById } from '../challenges/repo.js';
import { loadChallengeSolution, phase } from '../challenges/service.js';
import { enqueue } from '../jobs/queue.js';
import { UserError } from '../web/errors.js';
import { DEFAULT_MAX_BYTES, parseSubmission, type ParseOutcome } from './parse.js';
import type { UploadRuntime } from './upload-runtime.js';
import { inlineValidator } from './validation.js';
import { alignedPathOf, readAligned, writeAligned } from './aligned.js';
import { subsetFigures } from './figures.js';
import { teamIdOf } from '../teams/repo.js';
import { entrantKey } from '../teams/entrant.js';
import { canOrganize } from '../challenges/organizers.js';
import * as repo from './repo.js';
import { fileKeyIn, submissionFileKey, type ObjectStorage } from '../storage/index.js';
import { board } from '../leaderboards/service.js';
import { bumpBoardVersion } from '../leaderboards/cache.js';

export const SCORE_JOB = 'score-submission';

export interface Upload {
  /** Temporary path written by multer; moved or removed by accept(). */
  tmpPath: string;
  originalName: string;
  size: number;
}

export interface Quota {
  limit: number;
  used: number;
  left: number;
  /** When the next slot frees: now when one is left, else the next UTC midnight. */
  nextSlotAt: string;
}

/** Slots left today for the user's entrant: their team when they have one (teamId undefined: looked up), else themselves. */
export async function quota(db: Db, c: Challenge, userId: number, teamId?: number | null, now = new Date()): Promise<Quota> {
  if (teamId === undefined) teamId = await teamIdOf(db, c.id, userId);
  const used = await repo.quotaUsed(db, c.id, entrantKey(userId, teamId), repo.utcDay(now));
  return quotaFromUsed(c.daily_limit, used, now);
}

/** The user's (or their team's) submissions to a challenge, newest first, with the quota left today. */
export async function mySubmissions(db: Db, c: Challenge, userId: number): Promise<{ rows: repo.SubmissionRow[]; quota: Quota }> {
  const teamId = await teamIdOf(db, c.id, userId);
  const [rows, q] = await Promise.all([repo.listEntrantSubmissions(db, c.id, userId, teamId), quota(db, c, userId, teamId)]);
  return { rows, quota: q };
}

/** The public leaderboard's top (ranked) score as participants see the board now (up to a freeze), or null with none. */
export async function publicBoardBest(db: Db, c: Challenge): Promise<number | null> {
  const top = (await board(db, c, 'public', false)).find((r) => r.rank === 1);
  return top ? top.score : null;
}

/** A submission of this challenge the user may see (theirs, or their team's); 404 otherwise. */
export async function findOwnSubmission(db: Db, challengeId: number, id: number, userId: number): Promise<repo.SubmissionRow> {
  const s = await repo.findSubmission(db, id);
  if (!s || s.challenge_id !== challengeId || !(await repo.ownsSubmission(db, s, userId))) throw new UserError(404, 'not_found', 'No such submission of yours.');
  return s;
}

/**
 * A submission of this challenge as the user may see it: theirs (or their team's) with the
 * participant's view, or anyone's for the challenge's organizers; 404 otherwise.
 */
export async function findViewableSubmission(db: Db, c: Challenge, id: number, user: { id: number; role: string }) {
  const organizer = await canOrganize(db, user, c);
  if (organizer) {
    const s = await repo.findSubmission(db, id);
    if (s && s.challenge_id === c.id) return { row: s, audience: { organizer } };
  }
  return { row: await findOwnSubmission(db, c.id, id, user.id), audience: { organizer } };
}

function quotaFromUsed(limit: number, used: number, now: Date): Quota {
  const left = Math.max(0, limit - used);
  const midnight = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
  return { limit, used, left, nextSlotAt: (left > 0 ? now : midnight).toISOString() };
}


function dailyLimitError(q: Quota): UserError {
  return new UserError(429, 'daily_limit', `Daily submission limit reached (${q.limit} per UTC day). The next slot frees at ${q.nextSlotAt}.`, { quota: q });
}

const HOUR_MS = 60 * 60_000;
const IDEMPOTENCY_KEY_MS = 24 * HOUR_MS;

/** A 429 that tells the client when to come back (the routes copy retryAfterSeconds into Retry-After). */
function tooManyUploads(code: string, message: string, retryAfterSeconds: number): UserError {
  return new UserError(429, code, message, { retryAfterSeconds });
}

/**
 * Lets one more upload of this user in, or throws 429: past REJECTED_UPLOADS_PER_HOUR rejected files in
 * the last hour (counted in the database, so across processes), or with UPLOADS_IN_FLIGHT_PER_USER
 * uploads of theirs already being received or validated by this process. Call the returned function
 * when the request ends.
 */
export async function admitUpload(db: Db, rt: UploadRuntime, userId: number, now = new Date()): Promise<() => void> {
  const { rejectedPerHour, inFlightPerUser } = rt.limits;
  const recent = await repo.recentRejections(db, userId, new Date(now.getTime() - HOUR_MS).toISOString(), rejectedPerHour);
  if (recent.length >= rejectedPerHour) {
    // The oldest of the last `rejectedPerHour` rejections leaving the hour frees one attempt.
    const freeAt = new Date(Date.parse(recent[recent.length - 1]) + HOUR_MS);
    throw tooManyUploads(
      'too_many_rejected_uploads',
      `Too many rejected uploads: ${rejectedPerHour} of your files were rejected in the last hour (the limit is ${rejectedPerHour} per hour). Check your file against the format, and try again after ${freeAt.toISOString()}.`,
      Math.max(1, Math.ceil((freeAt.getTime() - now.getTime()) / 1000)),
    );
  }
  const running = rt.inFlight.get(userId) ?? 0;
  if (running >= inFlightPerUser) {
    throw tooManyUploads(
      'too_many_uploads_in_flight',
      `You already have ${running} uploads being received or checked (the limit is ${inFlightPerUser} at once per user). Wait for one to finish, then send this one again.`,
      5,
    );
  }
  rt.inFlight.set(userId, running + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (rt.inFlight.get(userId) ?? 1) - 1;
    if (left > 0) rt.inFlight.set(userId, left);
    else rt.inFlight.delete(userId);
  };
}

/** Counts a rejected file against the user's hourly limit. */
export async function recordRejection(db: Db, userId: number, now = new Date()): Promise<void> {
  await repo.recordRejection(db, userId, now.toISOString(), new Date(now.getTime() - HOUR_MS).toISOString());
}

export interface SubmitOptions {
  isBaseline?: boolean;
  teamId?: number | null;
  /** The web process's validation pool and limits; without it (tools, the baseline) the file is checked on the calling thread and rejections are not counted. */
  runtime?: UploadRuntime;
  /** The client's Idempotency-Key: the same key from the same user within 24 hours returns the first submission. */
  idempotencyKey?: string;
}

class KeyTaken extends Error {}

/** Whether the challenge takes uploads after its close (Kaggle's late submissions; on unless the organizers turned it off). */
export const lateSubmissionsAllowed = (c: Challenge): boolean => c.late_submissions !== 0;

/**
 * Whether an upload now would be late (the challenge has closed and takes late submissions); throws
 * 403 when the challenge takes no upload now: not open yet, or closed without late submissions.
 */
export function uploadIsLate(c: Challenge, now = new Date()): boolean {
  const p = phase(c, now);
  if (p === 'open') return false;
  if (p === 'closed' && lateSubmissionsAllowed(c)) return true;
  throw new UserError(
    403,
    'challenge_not_open',
    p === 'closed' ? 'This challenge is closed and its organizers do not take late submissions; submissions are no longer accepted.' : `This challenge opens at ${c.opens_at}.`,
  );
}

async function fileSha256(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest('hex');
}

/** The submission a key already made, if the same file came with it; 422 when the key came with another file. */
async function replay(db: Db, prior: { submission_id: number | null; sha256: string; created_at: string }, sha256: string): Promise<repo.SubmissionRow> {
  const sub = prior.submission_id !== null ? await repo.findSubmission(db, prior.submission_id) : undefined;
  if (prior.sha256 !== sha256 || !sub) {
    throw new UserError(
      422,
      'idempotency_key_reused',
      `This Idempotency-Key was already used at ${prior.created_at} with a different file. Send a new key with each new file; reuse a key only to retry the same upload.`,
    );
  }
  return sub;
}

/**
 * Validates an upload at once (in a worker thread) and queues it for scoring. A file with any problem
 * is rejected with every problem listed and is not stored; a valid file takes one daily slot atomically.
 * With an Idempotency-Key, a retry returns the first submission (replayed) and takes no slot.
 */
export async function submit(
  handle: DbHandle,
  storage: ObjectStorage,
  c: Challenge,
  userId: number,
  upload: Upload,
  message: string | null,
  opts: SubmitOptions = {},
): Promise<{ submission: repo.SubmissionRow; replayed: boolean }> {
  const key = opts.idempotencyKey;
  const keySince = () => new Date(Date.now() - IDEMPOTENCY_KEY_MS).toISOString();
  try {
    if (key !== undefined) {
      const prior = await repo.findIdempotencyKey(handle.db, userId, key, keySince());
      if (prior) return { submission: await replay(handle.db, prior, await fileSha256(upload.tmpPath)), replayed: true };
    }
    // Decided once, here, by the server clock: a re-score never changes whether a submission is late.
    const late = uploadIsLate(c);
    // Submissions and daily limits belong to the user's team when they have one.
    const teamId = opts.teamId !== undefined ? opts.teamId : await teamIdOf(handle.db, c.id, userId);
    const before = await quota(handle.db, c, userId, teamId);
    if (!opts.isBaseline && before.left === 0) throw dailyLimitError(before);

    const validator = opts.runtime?.validator ?? inlineValidator;
    const limits = opts.runtime?.limits ?? { maxUploadBytes: DEFAULT_MAX_BYTES, maxDecompressedBytes: DEFAULT_MAX_BYTES };
    const { outcome, solutionSha256 } = await validator.validate({
      tmpPath: upload.tmpPath,
      originalName: upload.originalName,
      challenge: c,
      solutionFile: await storage.localPath(fileKeyIn(c.folder_key, c.solution_file)),
      maxUploadBytes: limits.maxUploadBytes,
      maxDecompressedBytes: limits.maxDecompressedBytes,
    });
    if (!outcome.ok) {
      if (opts.runtime) await recordRejection(handle.db, userId);
      const details = { errors: outcome.errors, totalErrors: outcome.totalErrors, warnings: outcome.warnings };
      if (outcome.errors[0]?.code === 'too_large') throw new UserError(413, 'file_too_large', `${outcome.errors[0].message} Nothing was stored.`, details);
      throw new UserError(422, 'invalid_submission', `The file has ${outcome.totalErrors} problem${outcome.totalErrors === 1 ? '' : 's'}; nothing was stored.`, details);
    }

    const sha256 = outcome.sha256!;
    const fileKey = submissionFileKey(c.id, sha256, outcome.gzipped);
    await storage.putFile(fileKey, upload.tmpPath);
    const aligned = alignedPathOf(localFileOf(storage, fileKey));
    await fs.promises
      .mkdir(path.dirname(aligned), { recursive: true })
      .then(() => writeAligned(aligned, solutionSha256, outcome.prediction))
      .catch(() => undefined);

    try {
      const row = await handle.db.transaction().execute(async (tx) => {
        const now = nowIso();
        if (key !== undefined && !(await repo.claimIdempotencyKey(tx, userId, key, sha256, now, keySince()))) throw new KeyTaken();
        const entrant = entrantKey(userId, teamId);
        if (!opts.isBaseline) {
          const used = await repo.takeQuotaSlot(tx, c.id, entrant, repo.utcDay(), c.daily_limit);
          if (used === null) throw dailyLimitError(quotaFromUsed(c.daily_limit, c.daily_limit, new Date()));
        }
        const row = await tx
          .insertInto('submissions')
          .values({
            challenge_id: c.id,
            user_id: userId,
            team_id: teamId,
            file_path: fileKey,
            original_name: upload.originalName.slice(0, 200),
            sha256,
            size_bytes: upload.size,
            row_count: outcome.rows,
            message: message?.slice(0, 500) || null,
            status: 'queued',
            warnings_json: outcome.warnings.length ? JSON.stringify(outcome.warnings) : null,
            selected: 0,
            is_baseline: opts.isBaseline ? 1 : 0,
            late: late ? 1 : 0,
            created_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        if (key !== undefined) await repo.setIdempotencyKeySubmission(tx, userId, key, row.id);
        await enqueue(tx, SCORE_JOB, { submissionId: row.id });
        return row;
      });
      return { submission: row, replayed: false };
    } catch (err) {
      // A concurrent request with the same key committed first: this one rolled back (no slot taken).
      if (!(err instanceof KeyTaken)) throw err;
      const prior = await repo.findIdempotencyKey(handle.db, userId, key!, keySince());
      if (!prior) throw new UserError(409, 'idempotency_conflict', 'Another request with this Idempotency-Key was being processed; retry it.');
      return { submission: await replay(handle.db, prior, sha256), replayed: true };
    }
  } finally {
    await fs.promises.rm(upload.tmpPath, { force: true });
  }
}

/**
 * What details_json holds: each subset's metric details, or for a submission that could not be
 * scored, the full reason (it may name subset internals, so only organizers see it).
 */
export interface ScoreDetails {
  public?: Record<string, unknown>;
  private?: Record<string, unknown>;
  failure?: string;
}

/** submit() for callers that need only the new submission (the baseline, tools). */
export const accept = async (...args: Parameters<typeof submit>): Promise<repo.SubmissionRow> => (await submit(...args)).submission;

/**
 * Fails a submission. `error` is shown to its submitter, so it never carries a score or a subset's
 * internals; `failure`, the full reason, goes to details_json, which only organizers see before the reveal.
 */
async function markFailed(handle: DbHandle, id: number, error: string, failure?: string): Promise<void> {
  const details: ScoreDetails | null = failure ? { failure } : null;
  await handle.db.transaction().execute(async (tx) => {
    const row = await tx
      .updateTable('submissions')
      .set({ status: 'failed', error, details_json: details && JSON.stringify(details), scored_at: nowIso() })
      .where('id', '=', id)
      .returning('challenge_id')
      .executeTakeFirst();
    // A re-score that fails takes a scored row off the boards.
    if (row) await bumpBoardVersion(tx, row.challenge_id);
  });
}

/** The submitter's side of a scoring failure: what went wrong, without a number or a row of the solution. */
const unscorableMessage = (metricName: string, what: string) =>
  `Scoring failed: ${what} (metric ${metricHumanName(metricName)}). The challenge's organizers can see the full reason.`;

/**
 * Parses a stored (accepted) submission file against the solution: the scorer's read, shared with
 * the crowd comparison. Rejects when the file cannot be read.
 */
export async function parseStoredSubmission(storage: ObjectStorage, sub: Pick<repo.SubmissionRow, 'file_path'>, c: Challenge, solution: Solution): Promise<ParseOutcome> {
  return parseSubmission(await storage.get(sub.file_path), { filename: sub.file_path, format: c.format, solution });
}

/**
 * Where this process keeps its own derived files of a stored object (the aligned prediction of an
 * accepted submission): under the storage's local root, so they never travel between machines; a
 * worker elsewhere finds none and parses the stored file instead.
 */
const localFileOf = (storage: ObjectStorage, key: string): string => path.join(storage.localRoot, ...key.split('/'));

/** Scores one queued submission on both subsets. Scorer errors fail the submission, with the message shown to its owner. */
export async function score(handle: DbHandle, storage: ObjectStorage, submissionId: number, opts: { rescore?: boolean } = {}): Promise<void> {
  const sub = await repo.findSubmission(handle.db, submissionId);
  if (!sub) return;
  // A re-score recomputes finished submissions in place (they stay on the board meanwhile).
  if (!opts.rescore && (sub.status === 'scored' || sub.status === 'failed')) return;
  const c = await findChallengeById(handle.db, sub.challenge_id);
  if (!c) return markFailed(handle, sub.id, 'The challenge no longer exists.');
  if (!opts.rescore) await handle.db.updateTable('submissions').set({ status: 'scoring' }).where('id', '=', sub.id).execute();

  const solution = await loadChallengeSolution(storage, c);
  const aligned = alignedPathOf(localFileOf(storage, sub.file_path));
  let prediction = await readAligned(aligned, solution.sha256, solution.label.length);
  // Used once: later reads (re-scores, comparisons) parse the stored file against the solution of their day.
  await fs.promises.rm(aligned, { force: true });
  if (!prediction) {
    const outcome = await parseStoredSubmission(storage, sub, c, solution);
    if (!outcome.ok) return markFailed(handle, sub.id, `The stored file no longer matches the solution: ${outcome.errors[0]?.message ?? 'invalid'}`);
    prediction = outcome.prediction;
  }

  const metric = getMetric(c.metric);
  const rows = { public: subsetMask(solution.usage, 'public'), private: subsetMask(solution.usage, 'private') };
  let pub, priv;
  try {
    pub = metric.score(prediction, solution, rows.public, c.metricOptions);
    priv = metric.score(prediction, solution, rows.private, c.metricOptions);
  } catch (err) {
    return markFailed(handle, sub.id, unscorableMessage(metric.name, 'the scorer could not score this file'), `Scoring failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!Number.isFinite(pub.score) || !Number.isFinite(priv.score)) {
    const why = (r: typeof pub) => (typeof r.details.note === 'string' ? ` (${r.details.note})` : '');
    return markFailed(
      handle,
      sub.id,
      unscorableMessage(metric.name, 'the score is undefined for this file'),
      `The ${metric.name} score is undefined: public ${pub.score}${why(pub)}, private ${priv.score}${why(priv)}.`,
    );
  }
  const withFigures = (details: Record<string, unknown>, subset: 'public' | 'private') => {
    try {
      return { ...details, ...subsetFigures(metric.name, prediction, solution, rows[subset], details) };
    } catch {
      // A figure is a bonus: the score stands without it, and the page says it is not available.
      return details;
    }
  };
  const detailsJson = JSON.stringify({ public: withFigures(pub.details, 'public'), private: withFigures(priv.details, 'private') });
  // The row and the boards' counter in one transaction: whoever sees the submission scored sees it on the boards.
  await handle.db.transaction().execute(async (tx) => {
    await tx
      .updateTable('submissions')
      .set({
        status: 'scored',
        error: null,
        public_score: pub.score,
        private_score: priv.score,
        details_json: detailsJson,
        scorer_version: metric.version,
        solution_sha256: solution.sha256,
        scored_at: nowIso(),
      })
      .where('id', '=', sub.id)
      .execute();
    await bumpBoardVersion(tx, c.id);
  });
}

export const scoreJobHandler = (handle: DbHandle, storage: ObjectStorage) => ({
  run: (payload: { submissionId: number }) => score(handle, storage, payload.submissionId),
  giveUp: (payload: { submissionId: number }, reason: string) => markFailed(handle, payload.submissionId, `Scoring did not complete: ${reason}.`),
});

/** Participants mark up to final_selections scored submissions for the private leaderboard. */
export async function setSelected(handle: DbHandle, c: Challenge, userId: number, submissionId: number, selected: boolean): Promise<void> {
  if (phase(c) === 'closed') throw new UserError(403, 'challenge_closed', 'Final selections are locked: the challenge has closed.');
  const sub = await repo.findSubmission(handle.db, submissionId);
  const teamId = await teamIdOf(handle.db, c.id, userId);
  // Any member selects among the team's submissions; the cap is per team.
  const mine = sub && sub.challenge_id === c.id && (teamId !== null ? sub.team_id === teamId : sub.user_id === userId && sub.team_id === null);
  if (!sub || !mine) throw new UserError(404, 'not_found', 'No such submission of yours.');
  if (sub.status !== 'scored') throw new UserError(409, 'not_scored', 'Only scored submissions can be selected.');
  await handle.db.transaction().execute(async (tx) => {
    if (selected) {
      const row = await tx
        .selectFrom('submissions')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('challenge_id', '=', c.id)
        .where(repo.ofEntrant(userId, teamId))
        .where('selected', '=', 1)
        .where('id', '!=', sub.id)
        .executeTakeFirstOrThrow();
      if (Number(row.n) >= c.final_selections) {
        throw new UserError(409, 'too_many_selected', `You can select at most ${c.final_selections} final submission(s); unselect one first.`);
      }
    }
    await tx.updateTable('submissions').set({ selected: selected ? 1 : 0 }).where('id', '=', sub.id).execute();
    await bumpBoardVersion(tx, c.id);
  });
}
