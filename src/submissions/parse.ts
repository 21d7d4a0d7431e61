/**
 * Parse and validate an uploaded prediction file in one pass, listing every problem.
 *
 * The file is read whole (uploads are a few MB; the size is capped), gunzipped when it
 * is gzip, then split into records by one of two engines that give the same records:
 *
 * - csv-parse (the general engine): any CSV, quoted fields included. Records are read
 *   synchronously from its 'data' events, so `parser.info.lines` is the physical line
 *   of the record just read; syntax errors are reported through `on_skip` and parsing
 *   goes on with the next record.
 * - a plain scanner, used only when the file has no '"' and no bare CR. Without quotes
 *   a CSV record is exactly a line split on commas, so the two engines cannot differ;
 *   it is about 4x faster than csv-parse on a 550,000-row HiggsML file, which is what
 *   most submissions look like (pandas writes no quotes). `engine: 'csv-parse'` forces
 *   the general engine (the tests run both and compare).
 *
 * Values are never trimmed: " s" is not the class "s", and " 0.5" is not a number.
 */
import type { Readable } from 'node:stream';
import { createHash, type Hash } from 'node:crypto';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { Parser, type CsvError } from 'csv-parse';
import type { Prediction, Solution } from '../../scorers/types.js';
import type { SubmissionFormat } from '../challenges/types.js';
import { clip, plural, q, qList, spaceHint, type IssueCode, type SubmissionIssue } from './parse-errors.js';
import { isGzipBytes } from '../gzip.js';
import { idLookup, type IdLookup } from '../challenges/solution.js';

export { ISSUE_CODES, WARNING_CODES, type IssueCode, type SubmissionIssue } from './parse-errors.js';

export type ParseOutcome =
  | { ok: true; prediction: Prediction; rows: number; warnings: SubmissionIssue[]; /** The upload was gzip. */ gzipped: boolean; /** sha256 hex of the file as read, when ParseOptions.sha256 asked for it. */ sha256?: string }
  | {
      ok: false;
      /** The first maxErrors problems: file and header problems, then summaries (missing ids...), then rows in line order. */
      errors: SubmissionIssue[];
      /** All problems found, including those left out of `errors`. */
      totalErrors: number;
      /** How many problems of each code were found (all of them, not only those listed). */
      counts: Partial<Record<IssueCode, number>>;
      warnings: SubmissionIssue[];
    };

export interface ParseOptions {
  /** The uploaded file's name: a name ending in .gz must hold gzip data. */
  filename: string;
  format: SubmissionFormat;
  solution: Solution;
  /** Most issues listed in `errors` (default 100); `totalErrors` counts them all. */
  maxErrors?: number;
  /** Largest accepted size in bytes, before and after decompression (default 256 MiB). */
  maxBytes?: number;
  /** Largest accepted size once decompressed (default maxBytes); gunzip stops as soon as it is passed. */
  maxDecompressedBytes?: number;
  /** Why maxDecompressedBytes is what it is, added to its error message. */
  decompressedLimitReason?: string;
  /** Longest accepted line in bytes (default 64 KiB): a legitimate line is a few hundred. */
  maxLineBytes?: number;
  /** Also take the sha256 of the file in the same read (returned on success). */
  sha256?: boolean;
  /** 'auto' (default) uses the fast scanner when the file has no quotes; 'csv-parse' always uses csv-parse. */
  engine?: 'auto' | 'csv-parse';
}

export const DEFAULT_MAX_ERRORS = 100;
export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

const gunzipAsync = promisify(gunzip);

