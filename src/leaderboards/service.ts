import { sql } from 'kysely';
import type { Db } from '../db/index.js';
import type { Challenge } from '../challenges/repo.js';

export type Board = 'public' | 'private';

export interface BoardRow {
  rank: number | null;
  submissionId: number;
  userId: number;
  name: string;
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
  name: string;
  score: number;
  entries: number;
  created_at: string;
  is_baseline: number;
}

/**
 * Each entrant's best public submission, in one query: a window function numbers each entrant's
 * scored submissions best-first (ties to the earlier one) and the outer query keeps the first.
 */
async function publicRows(db: Db, c: Challenge): Promise<RawRow[]> {
  const dir = sql.raw(c.higherIsBetter ? 'DESC' : 'ASC');
  const { rows } = await sql<RawRow>`
    SELECT t.id AS submission_id, t.user_id, t.name, t.public_score AS score, t.entries, t.created_at, t.is_baseline
    FROM (
      SELECT s.id, s.user_id, u.name, s.public_score, s.created_at, s.is_baseline,
        ROW_NUMBER() OVER (PARTITION BY s.user_id, s.is_baseline ORDER BY s.public_score ${dir}, s.created_at ASC, s.id ASC) AS rn,
        COUNT(*) OVER (PARTITION BY s.user_id, s.is_baseline) AS entries
      FROM submissions s JOIN users u ON u.id = s.user_id
      WHERE s.challenge_id = ${c.id} AND s.status = 'scored' AND s.public_score IS NOT NULL
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
      SELECT s.id, s.user_id, u.name, s.public_score, s.private_score, s.created_at, s.is_baseline, s.selected,
        SUM(s.selected) OVER (PARTITION BY s.user_id, s.is_baseline) AS n_selected,
        ROW_NUMBER() OVER (PARTITION BY s.user_id, s.is_baseline ORDER BY s.public_score ${dir}, s.created_at ASC, s.id ASC) AS public_rn,
        COUNT(*) OVER (PARTITION BY s.user_id, s.is_baseline) AS entries
      FROM submissions s JOIN users u ON u.id = s.user_id
      WHERE s.challenge_id = ${c.id} AND s.status = 'scored' AND s.private_score IS NOT NULL
    ), candidates AS (
      SELECT *, ROW_NUMBER() OVER (PARTITION BY user_id, is_baseline ORDER BY private_score ${dir}, created_at ASC, id ASC) AS rn
      FROM scored
      WHERE (n_selected > 0 AND selected = 1) OR (n_selected = 0 AND public_rn <= ${auto})
    )
    SELECT id AS submission_id, user_id, name, private_score AS score, entries, created_at, is_baseline
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
    score: Number(r.score),
    entries: Number(r.entries),
    createdAt: r.created_at,
    isBaseline: !!Number(r.is_baseline),
    rankChange: null,
  }));
}

export async function board(db: Db, c: Challenge, which: Board, withRankChange: boolean): Promise<BoardRow[]> {
  const pub = rank(await publicRows(db, c));
  if (which === 'public' && !withRankChange) return pub;
  const priv = rank(await privateRows(db, c));
  const key = (r: BoardRow) => `${r.userId}:${r.isBaseline}`;
  if (which === 'public') {
    const privRank = new Map(priv.map((r) => [key(r), r.rank]));
    return pub.map((r) => ({ ...r, rankChange: r.rank !== null && privRank.get(key(r)) != null ? r.rank - privRank.get(key(r))! : null }));
  }
  const pubRank = new Map(pub.map((r) => [key(r), r.rank]));
  return priv.map((r) => ({ ...r, rankChange: r.rank !== null && pubRank.get(key(r)) != null ? pubRank.get(key(r))! - r.rank : null }));
}
