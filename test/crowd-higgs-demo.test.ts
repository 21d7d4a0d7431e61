/**
 * HiggsML in the crowd (issue 11, section 2): the demo seed's workflow (test events live, training
 * events gold, classes s and b, a simulated crowd the comparison page marks as such), the console's
 * "live subjects" field, and the field guide page.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createTestContext, datasetFile, type TestContext, storedBytes } from './helpers.js';
import { organizerAgent } from './crowd-helpers.js';
import { CROWD_DEMO, HIGGS_DEMO_LIVE, seedCrowd } from '../seeds/crowd.js';
import { findChallengeBySlug } from '../src/challenges/repo.js';
import { checkChallengeFolder, importChallengeFolder } from '../src/challenges/service.js';
import { liveRank, readCsvRecords, createWorkflowForSlug } from '../src/crowd/setup.js';
import { isEvaluationRow } from '../src/crowd/evaluation-split.js';
import { crowdFormOptions, DEFAULT_LIVE_SUBJECTS } from '../src/organizers/companions.js';
import { fileKeyIn } from '../src/storage/index.js';

const JSON_ = 'application/json';
const SLUG = 'higgsml';

const idsOf = (file: string) => readCsvRecords(datasetFile(SLUG, file)).map((r) => r.EventId);
/** The n ids of smallest liveRank, by sorting them all (what the streaming sample must equal). */
function smallestRanks(ids: string[], n: number): Set<string> {
  const rank = new Map(ids.map((id) => [id, liveRank(id)]));
  return new Set([...ids].sort((a, b) => rank.get(a)! - rank.get(b)!).slice(0, n));
}

async function subjectsOf(ctx: TestContext, slug = SLUG) {
  const wf = await ctx.handle.db.selectFrom('crowd_workflows as w').innerJoin('challenges as c', 'c.id', 'w.challenge_id').select(['w.id', 'w.classes_json']).where('c.slug', '=', slug).executeTakeFirstOrThrow();
  const rows = await ctx.handle.db.selectFrom('crowd_subjects').select(['external_id', 'is_gold', 'gold_class']).where('workflow_id', '=', wf.id).orderBy('id').execute();
  return {
    workflowId: wf.id,
    classes: JSON.parse(wf.classes_json) as string[],
    gold: rows.filter((r) => r.is_gold === 1),
    known: rows.filter((r) => r.is_gold === 0 && r.gold_class !== null),
    live: rows.filter((r) => r.is_gold === 0 && r.gold_class === null).map((r) => r.external_id),
  };
}

/** A test app with higgsml imported and an organizer of it; `prepare` runs before the organizer signs up. */
function withHiggsml(prepare: (ctx: TestContext) => Promise<void> = async () => {}) {
  const state = {} as { ctx: TestContext; org: Awaited<ReturnType<typeof organizerAgent>> };
  before(async () => {
    state.ctx = await createTestContext({ challenges: [SLUG] });
    await prepare(state.ctx);
    state.org = await organizerAgent(state.ctx, 'olga@example.org', SLUG);
  });
  after(async () => state.ctx?.close());
  return state;
}