export async function parseSubmission(source: Readable | Buffer, opts: ParseOptions): Promise<ParseOutcome> {
  const maxErrors = Math.max(1, opts.maxErrors ?? DEFAULT_MAX_ERRORS);
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxDecompressed = opts.maxDecompressedBytes ?? maxBytes;
  const maxLine = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const warnings: SubmissionIssue[] = [];
  const fail = (code: IssueCode, message: string, line: number | null = null): ParseOutcome => ({
    ok: false,
    errors: [{ line, column: null, value: null, code, message }],
    totalErrors: 1,
    counts: { [code]: 1 },
    warnings,
  });
  const tooLarge = (decompressed: boolean): ParseOutcome =>
    fail(
      'too_large',
      decompressed
        ? `The file is larger than the limit of ${formatBytes(maxDecompressed)} once decompressed${opts.decompressedLimitReason ? ` (${opts.decompressedLimitReason})` : ''}; decompression was stopped there.`
        : `The file is larger than the limit of ${formatBytes(maxBytes)}.`,
    );

  const hash = opts.sha256 ? createHash('sha256') : null;
  let buf = await readAll(source, maxBytes, hash);
  if (buf === null) return tooLarge(false);
  if (buf.length === 0) return fail('empty_file', 'The file is empty (0 bytes).');

  const gzipped = isGzipBytes(buf);
  if (isGzipName(opts.filename) && !gzipped) {
    return fail(
      'not_gzip',
      `The file is named ${q(opts.filename)} but is not gzip-compressed. Compress it with gzip, or upload it without the .gz extension.`,
    );
  }
  if (gzipped) {
    try {
      // zlib counts the output as it inflates and stops at maxOutputLength, so a bomb costs at most the cap.
      buf = await gunzipAsync(buf, { maxOutputLength: maxDecompressed });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) return tooLarge(true);
      return fail(
        'gzip_corrupt',
        `The file is gzip-compressed but could not be decompressed (${(e as Error).message}). It may be truncated or corrupt: compress it again and re-upload.`,
      );
    }
    if (buf.length === 0) return fail('empty_file', 'The file is empty once decompressed.');
  }

  if (startsWith(buf, [0x50, 0x4b, 0x03, 0x04]) || startsWith(buf, [0xd0, 0xcf, 0x11, 0xe0])) {
    return fail(
      'unsupported_file',
      'The file is a ZIP archive or an Excel workbook, not a CSV file. In Excel use "Save As" > "CSV UTF-8 (Comma delimited)"; compress with gzip, not zip.',
    );
  }
  if (startsWith(buf, [0xff, 0xfe]) || startsWith(buf, [0xfe, 0xff])) {
    return fail(
      'unsupported_encoding',
      'The file is UTF-16 text (Excel\'s "Unicode Text"). Save it as UTF-8 CSV ("CSV UTF-8 (Comma delimited)").',
    );
  }

  let start = 0;
  if (startsWith(buf, [0xef, 0xbb, 0xbf])) {
    start = 3;
    warnings.push({
      line: 1,
      column: null,
      value: null,
      code: 'bom',
      message: 'The file starts with a UTF-8 byte order mark (BOM), as Excel writes; it was ignored.',
    });
  }
  if (isBlank(buf, start)) {
    return fail('empty_file', `The file contains only whitespace${gzipped ? ' once decompressed' : ''}: it needs a header line and one row per id.`);
  }
  const nul = buf.indexOf(0, start);
  if (nul !== -1 && nul < start + 65536) {
    return fail(
      'unsupported_encoding',
      'The file contains NUL bytes: it is a binary file or UTF-16 text, not a UTF-8 CSV file.',
    );
  }

  const body = start === 0 ? buf : buf.subarray(start);
  const headerEnd = body.indexOf(10);
  if ((headerEnd === -1 ? body.length : headerEnd) > maxLine) {
    return fail(
      'line_too_long',
      `Line 1 (the header) is longer than ${formatBytes(maxLine)}${headerEnd === -1 ? ' and never ends' : ` (${formatBytes(headerEnd)})`}: the header must be ${expectedHeaderOf(opts.format)}.`,
      1,
    );
  }
  const crlf = body.indexOf('\r\n') !== -1;
  const cr = crlf ? true : body.indexOf(13) !== -1;
  if (cr) {
    warnings.push({
      line: null,
      column: null,
      value: null,
      code: 'crlf',
      message: crlf
        ? 'The file uses Windows line endings (CRLF); they were accepted.'
        : 'The file uses old Mac line endings (CR); they were accepted.',
    });
  }

  const v = new Validator(opts.format, opts.solution, maxErrors);
  const quoteFree = body.indexOf(0x22) === -1 && (!cr || !hasBareCR(body));
  if (opts.engine !== 'csv-parse' && quoteFree) {
    scanPlain(body.toString('utf8'), v, maxLine);
  } else {
    await scanCsvParse(body, v);
  }
  const outcome = v.finish(warnings, gzipped);
  if (outcome.ok && hash) outcome.sha256 = hash.digest('hex');
  return outcome;
}

// ---------------------------------------------------------------------------------------------
// Input

