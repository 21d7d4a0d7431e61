/**
 * Building a challenge folder from the organizer console's uploads and form, so that it passes
 * exactly the checks of `sift import-challenge` (loadChallengeFolder, then every solution row):
 *
 *   DATA_DIR/challenges/<slug>/
 *     train.csv[.gz], test.csv[.gz], sample_submission.csv[.gz]   as uploaded
 *     solution.source.csv[.gz]   the uploaded answer key, any column names
 *     solution.csv               written from it: id, target, [weight], Usage (Public/Private/Ignored)
 *     challenge.yaml             written from the form
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import zlib from 'node:zlib';
import { parse } from 'csv-parse';
import { parse as parseYaml, stringify } from 'yaml';
import { readCsvHeader, USAGE_COLUMN } from '../challenges/definition.js';
import { crowdSectionOfFolder } from '../crowd/display/store.js';
import { readCsvColumn } from '../challenges/solution.js';
import { USAGE, type Solution } from '../../scorers/types.js';
import { isGzipFile } from '../gzip.js';

export type DataKind = 'train' | 'test' | 'solution' | 'sample_submission';

/** How the console turns the uploaded solution into the canonical one. */
export interface ChallengeSetup {
  idColumn: string;
  targetColumn: string;
  weightColumn: string | null;
  /** 'column': Usage values read from `usageColumn`; 'random': a seeded split by id. */
  split: 'column' | 'random';
  usageColumn: string | null;
  /** Share of rows that are Public under a random split (the rest are Private). */
  publicFraction: number;
  seed: string;
}


/** The stored name of an uploaded data file: its kind, `.csv`, and `.gz` when its bytes are gzip. */
export async function storedName(kind: DataKind, tmpFile: string): Promise<string> {
  const base = kind === 'solution' ? 'solution.source' : kind;
  return `${base}.csv${(await isGzipFile(tmpFile)) ? '.gz' : ''}`;
}

/** Moves an upload into the folder under its kind's name, removing any other version (.csv vs .csv.gz). */
export async function placeUpload(dir: string, kind: DataKind, tmpFile: string): Promise<string> {
  const name = await storedName(kind, tmpFile);
  const base = kind === 'solution' ? 'solution.source' : kind;
  for (const other of [`${base}.csv`, `${base}.csv.gz`]) if (other !== name) await fsp.rm(path.join(dir, other), { force: true });
  try {
    await fsp.rename(tmpFile, path.join(dir, name));
  } catch {
    await fsp.copyFile(tmpFile, path.join(dir, name));
    await fsp.rm(tmpFile, { force: true });
  }
  return name;
}

export function findFile(dir: string, base: string): string | null {
  for (const n of [`${base}.csv`, `${base}.csv.gz`]) if (fs.existsSync(path.join(dir, n))) return path.join(dir, n);
  return null;
}

export const sourceSolution = (dir: string): string | null => findFile(dir, 'solution.source');

export async function header(file: string): Promise<string[]> {
  return (await readCsvHeader(file)) ?? [];
}

function openCsv(file: string, gzip: boolean) {
  const raw = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  const parser = parse({ bom: true, skip_empty_lines: true, relax_column_count: true });
  (gzip ? raw.pipe(zlib.createGunzip()) : raw).pipe(parser);
  raw.on('error', (e) => parser.destroy(e));
  return parser as unknown as AsyncIterable<string[]> & { destroy(e?: Error): void };
}

/** Distinct values of a column, in order of first appearance (at most `max`), streaming. */
export async function distinctValues(file: string, column: string, max = 50): Promise<string[]> {
  const parser = openCsv(file, await isGzipFile(file));
  const seen = new Set<string>();
  let idx = -1;
  let first = true;
  try {
    for await (const rec of parser) {
      if (first) {
        idx = rec.indexOf(column);
        first = false;
        if (idx < 0) return [];
        continue;
      }
      const v = rec[idx];
      if (v !== undefined && v !== '' && !seen.has(v)) {
        seen.add(v);
        if (seen.size >= max) break;
      }
    }
  } finally {
    parser.destroy();
  }
  return [...seen];
}

/** A fraction in [0, 1) from the seed and the row id: the same split whatever the row order. */
export function seededUnit(seed: string, id: string): number {
  return crypto.createHash('sha256').update(`${seed}\u0000${id}`).digest().readUInt32BE(0) / 2 ** 32;
}

