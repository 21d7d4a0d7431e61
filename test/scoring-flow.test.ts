import assert from 'node:assert/strict';
import fs from 'node:fs';
import zlib from 'node:zlib';
import request from 'supertest';
import { createTestContext, csrfFrom, datasetFile, signedInAgent, waitForTerminal, type TestContext } from './helpers.js';

/** An independent AMS, straight from the HiggsML documentation, over the CSV text itself. */
function amsByHand(solutionCsv: string, submissionCsv: string, usage: 'Public' | 'Private'): number {
  const selected = new Set<string>();
  for (const line of submissionCsv.trim().split('\n').slice(1)) {
    const [id, , cls] = line.trim().split(',');
    if (cls === 's') selected.add(id);
  }
  let sumS = 0, sumB = 0, selS = 0, selB = 0;
  const [header, ...rows] = solutionCsv.trim().split('\n');
  const cols = header.trim().split(',');
  const [iId, iLabel, iWeight, iUsage] = ['EventId', 'Label', 'Weight', 'Usage'].map((c) => cols.indexOf(c));
  for (const line of rows) {
    const f = line.trim().split(',');
    if (f[iUsage] !== usage) continue;
    const w = Number(f[iWeight]);
    if (f[iLabel] === 's') { sumS += w; if (selected.has(f[iId])) selS += w; }
    else { sumB += w; if (selected.has(f[iId])) selB += w; }
  }
  const s = (selS * 691.988607711987) / sumS;
  const b = (selB * 410999.847321811) / sumB;
  return Math.sqrt(2 * ((s + b + 10) * Math.log(1 + s / (b + 10)) - s));
}

/** Macro-F1 as scikit-learn computes it by default: over classes present in truth or prediction. */
function macroF1ByHand(solutionCsv: string, submissionCsv: string, usage: string): number {
  const predicted = new Map(submissionCsv.trim().split('\n').slice(1).map((l) => l.trim().split(',') as [string, string]));
  const tp = new Map<string, number>(), fp = new Map<string, number>(), fn = new Map<string, number>();
  const add = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const [header, ...rows] = solutionCsv.trim().split('\n');
  const cols = header.trim().split(',');
  for (const line of rows) {
    const f = line.trim().split(',');
    if (f[cols.indexOf('Usage')] !== usage) continue;
    const truth = f[cols.indexOf('Class')], guess = predicted.get(f[cols.indexOf('name')])!;
    if (truth === guess) add(tp, truth); else { add(fp, guess); add(fn, truth); }
  }
  const classes = new Set([...tp.keys(), ...fp.keys(), ...fn.keys()]);
  let sum = 0;
  for (const c of classes) {
    const t = tp.get(c) ?? 0, p = t + (fp.get(c) ?? 0), r = t + (fn.get(c) ?? 0);
    sum += p + r === 0 ? 0 : (2 * t) / (p + r);
  }
  return sum / classes.size;
}

describe('upload to leaderboard (X-ray sources demo)', function () {
  let ctx: TestContext;
  before(async () => {
    ctx = await createTestContext({ challenges: ['xray-sources'] });
  });
  after(async () => ctx.close());

  it('scores macro-F1 as scikit-learn does and shows per-class figures and the confusion matrix', async () => {
    const { agent, csrf } = await signedInAgent(ctx.app, 'vera@example.org', 'Vera');
    const sample = fs.readFileSync(datasetFile('xray-sources', 'sample_submission.csv.gz'));
    const res = await agent.post(`/challenges/xray-sources/submissions?_csrf=${csrf}`).set('Accept', 'application/json').attach('file', sample, 'sample.csv.gz').expect(202);
    const row = await waitForTerminal(ctx.handle, res.body.submission.id);
    assert.equal(row.status, 'scored', row.error ?? '');
    const solution = zlib.gunzipSync(fs.readFileSync(datasetFile('xray-sources', 'solution.csv.gz'))).toString();
    const submission = zlib.gunzipSync(sample).toString();
    assert.ok(Math.abs(row.public_score! - macroF1ByHand(solution, submission, 'Public')) < 1e-12);
    assert.ok(Math.abs(row.private_score! - macroF1ByHand(solution, submission, 'Private')) < 1e-12);
    // Vera, the first account, is the admin: organizers see every detail before the close (participants after it).
    const page = await agent.get(`/challenges/xray-sources/submissions/${row.id}`).expect(200);
    assert.match(page.text, /data-testid="per-class"/);
    assert.match(page.text, /Confusion matrix/);
    assert.match(page.text, /<th>AGN<\/th>/);
  });
});

