import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { ChallengeFolderError, defaultHigherIsBetter, loadChallengeFolder, readCsvHeader } from './definition.js';

const FIXTURES = path.join(process.cwd(), 'test/fixtures/challenges');
const fixture = (name: string) => path.join('test/fixtures/challenges', name);

/** Loads a folder that must fail; returns the error's problem lines. */
async function problemsOf(dir: string): Promise<string[]> {
  try {
    await loadChallengeFolder(dir);
  } catch (err) {
    assert.ok(err instanceof ChallengeFolderError, `expected ChallengeFolderError, got ${String(err)}`);
    assert.equal(err.dir, dir);
    for (const p of err.problems) assert.ok(err.message.includes(p), `message lists ${p}`);
    return err.problems;
  }
  assert.fail(`${dir} loaded without error`);
}

let tmpRoot: string;
let tmpCount = 0;

/** A copy of the good fixture in a temp folder, with challenge.yaml edited. */
function goodCopy(editYaml: (yaml: string) => string = (y) => y): string {
  const dir = path.join(tmpRoot, `c${++tmpCount}`);
  fs.cpSync(path.join(FIXTURES, 'good'), dir, { recursive: true });
  const yamlPath = path.join(dir, 'challenge.yaml');
  fs.writeFileSync(yamlPath, editYaml(fs.readFileSync(yamlPath, 'utf8')));
  return dir;
}

