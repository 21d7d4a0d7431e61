/**
 * Loading a challenge's solution file (the hidden answer key) into the typed
 * arrays of scorers/types.ts.
 *
 * The file is `.csv` or `.csv.gz` (gzip detected by its magic bytes 1f 8b, not
 * by its name), with a header row holding at least the id column, the target
 * column, the weight column when the challenge has one, and `Usage`
 * (Public / Private / Ignored, case-sensitive as in Kaggle's solution files).
 * Other columns are ignored.
 *
 * A recorded challenge's solution (loadChallengeSolution) also has a binary cache beside it
 * (solution-cache.ts), so each new process or worker thread reads it in milliseconds instead of parsing.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { createHash, type Hash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream';
import readline from 'node:readline';
import zlib from 'node:zlib';
import { parse } from 'csv-parse';
import { USAGE, type Solution, type UsageCode } from '../../scorers/types.js';
import { isGzipBytes, isGzipFile } from '../gzip.js';
import { logger } from '../log.js';
import { readSolutionCache, writeSolutionCache, type IdTable } from './solution-cache.js';
import type { Challenge } from './repo.js';
import { fileKeyIn, type ObjectStorage } from '../storage/index.js';

/** What loadSolution needs to know about the challenge. */
export interface SolutionSpec {
  idColumn: string;
  targetColumn: string;
  /** Null when rows are unweighted (every weight is 1). */
  weightColumn: string | null;
  /** Class names in code order: label code i is classes[i]. */
  classes: string[];
}

/** A solution file that cannot be used; `problems` holds one line each (with line numbers). */
export class SolutionFileError extends Error {
  readonly file: string;
  readonly problems: string[];
  constructor(file: string, problems: string[], truncated = false) {
    super(`Invalid solution file ${file}:\n` + problems.map((p) => `  ${p}`).join('\n') + (truncated ? '\n  (more problems not shown)' : ''));
    this.name = 'SolutionFileError';
    this.file = file;
    this.problems = problems;
  }
}

export const USAGE_COLUMN = 'Usage';

/** At most this many row problems are collected before giving up. */
const MAX_PROBLEMS = 20;

const USAGE_CODES: ReadonlyMap<string, UsageCode> = new Map([
  ['Public', USAGE.Public],
  ['Private', USAGE.Private],
  ['Ignored', USAGE.Ignored],
]);

/** A plain decimal number: no hex, no Infinity, no empty string. */
const NUMBER_RE = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/** Passes bytes through, hashing them. */
class HashTap extends Transform {
  readonly hash: Hash = createHash('sha256');
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    cb(null, chunk);
  }
}


function checkSpec(spec: SolutionSpec, file: string): void {
  const problems: string[] = [];
  if (!spec.idColumn) problems.push('the id column name is empty');
  if (!spec.targetColumn) problems.push('the target column name is empty');
  if (spec.classes.length === 0) problems.push('the challenge has no classes');
  if (new Set(spec.classes).size !== spec.classes.length) problems.push(`the challenge's classes are not unique (${spec.classes.join(', ')})`);
  if (problems.length) throw new SolutionFileError(file, problems);
}

/**
 * Parses a solution file (streaming). `source` yields the raw file bytes; the
 * sha256 is computed over them (before any gunzip).
 */
