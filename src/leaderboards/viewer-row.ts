/**
 * The viewer's own row on a leaderboard page: marked wherever it is, and on a long board kept in
 * view, as Kaggle does: the top rows, then a gap row, then the viewer's row pinned last.
 */
import type { Db } from '../db/index.js';
import { entrantKey } from '../submissions/repo.js';
import { teamIdOf } from '../teams/repo.js';
import type { BoardRow } from './service.js';

/** A board longer than this shows its top rows only, plus the viewer's row. */
export const LONG_BOARD_ROWS = 25;

export type ShownRow = BoardRow & { mine: boolean; pinned: boolean };
/** A row of the page's table: an entrant's row, or the gap standing for the rows left out. */
export type BoardLine = ShownRow | { gap: number; total: number };

/** Whose rows are the viewer's on this challenge: their team's when they are in one, else their own; null for a visitor. */
export async function viewerEntrant(db: Db, challengeId: number, viewer: { id: number } | undefined): Promise<string | null> {
  if (!viewer) return null;
  return entrantKey(viewer.id, await teamIdOf(db, challengeId, viewer.id));
}

/**
 * The lines to show: every row, the viewer's marked, when the board is short or `showAll` (the
 * viewer's row of a long board then pinned: sticky); else the first LONG_BOARD_ROWS rows and a gap
 * line for the rest, with the viewer's row pinned after it when it is below them. Baseline rows are
 * reference lines, never the viewer's.
 */
export function boardLines(rows: BoardRow[], viewer: string | null, opts: { showAll?: boolean; top?: number } = {}): BoardLine[] {
  const top = opts.top ?? LONG_BOARD_ROWS;
  const marked: ShownRow[] = rows.map((r) => ({ ...r, mine: viewer !== null && !r.isBaseline && entrantKey(r.userId, r.teamId) === viewer, pinned: false }));
  if (marked.length <= top) return marked;
  // All rows of a long board: the viewer's row sticks to the bottom of the window while it is below it.
  if (opts.showAll) return marked.map((r) => (r.mine ? { ...r, pinned: true } : r));
  const shown: BoardLine[] = marked.slice(0, top);
  const mine = marked.findIndex((r) => r.mine);
  const left = marked.length - top - (mine >= top ? 1 : 0);
  if (left > 0) shown.push({ gap: left, total: marked.length });
  if (mine >= top) shown.push({ ...marked[mine], pinned: true });
  return shown;
}
