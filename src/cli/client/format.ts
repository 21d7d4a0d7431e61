/** Plain-text tables and CSV for the `sift` client. */
import { csvLine } from '../../csv.js';

export function table(headers: string[], rows: Array<Array<unknown>>): string {
  const cells = rows.map((r) => r.map((v) => (v === null || v === undefined ? '' : String(v)).replace(/\s+/g, ' ')));
  const widths = headers.map((h, i) => Math.min(80, Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length))));
  const line = (r: string[]) =>
    r
      .map((v, i) => (v.length > widths[i] ? `${v.slice(0, widths[i] - 1)}…` : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export const score = (v: unknown): string => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(5) : '—');

export const when = (iso: unknown): string => (typeof iso === 'string' ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC') : '—');

export const csv = (headers: string[], rows: Array<Array<unknown>>): string => [headers, ...rows].map(csvLine).join('');
