/**
 * A long ranking shown as Kaggle shows it: the top rows, a gap line standing for the rest, and the
 * viewer's own row pinned after the gap when it is below the top. Pure, for any kind of row.
 */

export type PinnedRow<T> = T & { mine: boolean; pinned: boolean };
/** A line of the table: a row, or the gap standing for `gap` rows left out of `total`. */
export type PinnedLine<T> = PinnedRow<T> | { gap: number; total: number };

export function pinnedLines<T extends object>(rows: T[], isMine: (row: T) => boolean, opts: { top: number; showAll?: boolean }): PinnedLine<T>[] {
  const mark = (r: T, pinned = false): PinnedRow<T> => ({ ...r, mine: isMine(r), pinned });
  if (rows.length <= opts.top) return rows.map((r) => mark(r));
  // Every row: the viewer's sticks to the bottom of the window while it is below it.
  if (opts.showAll) return rows.map((r) => mark(r, isMine(r)));
  // Only the rows shown are copied: a ranking of thousands costs a page of rows per request.
  const shown: PinnedLine<T>[] = rows.slice(0, opts.top).map((r) => mark(r));
  const mine = rows.findIndex(isMine);
  const left = rows.length - opts.top - (mine >= opts.top ? 1 : 0);
  if (left > 0) shown.push({ gap: left, total: rows.length });
  if (mine >= opts.top) shown.push(mark(rows[mine], true));
  return shown;
}
