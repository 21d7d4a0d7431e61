/**
 * "Re-score all submissions" after a solution or scorer change: a job (kind RESCORE_JOB) run by the
 * same worker threads as scoring. The boards before are stored when the run is created, the boards
 * after when it ends, so the re-score page can show which ranks changed.
 */
import type { Db, DbHandle } from '../db/index.js';
import { nowIso } from '../db/index.js';
import type { Challenge } from '../challenges/repo.js';
import { findChallengeById } from '../challenges/repo.js';
import { enqueue } from '../jobs/queue.js';
import { board, type BoardRow } from '../leaderboards/service.js';
import { score } from '../submissions/service.js';
import { entrantKey } from '../teams/entrant.js';
import { UserError } from '../web/errors.js';
import type { ObjectStorage } from '../storage/index.js';

export const RESCORE_JOB = 'rescore-challenge';

interface Snapshot {
  public: BoardRow[];
  private: BoardRow[];
}

async function snapshot(db: Db, c: Challenge): Promise<Snapshot> {
  return { public: await board(db, c, 'public', false, { live: true }), private: await board(db, c, 'private', false) };
}

/** Queues a re-score of every finished submission of the challenge; returns the run id. */
export async function startRescore(handle: DbHandle, c: Challenge, userId: number | null, reason: string | null): Promise<number> {
  const running = await handle.db.selectFrom('rescore_runs').select('id').where('challenge_id', '=', c.id).where('status', 'in', ['queued', 'running']).executeTakeFirst();
  if (running) throw new UserError(409, 'rescore_running', `Re-score #${running.id} is still running.`, { runId: running.id });
  const before = await snapshot(handle.db, c);
  return handle.db.transaction().execute(async (tx) => {
    const run = await tx
      .insertInto('rescore_runs')
      .values({ challenge_id: c.id, status: 'queued', total: 0, done: 0, before_json: JSON.stringify(before), after_json: null, reason: reason?.slice(0, 500) || null, error: null, created_by: userId, created_at: nowIso(), finished_at: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    await enqueue(tx, RESCORE_JOB, { runId: run.id }, 2);
    return run.id;
  });
}

async function run(handle: DbHandle, storage: ObjectStorage, runId: number, lease?: AbortSignal): Promise<void> {
  const r = await handle.db.selectFrom('rescore_runs').selectAll().where('id', '=', runId).executeTakeFirst();
  if (!r || r.status === 'done') return;
  const c = await findChallengeById(handle.db, r.challenge_id);
  if (!c) return;
  const ids = (
    await handle.db.selectFrom('submissions').select('id').where('challenge_id', '=', c.id).where('status', 'in', ['scored', 'failed']).orderBy('id').execute()
  ).map((x) => x.id);
  await handle.db.updateTable('rescore_runs').set({ status: 'running', total: ids.length, done: 0 }).where('id', '=', runId).execute();
  const step = Math.max(1, Math.floor(ids.length / 100));
  for (let i = 0; i < ids.length; i++) {
    lease?.throwIfAborted();
    await score(handle, storage, ids[i], { rescore: true });
    if ((i + 1) % step === 0 || i + 1 === ids.length) await handle.db.updateTable('rescore_runs').set({ done: i + 1 }).where('id', '=', runId).execute();
  }
  const after = await snapshot(handle.db, (await findChallengeById(handle.db, c.id))!);
  await handle.db.updateTable('rescore_runs').set({ status: 'done', after_json: JSON.stringify(after), finished_at: nowIso() }).where('id', '=', runId).execute();
}

export const rescoreJobHandler = (handle: DbHandle, storage: ObjectStorage) => ({
  run: (payload: { runId: number }, _job: unknown, lease: AbortSignal) => run(handle, storage, payload.runId, lease),
  giveUp: async (payload: { runId: number }, reason: string) => {
    await handle.db.updateTable('rescore_runs').set({ status: 'failed', error: reason.slice(0, 2000), finished_at: nowIso() }).where('id', '=', payload.runId).execute();
  },
});

export interface RankChange {
  entrant: string;
  name: string;
  before: { rank: number | null; score: number } | null;
  after: { rank: number | null; score: number } | null;
  /** Before rank minus after rank: positive moved up. */
  moved: number | null;
  changed: boolean;
}

const entrantOf = (r: BoardRow) => entrantKey(r.userId, r.teamId) + (r.isBaseline ? ':baseline' : '');

export function rankChanges(before: BoardRow[], after: BoardRow[]): RankChange[] {
  const b = new Map(before.map((r) => [entrantOf(r), r]));
  const a = new Map(after.map((r) => [entrantOf(r), r]));
  const keys = [...new Set([...after.map(entrantOf), ...before.map(entrantOf)])];
  return keys.map((k) => {
    const x = b.get(k);
    const y = a.get(k);
    const moved = x?.rank != null && y?.rank != null ? x.rank - y.rank : null;
    return {
      entrant: k,
      name: (y ?? x)!.name,
      before: x ? { rank: x.rank, score: x.score } : null,
      after: y ? { rank: y.rank, score: y.score } : null,
      moved,
      changed: !x || !y || x.rank !== y.rank || x.score !== y.score,
    };
  });
}

export async function getRun(db: Db, c: Challenge, runId: number) {
  const r = await db.selectFrom('rescore_runs').selectAll().where('id', '=', runId).where('challenge_id', '=', c.id).executeTakeFirst();
  if (!r) throw new UserError(404, 'not_found', 'No such re-score run.');
  const before = JSON.parse(r.before_json) as Snapshot;
  const after = r.after_json ? (JSON.parse(r.after_json) as Snapshot) : null;
  return {
    id: r.id,
    status: r.status,
    total: r.total,
    done: r.done,
    percent: r.total ? Math.round((100 * r.done) / r.total) : r.status === 'done' ? 100 : 0,
    reason: r.reason,
    error: r.error,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
    public: after ? rankChanges(before.public, after.public) : null,
    private: after ? rankChanges(before.private, after.private) : null,
  };
}

export async function listRuns(db: Db, c: Challenge) {
  return db.selectFrom('rescore_runs').select(['id', 'status', 'total', 'done', 'created_at', 'finished_at', 'reason']).where('challenge_id', '=', c.id).orderBy('id', 'desc').limit(20).execute();
}
