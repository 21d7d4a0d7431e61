/**
 * A binary, columnar copy of a parsed solution, kept beside the solution file in the challenge's
 * private folder. A new process or worker thread then gets a 550,000-row solution by reading one
 * file and viewing its bytes as typed arrays, instead of gunzipping and parsing the CSV (seconds).
 *
 * Layout: the 8-byte magic, a little-endian u32 length, a JSON header of that length, then sections
 * at 8-byte-aligned offsets (typed arrays view them in place, so the machine must be little-endian,
 * as every platform Node supports is): label (Int32), weight (Float64), usage (Uint8), the integer id
 * table when the ids allow one (Int32), else the ids as a JSON array. The ids as strings are made only
 * when something asks for them by name (scoring never does).
 *
 * The header holds the sha256 of the solution file it was built from, the spec it was parsed with,
 * and a CRC-32 of every byte after it. A cache whose source or spec differs (the organizer replaced
 * the solution, or changed the classes) or whose bytes are damaged is rejected, and the caller
 * rebuilds it from the CSV.
 *
 * The file is hidden data like the solution: its name starts with a dot, and nothing lists or serves
 * it (downloads come only from explicit lists of public names: challenges/data-files.ts).
 */
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import type { Solution } from '../../scorers/types.js';

/** Ids that are canonical integers in a compact range: rows[id - min] is the row, or -1. */
export interface IdTable {
  min: number;
  rows: Int32Array;
}

/** What the loader needs besides the Solution: how to find rows by id without hashing strings. */
export interface SolutionCacheContents {
  solution: Solution;
  idTable: IdTable | null;
  longestId: number;
}

/** The parse settings a cache was built with (solution.ts's SolutionSpec). */
export interface CacheSpec {
  idColumn: string;
  targetColumn: string;
  weightColumn: string | null;
  classes: string[];
}

const MAGIC = Buffer.from('SIFTSOL\n', 'latin1');
/** Bumped whenever the layout changes: an older cache is then rejected and rebuilt. */
const FORMAT_VERSION = 1;
const SECTIONS = ['label', 'weight', 'usage', 'idTable', 'ids'] as const;
type SectionName = (typeof SECTIONS)[number];

interface Header {
  version: number;
  sourceSha256: string;
  spec: CacheSpec;
  rows: number;
  longestId: number;
  idTableMin: number | null;
  /** [offset from the start of the payload, byte length] of each section. */
  sections: Record<SectionName, [number, number]>;
  /** CRC-32 of the payload (every byte after the header). */
  payloadCrc32: number;
}

/** The cache of a solution file: a dot file beside it, `.solution.csv.gz.sift-cache`. */
export function solutionCacheFile(solutionFile: string): string {
  return path.join(path.dirname(solutionFile), `.${path.basename(solutionFile)}.sift-cache`);
}