const csvCell = (v: string): string => (/[",\r\n]/.test(v) || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v);

/**
 * Writes the canonical solution (id, target, [weight], Usage) from the uploaded one, streaming.
 * Row problems (unknown classes, duplicates, bad Usage...) are left to loadSolution, which reports them with line numbers.
 */
export async function writeCanonicalSolution(source: string, out: string, s: ChallengeSetup): Promise<void> {
  const parser = openCsv(source, await isGzipFile(source));
  const tmp = `${out}.tmp`;
  const w = fs.createWriteStream(tmp);
  const write = async (line: string) => {
    if (!w.write(line)) await once(w, 'drain');
  };
  let idx: { id: number; target: number; weight: number; usage: number } | null = null;
  try {
    for await (const rec of parser) {
      if (!idx) {
        const find = (c: string | null, what: string) => {
          if (c === null) return -1;
          const i = rec.indexOf(c);
          if (i < 0) throw new Error(`The solution file has no ${what} column ${JSON.stringify(c)} (header: ${rec.join(',')}).`);
          return i;
        };
        idx = {
          id: find(s.idColumn, 'id'),
          target: find(s.targetColumn, 'target'),
          weight: find(s.weightColumn, 'weight'),
          usage: s.split === 'column' ? find(s.usageColumn, 'usage') : -1,
        };
        await write([s.idColumn, s.targetColumn, ...(s.weightColumn ? [s.weightColumn] : []), USAGE_COLUMN].map(csvCell).join(',') + '\n');
        continue;
      }
      const id = rec[idx.id] ?? '';
      const usage = s.split === 'column' ? (rec[idx.usage] ?? '') : seededUnit(s.seed, id) < s.publicFraction ? 'Public' : 'Private';
      const cells = [id, rec[idx.target] ?? '', ...(idx.weight >= 0 ? [rec[idx.weight] ?? ''] : []), usage];
      await write(cells.map(csvCell).join(',') + '\n');
    }
    if (!idx) throw new Error('The solution file is empty.');
    w.end();
    await once(w, 'finish');
    await fsp.rename(tmp, out);
  } catch (err) {
    w.destroy();
    await fsp.rm(tmp, { force: true });
    throw err;
  } finally {
    parser.destroy();
  }
}

/** Marks a sample submission written by the console (not uploaded): it is rewritten when the settings change. */
export const GENERATED_SAMPLE_MARK = '.sample-generated';
export const GENERATED_SAMPLE = 'sample_submission.csv';

export interface SampleSpec {
  format: 'label' | 'higgsml';
  idColumn: string;
  targetColumn: string;
  classes: string[];
  /** Label format only: whether the metric needs proba_<class> columns. */
  probabilities: boolean;
  train: string;
  test: string;
}

/**
 * Writes a sample submission for the test ids, in the challenge's format, from the training labels
 * only (never the solution, which it would leak): every row gets the training set's majority class;
 * probability columns, when the metric needs them, carry the training class frequencies; the
 * HiggsML format gets RankOrder 1..N in test file order.
 */
export async function writeSampleSubmission(dir: string, spec: SampleSpec): Promise<string> {
  const code = new Map(spec.classes.map((c, i) => [c, i]));
  const counts = spec.classes.map(() => 0);
  for (const label of await readCsvColumn(spec.train, spec.targetColumn)) {
    const k = code.get(label);
    if (k !== undefined) counts[k]++;
  }
  const total = counts.reduce((a, b) => a + b, 0);
  const majority = counts.indexOf(Math.max(...counts));
  const ids = await readCsvColumn(spec.test, spec.idColumn);
  const header = spec.format === 'higgsml' ? [spec.idColumn, 'RankOrder', 'Class'] : [spec.idColumn, spec.targetColumn, ...(spec.probabilities ? spec.classes.map((c) => `proba_${c}`) : [])];
  // Frequencies rounded to 6 places, the remainder on the majority class, so each row sums to 1.
  const freq = spec.classes.map((_, k) => (total ? Math.round((counts[k] / total) * 1e6) / 1e6 : k === majority ? 1 : 0));
  freq[majority] = Math.round((1 - freq.reduce((a, b, k) => (k === majority ? a : a + b), 0)) * 1e6) / 1e6;
  const tail = spec.format === 'higgsml' ? null : [spec.classes[majority], ...(spec.probabilities ? freq.map(String) : [])].map(csvCell).join(',');
  const lines = ids.map((id, i) => (tail === null ? `${csvCell(id)},${i + 1},${csvCell(spec.classes[majority])}` : `${csvCell(id)},${tail}`));
  const file = path.join(dir, GENERATED_SAMPLE);
  await fsp.writeFile(`${file}.tmp`, [header.map(csvCell).join(','), ...lines].join('\n') + '\n');
  await fsp.rename(`${file}.tmp`, file);
  await fsp.writeFile(path.join(dir, GENERATED_SAMPLE_MARK), '');
  return file;
}

export function writeChallengeYaml(dir: string, yaml: Record<string, unknown>): void {
  const file = path.join(dir, 'challenge.yaml');
  // The crowd: section is not on the settings form: a save keeps the one already in the file.
  const crowd = yaml.crowd === undefined ? crowdSectionOfFolder(dir) : undefined;
  writeYamlFile(file, crowd === undefined ? yaml : { ...yaml, crowd });
}

/** Replaces (or, given null, removes) the crowd: key of the folder's challenge.yaml, keeping every other key. */
export function writeCrowdSection(dir: string, section: unknown): void {
  const file = path.join(dir, 'challenge.yaml');
  const doc = { ...((parseYaml(fs.readFileSync(file, 'utf8')) ?? {}) as Record<string, unknown>) };
  if (section === null) delete doc.crowd;
  else doc.crowd = section;
  writeYamlFile(file, doc);
}

function writeYamlFile(file: string, doc: Record<string, unknown>): void {
  // Written aside and renamed over, so a backup (a hard link: backupFolderFiles) keeps the old text.
  fs.writeFileSync(`${file}.tmp`, `# Written by the Sift organizer console.\n${stringify(doc, { lineWidth: 0 })}`);
  fs.renameSync(`${file}.tmp`, file);
}

/** Every file of a challenge folder that the console writes or replaces. */
export const FOLDER_FILES = [
  'challenge.yaml', 'solution.csv', 'solution.source.csv', 'solution.source.csv.gz', 'train.csv', 'train.csv.gz', 'test.csv', 'test.csv.gz',
  'sample_submission.csv', 'sample_submission.csv.gz', GENERATED_SAMPLE_MARK,
];

/**
 * Keeps the current version of a folder's files (hard links: the console's writers replace files by
 * rename, never in place) so that a refused change can be undone and a live challenge keeps working files.
 */
export async function backupFolderFiles(dir: string, names: string[] = FOLDER_FILES) {
  // Its own suffix, so that backups can nest (a file replacement re-runs the settings' check).
  const suffix = `.bak-${crypto.randomBytes(4).toString('hex')}`;
  const kept: string[] = [];
  for (const n of names) {
    const file = path.join(dir, n);
    if (!fs.existsSync(file)) continue;
    await fsp.link(file, file + suffix).catch(() => fsp.copyFile(file, file + suffix));
    kept.push(n);
  }
  return {
    async restore() {
      for (const n of names) await fsp.rm(path.join(dir, n), { force: true });
      for (const n of kept) await fsp.rename(path.join(dir, n + suffix), path.join(dir, n));
    },
    async discard() {
      for (const n of kept) await fsp.rm(path.join(dir, n + suffix), { force: true });
    },
  };
}

export interface Preview {
  rows: number;
  subsets: Array<{ usage: string; rows: number; weight: number; perClass: Array<{ label: string; rows: number }> }>;
}

/** Row counts per subset (Public/Private/Ignored) and per class within each. */
export function previewSolution(sol: Solution): Preview {
  const names: Array<[string, number]> = [
    ['Public', USAGE.Public],
    ['Private', USAGE.Private],
    ['Ignored', USAGE.Ignored],
  ];
  return {
    rows: sol.label.length,
    subsets: names.map(([usage, code]) => {
      const perClass = sol.classes.map(() => 0);
      let rows = 0;
      let weight = 0;
      for (let i = 0; i < sol.label.length; i++) {
        if (sol.usage[i] !== code) continue;
        rows++;
        weight += sol.weight[i];
        perClass[sol.label[i]]++;
      }
      return { usage, rows, weight, perClass: sol.classes.map((label, k) => ({ label, rows: perClass[k] })) };
    }),
  };
}