describe('upload to leaderboard (HiggsML demo)', function () {
  let ctx: TestContext;
  before(async () => {
    ctx = await createTestContext({ challenges: ['higgsml'] });
  });
  after(async () => ctx.close());

  it('scores the sample submission with the official AMS and ranks it on the public board', async () => {
    await signedInAgent(ctx.app, 'root@example.org', 'Root'); // the first account is the admin: Alice is a participant
    const { agent } = await signedInAgent(ctx.app, 'alice@example.org', 'Alice');
    const form = await agent.get('/challenges/higgsml/submit').expect(200);
    const csrf = csrfFrom(form.text);
    const sample = fs.readFileSync(datasetFile('higgsml', 'sample_submission.csv.gz'));
    const res = await agent.post(`/challenges/higgsml/submissions?_csrf=${csrf}`).set('Accept', 'application/json').attach('file', sample, 'sample_submission.csv.gz').field('message', 'simple window').expect(202);
    assert.equal(res.body.submission.status, 'queued');
    assert.equal(res.body.quota.used, 1);

    const row = await waitForTerminal(ctx.handle, res.body.submission.id);
    assert.equal(row.status, 'scored', row.error ?? '');
    const solution = zlib.gunzipSync(fs.readFileSync(datasetFile('higgsml', 'solution.csv.gz'))).toString();
    const submission = zlib.gunzipSync(sample).toString();
    const expectedPublic = amsByHand(solution, submission, 'Public');
    const expectedPrivate = amsByHand(solution, submission, 'Private');
    assert.ok(Math.abs(row.public_score! - expectedPublic) < 1e-9, `${row.public_score} vs ${expectedPublic}`);
    assert.ok(Math.abs(row.private_score! - expectedPrivate) < 1e-9, `${row.private_score} vs ${expectedPrivate}`);
    // The data README's reference for this window on the canonical split: 1.59 public, 1.57 private.
    assert.equal(expectedPublic.toFixed(2), '1.59');
    assert.equal(expectedPrivate.toFixed(2), '1.57');
    assert.match(row.scorer_version!, /^ams@/);
    assert.match(row.solution_sha256!, /^[0-9a-f]{64}$/);

    const board = await request(ctx.app).get('/challenges/higgsml/leaderboard').set('Accept', 'application/json').expect(200);
    assert.equal(board.body.rows.length, 1);
    assert.equal(board.body.rows[0].name, 'Alice');
    assert.equal(board.body.rows[0].rank, 1);
    assert.ok(Math.abs(board.body.rows[0].score - expectedPublic) < 1e-9);

    const page = await request(ctx.app).get('/challenges/higgsml/leaderboard').expect(200);
    assert.match(page.text, /Alice/);
    assert.match(page.text, new RegExp(expectedPublic.toFixed(5)));
    // The owner sees the public score but not the private one before the deadline.
    const mine = await agent.get(`/challenges/higgsml/submissions/${row.id}`).set('Accept', 'application/json').expect(200);
    assert.ok(Math.abs(mine.body.submission.publicScore - expectedPublic) < 1e-9);
    assert.equal(mine.body.submission.privateScore, null);
    // Nor the score details (s, b, events selected): they would make a labelling oracle.
    assert.equal(mine.body.submission.details, null);
    const detailPage = await agent.get(`/challenges/higgsml/submissions/${row.id}`).expect(200);
    assert.doesNotMatch(detailPage.text, /events selected/);
    assert.doesNotMatch(detailPage.text, /Private score <span/);
  });

  it('fails a submission whose scorer throws, shows the message, and never ranks it', async () => {
    const { agent, csrf } = await signedInAgent(ctx.app, 'bob@example.org', 'Bob');
    // A probability metric on a file without probabilities makes the scorer throw.
    await ctx.handle.db.updateTable('challenges').set({ metric: 'log_loss' }).where('slug', '=', 'higgsml').execute();
    try {
      const sample = fs.readFileSync(datasetFile('higgsml', 'sample_submission.csv.gz'));
      const res = await agent.post(`/challenges/higgsml/submissions?_csrf=${csrf}`).set('Accept', 'application/json').attach('file', sample, 'x.csv.gz').expect(202);
      const row = await waitForTerminal(ctx.handle, res.body.submission.id);
      assert.equal(row.status, 'failed');
      assert.match(row.error!, /Scoring failed/);
      // The full reason is kept for the organizers.
      assert.match(JSON.parse(row.details_json!).failure, /Scoring failed: .*prob/i);
      const mine = await agent.get('/challenges/higgsml/submissions').expect(200);
      assert.match(mine.text, /Scoring failed/);
      const board = await request(ctx.app).get('/challenges/higgsml/leaderboard').set('Accept', 'application/json').expect(200);
      assert.ok(!board.body.rows.some((r: { name: string }) => r.name === 'Bob'));
    } finally {
      await ctx.handle.db.updateTable('challenges').set({ metric: 'ams' }).where('slug', '=', 'higgsml').execute();
    }
  });
});