async function parseSolution(source: Readable, gzip: boolean, file: string, spec: SolutionSpec): Promise<Solution> {
  checkSpec(spec, file);
  const tap = new HashTap();
  const parser = parse({
    bom: true,
    info: true,
    skip_empty_lines: true,
    relax_column_count: false,
  });
  const state: { streamError: Error | null } = { streamError: null };
  const stages: NodeJS.ReadWriteStream[] = gzip ? [tap, zlib.createGunzip()] : [tap];
  // The parser is the last stage; records are read from it below. Errors of earlier
  // stages destroy it, so the for-await loop throws them.
  (pipeline as unknown as (...args: unknown[]) => void)(source, ...stages, parser, (err: Error | null) => {
    if (err) state.streamError = err;
  });

  const classCode = new Map(spec.classes.map((c, i) => [c, i]));
  const ids: string[] = [];
  const index = new Map<string, number>();
  const lines: number[] = [];
  const labels: number[] = [];
  const weights: number[] = [];
  const usages: number[] = [];
  const problems: string[] = [];
  let truncated = false;
  const problem = (line: number, msg: string): void => {
    if (problems.length >= MAX_PROBLEMS) truncated = true;
    else problems.push(`line ${line}: ${msg}`);
  };

  let header: string[] | null = null;
  let iId = -1;
  let iTarget = -1;
  let iWeight = -1;
  let iUsage = -1;
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const rec = item.record;
      const line = item.info.lines;
      if (header === null) {
        header = rec;
        const find = (name: string) => header!.indexOf(name);
        iId = find(spec.idColumn);
        iTarget = find(spec.targetColumn);
        iWeight = spec.weightColumn === null ? -1 : find(spec.weightColumn);
        iUsage = find(USAGE_COLUMN);
        const need = [spec.idColumn, spec.targetColumn, ...(spec.weightColumn === null ? [] : [spec.weightColumn]), USAGE_COLUMN];
        const missing = need.filter((c) => !header!.includes(c));
        if (missing.length) {
          throw new SolutionFileError(file, [
            `line ${line}: missing column${missing.length > 1 ? 's' : ''} ${missing.map((c) => JSON.stringify(c)).join(', ')} (header: ${header.join(',')})`,
          ]);
        }
        const dup = need.filter((c) => header!.indexOf(c) !== header!.lastIndexOf(c));
        if (dup.length) throw new SolutionFileError(file, [`line ${line}: duplicate column${dup.length > 1 ? 's' : ''} ${dup.map((c) => JSON.stringify(c)).join(', ')}`]);
        continue;
      }

      const id = rec[iId];
      const label = rec[iTarget];
      const usage = rec[iUsage];
      let ok = true;
      if (id === '') {
        problem(line, `empty id in column ${JSON.stringify(spec.idColumn)}`);
        ok = false;
      } else if (index.has(id)) {
        problem(line, `duplicate id ${JSON.stringify(id)} (first on line ${lines[index.get(id)!]})`);
        ok = false;
      }
      const code = classCode.get(label);
      if (code === undefined) {
        problem(line, `unknown class ${JSON.stringify(label)} in column ${JSON.stringify(spec.targetColumn)} (expected one of ${spec.classes.join(', ')})`);
        ok = false;
      }
      let w = 1;
      if (iWeight >= 0) {
        const text = rec[iWeight];
        w = NUMBER_RE.test(text) ? Number(text) : NaN;
        if (!Number.isFinite(w) || w < 0) {
          problem(line, `bad weight ${JSON.stringify(text)} in column ${JSON.stringify(spec.weightColumn)} (expected a number >= 0)`);
          ok = false;
        }
      }
      const u = USAGE_CODES.get(usage);
      if (u === undefined) {
        problem(line, `bad ${USAGE_COLUMN} ${JSON.stringify(usage)} (expected Public, Private or Ignored; case-sensitive)`);
        ok = false;
      }
      if (truncated) break;
      if (!ok) continue;
      index.set(id, ids.length);
      ids.push(id);
      lines.push(line);
      labels.push(code!);
      weights.push(w);
      usages.push(u!);
    }
  } catch (err) {
    if (err instanceof SolutionFileError) throw err;
    throw new SolutionFileError(file, [describeStreamError(err as Error)]);
  } finally {
    parser.destroy();
  }
  if (state.streamError && !truncated && problems.length === 0) {
    // Normally surfaced by the loop already; kept for errors raised after the last record.
    const e = state.streamError as Error & { code?: string };
    if (e.code !== 'ERR_STREAM_PREMATURE_CLOSE') throw new SolutionFileError(file, [describeStreamError(e)]);
  }
  if (header === null) throw new SolutionFileError(file, ['the file is empty (no header row)']);
  if (problems.length) throw new SolutionFileError(file, problems, truncated);
  if (ids.length === 0) throw new SolutionFileError(file, ['no data rows after the header']);

  return {
    sha256: tap.hash.digest('hex'),
    ids,
    index,
    classes: [...spec.classes],
    label: Int32Array.from(labels),
    weight: Float64Array.from(weights),
    usage: Uint8Array.from(usages),
  };
}

function describeStreamError(err: Error & { code?: string; lines?: number }): string {
  if (err.code === 'Z_DATA_ERROR' || err.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(err.message)) {
    return `not a valid gzip file (${err.message})`;
  }
  // csv-parse messages already carry "at line N".
  return err.message;
}

/**
 * Reads a solution file (`.csv` or `.csv.gz`), streaming. Throws SolutionFileError
 * with line numbers for a missing column, unknown class, duplicate id, bad weight
 * or bad Usage.
 */
export async function loadSolution(file: string, spec: SolutionSpec): Promise<Solution> {
  let gzip: boolean;
  try {
    gzip = await isGzipFile(file);
  } catch (err) {
    throw new SolutionFileError(file, [`cannot be read (${(err as Error).message})`]);
  }
  return parseSolution(fs.createReadStream(file, { highWaterMark: 1 << 20 }), gzip, file, spec);
}

