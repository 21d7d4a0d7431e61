import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import type { Solution } from '../../scorers/types.js';
import type { SubmissionFormat } from '../challenges/types.js';
import { ISSUE_CODES, parseSubmission, type IssueCode, type ParseOutcome, type SubmissionIssue } from './parse.js';

function solution(ids: string[], classes: string[], label: number[]): Solution {
  return {
    sha256: 'test',
    ids,
    index: new Map(ids.map((id, i) => [id, i])),
    classes,
    label: Int32Array.from(label),
    weight: new Float64Array(ids.length).fill(1),
    usage: new Uint8Array(ids.length).fill(1),
  };
}

// HiggsML: 5 rows, integer ids (looked up through the integer table).
const HIGGS_SOL = solution(['350000', '350001', '350002', '350003', '350004'], ['b', 's'], [0, 1, 0, 1, 0]);
const HIGGS: SubmissionFormat = { kind: 'higgsml', idColumn: 'EventId', classes: ['b', 's'] };
const HIGGS_HEADER = 'EventId,RankOrder,Class';
const HIGGS_ROWS = ['350000,3,b', '350001,5,s', '350002,1,b', '350003,4,s', '350004,2,b'];
const HIGGS_OK = [HIGGS_HEADER, ...HIGGS_ROWS].join('\n') + '\n';

// Label: 5 rows, string ids (looked up through the solution's Map).
const CLASSES = ['AGN', 'Star', 'XRB', 'CV', 'Other'];
const LABEL_SOL = solution(['J1', 'J2', 'J3', 'J4', 'J5'], CLASSES, [0, 1, 2, 3, 4]);
const LABEL: SubmissionFormat = { kind: 'label', idColumn: 'Id', targetColumn: 'Type', classes: CLASSES, probabilities: 'optional' };
const LABEL_REQ: SubmissionFormat = { ...LABEL, probabilities: 'required' };
const PROBA_HEADER = 'Id,Type,proba_AGN,proba_Star,proba_XRB,proba_CV,proba_Other';
const PROBA_ROWS = [
  'J3,XRB,0.1,0.1,0.6,0.1,0.1',
  'J1,AGN,0.5,0.2,0.1,0.1,0.1',
  'J5,Other,0,0,0,0,1',
  'J2,Star,0.2,0.7,0.05,0.05,0',
  'J4,CV,1e-3,0.25,0.249,0.5,0',
];
const PROBA_OK = [PROBA_HEADER, ...PROBA_ROWS].join('\n') + '\n';

type Kind = 'higgs' | 'label' | 'label-required';
const SETUPS: Record<Kind, { format: SubmissionFormat; solution: Solution }> = {
  higgs: { format: HIGGS, solution: HIGGS_SOL },
  label: { format: LABEL, solution: LABEL_SOL },
  'label-required': { format: LABEL_REQ, solution: LABEL_SOL },
};

function parse(
  file: string | Buffer,
  kind: Kind = 'higgs',
  extra: { filename?: string; maxErrors?: number; maxBytes?: number; maxLineBytes?: number; engine?: 'auto' | 'csv-parse' } = {},
): Promise<ParseOutcome> {
  const { format, solution: sol } = SETUPS[kind];
  return parseSubmission(typeof file === 'string' ? Buffer.from(file) : file, {
    filename: extra.filename ?? 'submission.csv',
    format,
    solution: sol,
    maxErrors: extra.maxErrors,
    maxBytes: extra.maxBytes,
    maxLineBytes: extra.maxLineBytes,
    engine: extra.engine,
  });
}

function higgs(...rows: string[]): string {
  return [HIGGS_HEADER, ...rows].join('\n') + '\n';
}

/** HIGGS_OK with row i (0-based data row, line i + 2) replaced. */
function higgsWith(i: number, row: string): string {
  const rows = HIGGS_ROWS.slice();
  rows[i] = row;
  return higgs(...rows);
}

function probaWith(i: number, row: string): string {
  const rows = PROBA_ROWS.slice();
  rows[i] = row;
  return [PROBA_HEADER, ...rows].join('\n') + '\n';
}

function errorsOf(out: ParseOutcome): SubmissionIssue[] {
  assert.equal(out.ok, false, 'expected the file to be rejected');
  return out.ok ? [] : out.errors;
}

interface Case {
  name: string;
  file: string | Buffer;
  kind?: Kind;
  filename?: string;
  maxBytes?: number;
  /** The issue expected among the errors. */
  code: IssueCode;
  line: number | null;
  column?: string | null;
  value?: string | null;
  message: string[];
  /** Other codes that must be present too (the file has more than one problem). */
  alsoCodes?: IssueCode[];
}