const specJson = (s: CacheSpec) => JSON.stringify([s.idColumn, s.targetColumn, s.weightColumn, s.classes]);
const pad8 = (n: number) => (n + 7) & ~7;
const bytesOf = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** The cache file's bytes for a solution parsed from the file whose sha256 is `sol.sha256`. */
export function encodeSolutionCache(sol: Solution, spec: CacheSpec, idTable: IdTable | null, longestId: number): Buffer {
  const parts: Record<SectionName, Buffer> = {
    label: bytesOf(sol.label),
    weight: bytesOf(sol.weight),
    usage: bytesOf(sol.usage),
    idTable: idTable ? bytesOf(idTable.rows) : Buffer.alloc(0),
    // Integer ids are the table's indexes: kept once, as the table.
    ids: idTable ? Buffer.alloc(0) : Buffer.from(JSON.stringify(sol.ids), 'utf8'),
  };
  const sections = {} as Header['sections'];
  let size = 0;
  for (const name of SECTIONS) {
    sections[name] = [size, parts[name].length];
    size = pad8(size + parts[name].length);
  }
  const payload = Buffer.alloc(size);
  for (const name of SECTIONS) parts[name].copy(payload, sections[name][0]);
  const header: Header = {
    version: FORMAT_VERSION,
    sourceSha256: sol.sha256,
    spec,
    rows: sol.label.length,
    longestId,
    idTableMin: idTable ? idTable.min : null,
    sections,
    payloadCrc32: crc32(payload),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const head = Buffer.alloc(pad8(MAGIC.length + 4 + json.length), 0x20);
  MAGIC.copy(head, 0);
  head.writeUInt32LE(json.length, MAGIC.length);
  json.copy(head, MAGIC.length + 4);
  return Buffer.concat([head, payload]);
}

/**
 * The solution held in a cache file's bytes, or why they cannot be used (a line for logs and tests).
 * `sha256` is that of the solution file as it is now; `bytes` must start at an 8-byte-aligned address.
 */
export function decodeSolutionCache(bytes: Buffer, sha256: string, spec: CacheSpec): SolutionCacheContents | string {
  if (bytes.length < MAGIC.length + 4 || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return 'not a solution cache (bad magic)';
  const jsonLength = bytes.readUInt32LE(MAGIC.length);
  const payloadStart = pad8(MAGIC.length + 4 + jsonLength);
  if (payloadStart > bytes.length) return 'truncated header';
  let header: Header;
  try {
    header = JSON.parse(bytes.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + jsonLength)) as Header;
  } catch {
    return 'unreadable header';
  }
  if (header.version !== FORMAT_VERSION) return `format version ${header.version}, expected ${FORMAT_VERSION}`;
  if (header.sourceSha256 !== sha256) return 'built from another version of the solution file (sha256 differs)';
  if (specJson(header.spec) !== specJson(spec)) return 'built with other columns or classes';
  const payload = bytes.subarray(payloadStart);
  if (crc32(payload) !== header.payloadCrc32) return 'damaged (payload checksum differs)';

  const n = header.rows;
  const expected: Record<SectionName, number> = { label: 4 * n, weight: 8 * n, usage: n, idTable: -1, ids: -1 };
  const view = <T>(name: SectionName, make: (buffer: ArrayBuffer, offset: number, length: number) => T, width: number): T | string => {
    const [offset, length] = header.sections[name];
    if (offset % 8 !== 0 || offset + length > payload.length || (expected[name] >= 0 && length !== expected[name]) || length % width !== 0) return `bad ${name} section`;
    return make(payload.buffer as ArrayBuffer, payload.byteOffset + offset, length / width);
  };
  if ((bytes.byteOffset & 7) !== 0) return 'buffer not 8-byte aligned';
  const label = view('label', (b, o, l) => new Int32Array(b, o, l), 4);
  const weight = view('weight', (b, o, l) => new Float64Array(b, o, l), 8);
  const usage = view('usage', (b, o, l) => new Uint8Array(b, o, l), 1);
  const table = view('idTable', (b, o, l) => new Int32Array(b, o, l), 4);
  const [idsOffset, idsLength] = header.sections.ids;
  for (const v of [label, weight, usage, table]) if (typeof v === 'string') return v;
  if (idsOffset + idsLength > payload.length) return 'bad ids section';

  const idTable = header.idTableMin === null ? null : { min: header.idTableMin, rows: table as Int32Array };
  let ids: string[] | null = null;
  let index: Map<string, number> | null = null;
  const idsOf = (): string[] => (ids ??= idTable ? idsFromTable(idTable, n) : (JSON.parse(payload.toString('utf8', idsOffset, idsOffset + idsLength)) as string[]));
  const solution = {
    sha256,
    classes: [...spec.classes],
    label: label as Int32Array,
    weight: weight as Float64Array,
    usage: usage as Uint8Array,
  } as Solution;
  // Scoring needs only the typed arrays, and integer ids are looked up in the table: the ids as
  // strings (and a Map of 550,000 of them, ~30 MB and up to a second to build) are made on first use.
  Object.defineProperties(solution, {
    ids: { enumerable: true, get: idsOf },
    index: { enumerable: true, get: () => (index ??= new Map(idsOf().map((id, row) => [id, row]))) },
  });
  return { solution, idTable, longestId: header.longestId };
}

/** The ids in row order, from a table of canonical integer ids (each id is the decimal text of its value). */
function idsFromTable(t: IdTable, rows: number): string[] {
  const ids = new Array<string>(rows);
  for (let k = 0; k < t.rows.length; k++) if (t.rows[k] >= 0) ids[t.rows[k]] = String(t.min + k);
  return ids;
}

/** Reads a solution's cache: its contents, or why there is none to use ('missing' when there is no file). */
export async function readSolutionCache(solutionFile: string, sha256: string, spec: CacheSpec): Promise<SolutionCacheContents | string> {
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(solutionCacheFile(solutionFile));
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : `cannot be read (${(err as Error).message})`;
  }
  // A large read has its own ArrayBuffer; a small one may sit at any offset of a shared pool.
  if ((bytes.byteOffset & 7) !== 0) {
    const copy = Buffer.alloc(bytes.length);
    bytes.copy(copy);
    bytes = copy;
  }
  return decodeSolutionCache(bytes, sha256, spec);
}

/** Writes the cache of a solution file, atomically (another thread or process may read or write it meanwhile). */
export async function writeSolutionCache(solutionFile: string, sol: Solution, spec: CacheSpec, idTable: IdTable | null, longestId: number): Promise<void> {
  const target = solutionCacheFile(solutionFile);
  const tmp = `${target}.${process.pid}-${crypto.randomBytes(4).toString('hex')}.tmp`;
  try {
    await fsp.writeFile(tmp, encodeSolutionCache(sol, spec, idTable, longestId));
    await fsp.rename(tmp, target);
  } finally {
    await fsp.rm(tmp, { force: true });
  }
}