/** How many mismatched ids a problem line quotes. */
const ID_EXAMPLES = 5;

/** A file that cannot give the column asked for; the message is one problem line. */
class IdColumnError extends Error {}

const openText = async (file: string): Promise<Readable> => {
  const raw = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  if (!(await isGzipFile(file))) return raw;
  const gunzip = zlib.createGunzip();
  raw.on('error', (e) => gunzip.destroy(e));
  return raw.pipe(gunzip);
};

/**
 * One column of a CSV file, in file order, without csv-parse: a file without '"' is a line split
 * on commas, about 10x faster on a big test file. Null when a line has a quote (then csv-parse reads it).
 */
async function plainColumn(file: string, column: string): Promise<string[] | null> {
  const lines = readline.createInterface({ input: await openText(file), crlfDelay: Infinity });
  const out: string[] = [];
  let index = -1;
  try {
    for await (const raw of lines) {
      if (raw.includes('"')) return null;
      if (index < 0) {
        const header = raw.replace(/^\uFEFF/, '').split(',');
        index = header.indexOf(column);
        if (index < 0) throw new IdColumnError(`no column ${JSON.stringify(column)} (header: ${header.join(',')})`);
        continue;
      }
      if (raw === '') continue;
      let start = 0;
      for (let k = 0; k < index && start >= 0; k++) start = raw.indexOf(',', start) + 1 || -1;
      const end = start < 0 ? -1 : raw.indexOf(',', start);
      out.push(start < 0 ? '' : raw.slice(start, end < 0 ? undefined : end));
    }
  } finally {
    lines.close();
  }
  if (index < 0) throw new IdColumnError('is empty (no header row)');
  return out;
}

/** One column of any CSV file (quoted fields included), in file order. */
async function csvColumn(file: string, column: string): Promise<string[]> {
  const parser = parse({ bom: true, skip_empty_lines: true, relax_column_count: true });
  (pipeline as unknown as (...args: unknown[]) => void)(await openText(file), parser, () => {});
  const out: string[] = [];
  let index = -1;
  try {
    for await (const rec of parser as AsyncIterable<string[]>) {
      if (index < 0) {
        index = rec.indexOf(column);
        if (index < 0) throw new IdColumnError(`no column ${JSON.stringify(column)} (header: ${rec.join(',')})`);
        continue;
      }
      out.push(rec[index] ?? '');
    }
  } finally {
    parser.destroy();
  }
  if (index < 0) throw new IdColumnError('is empty (no header row)');
  return out;
}

/**
 * Whether the test file's ids are exactly the solution's (set equality): a participant's submission
 * must cover the test ids, and the solution scores them, so any difference would tell participants
 * that their valid ids are unknown. One line per kind of mismatch, with counts and examples; empty
 * when the sets are equal.
 */
/** One column of a CSV file (`.csv` or gzip), in file order: a plain line scan when the file has no quotes, csv-parse otherwise. */
export async function readCsvColumn(file: string, column: string): Promise<string[]> {
  return (await plainColumn(file, column)) ?? (await csvColumn(file, column));
}