describe('HiggsML crowd: the demo seed and the field guide', function () {
  this.timeout(180_000);
  const state = withHiggsml(async (ctx) => {
    await seedCrowd(ctx.handle, ctx.storage, () => {});
    // Imported after the seed, which would give it a simulated crowd too: it is here as a workflow without a field guide.
    await importChallengeFolder(ctx.handle.db, ctx.storage, path.dirname(datasetFile('xmm-sources', 'challenge.yaml')));
  });

  it('seeds a workflow with classes s and b: gold and known events from train, live events sampled from test by id hash', async () => {
    const { classes, gold, known, live } = await subjectsOf(state.ctx);
    assert.deepEqual([...classes].sort(), ['b', 's']);
    const train = new Set(idsOf('train.csv.gz'));
    const test = idsOf('test.csv.gz');
    const goldPerClass = CROWD_DEMO[SLUG].goldPerClass ?? 60;
    for (const c of [0, 1]) {
      assert.equal(gold.filter((g) => g.gold_class === c).length, goldPerClass, `gold of ${classes[c]}`);
      assert.equal(known.filter((k) => k.gold_class === c).length, Math.round(goldPerClass / 2), `known of ${classes[c]}`);
    }
    for (const s of [...gold, ...known]) {
      assert.ok(train.has(s.external_id), `${s.external_id} is not a training event`);
      assert.ok(!isEvaluationRow(s.external_id), `${s.external_id} is in the evaluation split`);
    }
    // The live events: HIGGS_DEMO_LIVE of the test file, those of smallest id hash, spread over the whole file.
    assert.equal(live.length, HIGGS_DEMO_LIVE);
    assert.deepEqual(new Set(live), smallestRanks(test, HIGGS_DEMO_LIVE));
    assert.notDeepEqual(live.slice(0, 50), test.slice(0, 50));
    assert.ok(live.some((id) => test.indexOf(id) > test.length * 0.9), 'nothing from the end of the test file');
  });

  it('runs the simulated crowd on it, and the comparison page shows it, marked as simulated', async () => {
    const { workflowId } = await subjectsOf(state.ctx);
    const votes = await state.ctx.handle.db.selectFrom('crowd_votes').select(({ fn }) => fn.countAll<number>().as('n')).where('workflow_id', '=', workflowId).executeTakeFirstOrThrow();
    assert.ok(Number(votes.n) >= 1000, `${votes.n} votes`);
    // Two classes: every simulated profile answers with s or b only (codes 0 and 1).
    const answers = await state.ctx.handle.db.selectFrom('crowd_votes').select('answer').distinct().where('workflow_id', '=', workflowId).execute();
    assert.deepEqual(answers.map((a) => a.answer).sort(), [0, 1]);
    const profiles = await state.ctx.handle.db.selectFrom('users').select('simulated').distinct().where('email', 'like', `%.${SLUG}@simulated.invalid`).execute();
    assert.ok(profiles.some((p) => p.simulated === 'biased'), 'a biased volunteer among the simulated crowd');
    const page = await state.org.agent.get(`/crowd/${SLUG}/compare`).expect(200);
    assert.match(page.text, /data-testid="simulated-votes"/);
    assert.match(page.text, /data-testid="volunteers">\d+ with a counted vote, [1-9]\d* of them simulated/);
  });

  it('copies challenge.yaml and the field guide with the data on import', async () => {
    const c = (await findChallengeBySlug(state.ctx.handle.db, SLUG))!;
    assert.equal((await storedBytes(state.ctx.storage, fileKeyIn(c.folder_key, 'field-guide.md'))).toString('utf8'), fs.readFileSync(datasetFile(SLUG, 'field-guide.md'), 'utf8'));
    assert.ok(await state.ctx.storage.stat(fileKeyIn(c.folder_key, 'challenge.yaml')));
  });

  it('serves the field guide as HTML in the site layout, with a link back to classifying', async () => {
    const res = await request(state.ctx.app).get(`/crowd/${SLUG}/guide`).expect(200);
    assert.match(res.text, /<h1>Field guide: spotting a Higgs boson decaying into two taus<\/h1>/);
    assert.match(res.text, /<h2>The look-alikes \(backgrounds\)<\/h2>/);
    assert.match(res.text, /<strong>one hadronic tau<\/strong>/);
    assert.doesNotMatch(res.text, /^#+ |\*\*/m, 'raw markdown');
    assert.match(res.text, /<header class="site">/);
    assert.match(res.text, new RegExp(`href="/crowd/${SLUG}/classify" data-testid="back-to-classify"`));
  });

  it('sanitises the guide: raw HTML and script links in the markdown do not come through', async () => {
    const c = (await findChallengeBySlug(state.ctx.handle.db, SLUG))!;
    const file = fileKeyIn(c.folder_key, 'field-guide.md');
    const original = await storedBytes(state.ctx.storage, file);
    try {
      await state.ctx.storage.put(file, Buffer.from('# Guide\n\n<script>alert("guide")</script>\n\n<img src=x onerror="alert(2)">\n\n[click](javascript:alert(3)) and *fine*\n'));
      const res = await request(state.ctx.app).get(`/crowd/${SLUG}/guide`).expect(200);
      const article = /<article[^>]*data-testid="field-guide"[^>]*>([\s\S]*?)<\/article>/.exec(res.text)![1];
      assert.doesNotMatch(article, /<script|alert|onerror|javascript:/i, article);
      assert.match(article, /<h1>Guide<\/h1>/);
      assert.match(article, /<em>fine<\/em>/);
    } finally {
      await state.ctx.storage.put(file, original);
    }
  });

  it('answers 404 naming field_guide for a workflow without one', async () => {
    await createWorkflowForSlug(state.ctx.handle, state.ctx.storage, 'xmm-sources', { maxLive: 5, goldPerClass: 2 });
    const res = await request(state.ctx.app).get('/crowd/xmm-sources/guide').set('Accept', JSON_).expect(404);
    assert.equal(res.body.error.code, 'no_field_guide');
    assert.match(res.body.error.message, /field_guide/);
    const html = await request(state.ctx.app).get('/crowd/xmm-sources/guide').expect(404);
    assert.match(html.text, /has no field guide/);
    await request(state.ctx.app).get('/crowd/no-such-workflow/guide').expect(404);
  });

  it('hides the guide of a paused workflow from participants, not from its organizers', async () => {
    const { workflowId } = await subjectsOf(state.ctx);
    await state.ctx.handle.db.updateTable('crowd_workflows').set({ active: 0 }).where('id', '=', workflowId).execute();
    try {
      const res = await request(state.ctx.app).get(`/crowd/${SLUG}/guide`).set('Accept', JSON_).expect(404);
      assert.equal(res.body.error.code, 'not_found');
      const seen = await state.org.agent.get(`/crowd/${SLUG}/guide`).set('Accept', JSON_).expect(200);
      assert.match(seen.body.html, /<h2>The signal: H → ττ<\/h2>/);
    } finally {
      await state.ctx.handle.db.updateTable('crowd_workflows').set({ active: 1 }).where('id', '=', workflowId).execute();
    }
  });

  it('refuses a challenge folder whose crowd: section names a field guide that is not there', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sift-guide-'));
    try {
      for (const f of fs.readdirSync(datasetFile(SLUG, '.'))) if (f !== 'field-guide.md') fs.copyFileSync(datasetFile(SLUG, f), path.join(dir, f));
      await assert.rejects(checkChallengeFolder(dir), (err: Error & { problems?: string[] }) => {
        assert.deepEqual(err.problems, [`${path.join(dir, 'challenge.yaml')}: crowd.field_guide: no file "field-guide.md" in the challenge folder`]);
        return true;
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('organizer console: the live subjects field', function () {
  this.timeout(120_000);
  const state = withHiggsml();

  it('offers the field with the default the server applies to a blank one', async () => {
    const page = await state.org.agent.get(`/organize/${SLUG}`).expect(200);
    const field = /<input name="liveSubjects"[^>]*value="(\d+)"/.exec(page.text);
    assert.ok(field, 'no live subjects field');
    assert.equal(Number(field[1]), DEFAULT_LIVE_SUBJECTS);
    assert.equal(crowdFormOptions({ liveSubjects: '' }).liveLimit, DEFAULT_LIVE_SUBJECTS);
    assert.equal(crowdFormOptions({}).liveLimit, DEFAULT_LIVE_SUBJECTS);
  });

  it('refuses a live subjects value that is not a whole number from 1, with a 400 naming the field', async () => {
    const cases: Array<[string, string]> = [['abc', 'live subjects: a number'], ['0', 'live subjects: at least 1'], ['-5', 'live subjects: at least 1'], ['2.5', 'live subjects: a whole number'], ['5000000', 'live subjects: at most 1,000,000']];
    for (const [value, problem] of cases) {
      const res = await state.org.agent.post(`/organize/${SLUG}/crowd`).set('Accept', JSON_).send({ _csrf: state.org.csrf, liveSubjects: value }).expect(400);
      assert.equal(res.body.error.code, 'bad_crowd_settings');
      assert.deepEqual(res.body.error.problems, [problem], value);
    }
    assert.equal((await state.ctx.handle.db.selectFrom('crowd_workflows').select('id').execute()).length, 0);
  });

  it('turns the crowd on with that many live events, sampled from the whole test file', async () => {
    const res = await state.org.agent.post(`/organize/${SLUG}/crowd`).set('Accept', JSON_).send({ _csrf: state.org.csrf, liveSubjects: '300', goldPerClass: '4' }).expect(200);
    const { workflowId, live, gold } = await subjectsOf(state.ctx);
    assert.equal(res.body.workflowId, workflowId);
    assert.equal(live.length, 300);
    assert.equal(gold.length, 8);
    const test = idsOf('test.csv.gz');
    assert.deepEqual(new Set(live), smallestRanks(test, 300));
    const summary = (await state.org.agent.get(`/organize/${SLUG}`).set('Accept', JSON_).expect(200)).body.crowd;
    assert.deepEqual([summary.live, summary.gold, summary.known], [300, 8, 4]);
  });
});
