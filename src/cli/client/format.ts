/** Plain-text tables and CSV for the `sift` client. */
import { csvLine } from '../../csv.js';

/** Words of `text` in lines of at most `width` characters (a longer word is cut across lines). */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (let word of text.split(' ')) {
    while (word.length > width) {
      if (line) lines.push(line);
      lines.push(word.slice(0, width));
      word = word.slice(width);
      line = '';
    }
    if (!line) line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line || !lines.length) lines.push(line);
  return lines;
}

export interface TableOptions {
  /** Wrap the last column onto further lines within this total width, instead of cutting it (problem texts). */
  wrapLastTo?: number;
}

export function table(headers: string[], rows: Array<Array<unknown>>, opts: TableOptions = {}): string {
  const cells = rows.map((r) => r.map((v) => (v === null || v === undefined ? '' : String(v)).replace(/\s+/g, ' ')));
  const last = headers.length - 1;
  const widths = headers.map((h, i) => Math.min(80, Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length))));
  if (opts.wrapLastTo !== undefined) {
    const before = widths.slice(0, last).reduce((a, w) => a + w + 2, 0);
    widths[last] = Math.max(headers[last].length, Math.min(Math.max(...cells.map((r) => (r[last] ?? '').length), 0), Math.max(30, opts.wrapLastTo - before)));
  }
  const line = (r: string[]) =>
    r
      .map((v, i) => (v.length > widths[i] ? `${v.slice(0, widths[i] - 1)}…` : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const rowLines = (r: string[]): string[] => {
    if (opts.wrapLastTo === undefined) return [line(r)];
    const parts = wrapText(r[last] ?? '', widths[last]);
    return parts.map((part, k) => line([...(k === 0 ? r.slice(0, last) : r.slice(0, last).map(() => '')), part]));
  };
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.flatMap(rowLines)].join('\n');
}

export const score = (v: unknown): string => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(5) : '—');

export const when = (iso: unknown): string => (typeof iso === 'string' ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC') : '—');

export const csv = (headers: string[], rows: Array<Array<unknown>>): string => [headers, ...rows].map(csvLine).join('');
