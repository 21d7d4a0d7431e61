import fs from 'node:fs';
import path from 'node:path';
import { streamCsvCells } from '../crowd/setup.js';
import type { ObjectStorage } from '../storage/index.js';
import { cachedPerFileVersion, publicDataFiles, type DataFileRole } from './data-files.js';
import type { Challenge } from './repo.js';
import { humanSize } from '../web/render.js';

export type ColumnType = 'integer' | 'float' | 'text' | 'category';

export interface ColumnSummary {
  name: string;
  type: ColumnType;
  /** Smallest and largest value of a number column (missing values left out); null otherwise. */
  min: number | null;
  max: number | null;
  /** A category column's distinct values, sorted, at most CATEGORY_VALUES_SHOWN of them; null otherwise. */
  values: string[] | null;
  /** How many distinct values of a category column `values` leaves out. */
  moreValues: number;
  /** Cells that are empty, NaN / NA / null, or the HiggsML marker -999. */
  missing: number;
  missingShare: number;
}

export interface FileSummary {
  rows: number;
  columns: ColumnSummary[];
  /** The header and the first PREVIEW_ROWS rows, as written in the file. */
  preview: { header: string[]; rows: string[][] };
  /** How long reading the file took, in milliseconds. */
  computeMs: number;
}

export const PREVIEW_ROWS = 5;
/** A text column with at most this many distinct values is a category. */
const MAX_CATEGORIES = 20;
const CATEGORY_VALUES_SHOWN = 10;
/** HiggsML writes -999.0 where a quantity is undefined for an event (no jet, no MMC mass). */
const MISSING_MARKER = -999;
const MISSING_WORDS = new Set(['', 'nan', 'na', 'n/a', 'null', 'none']);

/** What one pass learns about a column. */
class ColumnTally {
  missing = 0;
  present = 0;
  numeric = true;
  integer = true;
  min = Infinity;
  max = -Infinity;
  /** Distinct values while there are at most MAX_CATEGORIES; null past that. */
  distinct: Set<string> | null = new Set();

  constructor(readonly name: string) {}

  add(cell: string | undefined): void {
    // Only short cells can be a missing word: most cells skip the lowercasing.
    if (cell === undefined || (cell.length <= 6 && MISSING_WORDS.has(cell.trim().toLowerCase()))) {
      this.missing++;
      return;
    }
    const n = this.numeric ? Number(cell) : NaN;
    if (n === MISSING_MARKER) {
      this.missing++;
      return;
    }
    this.present++;
    if (this.distinct) {
      this.distinct.add(cell);
      if (this.distinct.size > MAX_CATEGORIES) this.distinct = null;
    }
    if (!this.numeric) return;
    if (!Number.isFinite(n)) {
      this.numeric = false;
      return;
    }
    if (this.integer && !/^\s*[+-]?\d+\s*$/.test(cell)) this.integer = false;
    if (n < this.min) this.min = n;
    if (n > this.max) this.max = n;
  }

  summary(rows: number): ColumnSummary {
    const numeric = this.numeric && this.present > 0;
    // A column of a few repeated words is a category; an id or name column (every value new) is text.
    const category = !numeric && this.distinct !== null && this.distinct.size <= Math.max(1, this.present / 2);
    const sorted = category ? [...this.distinct!].sort() : null;
    return {
      name: this.name,
      type: numeric ? (this.integer ? 'integer' : 'float') : category ? 'category' : 'text',
      min: numeric ? this.min : null,
      max: numeric ? this.max : null,
      values: sorted ? sorted.slice(0, CATEGORY_VALUES_SHOWN) : null,
      moreValues: sorted ? Math.max(0, sorted.length - CATEGORY_VALUES_SHOWN) : 0,
      missing: this.missing,
      missingShare: rows ? this.missing / rows : 0,
    };
  }
}

/** Reads a CSV file (plain or gzip) once: its row count, each column's type, range and missing share, and its first rows. */
export async function summarizeCsvFile(file: string): Promise<FileSummary> {
  const started = performance.now();
  let tallies: ColumnTally[] | null = null;
  let header: string[] = [];
  const preview: string[][] = [];
  let rows = 0;
  for await (const cells of streamCsvCells(file)) {
    if (!tallies) {
      header = cells;
      tallies = cells.map((name) => new ColumnTally(name));
      continue;
    }
    rows++;
    if (preview.length < PREVIEW_ROWS) preview.push(cells);
    for (let i = 0; i < tallies.length; i++) tallies[i].add(cells[i]);
  }
  return { rows, columns: (tallies ?? []).map((t) => t.summary(rows)), preview: { header, rows: preview }, computeMs: Math.round(performance.now() - started) };
}

