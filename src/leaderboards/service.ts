import { sql } from 'kysely';
import type { Db } from '../db/index.js';
import { privateRevealed } from '../challenges/service.js';
import { canOrganize } from '../challenges/organizers.js';
import { humanTime } from '../web/render.js';
import { UserError } from '../web/errors.js';
import type { Challenge } from '../challenges/repo.js';
import { memberNames } from '../teams/repo.js';
import { entrantKey } from '../teams/entrant.js';
import { teamIdOf } from '../teams/repo.js';
import { boardSnapshot, type BoardSnapshot } from './cache.js';

export type Board = 'public' | 'private';

export interface BoardRow {
  rank: number | null;
  submissionId: number;
  userId: number;
  /** The team's name, or the participant's name when they compete alone. */
  name: string;
  teamId: number | null;
  /** Team members' names (empty for solo participants). */
  members: string[];
  score: number;
  /** The other board's score, shown once the private board is revealed. */
  entries: number;
  createdAt: string;
  isBaseline: boolean;
  /** Public rank minus private rank (positive = moved up), on revealed boards. */
  rankChange: number | null;
}

interface RawRow {
  submission_id: number;
  user_id: number;
  team_id: number | null;
  name: string;
  score: number;
  entries: number;
  created_at: string;
  is_baseline: number;
}

/** Who a row belongs to: the team when the submission has one, else the user (as entrantKey). */
const ENTRANT = sql.raw(`CASE WHEN s.team_id IS NULL THEN 'u:' || CAST(s.user_id AS TEXT) ELSE 't:' || CAST(s.team_id AS TEXT) END`);

/**
 * Late submissions (sent after the close) are never ranked: every board and plot query leaves them out.
 *
 * Each entrant's best public submission, in one query: a window function numbers each entrant's
 * scored submissions best-first (ties to the earlier one) and the outer query keeps the first.
 */
async function publicRows(db: Db, c: Challenge, live: boolean): Promise<RawRow[]> {
  const dir = sql.raw(c.higherIsBetter ? 'DESC' : 'ASC');
  // A frozen public board shows only the submissions made before the freeze.
  const frozen = c.public_frozen_at && !live ? sql`AND s.created_at <= ${c.public_frozen_at}` : sql``;
  const { rows } = await sql<RawRow>`
    SELECT t.id AS submission_id, t.user_id, t.team_id, t.name, t.public_score AS score, t.entries, t.created_at, t.is_baseline
    FROM (
      SELECT s.id, s.user_id, s.team_id, COALESCE(tm.name, u.name) AS name, s.public_score, s.created_at, s.is_baseline,
        ROW_NUMBER() OVER (PARTITION BY ${ENTRANT}, s.is_baseline ORDER BY s.public_score ${dir}, s.created_at ASC, s.id ASC) AS rn,
        COUNT(*) OVER (PARTITION BY ${ENTRANT}, s.is_baseline) AS entries
      FROM submissions s JOIN users u ON u.id = s.user_id LEFT JOIN teams tm ON tm.id = s.team_id
      WHERE s.challenge_id = ${c.id} AND s.status = 'scored' AND s.public_score IS NOT NULL AND s.late = 0 ${frozen}
    ) t
    WHERE t.rn = 1
    ORDER BY t.public_score ${dir}, t.created_at ASC, t.id ASC`.execute(db);
  return rows;
}

/**
 * Kaggle's rule: each entrant's selected submissions count; with none selected, their best
 * `final_selections` public ones do (all of them when final_selections is 0). The best private
 * score among those is their entry.
 */
