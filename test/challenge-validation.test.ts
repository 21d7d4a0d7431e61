import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import request from 'supertest';
import { repoRoot } from '../src/paths.js';
import { findChallengeBySlug } from '../src/challenges/repo.js';
import { importChallengeFolder } from '../src/challenges/service.js';
import { addOrganizer } from '../src/organizers/access.js';
import { createTestContext, datasetFile, signedInAgent, waitForTerminal, type TestContext, storedBytes } from './helpers.js';
import { JSON_, local, xraySettings, type Agent } from './organizer-helpers.js';
import { fileKeyIn } from '../src/storage/index.js';

/** The lines of a demo file (header first), without the trailing newline. */
const linesOf = (slug: string, name: string) => zlib.gunzipSync(fs.readFileSync(datasetFile(slug, name))).toString('utf8').trimEnd().split('\n');
const csv = (lines: string[]) => Buffer.from(lines.join('\n') + '\n');

/** The xray-sources solution (name,Class,Usage) with each row passed through `edit`. */
const xraySolution = (edit: (cells: string[]) => string[]) => {
  const [head, ...rows] = linesOf('xray-sources', 'solution.csv.gz');
  return csv([head, ...rows.map((l) => edit(l.split(',')).join(','))]);
};

const higgsSettings = (over: Record<string, string> = {}) => ({
  ...xraySettings(),
  title: 'HiggsML (console)',
  id_column: 'EventId',
  target_column: 'Label',
  weight_column: 'Weight',
  classes: 'b, s',
  metric: 'ams',
  format: 'higgsml',
  positive_class: 's',
  ...over,
});