describe('challenges/definition: loadChallengeFolder', () => {
  before(() => {
    tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'sift-definition-'));
  });
  after(() => {
    fs.rmSync(tmpRoot, { recursive: true, force: true });
  });

  it('loads a good folder into a ChallengeDefinition', async () => {
    const def = await loadChallengeFolder(fixture('good'));
    assert.equal(def.slug, 'tiny-fruit');
    assert.equal(def.title, 'Tiny fruit');
    assert.match(def.description, /^## The task\n\nTell apples from pears/);
    assert.equal(def.idColumn, 'id');
    assert.equal(def.targetColumn, 'fruit');
    assert.equal(def.weightColumn, 'w');
    assert.deepEqual(def.classes, ['apple', 'pear']);
    assert.deepEqual(def.format, { kind: 'label', idColumn: 'id', targetColumn: 'fruit', classes: ['apple', 'pear'], probabilities: 'required' });
    assert.equal(def.metric, 'log_loss');
    assert.deepEqual(def.metricOptions, { eps: 1e-15 });
    assert.equal(def.higherIsBetter, false, 'log_loss defaults to lower-is-better');
    assert.equal(def.opensAt.toISOString(), '2025-01-01T00:00:00.000Z', 'a bare date is midnight UTC');
    assert.equal(def.closesAt.toISOString(), '2025-06-30T10:00:00.000Z', 'offsets are honoured');
    assert.equal(def.dailyLimit, 3);
    assert.equal(def.finalSelections, 1);
    assert.equal(def.citation, 'Made up for the tests of src/challenges/definition.ts.');
    assert.deepEqual(def.files, {
      train: path.join(FIXTURES, 'good/train.csv'),
      test: path.join(FIXTURES, 'good/test.csv'),
      solution: path.join(FIXTURES, 'good/solution.csv'),
      sampleSubmission: path.join(FIXTURES, 'good/sample_submission.csv'),
    });
  });

  it('reports a missing challenge.yaml', async () => {
    assert.deepEqual(await problemsOf(fixture('missing-yaml')), [`${fixture('missing-yaml')}/challenge.yaml: file not found`]);
  });

  it('reports an unknown key', async () => {
    assert.deepEqual(await problemsOf(fixture('bad-key')), [`${fixture('bad-key')}/challenge.yaml: colour: unknown key`]);
  });

  it('reports a missing solution file', async () => {
    assert.deepEqual(await problemsOf(fixture('missing-solution')), [
      `${fixture('missing-solution')}: missing solution file (solution.csv or solution.csv.gz)`,
    ]);
  });

  it('reports an unknown metric', async () => {
    assert.deepEqual(await problemsOf(fixture('unknown-metric')), [
      `${fixture('unknown-metric')}/challenge.yaml: metric: must be one of ams, accuracy, macro_f1, log_loss, roc_auc`,
    ]);
  });

  it('lists every problem of a bad challenge.yaml at once', async () => {
    const y = `${fixture('bad-values')}/challenge.yaml`;
    const problems = await problemsOf(fixture('bad-values'));
    assert.deepEqual(problems.sort(), [
      `${y}: slug: must be lowercase letters, digits and single hyphens (e.g. xray-sources)`,
      `${y}: title: is required`,
      `${y}: description: must not be empty`,
      `${y}: daily_limit: must be at least 1`,
      `${y}: final_selections: must be an integer`,
      `${y}: closes_at: must be after opens_at`,
      `${y}: target_column: must differ from id_column`,
      `${y}: classes: duplicate class apple`,
      `${y}: classes: format higgsml needs exactly 2 classes, got 3`,
      `${y}: metric_options.positive_class: is required`,
      `${y}: metric_options.Ns: must be > 0`,
      `${y}: higher_is_better: ams is higher-is-better; set true or leave the key out`,
    ].sort());
  });

  it('reports invalid YAML', async () => {
    const problems = await problemsOf(fixture('bad-yaml'));
    assert.equal(problems.length, 1);
    assert.match(problems[0], /bad-yaml\/challenge\.yaml: invalid YAML: .*line 3, column 1$/);
  });

  it('checks file headers: ambiguous files, leaked target, missing solution columns', async () => {
    const d = fixture('bad-headers');
    assert.deepEqual(await problemsOf(d), [
      `${d}: both train.csv and train.csv.gz exist; keep one`,
      `${d}/test.csv: must not contain column "fruit"`,
      `${d}/solution.csv: missing column "Usage" (header: id,fruit,w)`,
    ]);
  });

  it('reports a missing folder', async () => {
    assert.deepEqual(await problemsOf(fixture('no-such-folder')), [`${fixture('no-such-folder')}: folder not found`]);
  });

  it('rejects a YAML document that is not a mapping', async () => {
    const dir = goodCopy(() => '- just\n- a list\n');
    assert.deepEqual(await problemsOf(dir), [`${dir}/challenge.yaml: must be a YAML mapping of keys (slug, title, ...)`]);
  });

  it('validates dates', async () => {
    const dir = goodCopy((y) => y.replace('opens_at: 2025-01-01', 'opens_at: 2025-02-30').replace(/closes_at: .*/, 'closes_at: 2025-07-01T10:00:00'));
    const problems = await problemsOf(dir);
    assert.equal(problems.length, 2);
    assert.match(problems[0], /challenge\.yaml: opens_at: must be an ISO date \(2025-01-31\) or date-time with a time zone .*got "2025-02-30"$/);
    assert.match(problems[1], /challenge\.yaml: closes_at: must be an ISO date .*got "2025-07-01T10:00:00"$/);
  });

  it('reports missing required keys and wrong types', async () => {
    const dir = goodCopy((y) => y.replace(/^slug: .*\n/m, '').replace('daily_limit: 3', 'daily_limit: three').replace('classes: [apple, pear]', 'classes: apple'));
    const y = `${dir}/challenge.yaml`;
    assert.deepEqual((await problemsOf(dir)).sort(), [
      `${y}: classes: must be a list, got string`,
      `${y}: daily_limit: must be an integer`,
      `${y}: slug: is required`,
    ]);
  });

  it('checks metric_options of ams and the positive class', async () => {
    const dir = goodCopy((y) =>
      y
        .replace('metric: log_loss', 'metric: ams')
        .replace('  eps: 1.0e-15', '  positive_class: plum\n  b_reg: 0\n  Nx: 3'),
    );
    const y = `${dir}/challenge.yaml`;
    assert.deepEqual((await problemsOf(dir)).sort(), [`${y}: metric_options.Nx: unknown key`].sort());
    const dir2 = goodCopy((y2) => y2.replace('metric: log_loss', 'metric: ams').replace('  eps: 1.0e-15', '  positive_class: plum'));
    assert.deepEqual(await problemsOf(dir2), [`${dir2}/challenge.yaml: metric_options.positive_class: "plum" is not one of the classes (apple, pear)`]);
  });

  it('fills ams defaults and higgsml format', async () => {
    const dir = goodCopy((y) =>
      y
        .replace('metric: log_loss', 'metric: ams')
        .replace('format: label', 'format: higgsml')
        .replace('  eps: 1.0e-15', '  positive_class: pear'),
    );
    fs.writeFileSync(path.join(dir, 'sample_submission.csv'), 'id,RankOrder,Class\n10,1,apple\n');
    const def = await loadChallengeFolder(dir);
    assert.deepEqual(def.format, { kind: 'higgsml', idColumn: 'id', classes: ['apple', 'pear'] });
    assert.deepEqual(def.metricOptions, { positive_class: 'pear', b_reg: 10 });
    assert.equal(def.higherIsBetter, true);
  });

  it('rejects probability metrics with format higgsml and a contradicting higher_is_better', async () => {
    const dir = goodCopy((y) => y.replace('format: label', 'format: higgsml').replace('daily_limit', 'higher_is_better: true\ndaily_limit'));
    fs.rmSync(path.join(dir, 'sample_submission.csv'));
    const y = `${dir}/challenge.yaml`;
    assert.deepEqual((await problemsOf(dir)).sort(), [
      `${y}: higher_is_better: log_loss is lower-is-better; set false or leave the key out`,
      `${y}: metric: log_loss needs class probabilities, which format higgsml does not carry (use format label)`,
    ]);
  });

  it('checks the sample submission header against the format', async () => {
    const dir = goodCopy((y) => y.replace('format: label', 'format: higgsml').replace('metric: log_loss', 'metric: accuracy'));
    assert.deepEqual(await problemsOf(dir), [`${dir}/sample_submission.csv: missing columns "RankOrder", "Class" (header: id,fruit,proba_apple,proba_pear)`]);
  });

  it('accepts gzipped files, an absent sample submission and optional keys left out', async () => {
    const dir = goodCopy((y) =>
      y
        .replace(/^weight_column: .*\n/m, '')
        .replace(/^citation: .*\n/m, '')
        .replace(/^metric_options:\n.*\n/m, '')
        .replace('metric: log_loss', 'metric: roc_auc'),
    );
    for (const base of ['train', 'test', 'solution']) {
      const p = path.join(dir, `${base}.csv`);
      fs.writeFileSync(`${p}.gz`, zlib.gzipSync(fs.readFileSync(p)));
      fs.rmSync(p);
    }
    fs.rmSync(path.join(dir, 'sample_submission.csv'));
    const def = await loadChallengeFolder(dir);
    assert.equal(def.files.train, path.join(dir, 'train.csv.gz'));
    assert.equal(def.files.solution, path.join(dir, 'solution.csv.gz'));
    assert.equal(def.files.sampleSubmission, null);
    assert.equal(def.weightColumn, null);
    assert.equal(def.citation, null);
    assert.deepEqual(def.metricOptions, {});
    assert.equal(def.higherIsBetter, true);
    assert.equal(def.format.kind === 'label' && def.format.probabilities, 'required');
    assert.deepEqual(await readCsvHeader(def.files.test), ['id', 'size', 'colour']);
  });

  it('reads a crowd section, and reports its problems with their paths and names missing from the test file', async () => {
    const crowd = (body: string) => goodCopy((y) => `${y}crowd:\n${body}`);
    const ok = await loadChallengeFolder(crowd('  classes:\n    - { name: apple, key: a }\n  features:\n    - { label: Size, columns: [{ column: size, unit: cm }] }\n'));
    assert.deepEqual(ok.crowd?.classes, [{ name: 'apple', key: 'a' }]);
    assert.equal((await loadChallengeFolder(fixture('good'))).crowd, null, 'no section: null');
    assert.deepEqual(await problemsOf(crowd('  classes:\n    - { name: apple, key: a }\n    - { name: pear, key: a }\n')), [
      `${path.join(tmpRoot, `c${tmpCount}`, 'challenge.yaml')}: crowd.classes[1].key: used twice ("a")`,
    ]);
    const dir = crowd('  classes: [{ name: plum }]\n  clues: { apple: [{ column: fruit, above: 1, text: leak }] }\n');
    assert.deepEqual(await problemsOf(dir), [
      `${path.join(dir, 'challenge.yaml')}: crowd.classes[0].name: "plum" is not one of the challenge's classes (apple, pear)`,
      `${path.join(dir, 'challenge.yaml')}: crowd.clues.apple[0].column: no column "fruit" in the challenge's test data`,
    ]);
  });

  it('defaults higher_is_better from the metric', () => {
    assert.equal(defaultHigherIsBetter('log_loss'), false);
    for (const m of ['ams', 'accuracy', 'macro_f1', 'roc_auc']) assert.equal(defaultHigherIsBetter(m), true);
  });
});

