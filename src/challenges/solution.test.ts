import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { USAGE, type Solution } from '../../scorers/types.js';
import { clearSolutionCache, getSolution, loadSolution, solutionCacheSize, SolutionFileError, testIdProblems, type SolutionSpec } from './solution.js';

const GOOD = path.join(process.cwd(), 'test/fixtures/challenges/good/solution.csv');
const FRUIT: SolutionSpec = { idColumn: 'id', targetColumn: 'fruit', weightColumn: 'w', classes: ['apple', 'pear'] };

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

let tmp: string;
let n = 0;
function tmpFile(content: string | Buffer, ext = '.csv'): string {
  const p = path.join(tmp, `s${++n}${ext}`);
  fs.writeFileSync(p, content);
  return p;
}

async function problemsOf(file: string, spec: SolutionSpec = FRUIT): Promise<string[]> {
  try {
    await loadSolution(file, spec);
  } catch (err) {
    assert.ok(err instanceof SolutionFileError, `expected SolutionFileError, got ${String(err)}`);
    assert.equal(err.file, file);
    assert.ok(err.message.startsWith(`Invalid solution file ${file}:`));
    return err.problems;
  }
  assert.fail(`${file} loaded without error`);
}

function checkFruit(sol: Solution): void {
  assert.deepEqual(sol.ids, ['10', '11', '12', '13']);
  assert.deepEqual([...sol.index], [
    ['10', 0],
    ['11', 1],
    ['12', 2],
    ['13', 3],
  ]);
  assert.deepEqual(sol.classes, ['apple', 'pear']);
  assert.deepEqual(sol.label, Int32Array.from([0, 1, 0, 1]));
  assert.deepEqual(sol.weight, Float64Array.from([1.5, 1, 0.5, 2]));
  assert.deepEqual(sol.usage, Uint8Array.from([USAGE.Public, USAGE.Private, USAGE.Private, USAGE.Ignored]));
}