const ZIP = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from('rest of a zip file')]);
const UTF16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(HIGGS_OK, 'utf16le')]);
const TRUNCATED_GZIP = gzipSync(Buffer.from(HIGGS_OK)).subarray(0, 20);

const CASES: Case[] = [
  // The file as a whole.
  { name: 'empty file (0 bytes)', file: '', code: 'empty_file', line: null, message: ['The file is empty (0 bytes).'] },
  { name: 'whitespace only', file: ' \n\r\n\t\n', code: 'empty_file', line: null, message: ['only whitespace'] },
  {
    name: 'gzip that decompresses to nothing',
    file: gzipSync(Buffer.alloc(0)),
    filename: 'sub.csv.gz',
    code: 'empty_file',
    line: null,
    message: ['empty once decompressed'],
  },
  {
    name: 'too large',
    file: HIGGS_OK,
    maxBytes: 20,
    code: 'too_large',
    line: null,
    message: ['larger than the limit of 20 bytes'],
  },
  {
    name: 'too large once decompressed',
    file: gzipSync(Buffer.from(HIGGS_OK.repeat(50))),
    filename: 'sub.csv',
    maxBytes: 1000,
    code: 'too_large',
    line: null,
    message: ['larger than the limit of 1000 bytes once decompressed'],
  },
  {
    name: 'a million-column header',
    file: `EventId,RankOrder,Class${',x'.repeat(1_000_000)}\n350000,3,b\n`,
    code: 'line_too_long',
    line: 1,
    message: ['Line 1 (the header) is longer than 64 KiB (1.9 MiB)', 'the header must be EventId,RankOrder,Class'],
  },
  {
    name: 'named .gz but plain text',
    file: HIGGS_OK,
    filename: 'sub.csv.gz',
    code: 'not_gzip',
    line: null,
    message: ['"sub.csv.gz"', 'is not gzip-compressed', 'without the .gz extension'],
  },
  {
    name: 'corrupt gzip',
    file: TRUNCATED_GZIP,
    filename: 'sub.csv.gz',
    code: 'gzip_corrupt',
    line: null,
    message: ['could not be decompressed', 'truncated or corrupt'],
  },
  {
    name: 'zip / xlsx',
    file: ZIP,
    filename: 'sub.xlsx',
    code: 'unsupported_file',
    line: null,
    message: ['ZIP archive or an Excel workbook', 'CSV UTF-8'],
  },
  { name: 'UTF-16', file: UTF16, code: 'unsupported_encoding', line: null, message: ['UTF-16', 'UTF-8 CSV'] },
  {
    name: 'NUL bytes',
    file: Buffer.from('EventId,RankOrder,Class\n\0\0\0\n'),
    code: 'unsupported_encoding',
    line: null,
    message: ['NUL bytes'],
  },
  // The header.
  {
    name: 'semicolon delimiter',
    file: 'EventId;RankOrder;Class\n350000;3;b\n',
    code: 'wrong_delimiter',
    line: 1,
    value: 'EventId;RankOrder;Class',
    message: ['Line 1', 'semicolons (;)', 'Use commas', 'EventId,RankOrder,Class'],
  },
  {
    name: 'tab delimiter',
    file: 'EventId\tRankOrder\tClass\n350000\t3\tb\n',
    code: 'wrong_delimiter',
    line: 1,
    message: ['separates columns with tabs', 'Use commas'],
  },
  {
    name: 'pipe delimiter',
    file: 'EventId|RankOrder|Class\n350000|3|b\n',
    code: 'wrong_delimiter',
    line: 1,
    message: ['vertical bars (|)', 'Use commas'],
  },
  {
    name: 'no header: first line is data',
    file: HIGGS_ROWS.join('\n') + '\n',
    code: 'missing_header',
    line: 1,
    message: ['Line 1 looks like a data row, not a header', '"350000" is an id of the test set', 'Add the header EventId,RankOrder,Class'],
  },
  {
    name: 'no header (label format)',
    file: PROBA_ROWS.join('\n') + '\n',
    kind: 'label',
    code: 'missing_header',
    line: 1,
    message: ['"J3" is an id of the test set'],
  },
  {
    name: 'empty first line',
    file: '\n' + HIGGS_OK,
    code: 'missing_header',
    line: 1,
    message: ['Line 1 is empty', 'EventId,RankOrder,Class'],
  },
  {
    name: 'missing RankOrder column',
    file: 'EventId,Class\n350000,b\n350001,s\n350002,b\n350003,s\n350004,b\n',
    code: 'missing_column',
    line: 1,
    column: 'RankOrder',
    message: ['the header has no "RankOrder" column', 'The header must be EventId,RankOrder,Class'],
  },
  {
    name: 'extra column',
    file: 'EventId,RankOrder,Class,Weight\n350000,3,b,1\n350001,5,s,1\n350002,1,b,1\n350003,4,s,1\n350004,2,b,1\n',
    code: 'unknown_column',
    line: 1,
    column: 'Weight',
    message: ['unexpected column "Weight" (column 4)', 'Allowed columns: "EventId", "RankOrder", "Class"'],
  },
  {
    name: 'wrong case in a column name',
    file: HIGGS_OK.replace('EventId', 'eventid'),
    code: 'unknown_column',
    line: 1,
    column: 'eventid',
    message: ['unexpected column "eventid" (column 1)', 'Did you mean "EventId"?', 'case-sensitive'],
    alsoCodes: ['missing_column'],
  },
  {
    name: 'trailing comma in the header',
    file: HIGGS_OK.replace('Class\n', 'Class,\n'),
    code: 'unknown_column',
    line: 1,
    column: '',
    message: ['column 4 of the header has no name', 'comma at the end of the line'],
    alsoCodes: ['field_count'],
  },
  {
    name: 'unknown probability column',
    file: PROBA_OK.replace('proba_CV', 'proba_Nova'),
    kind: 'label',
    code: 'unknown_column',
    line: 1,
    column: 'proba_Nova',
    message: ['"Nova" is not a class', '"proba_AGN"'],
    alsoCodes: ['missing_column'],
  },
  {
    name: 'duplicate column',
    file: 'EventId,RankOrder,Class,Class\n350000,3,b,b\n350001,5,s,s\n350002,1,b,b\n350003,4,s,s\n350004,2,b,b\n',
    code: 'duplicate_column',
    line: 1,
    column: 'Class',
    message: ['column "Class" appears more than once in the header (columns 3 and 4)'],
  },
  {
    name: 'probabilities required but absent',
    file: 'Id,Type\nJ1,AGN\nJ2,Star\nJ3,XRB\nJ4,CV\nJ5,Other\n',
    kind: 'label-required',
    code: 'missing_column',
    line: 1,
    column: 'proba_AGN',
    message: ['no "proba_AGN" column', 'scored on probabilities', '"AGN", "Star", "XRB", "CV", "Other"'],
  },
  {
    name: 'some probability columns but not all',
    file: 'Id,Type,proba_AGN\nJ1,AGN,1\nJ2,Star,0\nJ3,XRB,0\nJ4,CV,0\nJ5,Other,0\n',
    kind: 'label',
    code: 'missing_column',
    line: 1,
    column: 'proba_Star',
    message: ['probability columns for some classes but no "proba_Star" column', 'for every class'],
  },
  // Structure.
  { name: 'header only', file: HIGGS_HEADER + '\n', code: 'no_rows', line: null, message: ['has a header but no data rows', '5 ids'] },
  {
    name: 'too many fields',
    file: higgsWith(1, '350001,5,s,extra'),
    code: 'field_count',
    line: 3,
    column: null,
    message: ['Line 3 has 4 fields but the header has 3 columns', 'extra commas'],
  },
  {
    name: 'too few fields',
    file: higgsWith(3, '350003,4'),
    code: 'field_count',
    line: 5,
    message: ['Line 5 has 2 fields but the header has 3 columns', 'missing values'],
  },
  {
    name: 'unclosed quote',
    file: higgsWith(2, '350002,"1,b'),
    code: 'csv_syntax',
    line: 4,
    message: ['Line 4', 'never closed'],
    alsoCodes: ['missing_ids', 'missing_ranks'],
  },
  {
    name: 'quote inside an unquoted value',
    file: higgsWith(1, '350001,5,s"x'),
    code: 'csv_syntax',
    line: 3,
    column: 'Class',
    message: ['Line 3, column "Class"', 'a quote (") appears inside an unquoted value'],
    alsoCodes: ['missing_ids', 'missing_ranks'],
  },
  {
    name: 'text after a closing quote',
    file: higgsWith(0, '350000,"3"x,b'),
    code: 'csv_syntax',
    line: 2,
    message: ['Line 2', 'followed by other characters'],
  },
  // Ids.
  {
    name: 'unknown id',
    file: higgsWith(4, '999999,2,b'),
    code: 'unknown_id',
    line: 6,
    column: 'EventId',
    value: '999999',
    message: ['Line 6, column "EventId": id "999999" is not an id of the test set'],
    alsoCodes: ['missing_ids'],
  },
  {
    name: 'id with spaces',
    file: higgsWith(4, ' 350004,2,b'),
    code: 'unknown_id',
    line: 6,
    value: ' 350004',
    message: ['id " 350004"', 'Remove the spaces'],
    alsoCodes: ['missing_ids'],
  },
  {
    name: 'unknown string id',
    file: probaWith(0, 'J33,XRB,0.1,0.1,0.6,0.1,0.1'),
    kind: 'label',
    code: 'unknown_id',
    line: 2,
    column: 'Id',
    message: ['id "J33" is not an id of the test set'],
    alsoCodes: ['missing_ids'],
  },
  {
    name: 'duplicate id',
    file: higgsWith(3, '350001,4,s'),
    code: 'duplicate_id',
    line: 5,
    column: 'EventId',
    value: '350001',
    message: ['Line 5', 'id "350001" already appeared on line 3'],
    alsoCodes: ['missing_ids'],
  },
  {
    name: 'missing ids',
    file: higgs('350000,1,b', '350002,2,b', '350004,3,s'),
    code: 'missing_ids',
    line: null,
    column: 'EventId',
    message: ['2 ids of the test set have no row in the file: "350001", "350003"', 'it has 3 data rows'],
    alsoCodes: ['missing_ranks'],
  },
  // Values.
  {
    name: 'empty RankOrder',
    file: higgsWith(0, '350000,,b'),
    code: 'empty_value',
    line: 2,
    column: 'RankOrder',
    value: '',
    message: ['Line 2, column "RankOrder": the value is empty'],
    alsoCodes: ['missing_ranks'],
  },
  {
    name: 'empty class',
    file: probaWith(1, 'J1,,0.5,0.2,0.1,0.1,0.1'),
    kind: 'label',
    code: 'empty_value',
    line: 3,
    column: 'Type',
    message: ['Line 3, column "Type": the value is empty'],
  },
  {
    name: 'NaN RankOrder',
    file: higgsWith(0, '350000,NaN,b'),
    code: 'not_finite',
    line: 2,
    column: 'RankOrder',
    value: 'NaN',
    message: ['Line 2, column "RankOrder": "NaN" is not a number'],
    alsoCodes: ['missing_ranks'],
  },
  {
    name: 'inf probability',
    file: probaWith(2, 'J5,Other,0,0,0,0,inf'),
    kind: 'label',
    code: 'not_finite',
    line: 4,
    column: 'proba_Other',
    value: 'inf',
    message: ['Line 4, column "proba_Other": "inf" is not a finite number'],
  },
  {
    name: 'nan probability',
    file: probaWith(2, 'J5,Other,nan,0,0,0,1'),
    kind: 'label',
    code: 'not_finite',
    line: 4,
    column: 'proba_AGN',
    message: ['"nan" is not a finite number'],
  },
  {
    name: 'fractional RankOrder',
    file: higgsWith(1, '350001,5.0,s'),
    code: 'not_integer',
    line: 3,
    column: 'RankOrder',
    value: '5.0',
    message: ['Line 3, column "RankOrder": "5.0" is not a whole number', '17, not 17.0'],
    alsoCodes: ['missing_ranks'],
  },
  {
    name: 'RankOrder with a space',
    file: higgsWith(1, '350001, 5,s'),
    code: 'not_integer',
    line: 3,
    message: ['" 5" is not a whole number', 'Remove the spaces'],
    alsoCodes: ['missing_ranks'],
  },
  {
    name: 'non-numeric probability',
    file: probaWith(3, 'J2,Star,0.2,high,0.05,0.05,0'),
    kind: 'label',
    code: 'not_number',
    line: 5,
    column: 'proba_Star',
    value: 'high',
    message: ['Line 5, column "proba_Star": "high" is not a number', 'from 0 to 1'],
  },
  {
    name: 'hexadecimal probability',
    file: probaWith(3, 'J2,Star,0x1,0.7,0.05,0.05,0'),
    kind: 'label',
    code: 'not_number',
    line: 5,
    message: ['"0x1" is not a number'],
  },
  {
    name: 'probability above 1',
    file: probaWith(4, 'J4,CV,1.5,0.25,0.249,0.5,0'),
    kind: 'label',
    code: 'proba_out_of_range',
    line: 6,
    column: 'proba_AGN',
    value: '1.5',
    message: ['Line 6, column "proba_AGN": probability 1.5 is outside [0, 1]'],
  },
  {
    name: 'negative probability',
    file: probaWith(4, 'J4,CV,-0.1,0.25,0.249,0.5,0'),
    kind: 'label',
    code: 'proba_out_of_range',
    line: 6,
    message: ['probability -0.1 is outside [0, 1]'],
  },
  {
    name: 'class in the wrong case',
    file: higgsWith(1, '350001,5,S'),
    code: 'invalid_class',
    line: 3,
    column: 'Class',
    value: 'S',
    message: ['Line 3, column "Class": "S" is not an allowed class', 'Allowed values: "b", "s" (case-sensitive)'],
  },
  {
    name: 'class with a space',
    file: higgsWith(1, '350001,5, s'),
    code: 'invalid_class',
    line: 3,
    value: ' s',
    message: ['" s" is not an allowed class', 'Remove the spaces'],
  },
  {
    name: 'unknown label class',
    file: probaWith(0, 'J3,Nova,0.1,0.1,0.6,0.1,0.1'),
    kind: 'label',
    code: 'invalid_class',
    line: 2,
    column: 'Type',
    message: ['"Nova" is not an allowed class', '"AGN", "Star", "XRB", "CV", "Other"'],
  },
  // RankOrder permutation.
  {
    name: 'RankOrder above N',
    file: higgsWith(1, '350001,6,s'),
    code: 'rank_out_of_range',
    line: 3,
    column: 'RankOrder',
    value: '6',
    message: ['Line 3, column "RankOrder": RankOrder 6 is outside 1..5 (the test set has 5 rows)'],
    alsoCodes: ['missing_ranks'],
  },
  {
    name: 'RankOrder 0',
    file: higgsWith(2, '350002,0,b'),
    code: 'rank_out_of_range',
    line: 4,
    message: ['RankOrder 0 is outside 1..5'],
    alsoCodes: ['missing_ranks'],
  },
  {
    name: 'negative RankOrder',
    file: higgsWith(2, '350002,-1,b'),
    code: 'rank_out_of_range',
    line: 4,
    message: ['RankOrder -1 is outside 1..5'],
    alsoCodes: ['missing_ranks'],
  },
  {
    name: 'duplicate RankOrder',
    file: higgsWith(4, '350004,3,b'),
    code: 'duplicate_rank',
    line: 6,
    column: 'RankOrder',
    value: '3',
    message: ['Line 6, column "RankOrder": RankOrder 3 is already used on line 2', 'from 1 to 5 exactly once'],
    alsoCodes: ['missing_ranks'],
  },
  {
    name: 'missing RankOrder values',
    file: higgsWith(4, '350004,3,b'),
    code: 'missing_ranks',
    line: null,
    column: 'RankOrder',
    message: ['RankOrder must use each whole number from 1 to 5 exactly once, but 1 value is not used: 2.'],
    alsoCodes: ['duplicate_rank'],
  },
];