export async function testIdProblems(testFile: string, idColumn: string, sol: Pick<Solution, 'ids' | 'index'>): Promise<string[]> {
  const name = path.basename(testFile);
  let ids: string[];
  try {
    ids = await readCsvColumn(testFile, idColumn);
  } catch (err) {
    return [`${name}: ${err instanceof IdColumnError ? err.message : `cannot be read (${describeStreamError(err as Error)})`}`];
  }
  const seen = new Uint8Array(sol.ids.length);
  const unknown: string[] = [];
  const repeated: string[] = [];
  for (const id of ids) {
    const i = sol.index.get(id);
    if (i === undefined) unknown.push(id);
    else if (seen[i]) repeated.push(id);
    else seen[i] = 1;
  }
  const absent = sol.ids.filter((_, i) => !seen[i]);
  const problems: string[] = [];
  const some = (list: string[]) => `${list.slice(0, ID_EXAMPLES).join(', ')}${list.length > ID_EXAMPLES ? ', …' : ''}`;
  if (unknown.length) problems.push(`${unknown.length} test id${unknown.length === 1 ? ' is' : 's are'} missing from the solution, e.g. ${some(unknown)}`);
  if (absent.length) problems.push(`${absent.length} solution id${absent.length === 1 ? ' is' : 's are'} not in the test file, e.g. ${some(absent)}`);
  if (repeated.length) problems.push(`${repeated.length} test id${repeated.length === 1 ? ' appears' : 's appear'} more than once in the test file, e.g. ${some(repeated)}`);
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Rows by id: the solution's Map is fine, but hashing 550,000 fresh strings costs ~150 ms (and
// building the Map as much again), so when every id is a canonical integer in a compact range, ids
// are looked up by value in a table instead. The solution cache stores that table.

/** Finds a solution row by id. */
export class IdLookup {
  /** The longest id, in UTF-16 code units. */
  readonly longest: number;
  constructor(
    private readonly sol: Pick<Solution, 'index'>,
    /** Null when the ids are not all canonical integers in a compact range: then the Map is used. */
    readonly table: IdTable | null,
    longest: number,
  ) {
    this.longest = longest;
  }
  /** Row index of an id, or -1. */
  get(id: string): number {
    const t = this.table;
    if (t === null) {
      const r = this.sol.index.get(id);
      return r === undefined ? -1 : r;
    }
    if (id.length > this.longest) return -1;
    const n = canonicalInt(id) - t.min;
    return n >= 0 && n < t.rows.length ? t.rows[n] : -1;
  }
}

/** The value of '0' or a digit string without leading zero, up to 15 digits; -1 for anything else. */
function canonicalInt(s: string): number {
  const len = s.length;
  if (len === 0 || len > 15 || (len > 1 && s.charCodeAt(0) === 48)) return -1;
  let n = 0;
  for (let i = 0; i < len; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

function buildIdLookup(sol: Solution): IdLookup {
  let min = Infinity;
  let max = -Infinity;
  let longest = 0;
  let integers = sol.ids.length > 0;
  for (const id of sol.ids) {
    if (id.length > longest) longest = id.length;
    if (!integers) continue;
    const n = canonicalInt(id);
    if (n < 0) integers = false;
    else {
      if (n < min) min = n;
      if (n > max) max = n;
    }
  }
  if (!integers || max - min + 1 > 4 * sol.ids.length + 1024) return new IdLookup(sol, null, longest);
  const rows = new Int32Array(max - min + 1).fill(-1);
  sol.ids.forEach((id, row) => (rows[canonicalInt(id) - min] = row));
  return new IdLookup(sol, { min, rows }, longest);
}

const lookups = new WeakMap<Solution, IdLookup>();

/** How to find this solution's rows by id (built once per solution, or read from its cache). */
export function idLookup(sol: Solution): IdLookup {
  let l = lookups.get(sol);
  if (l === undefined) {
    l = buildIdLookup(sol);
    lookups.set(sol, l);
  }
  return l;
}

// ---------------------------------------------------------------------------------------------
// In-process cache

/** How many parsed solutions the cache keeps (least recently used dropped first). */
const CACHE_SIZE = 8;

/** (path, mtime, size, spec) -> solution; a file that changes gets a new key. */
const byFile = new Map<string, Promise<Solution>>();
/** (sha256, spec) -> solution: a copy of a file (another path) is not parsed again. */
const byContent = new Map<string, Solution>();

/** How solutions reached this thread since it started (or the last clearSolutionCache): tests and diagnostics. */
const loads = { parsed: 0, fromDiskCache: 0, diskCacheWrites: 0 };

function specKey(spec: SolutionSpec): string {
  return JSON.stringify([spec.idColumn, spec.targetColumn, spec.weightColumn, spec.classes]);
}

function touch<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > CACHE_SIZE) map.delete(map.keys().next().value as string);
}

export interface GetSolutionOptions {
  /**
   * Use the binary cache beside the file (solution-cache.ts): read it when it matches the file,
   * else parse the CSV and write it. Only for a challenge's own folder under DATA_DIR: never for
   * a folder being checked before an import (the repository's datasets/, an upload).
   */
  diskCache?: boolean;
}

/**
 * loadSolution with an in-process cache: a solution is parsed once per file
 * version (path + mtime + size) and shared by content (sha256) across paths;
 * with `diskCache`, a new thread or process reads the binary cache instead of parsing.
 * Callers must treat the returned Solution as read-only.
 */
export async function getSolution(file: string, spec: SolutionSpec, opts: GetSolutionOptions = {}): Promise<Solution> {
  const abs = path.resolve(file);
  let st: fs.Stats;
  try {
    st = await fsp.stat(abs);
  } catch (err) {
    throw new SolutionFileError(file, [`cannot be read (${(err as Error).message})`]);
  }
  const sk = specKey(spec);
  const fileKey = JSON.stringify([abs, st.mtimeMs, st.size, sk]);
  const hit = byFile.get(fileKey);
  if (hit) {
    touch(byFile, fileKey, hit);
    return hit;
  }
  // Forget older versions of the same file.
  const pathPrefix = JSON.stringify([abs]).slice(0, -1) + ',';
  const versionPrefix = JSON.stringify([abs, st.mtimeMs, st.size]).slice(0, -1) + ',';
  for (const k of [...byFile.keys()]) if (k.startsWith(pathPrefix) && !k.startsWith(versionPrefix)) byFile.delete(k);

  const promise = (async () => {
    const bytes = await fsp.readFile(abs);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const contentKey = `${sha256}\n${sk}`;
    const known = byContent.get(contentKey);
    if (known) {
      touch(byContent, contentKey, known);
      return known;
    }
    const sol = opts.diskCache ? await solutionFromDiskCache(abs, sha256, spec) : null;
    if (sol) {
      touch(byContent, contentKey, sol);
      return sol;
    }
    const parsed = await parseSolution(Readable.from([bytes], { objectMode: false }), isGzipBytes(bytes), file, spec);
    loads.parsed++;
    touch(byContent, contentKey, parsed);
    if (opts.diskCache) await saveSolutionCache(abs, parsed, spec);
    return parsed;
  })();
  touch(byFile, fileKey, promise);
  promise.catch(() => {
    if (byFile.get(fileKey) === promise) byFile.delete(fileKey);
  });
  return promise;
}

/** The solution from the cache beside `file` when it matches the file's sha256 and the spec; null (logged) otherwise. */
async function solutionFromDiskCache(file: string, sha256: string, spec: SolutionSpec): Promise<Solution | null> {
  const read = await readSolutionCache(file, sha256, spec);
  if (typeof read === 'string') {
    if (read !== 'missing') logger.info({ file }, `solution cache rejected, rebuilding it: ${read}`);
    return null;
  }
  loads.fromDiskCache++;
  lookups.set(read.solution, new IdLookup(read.solution, read.idTable, read.longestId));
  return read.solution;
}

/**
 * Writes the binary cache of a solution file parsed as `sol`: at import, and whenever a load finds it
 * missing or stale. A folder that cannot be written only costs the next load a parse.
 */
export async function saveSolutionCache(file: string, sol: Solution, spec: SolutionSpec): Promise<void> {
  const lookup = idLookup(sol);
  try {
    await writeSolutionCache(file, sol, spec, lookup.table, lookup.longest);
    loads.diskCacheWrites++;
  } catch (err) {
    logger.warn({ file, err }, 'could not write the solution cache (the next load parses the solution again)');
  }
}

/**
 * Makes sure the binary cache beside a solution file matches it, parsing the CSV and writing the cache
 * when it is missing or stale, without keeping the solution in this thread's memory.
 */
export async function ensureSolutionCache(file: string, spec: SolutionSpec): Promise<void> {
  const bytes = await fsp.readFile(file).catch((err: Error) => {
    throw new SolutionFileError(file, [`cannot be read (${err.message})`]);
  });
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (typeof (await readSolutionCache(file, sha256, spec)) !== 'string') return;
  const parsed = await parseSolution(Readable.from([bytes], { objectMode: false }), isGzipBytes(bytes), file, spec);
  loads.parsed++;
  await saveSolutionCache(file, parsed, spec);
}

/** The parse settings of a recorded challenge's solution. */
export function solutionSpec(c: Pick<Challenge, 'id_column' | 'target_column' | 'weight_column' | 'classes'>): SolutionSpec {
  return { idColumn: c.id_column, targetColumn: c.target_column, weightColumn: c.weight_column, classes: c.classes };
}

/**
 * A recorded challenge's solution: from this thread's cache, else from the binary cache beside the
 * local file (a copy on this machine when the storage is a bucket), else parsed.
 */
export async function loadChallengeSolution(storage: ObjectStorage, c: Pick<Challenge, 'folder_key' | 'solution_file' | 'id_column' | 'target_column' | 'weight_column' | 'classes'>): Promise<Solution> {
  return getSolution(await storage.localPath(fileKeyIn(c.folder_key, c.solution_file)), solutionSpec(c), { diskCache: true });
}

/** Empties the solution cache (tests; or after replacing solution files in place), and zeroes solutionLoads. */
export function clearSolutionCache(): void {
  byFile.clear();
  byContent.clear();
  loads.parsed = loads.fromDiskCache = loads.diskCacheWrites = 0;
}

/** How many solutions this thread parsed, read from disk caches, and wrote caches of. */
export function solutionLoads(): { parsed: number; fromDiskCache: number; diskCacheWrites: number } {
  return { ...loads };
}

/** Number of cached file versions and contents (for tests and diagnostics). */
export function solutionCacheSize(): { files: number; contents: number } {
  return { files: byFile.size, contents: byContent.size };
}
