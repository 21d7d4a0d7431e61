/**
 * The viewer's own row on a leaderboard page: marked wherever it is, and on a long board kept in
 * view, as Kaggle does: the top rows, then a gap row, then the viewer's row pinned last.
 */
import type { Db } from '../db/index.js';
import { entrantKey } from '../teams/entrant.js';
import { teamIdOf } from '../teams/repo.js';
import { pinnedLines, type PinnedLine, type PinnedRow } from '../web/pinned-rows.js';
import type { BoardRow } from './service.js';

/** A board longer than this shows its top rows only, plus the viewer's row. */
export const LONG_BOARD_ROWS = 25;

export type ShownRow = PinnedRow<BoardRow>;
/** A row of the page's table: an entrant's row, or the gap standing for the rows left out. */
export type BoardLine = PinnedLine<BoardRow>;

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
  const isMine = (r: BoardRow) => viewer !== null && !r.isBaseline && entrantKey(r.userId, r.teamId) === viewer;
  return pinnedLines(rows, isMine, { top: opts.top ?? LONG_BOARD_ROWS, showAll: opts.showAll });
}