async function privateRows(db: Db, c: Challenge): Promise<RawRow[]> {
  const dir = sql.raw(c.higherIsBetter ? 'DESC' : 'ASC');
  const auto = c.final_selections > 0 ? c.final_selections : 1_000_000_000;
  const { rows } = await sql<RawRow>`
    WITH scored AS (
      SELECT s.id, s.user_id, s.team_id, COALESCE(tm.name, u.name) AS name, ${ENTRANT} AS entrant, s.public_score, s.private_score, s.created_at, s.is_baseline, s.selected,
        SUM(s.selected) OVER (PARTITION BY ${ENTRANT}, s.is_baseline) AS n_selected,
        ROW_NUMBER() OVER (PARTITION BY ${ENTRANT}, s.is_baseline ORDER BY s.public_score ${dir}, s.created_at ASC, s.id ASC) AS public_rn,
        COUNT(*) OVER (PARTITION BY ${ENTRANT}, s.is_baseline) AS entries
      FROM submissions s JOIN users u ON u.id = s.user_id LEFT JOIN teams tm ON tm.id = s.team_id
      WHERE s.challenge_id = ${c.id} AND s.status = 'scored' AND s.private_score IS NOT NULL AND s.late = 0
    ), candidates AS (
      SELECT *, ROW_NUMBER() OVER (PARTITION BY entrant, is_baseline ORDER BY private_score ${dir}, created_at ASC, id ASC) AS rn
      FROM scored
      WHERE (n_selected > 0 AND selected = 1) OR (n_selected = 0 AND public_rn <= ${auto})
    )
    SELECT id AS submission_id, user_id, team_id, name, private_score AS score, entries, created_at, is_baseline
    FROM candidates WHERE rn = 1
    ORDER BY private_score ${dir}, created_at ASC, id ASC`.execute(db);
  return rows;
}

/** Ranks 1..n over competitors; baseline rows stay on the board as unranked reference lines. */
function rank(rows: RawRow[]): BoardRow[] {
  let next = 1;
  return rows.map((r) => ({
    rank: r.is_baseline ? null : next++,
    submissionId: r.submission_id,
    userId: r.user_id,
    name: r.name,
    teamId: r.team_id ?? null,
    members: [],
    score: Number(r.score),
    entries: Number(r.entries),
    createdAt: r.created_at,
    isBaseline: !!Number(r.is_baseline),
    rankChange: null,
  }));
}

/** Fills in the members of team rows. */
async function withMembers(db: Db, rows: BoardRow[]): Promise<BoardRow[]> {
  const names = await memberNames(db, [...new Set(rows.map((r) => r.teamId).filter((t): t is number => t !== null))]);
  return rows.map((r) => (r.teamId !== null ? { ...r, members: names.get(r.teamId) ?? [] } : r));
}

/**
 * A leaderboard, one row per entrant (team, or participant alone). `opts.live` ignores a public
 * freeze (organizers' view, exports, re-score comparisons). The freeze ends at the close: a
 * closed challenge's public board shows every submission, as its export and the submitters' pages do.
 */
export async function board(db: Db, c: Challenge, which: Board, withRankChange: boolean, opts: { live?: boolean; snapshot?: BoardSnapshot } = {}): Promise<BoardRow[]> {
  const live = !!opts.live || privateRevealed(c);
  const snapshot = opts.snapshot ?? (await boardSnapshot(db, c));
  // Computed once per change of the board (cache.ts); frozen at run time, as every reader shares the rows.
  return snapshot.memo(`rows:${which}:${withRankChange}:${live}`, async () => Object.freeze((await withMembers(db, await rankedBoard(db, c, which, withRankChange, live))).map((r) => Object.freeze(r))) as BoardRow[]);
}

async function rankedBoard(db: Db, c: Challenge, which: Board, withRankChange: boolean, live: boolean): Promise<BoardRow[]> {
  const pub = rank(await publicRows(db, c, live));
  if (which === 'public' && !withRankChange) return pub;
  const priv = rank(await privateRows(db, c));
  const key = (r: BoardRow) => `${entrantKey(r.userId, r.teamId)}:${r.isBaseline}`;
  if (which === 'public') {
    const privRank = new Map(priv.map((r) => [key(r), r.rank]));
    return pub.map((r) => ({ ...r, rankChange: r.rank !== null && privRank.get(key(r)) != null ? r.rank - privRank.get(key(r))! : null }));
  }
  const pubRank = new Map(pub.map((r) => [key(r), r.rank]));
  return priv.map((r) => ({ ...r, rankChange: r.rank !== null && pubRank.get(key(r)) != null ? pubRank.get(key(r))! - r.rank : null }));
}