describe('parseSubmission', () => {
  describe('reports each problem with its code, line, column and message', () => {
    for (const c of CASES) {
      it(`${c.code}: ${c.name}`, async () => {
        const out = await parse(c.file, c.kind, { filename: c.filename, maxBytes: c.maxBytes });
        const errors = errorsOf(out);
        const issue = errors.find((e) => e.code === c.code);
        assert.ok(issue, `no ${c.code} among ${JSON.stringify(errors, null, 1)}`);
        assert.equal(issue.line, c.line, `line of ${JSON.stringify(issue)}`);
        if (c.column !== undefined) assert.equal(issue.column, c.column);
        if (c.value !== undefined) assert.equal(issue.value, c.value);
        for (const part of c.message) {
          assert.ok(issue.message.includes(part), `message ${JSON.stringify(issue.message)} lacks ${JSON.stringify(part)}`);
        }
        for (const code of c.alsoCodes ?? []) {
          assert.ok(errors.some((e) => e.code === code), `no ${code} among ${errors.map((e) => e.code).join(', ')}`);
        }
        const unexpected = errors.filter((e) => e.code !== c.code && !(c.alsoCodes ?? []).includes(e.code));
        assert.deepEqual(unexpected, [], 'no other problem is reported');
        assert.ok(!out.ok && out.totalErrors === errors.length && out.counts[c.code]! >= 1);
      });
    }

    it('every code is covered by a case above (warnings by the tests below)', () => {
      const covered = new Set<string>(CASES.map((c) => c.code));
      for (const w of ['bom', 'crlf', 'blank_lines']) covered.add(w);
      assert.deepEqual(Object.keys(ISSUE_CODES).filter((code) => !covered.has(code)), []);
    });

    it('gives the same outcome with csv-parse as with the plain scanner on every quote-free case', async () => {
      for (const c of CASES) {
        if (Buffer.from(c.file).includes('"')) continue;
        const opts = { filename: c.filename, maxBytes: c.maxBytes };
        const auto = await parse(c.file, c.kind, opts);
        const csv = await parse(c.file, c.kind, { ...opts, engine: 'csv-parse' });
        assert.deepEqual(csv, auto, c.name);
      }
    });
  });

  describe('valid files', () => {
    it('aligns HiggsML rank and label to the solution order whatever the file order', async () => {
      const file = higgs('350003,4,s', '350000,3,b', '350004,2,b', '350002,1,b', '350001,5,s');
      const out = await parse(file);
      assert.ok(out.ok, JSON.stringify(out));
      assert.equal(out.rows, 5);
      assert.deepEqual(out.warnings, []);
      assert.deepEqual(out.prediction.rank, Int32Array.from([3, 5, 1, 4, 2]));
      assert.deepEqual(out.prediction.label, Int32Array.from([0, 1, 0, 1, 0]));
      assert.equal(out.prediction.proba, undefined);
    });

    it('accepts columns in any order', async () => {
      const file = 'Class,EventId,RankOrder\nb,350000,3\ns,350001,5\nb,350002,1\ns,350003,4\nb,350004,2\n';
      const out = await parse(file);
      assert.ok(out.ok);
      assert.deepEqual(out.prediction.rank, Int32Array.from([3, 5, 1, 4, 2]));
    });

    it('aligns labels and row-major probabilities (n x K) to the solution order', async () => {
      const out = await parse(PROBA_OK, 'label-required');
      assert.ok(out.ok, JSON.stringify(out));
      assert.deepEqual(out.prediction.label, Int32Array.from([0, 1, 2, 3, 4]));
      assert.deepEqual(
        out.prediction.proba,
        Float64Array.from([
          ...[0.5, 0.2, 0.1, 0.1, 0.1], // J1
          ...[0.2, 0.7, 0.05, 0.05, 0], // J2
          ...[0.1, 0.1, 0.6, 0.1, 0.1], // J3
          ...[1e-3, 0.25, 0.249, 0.5, 0], // J4
          ...[0, 0, 0, 0, 1], // J5
        ]),
      );
      assert.equal(out.prediction.rank, undefined);
    });

    it('parses probabilities to the same double as Number()', async () => {
      const values = [
        ['0.1', '0.2', '0.3', '0.7', '0.9999999999999999'],
        ['0.12345678901234567', '1.0', '.5', '5e-1', '+0.5'],
        ['0', '-0', '1E-2', '0.000001', '0.30000000000000004'],
        ['1', '0.333333333333333314829616256247', '1e0', '0.00000000000000000000000123', '0.5'],
        ['0.015625', '0.1000000000000000055511151231257827', '00.25', '0.', '1.000'],
      ];
      const file = ['Id,Type,proba_AGN,proba_Star,proba_XRB,proba_CV,proba_Other', ...values.map((v, i) => `J${i + 1},AGN,${v.join(',')}`)];
      const out = await parse(file.join('\n'), 'label');
      assert.ok(out.ok, JSON.stringify(out));
      assert.deepEqual(out.prediction.proba, Float64Array.from(values.flat(), Number));
    });

    it('aligns a larger file whatever its row order (sorted, reversed, shuffled)', async () => {
      const n = 300;
      for (const ids of [
        Array.from({ length: n }, (_, i) => String(1000 + i)), // integer table
        Array.from({ length: n }, (_, i) => `obj-${(i * 7919) % 10007}`), // Map
      ]) {
        const sol = solution(ids, ['b', 's'], new Array<number>(n).fill(0));
        const rank = Array.from({ length: n }, (_, i) => ((i * 37) % n) + 1); // a permutation of 1..n
        const orders = [
          ids.map((_, i) => i),
          ids.map((_, i) => n - 1 - i),
          ids.map((_, i) => (i * 101) % n),
          ids.map((_, i) => (i % 2 === 0 ? i / 2 : n - 1 - (i - 1) / 2)),
        ];
        for (const order of orders) {
          const rows = order.map((r) => `${ids[r]},${rank[r]},${rank[r] % 2 ? 's' : 'b'}`);
          const out = await parseSubmission(Buffer.from(higgs(...rows)), { filename: 'x.csv', format: HIGGS, solution: sol });
          assert.ok(out.ok, JSON.stringify(!out.ok && out.errors));
          assert.deepEqual(out.prediction.rank, Int32Array.from(rank));
          assert.deepEqual(out.prediction.label, Int32Array.from(rank, (v) => v % 2));
        }
      }
    });

    it('accepts a label file without probabilities when they are optional', async () => {
      const out = await parse('Id,Type\nJ2,Star\nJ1,XRB\nJ3,XRB\nJ4,CV\nJ5,AGN', 'label');
      assert.ok(out.ok);
      assert.deepEqual(out.prediction.label, Int32Array.from([2, 1, 2, 3, 0]));
      assert.equal(out.prediction.proba, undefined);
    });

    it('accepts a last line without a newline, and quoted values (csv-parse engine)', async () => {
      const quoted = '"EventId","RankOrder","Class"\r\n' + HIGGS_ROWS.map((r) => r.replace(/,(\w)$/, ',"$1"')).join('\r\n');
      const out = await parse(quoted);
      const plain = await parse(HIGGS_OK);
      assert.ok(out.ok && plain.ok);
      assert.deepEqual(out.prediction, plain.prediction);
    });

    it('accepts a UTF-8 BOM with a warning', async () => {
      const out = await parse(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(HIGGS_OK)]));
      assert.ok(out.ok);
      assert.deepEqual(out.warnings.map((w) => w.code), ['bom']);
      assert.match(out.warnings[0].message, /byte order mark \(BOM\).*ignored/);
    });

    it('accepts CRLF line endings with a warning, on both engines', async () => {
      for (const engine of ['auto', 'csv-parse'] as const) {
        const out = await parse(HIGGS_OK.replace(/\n/g, '\r\n'), 'higgs', { engine });
        assert.ok(out.ok, engine);
        assert.deepEqual(out.warnings.map((w) => w.code), ['crlf']);
        assert.match(out.warnings[0].message, /Windows line endings \(CRLF\)/);
        assert.deepEqual(out.prediction.rank, Int32Array.from([3, 5, 1, 4, 2]));
      }
    });

    it('accepts old Mac (CR) line endings with a warning', async () => {
      const out = await parse(HIGGS_OK.replace(/\n/g, '\r'));
      assert.ok(out.ok);
      assert.deepEqual(out.warnings.map((w) => w.code), ['crlf']);
      assert.match(out.warnings[0].message, /old Mac line endings \(CR\)/);
    });

    it('ignores blank lines with one warning', async () => {
      const file = [HIGGS_HEADER, HIGGS_ROWS[0], '', HIGGS_ROWS[1], HIGGS_ROWS[2], HIGGS_ROWS[3], HIGGS_ROWS[4], '', ''].join('\n');
      const out = await parse(file);
      assert.ok(out.ok, JSON.stringify(out));
      assert.equal(out.rows, 5);
      assert.deepEqual(out.warnings, [
        { line: 3, column: null, value: null, code: 'blank_lines', message: '2 blank lines were ignored (the first is line 3).' },
      ]);
    });

    it('accepts gzip by magic bytes whatever the file name, from a Buffer or a stream', async () => {
      const gz = gzipSync(Buffer.from(HIGGS_OK));
      for (const filename of ['sub.csv.gz', 'sub.csv', 'SUB.CSV.GZ']) {
        const out = await parse(gz, 'higgs', { filename });
        assert.ok(out.ok, filename);
        assert.deepEqual(out.prediction.rank, Int32Array.from([3, 5, 1, 4, 2]));
      }
      const chunks = [gz.subarray(0, 1), gz.subarray(1, 7), gz.subarray(7)];
      const out = await parseSubmission(Readable.from(chunks), { filename: 'x.gz', format: HIGGS, solution: HIGGS_SOL });
      assert.ok(out.ok);
    });

    it('reads a Readable in small chunks', async () => {
      const buf = Buffer.from(HIGGS_OK);
      const chunks: Buffer[] = [];
      for (let i = 0; i < buf.length; i += 3) chunks.push(buf.subarray(i, i + 3));
      const out = await parseSubmission(Readable.from(chunks), { filename: 'x.csv', format: HIGGS, solution: HIGGS_SOL });
      assert.ok(out.ok);
      assert.deepEqual(out.prediction.rank, Int32Array.from([3, 5, 1, 4, 2]));
    });

    it('reports a data line longer than maxLineBytes without splitting it, and goes on with the next lines', async () => {
      const out = await parse(higgsWith(2, `350002,1,b${',x'.repeat(100)}`), 'higgs', { maxLineBytes: 100 });
      const errors = errorsOf(out);
      assert.deepEqual(errors.map((e) => [e.code, e.line]), [['missing_ids', null], ['missing_ranks', null], ['line_too_long', 4]]);
      assert.equal(errors[2].message, 'Line 4 is 210 bytes long, more than the 100 bytes a row may have.');
    });

    it('stops gunzip at maxDecompressedBytes and names the cap and its reason', async () => {
      const bomb = gzipSync(Buffer.from(HIGGS_OK + '\n'.repeat(50_000_000)));
      assert.ok(bomb.length < 100_000);
      const out = await parseSubmission(bomb, { filename: 'x.csv.gz', format: HIGGS, solution: HIGGS_SOL, maxDecompressedBytes: 4096, decompressedLimitReason: 'test reason' });
      const errors = errorsOf(out);
      assert.equal(errors[0].code, 'too_large');
      assert.equal(errors[0].message, 'The file is larger than the limit of 4 KiB once decompressed (test reason); decompression was stopped there.');
    });

    it('takes the sha256 of the file in the same read', async () => {
      const file = gzipSync(Buffer.from(HIGGS_OK));
      const out = await parseSubmission(Readable.from([file.subarray(0, 7), file.subarray(7)]), { filename: 'x.csv.gz', format: HIGGS, solution: HIGGS_SOL, sha256: true });
      assert.ok(out.ok);
      assert.equal(out.sha256, createHash('sha256').update(file).digest('hex'));
    });

    it('rejects a stream larger than maxBytes', async () => {
      const out = await parseSubmission(Readable.from([Buffer.from(HIGGS_OK)]), {
        filename: 'x.csv',
        format: HIGGS,
        solution: HIGGS_SOL,
        maxBytes: 10,
      });
      assert.equal(errorsOf(out)[0].code, 'too_large');
    });
  });

  describe('many problems at once', () => {
    it('lists every problem of the file in one pass, in line order', async () => {
      const file = higgs('350000,3,b', '350001,5.5,s', '350002,1,x', '999,4,s', '350002,2,b', '350003,7,s', '350004,2', '350004,1,b');
      const out = await parse(file);
      const errors = errorsOf(out);
      assert.deepEqual(
        errors.map((e) => [e.code, e.line]),
        [
          ['missing_ranks', null],
          ['not_integer', 3],
          ['invalid_class', 4],
          ['unknown_id', 5],
          ['duplicate_id', 6],
          ['rank_out_of_range', 7],
          ['field_count', 8],
          ['duplicate_id', 9],
          ['duplicate_rank', 9],
        ],
      );
      assert.equal(out.ok || out.totalErrors, 9);
      // 350004 was on a row with too few fields: it counts as present, not missing.
      assert.ok(!errors.some((e) => e.code === 'missing_ids'));
    });

    it('caps the list at maxErrors but counts every problem', async () => {
      const rows = HIGGS_ROWS.map((r) => r.replace(/,[bs]$/, ',x'));
      const out = await parse(higgs(...rows, ...rows), 'higgs', { maxErrors: 3 });
      assert.ok(!out.ok);
      assert.equal(out.errors.length, 3);
      assert.equal(out.totalErrors, 20); // 10 invalid classes, 5 duplicate ids, 5 duplicate ranks
      assert.deepEqual(out.counts, { invalid_class: 10, duplicate_id: 5, duplicate_rank: 5 });
    });

    it('keeps summaries (missing ids) ahead of row problems when capped', async () => {
      const out = await parse(higgs('1,1,x', '2,2,x', '3,3,x'), 'higgs', { maxErrors: 2 });
      assert.deepEqual(errorsOf(out).map((e) => e.code), ['missing_ids', 'missing_ranks']);
    });

    it('numbers lines right after a multi-line quoted value and after a skipped bad record', async () => {
      const file = [
        HIGGS_HEADER,
        '"350000\nX",3,b', // lines 2-3: an id with a line break in it
        '350001,5,q', // line 4
        '350002,1,b"', // line 5: bad quote, record skipped
        '350003,4,z', // line 6
        '350004,2,b',
      ].join('\n');
      const errors = errorsOf(await parse(file));
      const at = (code: IssueCode): (number | null)[] => errors.filter((e) => e.code === code).map((e) => e.line);
      assert.deepEqual(at('unknown_id'), [2]);
      assert.deepEqual(at('invalid_class'), [4, 6]);
      assert.deepEqual(at('csv_syntax'), [5]);
    });

    it('stops after a fatal header problem instead of reporting every row', async () => {
      const out = await parse('EventId;RankOrder;Class\n' + HIGGS_ROWS.map((r) => r.replace(/,/g, ';')).join('\n'));
      assert.deepEqual(errorsOf(out).map((e) => e.code), ['wrong_delimiter']);
    });
  });

  it('throws (a configuration error, not a file problem) when the format and solution classes differ', async () => {
    await assert.rejects(
      parseSubmission(Buffer.from(HIGGS_OK), {
        filename: 'x.csv',
        format: { ...HIGGS, classes: ['b', 's', 'x'] } as SubmissionFormat,
        solution: HIGGS_SOL,
      }),
      /format classes \[b, s, x\] differ from the solution's \[b, s\]/,
    );
  });

  it('maps class codes through the solution when it lists the classes in another order', async () => {
    const sol = { ...HIGGS_SOL, classes: ['s', 'b'] };
    const out = await parseSubmission(Buffer.from(HIGGS_OK), { filename: 'x.csv', format: HIGGS, solution: sol });
    assert.ok(out.ok);
    assert.deepEqual(out.prediction.label, Int32Array.from([1, 0, 1, 0, 1]));
  });
});