describe('challenges/definition: the demo folders in datasets/', () => {
  it('loads datasets/higgsml', async () => {
    const def = await loadChallengeFolder('datasets/higgsml');
    assert.equal(def.slug, 'higgsml');
    assert.equal(def.idColumn, 'EventId');
    assert.equal(def.targetColumn, 'Label');
    assert.equal(def.weightColumn, 'Weight');
    assert.deepEqual(def.classes, ['b', 's']);
    assert.deepEqual(def.format, { kind: 'higgsml', idColumn: 'EventId', classes: ['b', 's'] });
    assert.equal(def.metric, 'ams');
    assert.deepEqual(def.metricOptions, { positive_class: 's', Ns: 691.988607711987, Nb: 410999.847321811, b_reg: 10 });
    assert.equal(def.higherIsBetter, true);
    assert.ok(def.closesAt > def.opensAt);
    assert.match(def.description, /AMS = sqrt/);
    assert.match(def.citation ?? '', /10\.7483\/OPENDATA\.ATLAS\.ZBP2\.M5T8/);
    assert.equal(def.files.sampleSubmission, path.resolve('datasets/higgsml/sample_submission.csv.gz'));
    const testHeader = await readCsvHeader(def.files.test);
    assert.equal(testHeader?.length, 31);
    assert.ok(!testHeader?.includes('Weight') && !testHeader?.includes('Label'));
  });

  for (const slug of ['xray-sources', 'xmm-sources']) {
    it(`loads datasets/${slug}`, async () => {
      const def = await loadChallengeFolder(`datasets/${slug}`);
      assert.equal(def.slug, slug);
      assert.equal(def.idColumn, 'name');
      assert.equal(def.targetColumn, 'Class');
      assert.equal(def.weightColumn, null);
      assert.deepEqual(def.classes, ['AGN', 'Star', 'XRB', 'CV', 'Other']);
      assert.deepEqual(def.format, { kind: 'label', idColumn: 'name', targetColumn: 'Class', classes: def.classes, probabilities: 'optional' });
      assert.equal(def.metric, 'macro_f1');
      assert.equal(def.higherIsBetter, true);
      assert.ok(def.citation);
      const train = await readCsvHeader(def.files.train);
      const test = await readCsvHeader(def.files.test);
      assert.ok(train?.includes('OriginalClass'));
      assert.ok(!test?.includes('OriginalClass') && !test?.includes('Class'));
      for (const leak of ['SubClass', 'ref', 'name_cat']) {
        assert.ok(!train?.includes(leak) && !test?.includes(leak), `${leak} is dropped`);
      }
    });
  }
});
