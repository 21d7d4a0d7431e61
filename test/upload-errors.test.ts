/**
 * Every way an upload can be malformed, through the real app over HTTP: status, error code and
 * the specific message, and that a rejected file leaves no submission and no used daily slot.
 * Bad files are edits of the real HiggsML sample submission, so every other id is genuine.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Test } from 'supertest';
import { createTestContext, datasetFile, signedInAgent, waitForTerminal, type TestContext } from './helpers.js';

type Agent = Awaited<ReturnType<typeof signedInAgent>>['agent'];

const HIGGS_N = 11_889;
const sampleGz = fs.readFileSync(datasetFile('higgsml', 'sample_submission.csv.gz'));
const sampleText = zlib.gunzipSync(sampleGz).toString('utf8');
/** Physical lines of the sample: lines[0] is line 1 (the header), lines[1] line 2 (the first row)... */
const sampleLines = sampleText.replace(/\n$/, '').split('\n');
const xraySample = zlib.gunzipSync(fs.readFileSync(datasetFile('xray-sources', 'sample_submission.csv.gz'))).toString('utf8');
const xrayLines = xraySample.replace(/\n$/, '').split('\n');

const fieldsOf = (lines: string[], line: number): string[] => lines[line - 1].split(',');
const csv = (lines: string[]): string => `${lines.join('\n')}\n`;

/** The sample with some physical lines (1-based) replaced by `edit(fields)` joined on commas. */
function edited(edits: Record<number, (f: string[]) => string[]>, lines = sampleLines): string {
  const out = lines.slice();
  for (const [line, edit] of Object.entries(edits)) out[Number(line) - 1] = edit(out[Number(line) - 1].split(',')).join(',');
  return csv(out);
}
const setField = (i: number, value: string) => (f: string[]) => f.map((v, j) => (j === i ? value : v));
const ID = 0;
const RANK = 1;
const CLASS = 2;

interface ExpectedIssue {
  code: string;
  line: number | null;
  column: string | null;
  value?: string | null;
  message: RegExp;
}

interface Case {
  name: string;
  challenge?: 'higgsml' | 'xray-sources';
  body: () => Buffer | string;
  filename?: string;
  /** Issues that must be listed (matched on code, line and column). */
  issues: ExpectedIssue[];
  /** The exact set of codes listed (defaults to those of `issues`). */
  codes?: string[];
  totalErrors?: number;
}

const row2 = fieldsOf(sampleLines, 2); // 108000,3139,b
const row3 = fieldsOf(sampleLines, 3); // 108001,...