/** The private board before the reveal is only for the challenge's organizers: 403 private_hidden for anyone else. */
export async function checkBoardAccess(db: Db, c: Challenge, which: Board, viewer: Parameters<typeof canOrganize>[1]): Promise<void> {
  if (which === 'private' && !privateRevealed(c) && !(await canOrganize(db, viewer, c))) {
    throw new UserError(403, 'private_hidden', `The private leaderboard is revealed when the challenge closes, on ${humanTime(c.closes_at)}.`, { revealsAt: c.closes_at });
  }
}

/** A slice of a board's rows: `perPage` rows from page `page` (1-based); every row when perPage is absent. */
export interface BoardPaging {
  page?: number;
  perPage?: number;
}

/**
 * A board as this viewer may see it (web page and API alike): the private one before the reveal
 * only for the challenge's organizers (403 private_hidden otherwise); a frozen public board shows
 * the submissions made up to the freeze. `total` counts every row; a paged read adds its page and size.
 */
export async function boardView(db: Db, c: Challenge, which: Board, viewer: Parameters<typeof canOrganize>[1], opts: BoardPaging & { snapshot?: BoardSnapshot } = {}) {
  await checkBoardAccess(db, c, which, viewer);
  const revealed = privateRevealed(c);
  const frozenAt = which === 'public' && !revealed ? (c.public_frozen_at ?? null) : null;
  const rows = await board(db, c, which, revealed, { snapshot: opts.snapshot });
  if (opts.perPage === undefined) return { board: which, revealed, frozenAt, rows, total: rows.length };
  const page = opts.page ?? 1;
  return { board: which, revealed, frozenAt, rows: rows.slice((page - 1) * opts.perPage, page * opts.perPage), total: rows.length, page, perPage: opts.perPage };
}

/**
 * The public board's figures' data, as the board shows it: the public scores that improved on every
 * earlier one, with when they were sent (entrants' and the Baseline's apart), up to the freeze while the board is
 * frozen; the board's ranked scores; the viewer's own (their team's) score when they have a row; and
 * where the history ends (the freeze, or now until the close). Never a private score.
 */
export async function publicPlotData(db: Db, c: Challenge, rows: BoardRow[], viewer: { id: number } | undefined, now = new Date().toISOString()) {
  const history = await publicHistory(db, c, now);
  const ranked = rows.filter((r) => !r.isBaseline);
  let mine: number | null = null;
  if (viewer) {
    const teamId = await teamIdOf(db, c.id, viewer.id);
    const own = ranked.find((r) => entrantKey(r.userId, r.teamId) === entrantKey(viewer.id, teamId));
    mine = own ? own.score : null;
  }
  return { ...history, scores: ranked.map((r) => r.score), mine };
}

/** The viewer-independent part of publicPlotData: the running best's corners, and where the history ends. */
export async function publicHistory(db: Db, c: Challenge, now = new Date().toISOString()) {
  const frozenAt = !privateRevealed(c) ? (c.public_frozen_at ?? null) : null;
  const frozen = frozenAt ? sql`AND created_at <= ${frozenAt}` : sql``;
  // Only the submissions that beat every earlier one (of entrants, or of the Baseline) come back: the step line's corners.
  const runningBest = sql.raw(c.higherIsBetter ? 'MAX' : 'MIN');
  const beats = sql.raw(c.higherIsBetter ? '>' : '<');
  const { rows: scored } = await sql<{ public_score: number; created_at: string; is_baseline: number }>`
    SELECT public_score, created_at, is_baseline FROM (
      SELECT id, public_score, created_at, is_baseline,
        ${runningBest}(public_score) OVER (PARTITION BY is_baseline ORDER BY created_at, id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS best_before
      FROM submissions
      WHERE challenge_id = ${c.id} AND status = 'scored' AND public_score IS NOT NULL AND late = 0 ${frozen}
    ) t
    WHERE best_before IS NULL OR public_score ${beats} best_before
    ORDER BY created_at, id`.execute(db);
  const timed = (baseline: boolean) => scored.filter((s) => !!Number(s.is_baseline) === baseline).map((s) => ({ at: s.created_at, score: Number(s.public_score) }));
  const end = frozenAt ?? (c.closes_at < now ? c.closes_at : now);
  return { top: timed(false), baseline: timed(true), end };
}