/** Where a file's summary is kept beside it: a dot file, which no download list names or serves. */
const sidecarOf = (file: string): string => path.join(path.dirname(file), `.${path.basename(file)}.summary.json`);

/**
 * summarizeCsvFile once per version of each file (cachedPerFileVersion), kept in memory and as
 * JSON beside the file, so that neither a page view nor a restart re-reads a large file. The JSON
 * is used only when it names the same version (mtime and size); writing it is best effort.
 */
export const cachedFileSummary = cachedPerFileVersion(async (file: string, version: string): Promise<FileSummary> => {
  const stored = await fs.promises.readFile(sidecarOf(file), 'utf8').then(JSON.parse, () => null) as { version?: string; summary?: FileSummary } | null;
  if (stored?.version === version && stored.summary) return stored.summary;
  const summary = await summarizeCsvFile(file);
  await fs.promises.writeFile(sidecarOf(file), JSON.stringify({ version, summary })).catch(() => undefined);
  return summary;
});

/** A public data file as the overview shows it: summary null while it is still being computed. */
export interface FileDictionary {
  name: string;
  role: DataFileRole;
  sizeBytes: number;
  summary: FileSummary | null;
  /** Why the file could not be summarized (it is not a readable CSV), else null. */
  problem: string | null;
}

/**
 * The data dictionary of a challenge: one entry per public data file, never the solution
 * (publicDataFiles). A summary not ready within `waitMs` is left null and goes on being computed,
 * so the first view of a large file answers at once and a later one finds it ready.
 */
export async function dataDictionary(storage: ObjectStorage, c: Challenge, waitMs = Infinity): Promise<FileDictionary[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    if (Number.isFinite(waitMs)) timer = setTimeout(() => resolve(null), waitMs);
  });
  try {
    return await Promise.all(
      publicDataFiles(c).map(async (f) => {
        const file = await storage.localPath(f.key);
        const sizeBytes = (await fs.promises.stat(file)).size;
        try {
          return { name: f.name, role: f.role, sizeBytes, summary: await Promise.race([cachedFileSummary(file), timeout]), problem: null };
        } catch (err) {
          // csv-parse's messages (CSV_* codes) say what is wrong with the file; others could name server paths.
          const code = String((err as { code?: unknown }).code ?? '');
          return { name: f.name, role: f.role, sizeBytes, summary: null, problem: code.startsWith('CSV_') ? (err as Error).message : 'The file could not be read.' };
        }
      }),
    );
  } finally {
    clearTimeout(timer);
  }
}

const ROLE_LABELS: Record<DataFileRole, string> = {
  train: 'Training data, with labels',
  test: 'Test data, without labels: predict these rows',
  sample_submission: 'Sample submission: the format of an upload',
};

/** A number as the dictionary prints it: six significant digits, no "-0". */
function shortNumber(n: number): string {
  if (n === 0) return '0';
  return Number.isInteger(n) && Math.abs(n) < 1e15 ? String(n) : String(Number(n.toPrecision(6)));
}

function rangeText(col: ColumnSummary): string {
  if (col.min !== null && col.max !== null) return col.min === col.max ? shortNumber(col.min) : `${shortNumber(col.min)} – ${shortNumber(col.max)}`;
  if (col.values) return col.values.join(', ') + (col.moreValues ? `, … (${col.moreValues} more)` : '');
  return '';
}

function shareText(share: number): string {
  if (share === 0) return '0%';
  if (share < 0.001) return '<0.1%';
  return `${(share * 100).toFixed(1).replace(/\.0$/, '')}%`;
}

/** The overview page's data section: sizes, row counts and column tables as text. */
export function dictionaryView(files: FileDictionary[]) {
  return files.map((f) => ({
    name: f.name,
    role: f.role,
    roleLabel: ROLE_LABELS[f.role],
    size: humanSize(f.sizeBytes),
    pending: f.summary === null && f.problem === null,
    problem: f.problem,
    rows: f.summary?.rows.toLocaleString('en-US') ?? null,
    columnCount: f.summary?.columns.length ?? null,
    columns: (f.summary?.columns ?? []).map((col) => ({ name: col.name, type: col.type, range: rangeText(col), missing: shareText(col.missingShare), anyMissing: col.missing > 0 })),
    preview: f.summary?.preview ?? null,
  }));
}