const cases: Case[] = [
  // ---- header
  {
    name: 'a misspelt column in the header',
    body: () => edited({ 1: () => ['EventId', 'Rank', 'Class'] }),
    issues: [
      { code: 'unknown_column', line: 1, column: 'Rank', value: 'Rank', message: /^Line 1: unexpected column "Rank" \(column 2\)\. Allowed columns: "EventId", "RankOrder", "Class"\.$/ },
      { code: 'missing_column', line: 1, column: 'RankOrder', message: /^Line 1: the header has no "RankOrder" column\. The header must be .*EventId,RankOrder,Class/ },
    ],
  },
  {
    name: 'a header in the wrong case',
    body: () => edited({ 1: () => ['eventid', 'RankOrder', 'Class'] }),
    issues: [
      { code: 'unknown_column', line: 1, column: 'eventid', message: /unexpected column "eventid" \(column 1\)\. Did you mean "EventId"\? Column names are case-sensitive/ },
      { code: 'missing_column', line: 1, column: 'EventId', message: /the header has no "EventId" column/ },
    ],
  },
  {
    name: 'no header (the first line is data)',
    body: () => csv(sampleLines.slice(1)),
    issues: [{ code: 'missing_header', line: 1, column: null, message: /^Line 1 looks like a data row, not a header: "108000" is an id of the test set\. Add the header .*EventId,RankOrder,Class.* as the first line\.$/ }],
    totalErrors: 1,
  },
  {
    name: 'an extra column in the header and every row',
    body: () => csv(sampleLines.map((l, i) => `${l},${i === 0 ? 'Probability' : '0.5'}`)),
    issues: [{ code: 'unknown_column', line: 1, column: 'Probability', message: /^Line 1: unexpected column "Probability" \(column 4\)\. Allowed columns: / }],
    totalErrors: 1,
  },
  {
    name: 'a trailing comma on the header',
    body: () => edited({ 1: (f) => [...f, ''] }),
    issues: [
      { code: 'unknown_column', line: 1, column: '', message: /column 4 of the header has no name \(is there a comma at the end of the line\?\)/ },
    ],
    codes: ['field_count', 'unknown_column'],
    totalErrors: 1 + HIGGS_N,
  },
  {
    name: 'an extra field on one row',
    body: () => edited({ 5: (f) => [...f, 'x'] }),
    issues: [{ code: 'field_count', line: 5, column: null, message: /^Line 5 has 4 fields but the header has 3 columns \(EventId,RankOrder,Class\)\. Check for extra commas, or commas inside values\.$/ }],
    totalErrors: 1,
  },
  {
    name: 'a missing field on one row',
    body: () => edited({ 6: (f) => f.slice(0, 2) }),
    issues: [{ code: 'field_count', line: 6, column: null, message: /^Line 6 has 2 fields but the header has 3 columns .*Check for missing values\.$/ }],
    totalErrors: 1,
  },
  // ---- ids
  {
    name: 'a missing id (row removed, so its RankOrder is unused too)',
    body: () => csv(sampleLines.filter((_, i) => i !== 9)),
    issues: [
      { code: 'missing_ids', line: null, column: 'EventId', message: new RegExp(`^1 id of the test set has no row in the file: "${fieldsOf(sampleLines, 10)[ID]}"\\. The file must have exactly one row for each of the 11,889 ids of the test set \\(it has 11,888 data rows\\)\\.$`) },
      { code: 'missing_ranks', line: null, column: 'RankOrder', message: new RegExp(`^RankOrder must use each whole number from 1 to 11889 exactly once, but 1 value is not used: ${fieldsOf(sampleLines, 10)[RANK]}\\.$`) },
    ],
    totalErrors: 2,
  },
  {
    name: 'many missing ids (half the file)',
    body: () => csv(sampleLines.slice(0, 1 + 5000)),
    issues: [
      { code: 'missing_ids', line: null, column: 'EventId', message: /^6,889 ids of the test set have no row in the file: "\d+", .*, …\. The file must have exactly one row for each of the 11,889 ids of the test set \(it has 5,000 data rows\)\.$/ },
      { code: 'missing_ranks', line: null, column: 'RankOrder', message: /6,889 values are not used: \d+, .*…\.$/ },
    ],
    totalErrors: 2,
  },
  {
    name: 'an unknown id',
    body: () => edited({ 3: setField(ID, '999999999') }),
    issues: [
      { code: 'unknown_id', line: 3, column: 'EventId', value: '999999999', message: /^Line 3, column "EventId": id "999999999" is not an id of the test set\.$/ },
      { code: 'missing_ids', line: null, column: 'EventId', message: new RegExp(`^1 id of the test set has no row in the file: "${row3[ID]}"\\.`) },
    ],
    totalErrors: 2,
  },
  {
    name: 'an id with a space before it',
    body: () => edited({ 3: setField(ID, ` ${row3[ID]}`) }),
    issues: [
      { code: 'unknown_id', line: 3, column: 'EventId', value: ` ${row3[ID]}`, message: new RegExp(`^Line 3, column "EventId": id " ${row3[ID]}" is not an id of the test set\\. Remove the spaces around it: values are not trimmed\\.$`) },
    ],
    codes: ['missing_ids', 'unknown_id'],
    totalErrors: 2,
  },
  {
    name: 'a duplicated id',
    body: () => edited({ 4: setField(ID, row3[ID]) }),
    issues: [
      { code: 'duplicate_id', line: 4, column: 'EventId', value: row3[ID], message: new RegExp(`^Line 4, column "EventId": id "${row3[ID]}" already appeared on line 3\\. Each id must appear exactly once\\.$`) },
      { code: 'missing_ids', line: null, column: 'EventId', message: new RegExp(`^1 id of the test set has no row in the file: "${fieldsOf(sampleLines, 4)[ID]}"\\.`) },
    ],
    totalErrors: 2,
  },
  {
    name: 'a whole row repeated',
    body: () => csv([...sampleLines, sampleLines[1]]),
    issues: [
      { code: 'duplicate_id', line: HIGGS_N + 2, column: 'EventId', message: new RegExp(`^Line ${HIGGS_N + 2}, column "EventId": id "${row2[ID]}" already appeared on line 2\\.`) },
      { code: 'duplicate_rank', line: HIGGS_N + 2, column: 'RankOrder', message: new RegExp(`^Line ${HIGGS_N + 2}, column "RankOrder": RankOrder ${row2[RANK]} is already used on line 2\\.`) },
    ],
    totalErrors: 2,
  },
  // ---- values
  {
    name: 'an empty Class cell',
    body: () => edited({ 6: setField(CLASS, '') }),
    issues: [{ code: 'empty_value', line: 6, column: 'Class', value: '', message: /^Line 6, column "Class": the value is empty\.$/ }],
    totalErrors: 1,
  },
  {
    name: 'an empty RankOrder cell',
    body: () => edited({ 7: setField(RANK, '') }),
    issues: [
      { code: 'empty_value', line: 7, column: 'RankOrder', value: '', message: /^Line 7, column "RankOrder": the value is empty\.$/ },
      { code: 'missing_ranks', line: null, column: 'RankOrder', message: new RegExp(`1 value is not used: ${fieldsOf(sampleLines, 7)[RANK]}\\.$`) },
    ],
    totalErrors: 2,
  },
  {
    name: 'an empty EventId cell',
    body: () => edited({ 8: setField(ID, '') }),
    issues: [{ code: 'empty_value', line: 8, column: 'EventId', value: '', message: /^Line 8, column "EventId": the value is empty\.$/ }],
    codes: ['empty_value', 'missing_ids'],
    totalErrors: 2,
  },
  {
    name: 'NaN as a RankOrder',
    body: () => edited({ 9: setField(RANK, 'NaN') }),
    issues: [
      { code: 'not_finite', line: 9, column: 'RankOrder', value: 'NaN', message: /^Line 9, column "RankOrder": "NaN" is not a number\. RankOrder must be a whole number from 1 to 11889\.$/ },
    ],
    codes: ['missing_ranks', 'not_finite'],
    totalErrors: 2,
  },
  {
    name: 'a decimal RankOrder (wrong type)',
    body: () => edited({ 10: setField(RANK, '17.0') }),
    issues: [
      { code: 'not_integer', line: 10, column: 'RankOrder', value: '17.0', message: /^Line 10, column "RankOrder": "17\.0" is not a whole number\. RankOrder must be a whole number from 1 to 11889, written with digits only \(17, not 17\.0\)\.$/ },
    ],
    codes: ['missing_ranks', 'not_integer'],
    totalErrors: 2,
  },
  {
    name: 'a word as a RankOrder (wrong type)',
    body: () => edited({ 10: setField(RANK, 'high') }),
    issues: [{ code: 'not_integer', line: 10, column: 'RankOrder', value: 'high', message: /^Line 10, column "RankOrder": "high" is not a whole number\./ }],
    codes: ['missing_ranks', 'not_integer'],
    totalErrors: 2,
  },
  {
    name: 'a class outside the allowed set (wrong case)',
    body: () => edited({ 3: setField(CLASS, 'S') }),
    issues: [{ code: 'invalid_class', line: 3, column: 'Class', value: 'S', message: /^Line 3, column "Class": "S" is not an allowed class\. Allowed values: "b", "s" \(case-sensitive\)\.$/ }],
    totalErrors: 1,
  },
  {
    name: 'a class written as a number',
    body: () => edited({ 4: setField(CLASS, '1') }),
    issues: [{ code: 'invalid_class', line: 4, column: 'Class', value: '1', message: /^Line 4, column "Class": "1" is not an allowed class\. Allowed values: "b", "s"/ }],
    totalErrors: 1,
  },
  {
    name: 'a class outside the allowed set (xray-sources, label format)',
    challenge: 'xray-sources',
    body: () => edited({ 2: (f) => [...f.slice(0, -1), 'Galaxy'] }, xrayLines),
    issues: [
      { code: 'invalid_class', line: 2, column: 'Class', value: 'Galaxy', message: /^Line 2, column "Class": "Galaxy" is not an allowed class\. Allowed values: "AGN", "Star", "XRB", "CV", "Other" \(case-sensitive\)\.$/ },
    ],
    totalErrors: 1,
  },
  {
    name: 'a wrong header (xray-sources, label format)',
    challenge: 'xray-sources',
    body: () => edited({ 1: () => ['name', 'Label'] }, xrayLines),
    issues: [
      { code: 'unknown_column', line: 1, column: 'Label', message: /^Line 1: unexpected column "Label" \(column 2\)\. Allowed columns: "name", "Class"/ },
      { code: 'missing_column', line: 1, column: 'Class', message: /^Line 1: the header has no "Class" column\./ },
    ],
  },
  // ---- RankOrder permutation
  {
    name: 'a RankOrder used twice',
    body: () => edited({ 3: setField(RANK, row2[RANK]) }),
    issues: [
      { code: 'duplicate_rank', line: 3, column: 'RankOrder', value: row2[RANK], message: new RegExp(`^Line 3, column "RankOrder": RankOrder ${row2[RANK]} is already used on line 2\\. RankOrder must use each whole number from 1 to 11889 exactly once\\.$`) },
      { code: 'missing_ranks', line: null, column: 'RankOrder', message: new RegExp(`^RankOrder must use each whole number from 1 to 11889 exactly once, but 1 value is not used: ${row3[RANK]}\\.$`) },
    ],
    totalErrors: 2,
  },
  {
    name: 'a RankOrder of 0',
    body: () => edited({ 2: setField(RANK, '0') }),
    issues: [{ code: 'rank_out_of_range', line: 2, column: 'RankOrder', value: '0', message: /^Line 2, column "RankOrder": RankOrder 0 is outside 1\.\.11889 \(the test set has 11,889 rows\)\.$/ }],
    codes: ['missing_ranks', 'rank_out_of_range'],
    totalErrors: 2,
  },
  {
    name: 'a RankOrder of N+1',
    body: () => edited({ 2: setField(RANK, String(HIGGS_N + 1)) }),
    issues: [{ code: 'rank_out_of_range', line: 2, column: 'RankOrder', value: '11890', message: /^Line 2, column "RankOrder": RankOrder 11890 is outside 1\.\.11889/ }],
    codes: ['missing_ranks', 'rank_out_of_range'],
    totalErrors: 2,
  },
  {
    name: 'RankOrder counted from 0 (0..N-1)',
    body: () => csv(sampleLines.map((l, i) => (i === 0 ? l : l.split(',').map((v, j) => (j === RANK ? String(Number(v) - 1) : v)).join(',')))),
    issues: [
      { code: 'rank_out_of_range', line: null, column: 'RankOrder', value: '0', message: /RankOrder 0 is outside 1\.\.11889/ },
      { code: 'missing_ranks', line: null, column: 'RankOrder', message: /1 value is not used: 11889\.$/ },
    ],
    totalErrors: 2,
  },
  // ---- the file as a whole
  {
    name: 'an empty file',
    body: () => '',
    issues: [{ code: 'empty_file', line: null, column: null, message: /^The file is empty \(0 bytes\)\.$/ }],
    totalErrors: 1,
  },
  {
    name: 'a file of blank lines only',
    body: () => '\n\n  \n',
    issues: [{ code: 'empty_file', line: null, column: null, message: /^The file contains only whitespace: it needs a header line and one row per id\.$/ }],
    totalErrors: 1,
  },
  {
    name: 'a header but no rows',
    body: () => `${sampleLines[0]}\n`,
    issues: [{ code: 'no_rows', line: null, column: null, message: /^The file has a header but no data rows\. It needs one row for each of the 11,889 ids of the test set\.$/ }],
    totalErrors: 1,
  },
  {
    name: 'semicolons as the delimiter',
    body: () => csv(sampleLines.map((l) => l.replaceAll(',', ';'))),
    issues: [{ code: 'wrong_delimiter', line: 1, column: null, value: 'EventId;RankOrder;Class', message: /^Line 1: the header "EventId;RankOrder;Class" separates columns with semicolons \(;\), not commas\. Use commas: the header must be .*EventId,RankOrder,Class/ }],
    totalErrors: 1,
  },
  {
    name: 'tabs as the delimiter',
    body: () => csv(sampleLines.map((l) => l.replaceAll(',', '\t'))),
    issues: [{ code: 'wrong_delimiter', line: 1, column: null, message: /separates columns with tabs, not commas\./ }],
    totalErrors: 1,
  },
  {
    name: 'a .gz name on a file that is not gzip',
    body: () => sampleText,
    filename: 'predictions.csv.gz',
    issues: [{ code: 'not_gzip', line: null, column: null, message: /^The file is named "predictions\.csv\.gz" but is not gzip-compressed\. Compress it with gzip, or upload it without the \.gz extension\.$/ }],
    totalErrors: 1,
  },
  {
    name: 'a truncated gzip file',
    body: () => sampleGz.subarray(0, Math.floor(sampleGz.length / 2)),
    filename: 'predictions.csv.gz',
    issues: [{ code: 'gzip_corrupt', line: null, column: null, message: /^The file is gzip-compressed but could not be decompressed \(.*\)\. It may be truncated or corrupt/ }],
    totalErrors: 1,
  },
  {
    name: 'a ZIP archive',
    body: () => Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(60)]),
    filename: 'predictions.zip',
    issues: [{ code: 'unsupported_file', line: null, column: null, message: /is a ZIP archive or an Excel workbook, not a CSV file/ }],
    totalErrors: 1,
  },
  {
    name: 'UTF-16 text (Excel "Unicode Text")',
    body: () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(sampleText.slice(0, 2000), 'utf16le')]),
    issues: [{ code: 'unsupported_encoding', line: null, column: null, message: /is UTF-16 text/ }],
    totalErrors: 1,
  },
  {
    name: 'an unclosed quote',
    body: () => edited({ 4: setField(CLASS, '"b') }),
    issues: [
      { code: 'csv_syntax', line: 4, column: 'Class', message: /^Line 4, column "Class": a quoted value \(starting with "\) is never closed, so the rest of the file could not be read\. Close the quote or remove it\.$/ },
      { code: 'missing_ids', line: null, column: 'EventId', message: /^11,887 ids of the test set have no row in the file: / },
    ],
    codes: ['csv_syntax', 'missing_ids', 'missing_ranks'],
  },
];

describe('malformed uploads (HTTP)', function () {
  let ctx: TestContext;
  let agent: Agent;
  let csrf: string;
  let uploadsDir: string;

  before(async () => {
    ctx = await createTestContext({ challenges: ['higgsml', 'xray-sources'] });
    ({ agent, csrf } = await signedInAgent(ctx.app, 'rejected@example.org', 'Rejected'));
    uploadsDir = path.join(ctx.config.dataDir, 'uploads');
  });
  after(async () => ctx?.close());

  const post = (slug: string, a: Agent = agent, token = csrf): Test => a.post(`/challenges/${slug}/submissions?_csrf=${token}`);

  async function submissionCount(): Promise<number> {
    const row = await ctx.handle.db.selectFrom('submissions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }
  async function quotaRows(): Promise<number> {
    const row = await ctx.handle.db.selectFrom('submission_quota').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Nothing was stored: no submission row, no quota row, the same slots left, no leftover temporary file. */
  async function assertNothingStored(slug: string): Promise<void> {
    const before = await submissionCount();
    assert.equal(before, 0, 'a rejected upload created a submission row');
    assert.equal(await quotaRows(), 0, 'a rejected upload took a daily slot');
    const mine = await agent.get(`/challenges/${slug}/submissions`).set('Accept', 'application/json').expect(200);
    assert.deepEqual(mine.body.submissions, []);
    assert.equal(mine.body.quota.used, 0);
    assert.equal(mine.body.quota.left, mine.body.quota.limit);
    assert.deepEqual(fs.readdirSync(uploadsDir), [], 'the temporary upload was not removed');
    assert.deepEqual(fs.readdirSync(ctx.config.dataDir).filter((f) => f === 'submissions'), [], 'a rejected file was stored');
  }

  for (const c of cases) {
    it(`rejects ${c.name}`, async () => {
      const slug = c.challenge ?? 'higgsml';
      const body = c.body();
      const res = await post(slug)
        .set('Accept', 'application/json')
        .attach('file', Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'), c.filename ?? 'predictions.csv')
        .expect('Content-Type', /json/);
      assert.equal(res.status, 422, JSON.stringify(res.body).slice(0, 2000));
      const err = res.body.error;
      assert.equal(err.code, 'invalid_submission');
      assert.ok(Array.isArray(err.errors) && err.errors.length > 0);
      const total = err.totalErrors as number;
      assert.equal(err.message, `The file has ${total} problem${total === 1 ? '' : 's'}; nothing was stored.`);
      if (c.totalErrors !== undefined) assert.equal(total, c.totalErrors, JSON.stringify(err.errors.slice(0, 5), null, 1));
      assert.ok(err.errors.length <= Math.min(total, 100));
      for (const e of err.errors) assert.deepEqual(Object.keys(e).sort(), ['code', 'column', 'line', 'message', 'value']);

      const codes = [...new Set(err.errors.map((e: { code: string }) => e.code))].sort();
      assert.deepEqual(codes, c.codes ?? [...new Set(c.issues.map((i) => i.code))].sort(), JSON.stringify(err.errors.slice(0, 5), null, 1));
      for (const want of c.issues) {
        const found = err.errors.find(
          (e: { code: string; line: number | null; column: string | null; message: string }) => e.code === want.code && (want.line === null || e.line === want.line) && e.column === want.column && want.message.test(e.message),
        );
        assert.ok(found, `no ${want.code} issue on line ${want.line}, column ${want.column} matching ${want.message}; got ${JSON.stringify(err.errors.slice(0, 5), null, 1)}`);
        if (want.value !== undefined) assert.equal(found.value, want.value);
      }
      assert.deepEqual(err.warnings, []);
      await assertNothingStored(slug);
    });
  }

  it('lists at most 100 problems and counts them all', async () => {
    // Every Class is wrong: one problem per row.
    const body = csv(sampleLines.map((l, i) => (i === 0 ? l : l.replace(/,[sb]$/, ',signal'))));
    const res = await post('higgsml').set('Accept', 'application/json').attach('file', Buffer.from(body), 'all-wrong.csv').expect(422);
    const err = res.body.error;
    assert.equal(err.code, 'invalid_submission');
    assert.equal(err.totalErrors, HIGGS_N);
    assert.equal(err.errors.length, 100);
    assert.equal(err.message, 'The file has 11889 problems; nothing was stored.');
    assert.deepEqual(
      err.errors.map((e: { line: number }) => e.line),
      Array.from({ length: 100 }, (_, i) => i + 2),
      'the first 100 rows, in line order',
    );
    assert.ok(err.errors.every((e: { code: string; value: string; column: string }) => e.code === 'invalid_class' && e.value === 'signal' && e.column === 'Class'));
    await assertNothingStored('higgsml');
  });

  it('answers 400 no_file when the file field is missing', async () => {
    const res = await post('higgsml').set('Accept', 'application/json').field('message', 'forgot the file').expect(400);
    assert.equal(res.body.error.code, 'no_file');
    assert.equal(res.body.error.message, "No file was uploaded: choose a CSV file (.csv or .csv.gz) in the field 'file'.");
    await assertNothingStored('higgsml');
  });

  it('answers 400 bad_upload when the file comes in another field', async () => {
    const res = await post('higgsml').set('Accept', 'application/json').attach('upload', Buffer.from(sampleText), 'predictions.csv').expect(400);
    assert.equal(res.body.error.code, 'bad_upload');
    assert.match(res.body.error.message, /^Upload rejected: Unexpected file field \(field 'upload'\)\. Send one file in the field 'file'\.$/);
    await assertNothingStored('higgsml');
  });

  it('renders the submit page with status 422 and a table of the problems for a browser upload', async () => {
    const body = edited({ 3: setField(CLASS, 'S'), 5: setField(RANK, 'NaN') });
    const res = await post('higgsml').attach('file', Buffer.from(body), 'predictions.csv').expect(422).expect('Content-Type', /html/);
    const html = res.text;
    assert.match(html, /<form method="post" action="\/challenges\/higgsml\/submissions" enctype="multipart\/form-data"/, 'the upload form is shown again');
    assert.match(html, /data-testid="upload-error"/);
    assert.match(html, /The file has 3 problems; nothing was stored\./);
    const table = /<table class="errors">([\s\S]*?)<\/table>/.exec(html);
    assert.ok(table, 'no error table');
    const headers = [...table[1].matchAll(/<th>([^<]*)<\/th>/g)].map((m) => m[1]);
    for (const h of ['Line', 'Column', 'Problem']) assert.ok(headers.includes(h), `no ${h} column in ${headers.join(', ')}`);
    const rows = [...table[1].matchAll(/<tr>([\s\S]*?)<\/tr>/g)]
      .slice(1)
      .map((m) => [...m[1].matchAll(/<td>([\s\S]*?)<\/td>/g)].map((td) => unescapeHtml(td[1].replace(/<[^>]+>/g, ''))));
    const cell = (row: string[], name: string) => row[headers.indexOf(name)];
    const byCode = (line: string) => rows.find((r) => cell(r, 'Line') === line);
    const classRow = byCode('3');
    assert.ok(classRow, `no row for line 3 in ${JSON.stringify(rows)}`);
    assert.equal(cell(classRow, 'Column'), 'Class');
    assert.equal(cell(classRow, 'Problem'), 'Line 3, column "Class": "S" is not an allowed class. Allowed values: "b", "s" (case-sensitive).');
    const rankRow = byCode('5');
    assert.ok(rankRow);
    assert.equal(cell(rankRow, 'Column'), 'RankOrder');
    assert.match(cell(rankRow, 'Problem'), /"NaN" is not a number/);
    assert.ok(rows.some((r) => /1 value is not used/.test(cell(r, 'Problem'))), 'the missing-rank summary is listed');
    assert.match(html, /Submissions left today: <strong>5<\/strong> of 5/);
    await assertNothingStored('higgsml');
  });

  it('says how many of the problems the page shows', async () => {
    const body = csv(sampleLines.map((l, i) => (i === 0 ? l : l.replace(/,[sb]$/, ',x'))));
    const res = await post('higgsml').attach('file', Buffer.from(body), 'predictions.csv').expect(422);
    assert.match(res.text, /Showing 100 of 11889 problems\./);
    assert.equal((res.text.match(/<tr>/g) ?? []).length, 101);
    await assertNothingStored('higgsml');
  });

  describe('accepted with a warning', () => {
    let excel: Agent;
    let excelCsrf: string;
    let reference: { public_score: number | null; private_score: number | null };
    before(async () => {
      ({ agent: excel, csrf: excelCsrf } = await signedInAgent(ctx.app, 'excel@example.org', 'Excel'));
      const res = await post('higgsml', excel, excelCsrf).set('Accept', 'application/json').attach('file', Buffer.from(sampleText), 'plain.csv').expect(202);
      assert.deepEqual(res.body.submission.warnings, []);
      reference = await waitForTerminal(ctx.handle, res.body.submission.id);
      assert.equal(reference.public_score?.toFixed(2), '1.59');
    });
    after(async () => {
      // Only the excel user's files were stored.
      const users = await ctx.handle.db.selectFrom('submissions').innerJoin('users', 'users.id', 'submissions.user_id').select('users.email').distinct().execute();
      assert.deepEqual(users.map((u) => u.email), ['excel@example.org']);
    });

    const variants: { name: string; body: () => string; codes: string[]; message: RegExp }[] = [
      { name: 'a UTF-8 byte order mark', body: () => `\uFEFF${sampleText}`, codes: ['bom'], message: /^The file starts with a UTF-8 byte order mark \(BOM\), as Excel writes; it was ignored\.$/ },
      { name: 'CRLF line endings', body: () => sampleText.replaceAll('\n', '\r\n'), codes: ['crlf'], message: /^The file uses Windows line endings \(CRLF\); they were accepted\.$/ },
      { name: 'a BOM and CRLF line endings (Excel)', body: () => `\uFEFF${sampleText.replaceAll('\n', '\r\n')}`, codes: ['bom', 'crlf'], message: /byte order mark|CRLF/ },
    ];
    for (const v of variants) {
      it(`accepts ${v.name} (202) with a warning and scores it the same as the plain file`, async () => {
        const before = await excel.get('/challenges/higgsml/submissions').set('Accept', 'application/json').expect(200);
        const res = await post('higgsml', excel, excelCsrf).set('Accept', 'application/json').attach('file', Buffer.from(v.body(), 'utf8'), 'excel.csv').expect(202);
        const warnings = res.body.submission.warnings as { code: string; message: string }[];
        assert.deepEqual(warnings.map((w) => w.code), v.codes);
        for (const w of warnings) assert.match(w.message, v.message);
        assert.equal(res.body.quota.used, before.body.quota.used + 1);
        const row = await waitForTerminal(ctx.handle, res.body.submission.id);
        assert.equal(row.status, 'scored', row.error ?? '');
        assert.equal(row.row_count, HIGGS_N);
        assert.equal(row.public_score, reference.public_score);
        assert.equal(row.private_score, reference.private_score);
      });
    }
  });
});

describe('oversized uploads (HTTP)', function () {
  let ctx: TestContext;
  let agent: Agent;
  let csrf: string;
  before(async () => {
    // 0.05 MB = 52,429 bytes: the 59,682-byte gzipped sample is over it.
    ctx = await createTestContext({ challenges: ['higgsml'], configOverrides: { MAX_UPLOAD_MB: 0.05 } });
    ({ agent, csrf } = await signedInAgent(ctx.app, 'big@example.org', 'Big'));
  });
  after(async () => ctx?.close());

  it('answers 413 file_too_large and stores nothing', async () => {
    assert.ok(sampleGz.length > 0.05 * 1024 * 1024);
    const res = await agent
      .post(`/challenges/higgsml/submissions?_csrf=${csrf}`)
      .set('Accept', 'application/json')
      .attach('file', sampleGz, 'sample_submission.csv.gz')
      .expect(413);
    assert.equal(res.body.error.code, 'file_too_large');
    assert.equal(res.body.error.message, 'The file is larger than the 0.05 MB limit.');
    const n = await ctx.handle.db.selectFrom('submissions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(n.n), 0);
    const mine = await agent.get('/challenges/higgsml/submissions').set('Accept', 'application/json').expect(200);
    assert.equal(mine.body.quota.used, 0);
    assert.deepEqual(fs.readdirSync(path.join(ctx.config.dataDir, 'uploads')), [], 'the partial upload was not removed');
  });

  it('shows the size limit to a browser (HTML error page, 413)', async () => {
    const res = await agent.post(`/challenges/higgsml/submissions?_csrf=${csrf}`).attach('file', sampleGz, 'sample_submission.csv.gz').expect(413);
    assert.match(res.text, /The file is larger than the 0\.05 MB limit\./);
  });

  it('reads a file under the limit (422 for its content, not 413)', async () => {
    const part = Buffer.from(csv(sampleLines.slice(0, 1000)));
    assert.ok(part.length < 0.05 * 1024 * 1024);
    const res = await agent.post(`/challenges/higgsml/submissions?_csrf=${csrf}`).set('Accept', 'application/json').attach('file', part, 'part.csv').expect(422);
    assert.equal(res.body.error.code, 'invalid_submission');
    assert.deepEqual(res.body.error.errors.map((e: { code: string }) => e.code), ['missing_ids', 'missing_ranks']);
  });
});

function unescapeHtml(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&#39;/g, "'")
    .replace(/&#x3D;/g, '=')
    .replace(/&#x60;/g, '`')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .trim();
}