describe('scoring reuses the arrays aligned at upload', function () {
  let ctx: TestContext;
  before(async () => {
    ctx = await createTestContext({ challenges: ['xmm-sources'], workers: 0 });
  });
  after(async () => ctx.close());

  async function queued(email: string) {
    const { agent, csrf } = await signedInAgent(ctx.app, email);
    const sample = fs.readFileSync(datasetFile('xmm-sources', 'sample_submission.csv.gz'));
    const id = (await agent.post(`/challenges/xmm-sources/submissions?_csrf=${csrf}`).set('Accept', 'application/json').attach('file', sample, 's.csv.gz').expect(202)).body.submission.id as number;
    const row = await ctx.handle.db.selectFrom('submissions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    return { id, aligned: `${ctx.storage.localRoot}/${row.file_path}.aligned` };
  }

  it('scores from the kept arrays, then removes them; without them it parses the stored file to the same score', async () => {
    const { score } = await import('../src/submissions/service.js');
    const a = await queued('a@example.org');
    assert.ok(fs.existsSync(a.aligned), 'kept beside the stored file until scored');
    await score(ctx.handle, ctx.storage, a.id);
    assert.ok(!fs.existsSync(a.aligned));
    const b = await queued('b@example.org');
    fs.rmSync(b.aligned);
    await score(ctx.handle, ctx.storage, b.id);
    const [ra, rb] = await Promise.all([a.id, b.id].map((id) => ctx.handle.db.selectFrom('submissions').selectAll().where('id', '=', id).executeTakeFirstOrThrow()));
    assert.equal(ra.status, 'scored');
    assert.equal(ra.public_score, rb.public_score);
    assert.equal(ra.private_score, rb.private_score);
    assert.equal(ra.details_json, rb.details_json);
  });

  it('really reads the kept arrays when they match the solution, and ignores them when they do not', async () => {
    const { score } = await import('../src/submissions/service.js');
    const { readAligned, writeAligned } = await import('../src/submissions/aligned.js');
    const { loadChallengeSolution } = await import('../src/challenges/service.js');
    const { findChallengeBySlug } = await import('../src/challenges/repo.js');
    const solution = await loadChallengeSolution(ctx.storage, (await findChallengeBySlug(ctx.handle.db, 'xmm-sources'))!);
    // Arrays that say "the true class everywhere": a perfect score shows they were used.
    const c = await queued('c@example.org');
    await writeAligned(c.aligned, solution.sha256, { label: Int32Array.from(solution.label) });
    await score(ctx.handle, ctx.storage, c.id);
    // The same arrays tied to another solution are ignored: the stored sample file is parsed.
    const d = await queued('d@example.org');
    const kept = await readAligned(d.aligned, solution.sha256, solution.label.length);
    assert.ok(kept);
    await writeAligned(d.aligned, 'another-solution', { label: Int32Array.from(solution.label) });
    await score(ctx.handle, ctx.storage, d.id);
    const [rc, rd] = await Promise.all([c.id, d.id].map((id) => ctx.handle.db.selectFrom('submissions').selectAll().where('id', '=', id).executeTakeFirstOrThrow()));
    assert.equal(rc.public_score, 1);
    assert.equal(rc.private_score, 1);
    assert.ok(rd.public_score! < 0.9, String(rd.public_score));
  });
});