describe('challenges/solution', () => {
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sift-solution-'));
  });
  after(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  describe('loadSolution', () => {

    it('reads a plain CSV into typed arrays', async () => {
      const sol = await loadSolution(GOOD, FRUIT);
      checkFruit(sol);
      assert.equal(sol.sha256, sha256(fs.readFileSync(GOOD)));
    });

    it('detects gzip by its magic bytes, whatever the name; sha256 is of the file bytes', async () => {
      const gz = zlib.gzipSync(fs.readFileSync(GOOD));
      for (const ext of ['.csv.gz', '.csv']) {
        const file = tmpFile(gz, ext);
        const sol = await loadSolution(file, FRUIT);
        checkFruit(sol);
        assert.equal(sol.sha256, sha256(gz));
      }
    });

    it('codes labels in the order of classes, and weighs 1 without a weight column', async () => {
      const sol = await loadSolution(GOOD, { ...FRUIT, weightColumn: null, classes: ['pear', 'apple'] });
      assert.deepEqual(sol.label, Int32Array.from([1, 0, 1, 0]));
      assert.deepEqual(sol.weight, Float64Array.from([1, 1, 1, 1]));
    });

    it('ignores extra columns, column order, a BOM, CRLF and blank lines', async () => {
      const file = tmpFile('\uFEFFUsage,extra,fruit,id\r\nPublic,x,pear,a\r\n\r\nPrivate,"y, z",apple,b\r\n');
      const sol = await loadSolution(file, { ...FRUIT, weightColumn: null });
      assert.deepEqual(sol.ids, ['a', 'b']);
      assert.deepEqual(sol.label, Int32Array.from([1, 0]));
      assert.deepEqual(sol.usage, Uint8Array.from([USAGE.Public, USAGE.Private]));
    });

    it('reports missing columns', async () => {
      const file = tmpFile('id,fruit\n1,apple\n');
      assert.deepEqual(await problemsOf(file), ['line 1: missing columns "w", "Usage" (header: id,fruit)']);
    });

    it('reports unknown classes, duplicate ids, bad usage and bad weights with line numbers', async () => {
      const file = tmpFile(
        [
          'id,fruit,w,Usage',
          '1,apple,1,Public',
          '2,plum,1,Private',
          '1,pear,1,Private',
          '3,pear,1,public',
          '4,pear,abc,Private',
          '5,pear,-1,Private',
          '6,pear,,Private',
          '7,pear,Infinity,Private',
          ',pear,1,Private',
          '',
        ].join('\n'),
      );
      assert.deepEqual(await problemsOf(file), [
        'line 3: unknown class "plum" in column "fruit" (expected one of apple, pear)',
        'line 4: duplicate id "1" (first on line 2)',
        'line 5: bad Usage "public" (expected Public, Private or Ignored; case-sensitive)',
        'line 6: bad weight "abc" in column "w" (expected a number >= 0)',
        'line 7: bad weight "-1" in column "w" (expected a number >= 0)',
        'line 8: bad weight "" in column "w" (expected a number >= 0)',
        'line 9: bad weight "Infinity" in column "w" (expected a number >= 0)',
        'line 10: empty id in column "id"',
      ]);
    });

    it('stops after 20 problems', async () => {
      const rows = ['id,fruit,w,Usage', ...Array.from({ length: 50 }, (_, i) => `${i},plum,1,Public`)];
      const file = tmpFile(rows.join('\n'));
      try {
        await loadSolution(file, FRUIT);
        assert.fail('loaded');
      } catch (err) {
        assert.ok(err instanceof SolutionFileError);
        assert.equal(err.problems.length, 20);
        assert.match(err.message, /\(more problems not shown\)$/);
      }
    });

    it('reports a row with the wrong number of fields', async () => {
      const file = tmpFile('id,fruit,w,Usage\n1,apple,1,Public\n2,apple,1\n');
      const problems = await problemsOf(file);
      assert.equal(problems.length, 1);
      assert.match(problems[0], /line 3/);
    });

    it('reports empty files, header-only files, broken gzip and missing files', async () => {
      assert.deepEqual(await problemsOf(tmpFile('')), ['the file is empty (no header row)']);
      assert.deepEqual(await problemsOf(tmpFile('id,fruit,w,Usage\n')), ['no data rows after the header']);
      const broken = zlib.gzipSync(fs.readFileSync(GOOD)).subarray(0, 30);
      const bp = await problemsOf(tmpFile(broken, '.csv.gz'));
      assert.equal(bp.length, 1);
      assert.match(bp[0], /^not a valid gzip file/);
      const missing = path.join(tmp, 'nope.csv');
      const mp = await problemsOf(missing);
      assert.match(mp[0], /^cannot be read \(ENOENT/);
    });
  });

  describe('getSolution cache', () => {
    beforeEach(() => clearSolutionCache());
    after(() => clearSolutionCache());

    it('parses a file once and gives the same object back', async () => {
      const [a, b] = await Promise.all([getSolution(GOOD, FRUIT), getSolution(GOOD, FRUIT)]);
      assert.equal(a, b);
      assert.equal(await getSolution(GOOD, FRUIT), a);
      checkFruit(a);
      assert.deepEqual(solutionCacheSize(), { files: 1, contents: 1 });
    });

    it('parses again when the file changes, or the spec differs', async () => {
      const file = tmpFile(fs.readFileSync(GOOD));
      const a = await getSolution(file, FRUIT);
      const other = await getSolution(file, { ...FRUIT, classes: ['pear', 'apple'] });
      assert.notEqual(other, a);
      assert.deepEqual(other.label, Int32Array.from([1, 0, 1, 0]));
      fs.writeFileSync(file, 'id,fruit,w,Usage\n99,pear,3,Public\n');
      fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
      const b = await getSolution(file, FRUIT);
      assert.notEqual(b, a);
      assert.deepEqual(b.ids, ['99']);
    });

    it('shares a solution between copies of the same content (sha256)', async () => {
      const a = await getSolution(GOOD, FRUIT);
      const copy = tmpFile(fs.readFileSync(GOOD));
      assert.equal(await getSolution(copy, FRUIT), a);
      assert.deepEqual(solutionCacheSize(), { files: 2, contents: 1 });
    });

    it('does not cache failures', async () => {
      const file = tmpFile('id,fruit,w,Usage\n1,plum,1,Public\n');
      await assert.rejects(getSolution(file, FRUIT), SolutionFileError);
      assert.deepEqual(solutionCacheSize(), { files: 0, contents: 0 });
      fs.writeFileSync(file, 'id,fruit,w,Usage\n1,pear,1,Public\n');
      fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
      assert.deepEqual((await getSolution(file, FRUIT)).ids, ['1']);
    });
  });

  describe('testIdProblems', () => {
    const sol = { ids: ['a,1', 'b', 'c', 'd'], index: new Map([['a,1', 0], ['b', 1], ['c', 2], ['d', 3]]) };
    it('reads the id column of a quoted CSV (csv-parse) and of a plain one, gzip or not, and names what differs', async () => {
      const quoted = tmpFile('x,id\n1,"a,1"\n2,b\n3,zz\n4,b\n');
      assert.deepEqual(await testIdProblems(quoted, 'id', sol), [
        '1 test id is missing from the solution, e.g. zz',
        '2 solution ids are not in the test file, e.g. c, d',
        '1 test id appears more than once in the test file, e.g. b',
      ]);
      const plain = tmpFile(zlib.gzipSync('\uFEFFx,id,y\r\n1,b,0\r\n2,c,0\r\n3,d,0\r\n'), '.csv.gz');
      assert.deepEqual(await testIdProblems(plain, 'id', sol), ['1 solution id is not in the test file, e.g. a,1']);
      const many = tmpFile(['id', ...Array.from({ length: 8 }, (_, i) => `n${i}`), 'a,1', 'b', 'c', 'd'].join('\n').replace('a,1', '"a,1"'));
      assert.deepEqual(await testIdProblems(many, 'id', sol), ['8 test ids are missing from the solution, e.g. n0, n1, n2, n3, n4, …']);
    });
    it('reports a missing id column and an empty file', async () => {
      assert.deepEqual(await testIdProblems(tmpFile('name,x\nb,1\n'), 'id', sol), [`s${n}.csv: no column "id" (header: name,x)`]);
      assert.deepEqual(await testIdProblems(tmpFile(''), 'id', sol), [`s${n}.csv: is empty (no header row)`]);
    });
  });

  describe('the demo solutions in datasets/', () => {
    it('datasets/higgsml: 2,378 public and 9,511 private events, weights renormalised per class', async () => {
      const sol = await getSolution('datasets/higgsml/solution.csv.gz', { idColumn: 'EventId', targetColumn: 'Label', weightColumn: 'Weight', classes: ['b', 's'] });
      assert.equal(sol.ids.length, 11889);
      assert.equal(sol.ids[0], '108000');
      assert.equal(sol.sha256, sha256(fs.readFileSync('datasets/higgsml/solution.csv.gz')));
      const sums = { [USAGE.Public]: [0, 0], [USAGE.Private]: [0, 0] } as Record<number, number[]>;
      const counts = [0, 0, 0];
      for (let i = 0; i < sol.ids.length; i++) {
        counts[sol.usage[i]]++;
        sums[sol.usage[i]][sol.label[i]] += sol.weight[i];
        assert.equal(sol.usage[i], Number(sol.ids[i]) % 5 === 0 ? USAGE.Public : USAGE.Private);
      }
      assert.deepEqual(counts, [0, 2378, 9511]);
      for (const u of [USAGE.Public, USAGE.Private]) {
        assert.ok(Math.abs(sums[u][0] - 410999.847321811) < 1e-6);
        assert.ok(Math.abs(sums[u][1] - 691.988607711987) < 1e-9);
      }
    });

    it('datasets/xray-sources: 292 public and 972 private sources', async () => {
      const classes = ['AGN', 'Star', 'XRB', 'CV', 'Other'];
      const sol = await getSolution('datasets/xray-sources/solution.csv.gz', { idColumn: 'name', targetColumn: 'Class', weightColumn: null, classes });
      const counts = [0, 0, 0];
      for (const u of sol.usage) counts[u]++;
      assert.deepEqual(counts, [0, 292, 972]);
      assert.ok(sol.weight.every((w) => w === 1));
      assert.ok(sol.ids.every((id) => id.startsWith('2CXO J')));
    });

    it('datasets/xmm-sources loads', async () => {
      const classes = ['AGN', 'Star', 'XRB', 'CV', 'Other'];
      const sol = await getSolution('datasets/xmm-sources/solution.csv.gz', { idColumn: 'name', targetColumn: 'Class', weightColumn: null, classes });
      assert.equal(sol.ids.length, 393);
      assert.ok(sol.ids.every((id) => id.startsWith('4XMM J')));
    });
  });
});