async function readAll(source: Readable | Buffer, maxBytes: number, hash: Hash | null): Promise<Buffer | null> {
  if (Buffer.isBuffer(source)) {
    hash?.update(source);
    return source.length > maxBytes ? null : source;
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of source as AsyncIterable<Buffer | string | Uint8Array>) {
    const b =
      typeof chunk === 'string'
        ? Buffer.from(chunk, 'utf8')
        : Buffer.isBuffer(chunk)
          ? chunk
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    total += b.length;
    if (total > maxBytes) return null; // leaving the loop destroys the stream
    hash?.update(b);
    chunks.push(b);
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
}

function isGzipName(filename: string): boolean {
  return /\.gz$/i.test(filename);
}

function startsWith(buf: Buffer, bytes: number[]): boolean {
  if (buf.length < bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (buf[i] !== bytes[i]) return false;
  return true;
}

function isBlank(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i++) {
    const c = buf[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0b && c !== 0x0c) return false;
  }
  return true;
}

/** A CR not followed by LF (old Mac line ending): left to csv-parse. */
function hasBareCR(buf: Buffer): boolean {
  for (let i = buf.indexOf(13); i !== -1; i = buf.indexOf(13, i + 1)) {
    if (buf[i + 1] !== 10) return true;
  }
  return false;
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Number((n / (1024 * 1024)).toFixed(n >= 10 * 1024 * 1024 ? 0 : 1))} MiB`;
  return n >= 1024 ? `${Number((n / 1024).toFixed(n >= 10 * 1024 ? 0 : 1))} KiB` : `${n} bytes`;
}

function expectedHeaderOf(f: SubmissionFormat): string {
  if (f.kind === 'higgsml') return `${f.idColumn},${RANK},${CLASS}`;
  const base = `${f.idColumn},${f.targetColumn}`;
  const probas = f.classes.map((c) => `proba_${c}`).join(',');
  return f.probabilities === 'required' ? `${base},${probas}` : `${base} (optionally followed by ,${probas})`;
}

// ---------------------------------------------------------------------------------------------
// Engines: both call v.record(fields, line) once per record, in file order.

/** A file with no '"' and no bare CR: records are lines (LF or CRLF) split on commas. */
function scanPlain(s: string, v: Validator, maxLine: number): void {
  const len = s.length;
  const fields: string[] = [];
  let pos = 0;
  let line = 0;
  while (pos < len && !v.fatal) {
    let eol = s.indexOf('\n', pos);
    if (eol === -1) eol = len;
    line++;
    const end = eol > pos && s.charCodeAt(eol - 1) === 13 ? eol - 1 : eol;
    if (end - pos > maxLine) {
      v.longLine(line, end - pos, maxLine);
      pos = eol + 1;
      continue;
    }
    let nf = 0;
    let a = pos;
    for (let i = pos; i < end; i++) {
      if (s.charCodeAt(i) === 44) {
        fields[nf++] = s.slice(a, i);
        a = i + 1;
      }
    }
    fields[nf++] = s.slice(a, end);
    if (fields.length !== nf) fields.length = nf; // rare: only when the field count changes
    v.record(fields, line);
    pos = eol + 1;
  }
}

const CHUNK = 1 << 20;

function scanCsvParse(buf: Buffer, v: Validator): Promise<void> {
  return new Promise((resolve) => {
    let lastEnd = 0; // physical line on which the last record read ended
    let skipped = false; // a record was dropped for a syntax error since the last record read
    let lastReported = 0;
    let done = false;
    const finish = (): void => {
      if (!done) {
        done = true;
        resolve();
      }
    };
    const parser = new Parser({
      bom: false,
      delimiter: ',',
      quote: '"',
      escape: '"',
      record_delimiter: ['\r\n', '\n', '\r'],
      relax_column_count: true,
      // Unbounded: an unclosed quote makes the rest of the file one record, and its error must name where
      // the quote opened. The decompressed cap bounds this engine instead.
      max_record_size: 0,
      skip_records_with_error: true,
      on_skip: (err: CsvError | undefined) => {
        skipped = true;
        const code = err?.code;
        const at = typeof err?.lines === 'number' ? err.lines : lastEnd + 1;
        // An unclosed quote is only noticed at the end of the file: point at the record it opened.
        const line = code === 'CSV_QUOTE_NOT_CLOSED' ? lastEnd + 1 : at;
        if (line === lastReported) return undefined; // one issue per line
        lastReported = line;
        v.syntaxError(line, typeof err?.column === 'number' ? err.column : null, code ?? 'CSV_UNKNOWN_ERROR', err?.message ?? '');
        return undefined;
      },
    });
    parser.on('data', (record: string[]) => {
      const end = parser.info.lines;
      let line: number;
      if (skipped) {
        // Records dropped since the last one: count back the line breaks inside this one.
        line = end - lineBreaks(record);
        skipped = false;
      } else {
        line = lastEnd + 1;
      }
      lastEnd = end;
      if (!v.fatal) v.record(record, line);
    });
    parser.on('error', (err: Error) => {
      v.syntaxError(lastEnd + 1, null, (err as CsvError).code ?? 'CSV_UNKNOWN_ERROR', err.message);
      finish();
    });
    parser.on('end', finish);
    parser.on('close', finish);
    for (let i = 0; i < buf.length && !v.fatal && !done; i += CHUNK) {
      parser.write(buf.subarray(i, Math.min(i + CHUNK, buf.length)));
    }
    parser.end();
  });
}

/** Line breaks csv-parse counted inside a record's quoted fields (it counts CR and LF each). */
function lineBreaks(record: string[]): number {
  let n = 0;
  for (const f of record) {
    for (let i = 0; i < f.length; i++) {
      const c = f.charCodeAt(i);
      if (c === 10 || c === 13) n++;
    }
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// Values

/** An integer written as digits with an optional leading '-' (so -3 reads as out of range); NaN otherwise. */
function parseInteger(s: string): number {
  const len = s.length;
  let i = s.charCodeAt(0) === 45 ? 1 : 0;
  if (i === len) return NaN;
  if (len - i > 15) return /^-?[0-9]+$/.test(s) ? Number(s) : NaN;
  let n = 0;
  for (; i < len; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return s.charCodeAt(0) === 45 ? -n : n;
}

/** Exact powers of ten: m / 10^k is correctly rounded when m < 2^53 and k <= 22. */
const POW10 = Float64Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/**
 * A decimal number ([+-]digits[.digits][e[+-]digits]); NaN for anything else (spaces, hex, NaN, inf, '').
 * Plain decimals of up to 15 digits are computed here (the same double as Number(s), 3x faster).
 */
function parseDecimal(s: string): number {
  const len = s.length;
  let i = 0;
  let c = s.charCodeAt(0);
  const negative = c === 45;
  if (c === 43 || c === 45) i++;
  let m = 0;
  let digits = 0;
  let frac = 0;
  while (i < len && (c = s.charCodeAt(i)) >= 48 && c <= 57) {
    m = m * 10 + (c - 48);
    i++;
    digits++;
  }
  if (i < len && s.charCodeAt(i) === 46) {
    i++;
    while (i < len && (c = s.charCodeAt(i)) >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      i++;
      digits++;
      frac++;
    }
  }
  if (digits === 0) return NaN;
  if (i < len && (s.charCodeAt(i) | 32) === 101) {
    i++;
    if (i < len && ((c = s.charCodeAt(i)) === 43 || c === 45)) i++;
    let exp = 0;
    while (i < len && (c = s.charCodeAt(i)) >= 48 && c <= 57) {
      i++;
      exp++;
    }
    return exp > 0 && i === len ? Number(s) : NaN;
  }
  if (i !== len) return NaN;
  if (digits > 15) return Number(s);
  const x = frac === 0 ? m : m / POW10[frac];
  return negative ? -x : x;
}

const NON_FINITE = new Set(['nan', '+nan', '-nan', 'inf', '+inf', '-inf', 'infinity', '+infinity', '-infinity']);
function isNonFinite(s: string): boolean {
  return s.length <= 9 && NON_FINITE.has(s.toLowerCase());
}

// ---------------------------------------------------------------------------------------------
// Validation

const RANK = 'RankOrder';
const CLASS = 'Class';
const MAX_EXAMPLES = 5;

type Role = { kind: 'id' } | { kind: 'rank' } | { kind: 'class' } | { kind: 'proba'; k: number };

class Validator {
  fatal = false;
  private readonly n: number;
  private readonly K: number;
  private readonly lookup: IdLookup;
  /** Allowed class name -> class code (index into solution.classes). */
  private readonly classCode: Map<string, number>;
  /** Class code of format.classes[k]. */
  private readonly probaCode: Int32Array;
  private readonly classColumn: string;
  private readonly allowed: Map<string, Role>;
  private readonly probaNames: string[];

  // Header.
  private headerSeen = false;
  private header: string[] = [];
  private nCols = 0;
  private idIdx = -1;
  private rankIdx = -1;
  private classIdx = -1;
  private probaIdx: Int32Array;
  private hasProba = false;

  // Rows.
  rows = 0;
  private prevRow = -1;
  private skipGuess = 0;
  private readonly ids: string[];
  private blankLines = 0;
  private firstBlank = 0;
  /** Line on which each solution row's id was read (0: not yet). */
  private readonly seenLine: Int32Array;
  /** Line on which each RankOrder 1..N was read (0: not yet). */
  private rankLine: Int32Array | null = null;
  private readonly label: Int32Array;
  private rank: Int32Array | null = null;
  private proba: Float64Array | null = null;

  // Issues.
  private total = 0;
  private readonly counts: Partial<Record<IssueCode, number>> = {};
  private readonly headerIssues: SubmissionIssue[] = [];
  private readonly rowIssues: SubmissionIssue[] = [];

  constructor(
    private readonly format: SubmissionFormat,
    private readonly sol: Solution,
    private readonly maxErrors: number,
  ) {
    this.n = sol.label.length;
    const classes = format.classes;
    this.K = classes.length;
    const solClasses = sol.classes ?? classes;
    if (solClasses.length !== classes.length || classes.some((c) => !solClasses.includes(c))) {
      throw new Error(
        `parseSubmission: format classes [${classes.join(', ')}] differ from the solution's [${solClasses.join(', ')}]`,
      );
    }
    this.classCode = new Map(classes.map((c) => [c, solClasses.indexOf(c)]));
    this.probaCode = Int32Array.from(classes, (c) => solClasses.indexOf(c));
    this.lookup = idLookup(sol);
    // Guessing neighbours saves hashing strings; a table lookup needs no guess, nor the ids as strings
    // (a solution read from its cache makes them only when asked).
    this.ids = this.lookup.table ? [] : sol.ids;
    this.seenLine = new Int32Array(this.n);
    this.label = new Int32Array(this.n);
    this.probaIdx = new Int32Array(this.K).fill(-1);
    this.allowed = new Map<string, Role>([[format.idColumn, { kind: 'id' }]]);
    this.probaNames = [];
    if (format.kind === 'higgsml') {
      this.classColumn = CLASS;
      this.allowed.set(RANK, { kind: 'rank' });
      this.allowed.set(CLASS, { kind: 'class' });
    } else {
      this.classColumn = format.targetColumn;
      this.allowed.set(format.targetColumn, { kind: 'class' });
      classes.forEach((c, k) => {
        const name = `proba_${c}`;
        this.probaNames.push(name);
        this.allowed.set(name, { kind: 'proba', k });
      });
    }
  }

  private expectedHeader(): string {
    return expectedHeaderOf(this.format);
  }

  /** A line too long to be a row: reported without splitting it into (perhaps a million) fields. */
  longLine(line: number, length: number, maxLine: number): void {
    this.rowIssue('line_too_long', line, null, null, () => `Line ${line} is ${formatBytes(length)} long, more than the ${formatBytes(maxLine)} a row may have.`);
  }

  private count(code: IssueCode): void {
    this.total++;
    this.counts[code] = (this.counts[code] ?? 0) + 1;
  }

  /** A problem of the header (line 1) or the file as a whole. */
  private headerIssue(code: IssueCode, column: string | null, value: string | null, message: string): void {
    this.count(code);
    if (this.headerIssues.length < this.maxErrors) {
      this.headerIssues.push({ line: 1, column, value: value === null ? null : clip(value), code, message });
    }
  }

  /** A problem of one row; the message is only built when it will be listed. */
  private rowIssue(code: IssueCode, line: number, column: string | null, value: string | null, message: () => string): void {
    this.count(code);
    if (this.rowIssues.length < this.maxErrors) {
      this.rowIssues.push({ line, column, value: value === null ? null : clip(value), code, message: message() });
    }
  }

  syntaxError(line: number, columnIndex: number | null, csvCode: string, detail: string): void {
    const column = columnIndex !== null && columnIndex < this.header.length ? this.header[columnIndex] : null;
    const where = column !== null ? `Line ${line}, column ${q(column)}` : `Line ${line}`;
    let what: string;
    switch (csvCode) {
      case 'CSV_QUOTE_NOT_CLOSED':
        what = 'a quoted value (starting with ") is never closed, so the rest of the file could not be read. Close the quote or remove it.';
        break;
      case 'INVALID_OPENING_QUOTE':
        what = 'a quote (") appears inside an unquoted value. Quotes may only surround a whole value; inside a quoted value write a quote as "".';
        break;
      case 'CSV_INVALID_CLOSING_QUOTE':
        what = 'a quoted value is followed by other characters before the next comma. Quotes must surround the whole value.';
        break;
      default:
        what = `the line is not valid CSV (${detail}).`;
    }
    if (!this.headerSeen) {
      // The header itself is unreadable: nothing after it can be checked.
      this.fatal = true;
      this.headerIssue('csv_syntax', column, null, `${where}: ${what}`);
      return;
    }
    this.rowIssue('csv_syntax', line, column, null, () => `${where}: ${what}`);
  }

  record(fields: string[], line: number): void {
    if (this.headerSeen) this.row(fields, line);
    else this.readHeader(fields);
  }

  private readHeader(f: string[]): void {
    this.headerSeen = true;
    this.header = f.slice();
    this.nCols = f.length;
    const expected = this.expectedHeader();

    if (f.length === 1) {
      const h = f[0];
      if (h.trim() === '') {
        this.fatal = true;
        this.headerIssue('missing_header', null, h, `Line 1 is empty. The first line must be the header: ${expected}.`);
        return;
      }
      const delimiters: [string, string][] = [
        [';', 'semicolons (;)'],
        ['\t', 'tabs'],
        ['|', 'vertical bars (|)'],
      ];
      for (const [ch, name] of delimiters) {
        if (h.includes(ch)) {
          this.fatal = true;
          this.headerIssue(
            'wrong_delimiter',
            null,
            h,
            `Line 1: the header ${q(h)} separates columns with ${name}, not commas. Use commas: the header must be ${expected}.`,
          );
          return;
        }
      }
    }

    if (!f.some((name) => this.allowed.has(name))) {
      const id = f.find((cell) => this.lookup.get(cell) >= 0);
      if (id !== undefined) {
        this.fatal = true;
        this.headerIssue(
          'missing_header',
          null,
          f.join(','),
          `Line 1 looks like a data row, not a header: ${q(id)} is an id of the test set. Add the header ${expected} as the first line.`,
        );
        return;
      }
    }

    const position = new Map<string, number>();
    f.forEach((name, i) => {
      const first = position.get(name);
      if (first !== undefined) {
        this.headerIssue(
          'duplicate_column',
          name,
          name,
          `Line 1: column ${q(name)} appears more than once in the header (columns ${first + 1} and ${i + 1}).`,
        );
        return;
      }
      position.set(name, i);
      const role = this.allowed.get(name);
      if (role === undefined) {
        this.headerIssue('unknown_column', name, name, this.unknownColumnMessage(name, i, f.length));
        return;
      }
      if (role.kind === 'id') this.idIdx = i;
      else if (role.kind === 'rank') this.rankIdx = i;
      else if (role.kind === 'class') this.classIdx = i;
      else this.probaIdx[role.k] = i;
    });

    const required = [this.format.idColumn, ...(this.format.kind === 'higgsml' ? [RANK, CLASS] : [this.format.targetColumn])];
    for (const name of required) {
      if (!position.has(name)) {
        this.headerIssue('missing_column', name, null, `Line 1: the header has no ${q(name)} column. The header must be ${expected}.`);
      }
    }
    if (this.format.kind === 'label') {
      const present = this.probaNames.filter((name) => position.has(name)).length;
      const classes = qList(this.format.classes);
      for (const name of this.probaNames) {
        if (position.has(name)) continue;
        if (present > 0) {
          this.headerIssue(
            'missing_column',
            name,
            null,
            `Line 1: the header has probability columns for some classes but no ${q(name)} column. Give one proba_<class> column for every class (${classes}) or none at all.`,
          );
        } else if (this.format.probabilities === 'required') {
          this.headerIssue(
            'missing_column',
            name,
            null,
            `Line 1: the header has no ${q(name)} column. This challenge is scored on probabilities: give one proba_<class> column for every class (${classes}).`,
          );
        }
      }
      this.hasProba = present > 0;
      if (present === this.K) this.proba = new Float64Array(this.n * this.K);
    } else if (this.rankIdx >= 0) {
      this.rankLine = new Int32Array(this.n + 1);
      this.rank = new Int32Array(this.n);
    }
  }

  private unknownColumnMessage(name: string, i: number, count: number): string {
    const list = [...this.allowed.keys()].map((c) => q(c)).join(', ');
    if (name === '') {
      return `Line 1: column ${i + 1} of the header has no name${i === count - 1 ? ' (is there a comma at the end of the line?)' : ''}. Allowed columns: ${list}.`;
    }
    const key = name.trim().toLowerCase();
    const like = [...this.allowed.keys()].find((c) => c.toLowerCase() === key);
    if (like !== undefined) {
      return `Line 1: unexpected column ${q(name)} (column ${i + 1}). Did you mean ${q(like)}? Column names are case-sensitive and must not have spaces around them.`;
    }
    if (this.format.kind === 'label' && name.startsWith('proba_')) {
      return `Line 1: unexpected column ${q(name)} (column ${i + 1}): ${q(name.slice(6))} is not a class. Probability columns are ${qList(this.probaNames)}.`;
    }
    return `Line 1: unexpected column ${q(name)} (column ${i + 1}). Allowed columns: ${list}.`;
  }

  private row(f: string[], line: number): void {
    if (f.length === 1 && f[0] === '') {
      if (this.blankLines++ === 0) this.firstBlank = line;
      return;
    }
    this.rows++;
    const idIdx = this.idIdx;
    if (f.length !== this.nCols) {
      const got = f.length;
      const want = this.nCols;
      this.rowIssue(
        'field_count',
        line,
        null,
        null,
        () =>
          `Line ${line} has ${plural(got, 'field')} but the header has ${plural(want, 'column')} (${this.header.join(',')}). ` +
          (got > want ? 'Check for extra commas, or commas inside values.' : 'Check for missing values.'),
      );
      // Count its id and RankOrder as used, so the row is not reported again as a missing id or rank.
      if (idIdx >= 0 && idIdx < got) {
        const r = this.lookup.get(f[idIdx]);
        if (r >= 0 && this.seenLine[r] === 0) this.seenLine[r] = line;
      }
      if (this.rankLine !== null && this.rankIdx < got) {
        const v = parseInteger(f[this.rankIdx]);
        if (v >= 1 && v <= this.n && this.rankLine[v] === 0) this.rankLine[v] = line;
      }
      return;
    }

    let r = -1;
    if (idIdx >= 0) {
      const id = f[idIdx];
      // Files usually list the ids in the test set's order (or reversed): try the neighbours first.
      // After a miss, stop guessing for a while: in a shuffled file each guess costs cache misses.
      const prev = this.prevRow;
      const ids = this.ids;
      if (ids.length === 0) r = this.lookup.get(id);
      else if (this.skipGuess > 0) {
        this.skipGuess--;
        r = this.lookup.get(id);
      } else if (prev + 1 < ids.length && ids[prev + 1] === id) r = prev + 1;
      else if (prev > 0 && ids[prev - 1] === id) r = prev - 1;
      else {
        this.skipGuess = 32;
        r = this.lookup.get(id);
      }
      if (r >= 0) this.prevRow = r;
      if (r < 0) {
        if (id === '') this.emptyValue(line, idIdx);
        else this.unknownId(line, id);
      } else if (this.seenLine[r] !== 0) {
        const first = this.seenLine[r];
        this.rowIssue(
          'duplicate_id',
          line,
          this.format.idColumn,
          id,
          () => `Line ${line}, column ${q(this.format.idColumn)}: id ${q(id)} already appeared on line ${first}. Each id must appear exactly once.`,
        );
        r = -1;
      } else {
        this.seenLine[r] = line;
      }
    }

    if (this.rankIdx >= 0) this.checkRank(f[this.rankIdx], line, r);

    if (this.classIdx >= 0) {
      const s = f[this.classIdx];
      const c = this.classCode.get(s);
      if (c !== undefined) {
        if (r >= 0) this.label[r] = c;
      } else if (s === '') {
        this.emptyValue(line, this.classIdx);
      } else {
        const column = this.classColumn;
        this.rowIssue(
          'invalid_class',
          line,
          column,
          s,
          () =>
            `Line ${line}, column ${q(column)}: ${q(s)} is not an allowed class. Allowed values: ${qList(this.format.classes)} (case-sensitive).${spaceHint(s)}`,
        );
      }
    }

    if (this.hasProba) {
      const K = this.K;
      const proba = this.proba;
      for (let k = 0; k < K; k++) {
        const idx = this.probaIdx[k];
        if (idx < 0) continue;
        const s = f[idx];
        const x = parseDecimal(s);
        if (x >= 0 && x <= 1) {
          if (r >= 0 && proba !== null) proba[r * K + this.probaCode[k]] = x;
        } else {
          this.badProba(line, idx, s, x);
        }
      }
    }
  }

  private checkRank(s: string, line: number, r: number): void {
    const v = parseInteger(s);
    const n = this.n;
    if (v >= 1 && v <= n) {
      const rankLine = this.rankLine as Int32Array;
      const first = rankLine[v];
      if (first === 0) {
        rankLine[v] = line;
        if (r >= 0) (this.rank as Int32Array)[r] = v;
      } else {
        this.rowIssue(
          'duplicate_rank',
          line,
          RANK,
          s,
          () =>
            `Line ${line}, column ${q(RANK)}: RankOrder ${v} is already used on line ${first}. RankOrder must use each whole number from 1 to ${n} exactly once.`,
        );
      }
    } else if (s === '') {
      this.emptyValue(line, this.rankIdx);
    } else if (!Number.isNaN(v)) {
      this.rowIssue(
        'rank_out_of_range',
        line,
        RANK,
        s,
        () => `Line ${line}, column ${q(RANK)}: RankOrder ${s} is outside 1..${n} (the test set has ${plural(n, 'row')}).`,
      );
    } else if (isNonFinite(s)) {
      this.rowIssue(
        'not_finite',
        line,
        RANK,
        s,
        () => `Line ${line}, column ${q(RANK)}: ${q(s)} is not a number. RankOrder must be a whole number from 1 to ${n}.`,
      );
    } else {
      this.rowIssue(
        'not_integer',
        line,
        RANK,
        s,
        () =>
          `Line ${line}, column ${q(RANK)}: ${q(s)} is not a whole number. RankOrder must be a whole number from 1 to ${n}, written with digits only (17, not 17.0).${spaceHint(s)}`,
      );
    }
  }

  private badProba(line: number, idx: number, s: string, x: number): void {
    const column = this.header[idx];
    if (s === '') {
      this.emptyValue(line, idx);
    } else if (!Number.isNaN(x)) {
      this.rowIssue(
        'proba_out_of_range',
        line,
        column,
        s,
        () => `Line ${line}, column ${q(column)}: probability ${s} is outside [0, 1].`,
      );
    } else if (isNonFinite(s)) {
      this.rowIssue(
        'not_finite',
        line,
        column,
        s,
        () => `Line ${line}, column ${q(column)}: ${q(s)} is not a finite number. Probabilities must be numbers from 0 to 1.`,
      );
    } else {
      this.rowIssue(
        'not_number',
        line,
        column,
        s,
        () =>
          `Line ${line}, column ${q(column)}: ${q(s)} is not a number. Probabilities must be decimal numbers from 0 to 1, such as 0.25 or 1e-3.${spaceHint(s)}`,
      );
    }
  }

  private emptyValue(line: number, idx: number): void {
    const column = this.header[idx];
    this.rowIssue('empty_value', line, column, '', () => `Line ${line}, column ${q(column)}: the value is empty.`);
  }

  private unknownId(line: number, id: string): void {
    const column = this.format.idColumn;
    this.rowIssue('unknown_id', line, column, id, () => {
      const trimmed = id.trim();
      const hint = trimmed !== id && this.lookup.get(trimmed) >= 0 ? spaceHint(id) : '';
      return `Line ${line}, column ${q(column)}: id ${q(id)} is not an id of the test set.${hint}`;
    });
  }

  finish(warnings: SubmissionIssue[], gzipped: boolean): ParseOutcome {
    const summary: SubmissionIssue[] = [];
    const add = (code: IssueCode, column: string | null, message: string): void => {
      this.count(code);
      summary.push({ line: null, column, value: null, code, message });
    };
    if (!this.fatal) {
      if (!this.headerSeen) {
        if (this.total === 0) add('missing_header', null, `No header line could be read. The first line must be ${this.expectedHeader()}.`);
      } else if (this.rows === 0) {
        // Rows swallowed by a CSV syntax error are already reported as such.
        if (this.counts.csv_syntax === undefined)
        add(
          'no_rows',
          null,
          `The file has a header but no data rows. It needs one row for each of the ${plural(this.n, 'id')} of the test set.`,
        );
      } else {
        if (this.idIdx >= 0) this.missingIds(add);
        if (this.rankLine !== null) this.missingRanks(add);
      }
    }
    if (this.blankLines > 0) {
      warnings.push({
        line: this.firstBlank,
        column: null,
        value: null,
        code: 'blank_lines',
        message: `${plural(this.blankLines, 'blank line was', 'blank lines were')} ignored (the first is line ${this.firstBlank}).`,
      });
    }
    if (this.total > 0) {
      return {
        ok: false,
        errors: [...this.headerIssues, ...summary, ...this.rowIssues].slice(0, this.maxErrors),
        totalErrors: this.total,
        counts: this.counts,
        warnings,
      };
    }
    const prediction: Prediction = { label: this.label };
    if (this.rank !== null) prediction.rank = this.rank;
    if (this.proba !== null) prediction.proba = this.proba;
    return { ok: true, prediction, rows: this.rows, warnings, gzipped };
  }

  private missingIds(add: (code: IssueCode, column: string | null, message: string) => void): void {
    const seen = this.seenLine;
    let missing = 0;
    const examples: string[] = [];
    for (let r = 0; r < seen.length; r++) {
      if (seen[r] === 0) {
        if (missing++ < MAX_EXAMPLES) examples.push(this.sol.ids[r]);
      }
    }
    if (missing === 0) return;
    const more = missing > examples.length ? ', …' : '';
    add(
      'missing_ids',
      this.format.idColumn,
      `${plural(missing, 'id')} of the test set ${missing === 1 ? 'has' : 'have'} no row in the file: ${qList(examples)}${more}. ` +
        `The file must have exactly one row for each of the ${plural(this.n, 'id')} of the test set (it has ${plural(this.rows, 'data row')}).`,
    );
  }

  private missingRanks(add: (code: IssueCode, column: string | null, message: string) => void): void {
    const rankLine = this.rankLine as Int32Array;
    let missing = 0;
    const examples: number[] = [];
    for (let v = 1; v < rankLine.length; v++) {
      if (rankLine[v] === 0) {
        if (missing++ < MAX_EXAMPLES) examples.push(v);
      }
    }
    if (missing === 0) return;
    const more = missing > examples.length ? ', …' : '';
    add(
      'missing_ranks',
      RANK,
      `RankOrder must use each whole number from 1 to ${this.n} exactly once, but ${plural(missing, 'value is', 'values are')} not used: ${examples.join(', ')}${more}.`,
    );
  }
}
