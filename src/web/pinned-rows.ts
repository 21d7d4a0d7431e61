/**
 * A long ranking shown as Kaggle shows it: the top rows, a gap line standing for the rest, and the
 * viewer's own row pinned after the gap when it is below the top. Pure, for any kind of row.
 */

export type PinnedRow<T> = T & { mine: boolean; pinned: boolean };
/** A line of the table: a row, or the gap standing for `gap` rows left out of `total`. */
export type PinnedLine<T> = PinnedRow<T> | { gap: number; total: number };

export function pinnedLines<T extends object>(rows: T[], isMine: (row: T) => boolean, opts: { top: number; showAll?: boolean }): PinnedLine<T>[] {
  const marked: PinnedRow<T>[] = rows.map((r) => ({ ...r, mine: isMine(r), pinned: false }));
  if (marked.length <= opts.top) return marked;
  // Every row: the viewer's sticks to the bottom of the window while it is below it.
  if (opts.showAll) return marked.map((r) => (r.mine ? { ...r, pinned: true } : r));
  const shown: PinnedLine<T>[] = marked.slice(0, opts.top);
  const mine = marked.findIndex((r) => r.mine);
  const left = marked.length - opts.top - (mine >= opts.top ? 1 : 0);
  if (left > 0) shown.push({ gap: left, total: marked.length });
  if (mine >= opts.top) shown.push({ ...marked[mine], pinned: true });
  return shown;
}