describe('challenges that cannot be scored, mismatched ids and generated samples (import, wizard, publish)', function () {
  this.timeout(120_000);
  let ctx: TestContext;
  let org: Agent;
  let pat: Agent;

  /** A draft from the console's upload form; files default to the xray-sources demo's (without a sample). */
  const draft = (slug: string, files: Partial<Record<'train' | 'test' | 'solution' | 'sample_submission', Buffer>> = {}, demo = 'xray-sources') => {
    const req = org.agent.post(`/organize/new?_csrf=${org.csrf}`).set('Accept', JSON_).field('slug', slug).field('title', slug);
    for (const kind of ['train', 'test', 'solution'] as const) req.attach(kind, files[kind] ?? fs.readFileSync(datasetFile(demo, `${kind}.csv.gz`)), `${kind}.csv${files[kind] ? '' : '.gz'}`);
    if (files.sample_submission) req.attach('sample_submission', files.sample_submission, 'sample.csv');
    return req.expect(201);
  };
  const save = (slug: string, settings: Record<string, string>) => org.agent.post(`/organize/${slug}/settings`).set('Accept', JSON_).send({ _csrf: org.csrf, ...settings });
  const publish = (slug: string) => org.agent.post(`/organize/${slug}/publish`).set('Accept', JSON_).send({ _csrf: org.csrf, confirm: 1 });
  const problemsOf = (res: request.Response): string[] => res.body.error.problems;

  before(async () => {
    ctx = await createTestContext({ workers: 1 });
    const admin = await signedInAgent(ctx.app, 'admin@example.org', 'Admin');
    org = await signedInAgent(ctx.app, 'olga@example.org', 'Olga');
    pat = await signedInAgent(ctx.app, 'pat@example.org', 'Pat');
    const olga = await ctx.handle.db.selectFrom('users').select('id').where('email', '=', 'olga@example.org').executeTakeFirstOrThrow();
    await admin.agent.post(`/admin/users/${olga.id}/role`).type('form').send({ _csrf: admin.csrf, role: 'organizer' }).expect(303);
  });
  after(async () => ctx.close());

  describe('unscorable solutions (item 3)', () => {
    it('refuses a folder import whose solution has no Public row, and records nothing', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sift-unscorable-'));
      try {
        for (const f of ['challenge.yaml', 'train.csv.gz', 'test.csv.gz']) fs.copyFileSync(path.join(repoRoot, 'datasets', 'xray-sources', f), path.join(dir, f));
        fs.writeFileSync(path.join(dir, 'solution.csv'), xraySolution(([id, label]) => [id, label, 'Private']));
        await assert.rejects(importChallengeFolder(ctx.handle.db, ctx.storage, dir), (err: Error & { problems?: string[] }) => {
          assert.deepEqual(err.problems, ['the public subset is empty: no solution row has Usage Public; every challenge needs rows in both subsets']);
          return true;
        });
        assert.equal(await findChallengeBySlug(ctx.handle.db, 'xray-sources'), undefined);
        assert.ok(!fs.existsSync(path.join(ctx.config.dataDir, 'challenges', 'xray-sources')));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('refuses, in the wizard, an empty subset and a subset without the classes its metric needs', async () => {
      await draft('all-private', { solution: xraySolution(([id, label]) => [id, label, 'Private']) });
      const empty = await save('all-private', xraySettings()).expect(400);
      assert.ok(problemsOf(empty).includes('the public subset is empty: no solution row has Usage Public; every challenge needs rows in both subsets'), empty.body.error.message);
      // The HTML form says it too.
      const page = await org.agent.post('/organize/all-private/settings').type('form').send({ _csrf: org.csrf, ...xraySettings() }).expect(400);
      assert.match(page.text, /the public subset is empty/);

      // Every Public row is an AGN: one-vs-rest ROC AUC is undefined there, macro-F1 is not.
      await draft('one-class', { solution: xraySolution(([id, label, usage]) => [id, usage === 'Public' ? 'AGN' : label, usage]) });
      const auc = await save('one-class', xraySettings({ metric: 'roc_auc' })).expect(400);
      assert.deepEqual(problemsOf(auc), ["the public subset (Usage Public) has no row of classes 'Star', 'XRB', 'CV', 'Other'; one-vs-rest ROC AUC needs every class in each subset"]);
      await save('one-class', xraySettings({ metric: 'macro_f1' })).expect(200);
    });

    it('refuses AMS without signal in a subset, in the wizard', async () => {
      const [head, ...rows] = linesOf('higgsml', 'solution.csv.gz');
      const noPrivateSignal = csv([head, ...rows.map((l) => (l.endsWith(',Private') ? l.replace(/^(\d+),s,/, '$1,b,') : l))]);
      await draft('higgs-no-signal', { solution: noPrivateSignal }, 'higgsml');
      const res = await save('higgs-no-signal', higgsSettings()).expect(400);
      assert.deepEqual(problemsOf(res), ["the private subset (Usage Private) has no signal row (class 's') with a positive weight; AMS needs signal and background in each subset"]);
    });

    it('refuses to publish a draft whose solution became unscorable after its settings were saved', async () => {
      await draft('drifted');
      await save('drifted', xraySettings()).expect(200);
      const c = (await findChallengeBySlug(ctx.handle.db, 'drifted'))!;
      await ctx.storage.put(fileKeyIn(c.folder_key, 'solution.csv'), Buffer.from(xraySolution(([id, label, usage]) => [id, label, usage === 'Private' ? 'Ignored' : usage])));
      const refused = await publish('drifted').expect(409);
      assert.equal(refused.body.error.code, 'not_scorable');
      assert.match(refused.body.error.message, /the private subset is empty/);
      assert.equal((await findChallengeBySlug(ctx.handle.db, 'drifted'))!.state, 'draft');
      const dash = await org.agent.get('/organize/drifted').expect(200);
      assert.match(dash.text, /data-testid="preview-problems"[\s\S]*the private subset is empty/);
    });

    it('keeps the live solution when a replacement is refused', async () => {
      await draft('live');
      await save('live', xraySettings()).expect(200);
      await publish('live').expect(200);
      const before = (await findChallengeBySlug(ctx.handle.db, 'live'))!;
      const solutionBefore = await storedBytes(ctx.storage, fileKeyIn(before.folder_key, 'solution.csv'));
      const up = await org.agent.post(`/organize/live/files?_csrf=${org.csrf}`).set('Accept', JSON_).attach('solution', xraySolution(([id, label]) => [id, label, 'Public']), 'solution.csv').expect(400);
      assert.ok(problemsOf(up).some((p) => /the private subset is empty/.test(p)));
      const after = (await findChallengeBySlug(ctx.handle.db, 'live'))!;
      assert.equal(after.solution_sha256, before.solution_sha256);
      assert.deepEqual(await storedBytes(ctx.storage, fileKeyIn(after.folder_key, 'solution.csv')), solutionBefore);
      const stored = (await ctx.storage.list(`${after.folder_key}/`)).map((o) => o.key);
      assert.ok(stored.every((f) => !f.includes('.bak')), stored.join());
    });

    it('never shows a participant a private number when a score is undefined; organizers get the reason', async () => {
      // A challenge published before these checks: every row Private, so the public macro-F1 is undefined.
      await importChallengeFolder(ctx.handle.db, ctx.storage, path.join(repoRoot, 'datasets', 'xray-sources'));
      const c = (await findChallengeBySlug(ctx.handle.db, 'xray-sources'))!;
      await ctx.storage.put(fileKeyIn(c.folder_key, 'solution-all-private.csv'), Buffer.from(xraySolution(([id, label]) => [id, label, 'Private'])));
      await ctx.handle.db.updateTable('challenges').set({ solution_file: 'solution-all-private.csv' }).where('id', '=', c.id).execute();
      const sample = fs.readFileSync(datasetFile('xray-sources', 'sample_submission.csv.gz'));
      const id = (await pat.agent.post(`/challenges/xray-sources/submissions?_csrf=${pat.csrf}`).set('Accept', JSON_).attach('file', sample, 's.csv.gz').expect(202)).body.submission.id;
      const row = await waitForTerminal(ctx.handle, id);
      assert.equal(row.status, 'failed');
      const failure: string = JSON.parse(row.details_json!).failure;
      const privateFigure = /private (0\.\d{4})/.exec(failure)?.[1];
      assert.ok(privateFigure, failure);
      const json = await pat.agent.get(`/challenges/xray-sources/submissions/${id}`).set('Accept', JSON_).expect(200);
      assert.match(json.body.submission.error, /^Scoring failed: the score is undefined for this file \(metric macro-F1\)/);
      assert.equal(json.body.submission.details, null);
      for (const page of [`/challenges/xray-sources/submissions/${id}`, '/challenges/xray-sources/submissions']) {
        const html = (await pat.agent.get(page).expect(200)).text;
        assert.match(html, /Scoring failed/);
        assert.ok(!html.includes(privateFigure), page);
        assert.doesNotMatch(html, /NaN|Full reason/, page);
      }
      assert.ok(!JSON.stringify(json.body).includes(privateFigure));
      const orgView = await org.agent.get(`/challenges/xray-sources/submissions/${id}`).set('Accept', JSON_);
      // Olga does not organize this one: she gets what any other participant gets.
      assert.equal(orgView.status, 404);
      const olga = await ctx.handle.db.selectFrom('users').select('id').where('email', '=', 'olga@example.org').executeTakeFirstOrThrow();
      await addOrganizer(ctx.handle.db, c.id, olga.id);
      const organizerView = await org.agent.get(`/challenges/xray-sources/submissions/${id}`).expect(200);
      assert.match(organizerView.text, new RegExp(`data-testid="failure-reason"[^<]*private ${privateFigure.replace('.', '\\.')}`));
    });
  });

  describe('ids, default metric and sample submission (item 4)', () => {
    it('refuses test and solution ids that differ, with counts and examples, at the settings, at upload, at preview and at publish', async () => {
      const [head, ...rows] = linesOf('xray-sources', 'test.csv.gz');
      const dropped = rows.slice(0, 3).map((l) => l.slice(0, l.indexOf(',')));
      const extra = ['2CXO FAKE-1', '2CXO FAKE-2'];
      const template = rows[5].slice(rows[5].indexOf(','));
      const mismatched = csv([head, ...rows.slice(3), ...extra.map((id) => id + template)]);

      await draft('ids', { test: mismatched });
      const res = await save('ids', xraySettings()).expect(400);
      assert.deepEqual(problemsOf(res), [`2 test ids are missing from the solution, e.g. ${extra.join(', ')}`, `3 solution ids are not in the test file, e.g. ${dropped.join(', ')}`]);

      // Upload: a configured challenge refuses a mismatched test file and keeps its own.
      await draft('ids-upload');
      await save('ids-upload', xraySettings()).expect(200);
      const up = await org.agent.post(`/organize/ids-upload/files?_csrf=${org.csrf}`).set('Accept', JSON_).attach('test', mismatched, 'test.csv').expect(400);
      assert.ok(problemsOf(up).includes(`2 test ids are missing from the solution, e.g. ${extra.join(', ')}`));
      const kept = (await findChallengeBySlug(ctx.handle.db, 'ids-upload'))!;
      assert.equal(kept.test_file, 'test.csv.gz');
      assert.deepEqual((await org.agent.get('/organize/ids-upload').set('Accept', JSON_).expect(200)).body.preview.problems, []);

      // Preview and publish: the test file changed under a saved draft.
      await ctx.storage.put(fileKeyIn(kept.folder_key, 'test.csv.gz'), zlib.gzipSync(mismatched));
      const dash = await org.agent.get('/organize/ids-upload').set('Accept', JSON_).expect(200);
      assert.deepEqual(dash.body.preview.problems, [`2 test ids are missing from the solution, e.g. ${extra.join(', ')}`, `3 solution ids are not in the test file, e.g. ${dropped.join(', ')}`]);
      const refused = await publish('ids-upload').expect(409);
      assert.match(refused.body.error.message, /2 test ids are missing from the solution, e\.g\. 2CXO FAKE-1, 2CXO FAKE-2; 3 solution ids are not in the test file/);
    });

    it('starts a two-class label challenge on a metric that needs no probability columns', async () => {
      await draft('two-class', {}, 'higgsml');
      const form = await org.agent.get('/organize/two-class/settings').expect(200);
      assert.match(form.text, /<option selected>macro_f1<\/option>/);
      assert.doesNotMatch(form.text, /<option selected>roc_auc<\/option>/);
    });

    it('writes a sample submission from the training labels when none is uploaded, and it passes the challenge\'s own checks', async () => {
      await draft('no-sample');
      await save('no-sample', xraySettings()).expect(200);
      await publish('no-sample').expect(200);
      const c = (await findChallengeBySlug(ctx.handle.db, 'no-sample'))!;
      assert.equal(c.sample_file, 'sample_submission.csv');
      const text = (await request(ctx.app).get('/challenges/no-sample/data/sample_submission.csv').expect(200)).text;
      const [head, ...rows] = text.trimEnd().split('\n');
      assert.equal(head, 'name,Class');
      const testIds = linesOf('xray-sources', 'test.csv.gz').slice(1).map((l) => l.slice(0, l.indexOf(',')));
      assert.deepEqual(rows.map((r) => r.slice(0, r.lastIndexOf(','))), testIds.map((id) => (id.includes(',') ? `"${id}"` : id)));
      // Every row gets the training set's majority class (never the solution's labels).
      const trainHead = linesOf('xray-sources', 'train.csv.gz')[0].split(',');
      const counts = new Map<string, number>();
      for (const l of linesOf('xray-sources', 'train.csv.gz').slice(1)) counts.set(l.split(',')[trainHead.indexOf('Class')], (counts.get(l.split(',')[trainHead.indexOf('Class')]) ?? 0) + 1);
      const majority = [...counts].sort((a, b) => b[1] - a[1])[0][0];
      assert.deepEqual([...new Set(rows.map((r) => r.slice(r.lastIndexOf(',') + 1)))], [majority]);
      const id = (await pat.agent.post(`/challenges/no-sample/submissions?_csrf=${pat.csrf}`).set('Accept', JSON_).attach('file', Buffer.from(text), 'sample_submission.csv').expect(202)).body.submission.id;
      assert.equal((await waitForTerminal(ctx.handle, id)).status, 'scored');
    });

    it('writes probability columns when the metric needs them, and a RankOrder permutation for the HiggsML format', async () => {
      await draft('no-sample-auc');
      await save('no-sample-auc', xraySettings({ metric: 'roc_auc' })).expect(200);
      const auc = (await findChallengeBySlug(ctx.handle.db, 'no-sample-auc'))!;
      const aucLines = (await storedBytes(ctx.storage, fileKeyIn(auc.folder_key, 'sample_submission.csv'))).toString('utf8').trimEnd().split('\n');
      assert.equal(aucLines[0], 'name,Class,proba_AGN,proba_Star,proba_XRB,proba_CV,proba_Other');
      const probs = aucLines[1].split(',').slice(-5).map(Number);
      assert.ok(Math.abs(probs.reduce((a, b) => a + b, 0) - 1) < 1e-9, aucLines[1]);

      await draft('no-sample-higgs', {}, 'higgsml');
      await save('no-sample-higgs', higgsSettings({ opens_at: local(new Date(Date.now() - 86_400_000)) })).expect(200);
      await publish('no-sample-higgs').expect(200);
      const text = (await request(ctx.app).get('/challenges/no-sample-higgs/data/sample_submission.csv').expect(200)).text;
      const [head, ...rows] = text.trimEnd().split('\n');
      assert.equal(head, 'EventId,RankOrder,Class');
      assert.deepEqual(rows.map((r) => Number(r.split(',')[1])).sort((a, b) => a - b), rows.map((_, i) => i + 1));
      const id = (await pat.agent.post(`/challenges/no-sample-higgs/submissions?_csrf=${pat.csrf}`).set('Accept', JSON_).attach('file', Buffer.from(text), 'sample_submission.csv').expect(202)).body.submission.id;
      assert.equal((await waitForTerminal(ctx.handle, id)).status, 'scored');
    });

    it('keeps an uploaded sample submission as it is', async () => {
      const sample = zlib.gunzipSync(fs.readFileSync(datasetFile('xray-sources', 'sample_submission.csv.gz')));
      await draft('own-sample', { sample_submission: sample });
      await save('own-sample', xraySettings()).expect(200);
      const c = (await findChallengeBySlug(ctx.handle.db, 'own-sample'))!;
      assert.deepEqual(await storedBytes(ctx.storage, fileKeyIn(c.folder_key, c.sample_file!)), sample);
    });
  });
});
