import { parse } from 'csv-parse/sync';
import { readMaybeGzipped } from '../gzip.js';

/** A CSV file as columns of strings (small enough for memory: 250k HiggsML rows is ~70 MB of text). */
export interface Table {
  header: string[];
  rows: number;
  column(name: string): string[];
  has(name: string): boolean;
}

export function readCsvTable(file: string): Table {
  const records = parse(readMaybeGzipped(file), { bom: true, skip_empty_lines: true, relax_column_count: false }) as string[][];
  if (!records.length) throw new Error(`${file}: empty`);
  const header = records[0].map((h) => h.trim());
  const body = records.slice(1);
  const cache = new Map<string, string[]>();
  return {
    header,
    rows: body.length,
    has: (name) => header.includes(name),
    column(name) {
      let col = cache.get(name);
      if (!col) {
        const i = header.indexOf(name);
        if (i < 0) throw new Error(`${file}: no column ${JSON.stringify(name)}`);
        col = body.map((r) => r[i]);
        cache.set(name, col);
      }
      return col;
    },
  };
}

/** Number of a cell; NaN for empty, "NaN", "nan", "null" or anything that is not a number. */
export function cellNumber(s: string | undefined): number {
  if (s === undefined) return NaN;
  const t = s.trim();
  if (t === '') return NaN;
  const v = Number(t);
  return Number.isFinite(v) ? v : NaN;
}

export function isNumericColumn(values: string[]): boolean {
  let numbers = 0;
  for (const s of values) {
    const t = s.trim();
    if (t === '' || /^(nan|null|na|inf|-inf)$/i.test(t)) continue;
    if (!Number.isFinite(Number(t))) return false;
    numbers++;
  }
  return numbers > 0;
}
