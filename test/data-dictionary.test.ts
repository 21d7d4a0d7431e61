import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import request from 'supertest';
import { createTestContext, datasetFile, type TestContext } from './helpers.js';
import { findChallengeBySlug } from '../src/challenges/repo.js';
import { dataDictionary, dictionaryView, summarizeCsvFile, type ColumnSummary, type FileSummary } from '../src/challenges/data-dictionary.js';
import { readCsvRecords } from '../src/crowd/setup.js';
import { fileKeyIn } from '../src/storage/index.js';

const column = (s: FileSummary, name: string): ColumnSummary => {
  const c = s.columns.find((x) => x.name === name);
  assert.ok(c, `column ${name}`);
  return c;
};

/** The share of a column's cells that are empty, NaN or -999, counted here with csv-parse's sync reader. */
function missingShare(records: Record<string, string>[], name: string): number {
  const missing = records.filter((r) => r[name] === undefined || r[name] === '' || r[name] === 'NaN' || Number(r[name]) === -999).length;
  return missing / records.length;
}

describe('data dictionary', function () {
  this.timeout(60_000);

  describe('summarizeCsvFile on the real data', () => {
    it('HiggsML training file: rows, integer / float / category columns, ranges, and -999 counted as missing', async () => {
      const file = datasetFile('higgsml', 'train.csv.gz');
      const records = readCsvRecords(file);
      const s = await summarizeCsvFile(file);
      assert.equal(s.rows, records.length);
      assert.equal(s.rows, 8000);
      assert.deepEqual(s.columns.map((c) => c.name), Object.keys(records[0]));
      const ids = records.map((r) => Number(r.EventId));
      assert.deepEqual(column(s, 'EventId'), { name: 'EventId', type: 'integer', min: Math.min(...ids), max: Math.max(...ids), values: null, moreValues: 0, missing: 0, missingShare: 0 });
      const jets = column(s, 'PRI_jet_num');
      assert.deepEqual([jets.type, jets.min, jets.max], ['integer', 0, 3]);
      // The label column of the training file is public: it is the training data.
      assert.deepEqual({ ...column(s, 'Label') }, { name: 'Label', type: 'category', min: null, max: null, values: ['b', 's'], moreValues: 0, missing: 0, missingShare: 0 });
      for (const name of ['DER_mass_MMC', 'DER_mass_jet_jet', 'PRI_jet_leading_pt']) {
        const c = column(s, name);
        assert.equal(c.type, 'float');
        assert.ok(c.missingShare > 0.1, `${name} has many -999 values`);
        assert.ok(Math.abs(c.missingShare - missingShare(records, name)) < 1e-12, `${name}: ${c.missingShare}`);
        const present = records.map((r) => Number(r[name])).filter((v) => v !== -999);
        assert.deepEqual([c.min, c.max], [Math.min(...present), Math.max(...present)], `${name}: the range leaves -999 out`);
      }
      assert.equal(column(s, 'DER_mass_vis').missing, 0);
      assert.equal(s.preview.header[0], 'EventId');
      assert.equal(s.preview.rows.length, 5);
      assert.deepEqual(s.preview.rows[0], Object.values(records[0]));
    });

    it('HiggsML test file: the same features, no label and no weight', async () => {
      const s = await summarizeCsvFile(datasetFile('higgsml', 'test.csv.gz'));
      assert.equal(s.rows, 11889);
      const names = s.columns.map((c) => c.name);
      assert.ok(!names.includes('Label') && !names.includes('Weight'));
      assert.equal(names.length, 31);
    });

    it('X-ray sources: name is text, Class a category of the five classes, empty cells missing', async () => {
      const file = datasetFile('xray-sources', 'train.csv.gz');
      const records = readCsvRecords(file);
      const s = await summarizeCsvFile(file);
      assert.equal(s.rows, records.length);
      assert.equal(column(s, 'name').type, 'text');
      assert.equal(column(s, 'name').values, null);
      const cls = column(s, 'Class');
      assert.equal(cls.type, 'category');
      assert.deepEqual(cls.values, [...new Set(records.map((r) => r.Class))].sort());
      assert.deepEqual(cls.values, ['AGN', 'CV', 'Other', 'Star', 'XRB']);
      for (const name of ['var_inter_prob', 'powlaw_gamma_mean', 'Jmag']) {
        const c = column(s, name);
        assert.equal(c.type, 'float');
        assert.ok(c.missing > 0);
        assert.ok(Math.abs(c.missingShare - missingShare(records, name)) < 1e-12, name);
      }
      const ra = records.map((r) => Number(r.ra));
      assert.deepEqual([column(s, 'ra').min, column(s, 'ra').max], [Math.min(...ra), Math.max(...ra)]);
    });

    it('XMM sources: NaN is missing; a category of many values shows ten and counts the rest', async () => {
      const file = datasetFile('xmm-sources', 'test.csv.gz');
      const records = readCsvRecords(file);
      const s = await summarizeCsvFile(file);
      const f5 = column(s, 'F5');
      assert.equal(f5.type, 'float');
      assert.ok(Math.abs(f5.missingShare - missingShare(records, 'F5')) < 1e-12);
      assert.ok(f5.missingShare > 0.5);
      assert.deepEqual(column(s, 'sc_var_flag').values, ['f', 't']);
      const xray = await summarizeCsvFile(datasetFile('xray-sources', 'train.csv.gz'));
      const mw = column(xray, 'MW_MW');
      const distinct = new Set(readCsvRecords(datasetFile('xray-sources', 'train.csv.gz')).map((r) => r.MW_MW).filter((v) => v !== ''));
      assert.equal(mw.type, 'category');
      assert.equal(mw.values!.length, 10);
      assert.equal(mw.moreValues, distinct.size - 10);
    });
  });

  describe('on a challenge', () => {
    let ctx: TestContext;
    before(async () => {
      ctx = await createTestContext({ challenges: ['higgsml', 'xray-sources'], workers: 0 });
    });
    after(async () => ctx.close());

    it('lists the training, test and sample files, never the solution', async () => {
      for (const slug of ['higgsml', 'xray-sources']) {
        const c = (await findChallengeBySlug(ctx.handle.db, slug))!;
        const files = await dataDictionary(ctx.storage, c);
        assert.deepEqual(files.map((f) => [f.name, f.role]), [['train.csv.gz', 'train'], ['test.csv.gz', 'test'], ['sample_submission.csv.gz', 'sample_submission']]);
        for (const f of files) assert.equal(f.sizeBytes, (await ctx.storage.stat(fileKeyIn(c.folder_key, f.name)))!.size);
        assert.ok(!files.some((f) => f.name === c.solution_file));
        assert.ok(!files.some((f) => f.summary!.columns.some((col) => col.name === 'Usage')), 'no Usage column anywhere');
      }
    });

    it('shows sizes, rows, column tables and the first rows on the overview, without the solution', async () => {
      const page = (await request(ctx.app).get('/challenges/higgsml').expect(200)).text;
      const section = /<section class="data-dictionary"[\s\S]*?<\/section>/.exec(page)![0].replace(/\s+/g, ' ');
      assert.match(section, /<strong>train\.csv\.gz<\/strong> · 607\.9 kB · 8,000 rows · 33 columns/);
      assert.match(section, /<strong>test\.csv\.gz<\/strong> · 833\.9 kB · 11,889 rows · 31 columns/);
      assert.match(section, /<strong>sample_submission\.csv\.gz<\/strong> · 59\.7 kB · 11,889 rows · 3 columns/);
      assert.match(section, /<th scope="row"><code>Label<\/code><\/th><td class="type">category<\/td><td class="range">b, s<\/td><td class="num missing note">0%<\/td>/);
      assert.match(section, /<th scope="row"><code>PRI_jet_num<\/code><\/th><td class="type">integer<\/td><td class="range">0 – 3<\/td>/);
      assert.match(section, /<th scope="row"><code>DER_mass_MMC<\/code><\/th><td class="type">float<\/td><td class="range">9\.878 – 813\.396<\/td><td class="num missing">15%<\/td>/);
      assert.equal(section.match(/data-testid="preview"/g)!.length, 3);
      assert.match(section, /<td>100000<\/td><td>138\.47<\/td>/, 'the first training row');
      assert.match(page, /download>train\.csv\.gz<\/a> <span class="note">607\.9 kB<\/span>/, 'the download list gives sizes');
      assert.doesNotMatch(page, /solution\.csv|Usage/);
      assert.doesNotMatch(section, /data-refresh/);
    });

    it('reads each file once per version: the summary is cached, kept beside the file, and redone when the file changes', async () => {
      const folderKey = 'challenges/dictionary-versions';
      const key = fileKeyIn(folderKey, 'train.csv');
      try {
        await ctx.storage.put(key, Buffer.from('id,x,kind\n1,0.5,a\n2,-999,b\n3,,a\n'));
        const c = { ...(await findChallengeBySlug(ctx.handle.db, 'higgsml'))!, folder_key: folderKey, train_file: 'train.csv', test_file: 'train.csv', sample_file: null };
        const [first] = await dataDictionary(ctx.storage, c);
        assert.equal(first.summary!.rows, 3);
        assert.deepEqual([column(first.summary!, 'x').missing, column(first.summary!, 'x').min], [2, 0.5]);
        const sidecar = path.join(path.dirname(await ctx.storage.localPath(key)), '.train.csv.summary.json');
        assert.ok(fs.existsSync(sidecar), 'the summary is kept beside the file');
        // A second view gets the very same answer without reading the file.
        const [again] = await dataDictionary(ctx.storage, c);
        assert.equal(again.summary, first.summary);
        // A changed file is a new version: read again.
        await ctx.storage.put(key, Buffer.from('id,x,kind\n1,0.5,a\n2,-999,b\n3,,a\n4,7,c\n'));
        const [changed] = await dataDictionary(ctx.storage, c);
        assert.equal(changed.summary!.rows, 4);
        assert.equal(column(changed.summary!, 'x').max, 7);
        assert.equal(JSON.parse(fs.readFileSync(sidecar, 'utf8')).summary.rows, 4);
      } finally {
        await ctx.storage.remove(key);
      }
    });

    it('answers at once while a large file is still being read, marked pending (the page then reloads itself), and has it later', async () => {
      const folderKey = 'challenges/dictionary-big';
      try {
        const rows = Array.from({ length: 200_000 }, (_, i) => `${i},${(i % 97) / 7},${i % 3 ? 'a' : 'b'}`).join('\n');
        await ctx.storage.put(fileKeyIn(folderKey, 'big.csv.gz'), zlib.gzipSync(`id,x,kind\n${rows}\n`));
        const c = { ...(await findChallengeBySlug(ctx.handle.db, 'higgsml'))!, folder_key: folderKey, train_file: 'big.csv.gz', test_file: 'big.csv.gz', sample_file: null };
        const started = Date.now();
        const [pending] = await dataDictionary(ctx.storage, c, 0);
        assert.ok(Date.now() - started < 1000);
        assert.equal(pending.summary, null);
        assert.equal(pending.problem, null);
        assert.equal(dictionaryView([pending])[0].pending, true);
        const [ready] = await dataDictionary(ctx.storage, c);
        assert.equal(ready.summary!.rows, 200_000);
        assert.deepEqual(column(ready.summary!, 'kind').values, ['a', 'b']);
      } finally {
        await ctx.storage.remove(fileKeyIn(folderKey, 'big.csv.gz'));
      }
    });

    it('says a file cannot be summarized, without server paths, instead of failing the page', async () => {
      const folderKey = 'challenges/dictionary-broken';
      const dir = ctx.storage.localRoot;
      try {
        await ctx.storage.put(fileKeyIn(folderKey, 'broken.csv.gz'), Buffer.from([0x1f, 0x8b, 1, 2, 3]));
        const c = { ...(await findChallengeBySlug(ctx.handle.db, 'higgsml'))!, folder_key: folderKey, train_file: 'broken.csv.gz', test_file: 'broken.csv.gz', sample_file: null };
        const [broken] = await dataDictionary(ctx.storage, c);
        assert.equal(broken.summary, null);
        assert.ok(broken.problem);
        assert.ok(!broken.problem.includes(dir), broken.problem);
      } finally {
        await ctx.storage.remove(fileKeyIn(folderKey, 'broken.csv.gz'));
      }
    });
  });
});
