import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { signedInAgent, waitForTerminal } from './helpers.js';
import { crowdContext, organizerAgent, serve, vote, type Agent } from './crowd-helpers.js';
import { findChallengeBySlug, type Challenge } from '../src/challenges/repo.js';
import { loadChallengeSolution } from '../src/challenges/service.js';
import { ensureBaselineUser } from '../src/baseline/service.js';
import { baselineDir } from '../src/baseline/train.js';
import { writeOutOfFold } from '../src/baseline/oof.js';
import { accept } from '../src/submissions/service.js';
import { createApiToken } from '../src/accounts/tokens.js';
import { BEST_NOT_APPLICABLE, NO_OOF } from '../src/crowd/compare/page.js';
import { baselineFolderKey } from '../src/storage/index.js';

/**
 * The CLAXSON panels on a tiny crowd: 4 test rows and one known source per class. Volunteer A is
 * skilled (the consensus follows A), B answers AGN to everything but the last subject it is served,
 * so that one keeps a single vote (which one depends on the serving order, so expectations are
 * derived from the stored vote counts); with CROWD_MIN_CONSENSUS_VOTES=2 it is an abstention.
 */
const CLASSES = ['AGN', 'Star', 'XRB', 'CV', 'Other'];
const SKILLED = Array.from({ length: 25 }, (_, i) => (i % 6 === 0 ? 51 : 1));
const wrong = (c: string) => (c === 'AGN' ? 'Star' : 'AGN');
const SLUG = 'xmm-sources';

type Json = Record<string, any>;

describe('crowd: CLAXSON tables, intervals and exports on the comparison page', function () {
  let ctx: Awaited<ReturnType<typeof crowdContext>>;
  let org: { agent: Agent; csrf: string };
  let challenge: Challenge;
  let participant: Agent;
  let participantToken: string;
  let bestId = 0;
  const truth = new Map<number, string>();
  const answerA = new Map<number, string>();
  const votesOf = new Map<number, number>();
  let known: Array<{ id: number; external_id: string }> = [];
  let unknown: Array<{ id: number; external_id: string }> = [];

  /** The expected CLAXSON counts (rows predicted, columns true) and abstentions of the consensus on `subjects`. */
  function expectedCrowd(subjects: Array<{ id: number }>) {
    const counts = CLASSES.map(() => CLASSES.map(() => 0));
    let abstained = 0;
    for (const s of subjects) {
      if (!votesOf.get(s.id)) continue; // no consensus: not in the evaluation set
      if (votesOf.get(s.id)! < 2) abstained++;
      else counts[CLASSES.indexOf(answerA.get(s.id)!)][CLASSES.indexOf(truth.get(s.id)!)]++;
    }
    return { counts, abstained };
  }
  const byTruthAndLabel = (subjects: Array<{ id: number; external_id: string }>, label: (s: { id: number; external_id: string }) => string) => {
    const counts = CLASSES.map(() => CLASSES.map(() => 0));
    for (const s of subjects) if (votesOf.get(s.id)) counts[CLASSES.indexOf(label(s))][CLASSES.indexOf(truth.get(s.id)!)]++;
    return counts;
  };
  const tableOf = (panel: Json, method: string) => panel.tables.find((t: Json) => t.method === method);

  async function predictions(override: Record<string, string>): Promise<Buffer> {
    const sol = await loadChallengeSolution(ctx.storage, challenge);
    return Buffer.from(`name,Class\n${sol.ids.map((name, i) => `${name},${override[name] ?? sol.classes[sol.label[i]]}`).join('\n')}\n`);
  }

  before(async () => {
    ctx = await crowdContext({ maxLive: 4, retireCount: 2, trainingChances: [0], knownPerClass: 1 }, { CROWD_MIN_CONSENSUS_VOTES: '2' });
    challenge = (await findChallengeBySlug(ctx.handle.db, SLUG))!;
    org = await organizerAgent(ctx);
    const rows = await ctx.handle.db.selectFrom('crowd_subjects').select(['id', 'external_id', 'gold_class']).where('workflow_id', '=', ctx.workflowId).where('is_gold', '=', 0).orderBy('id').execute();
    const sol = await loadChallengeSolution(ctx.storage, challenge);
    for (const r of rows) truth.set(r.id, r.gold_class !== null ? CLASSES[r.gold_class] : sol.classes[sol.label[sol.index.get(r.external_id)!]]);
    known = rows.filter((r) => r.gold_class !== null);
    unknown = rows.filter((r) => r.gold_class === null);
    assert.ok(known.length >= 3, `known sources: ${known.length}`);
    assert.equal(unknown.length, 4);
    // A is right except on the first known source and the first test row.
    for (const r of rows) answerA.set(r.id, r.id === known[0].id || r.id === unknown[0].id ? wrong(truth.get(r.id)!) : truth.get(r.id)!);

    const a = await signedInAgent(ctx.app, 'a@example.org');
    for (let first = true; ; first = false) {
      const s = await serve(a.agent);
      if (!s.subject || s.training) break;
      if (first) {
        const user = await ctx.handle.db.selectFrom('users').select('id').where('email', '=', 'a@example.org').executeTakeFirstOrThrow();
        await ctx.handle.db.updateTable('crowd_volunteers').set({ confusion_json: JSON.stringify(SKILLED) }).where('user_id', '=', user.id).execute();
      }
      await vote(a.agent, a.csrf, s.token, answerA.get(s.subject.id)!).expect(201);
    }
    const b = await signedInAgent(ctx.app, 'b@example.org');
    for (let n = 0; n < known.length + unknown.length - 1; n++) {
      const s = await serve(b.agent);
      assert.ok(s.subject && !s.training);
      await vote(b.agent, b.csrf, s.token, 'AGN').expect(201);
    }
    for (const r of await ctx.handle.db.selectFrom('crowd_subjects').select(['id', 'vote_count']).where('workflow_id', '=', ctx.workflowId).where('is_gold', '=', 0).execute()) votesOf.set(r.id, r.vote_count);
    assert.deepEqual([...votesOf.values()].sort(), [1, ...Array(known.length + unknown.length - 1).fill(2)], 'one subject keeps a single vote');

    participant = (await signedInAgent(ctx.app, 'p@example.org')).agent;
    const p = await ctx.handle.db.selectFrom('users').select('id').where('email', '=', 'p@example.org').executeTakeFirstOrThrow();
    participantToken = (await createApiToken(ctx.handle.db, p.id, { name: 'compare' })).token;
  });
  after(async () => ctx?.close());

  const getJson = async (agent: Agent | ReturnType<typeof request>, url: string, status = 200) => (await (agent as Agent).get(url).set('Accept', 'application/json').expect(status)).body;

  it('scores known sources for everyone, with too-few-vote consensus counted as abstentions', async () => {
    const view = await getJson(request(ctx.app), `/crowd/${SLUG}/compare`);
    assert.equal(view.hiddenShown, false);
    assert.equal(view.unknown, null);
    assert.equal(view.solution, null);
    assert.equal(view.known.subjects, known.filter((s) => votesOf.get(s.id)).length);
    const crowd = tableOf(view.known, 'live_swap');
    const expected = expectedCrowd(known);
    assert.deepEqual(crowd.table.counts, expected.counts);
    assert.equal(crowd.table.abstained, expected.abstained);
    assert.equal(expected.abstained + expectedCrowd(unknown).abstained, 1);
    assert.equal(crowd.intervals.seed, 20261010);
    assert.equal(crowd.intervals.resamples, 1000);
    assert.ok(crowd.intervals.accuracy.lo <= crowd.table.accuracy && crowd.table.accuracy <= crowd.intervals.accuracy.hi);
    // No out-of-fold file yet, and entries never predict training rows.
    assert.equal(tableOf(view.known, 'baseline').missing, NO_OOF);
    assert.equal(tableOf(view.known, 'best ML').missing, BEST_NOT_APPLICABLE);
    assert.ok(view.notes.includes(NO_OOF), view.notes.join(' | '));
    assert.equal(view.methods.minConsensusVotes, 2);
    assert.deepEqual(view.methods.volunteers, { total: 2, simulated: 0 });
    assert.equal(view.methods.best, null);
  });

  it('scores the baseline on known sources from its out-of-fold file, and every method on the test rows for organizers', async () => {
    // Baseline: right everywhere on the test rows except the second one; out of fold, wrong on the second known source.
    const base = await ensureBaselineUser(ctx.handle.db);
    const tmpPath = path.join(os.tmpdir(), `sift-claxson-baseline-${process.pid}.csv`);
    fs.writeFileSync(tmpPath, await predictions({ [unknown[1].external_id]: wrong(truth.get(unknown[1].id)!) }));
    const b = await accept(ctx.handle, ctx.storage, challenge, base.id, { tmpPath, originalName: 'baseline.csv', size: fs.statSync(tmpPath).size }, 'baseline stand-in', { isBaseline: true });
    assert.equal((await waitForTerminal(ctx.handle, b.id)).status, 'scored');
    const oofLabel = (s: { id: number }) => (s.id === known[1].id ? wrong(truth.get(s.id)!) : truth.get(s.id)!);
    fs.mkdirSync(baselineDir(ctx.storage.localRoot, SLUG), { recursive: true });
    writeOutOfFold(baselineDir(ctx.storage.localRoot, SLUG), known.map((s) => s.external_id), known.map(oofLabel));
    await ctx.storage.publishLocalDir(baselineFolderKey(SLUG));
    // The best entry is right on every row.
    const { agent, csrf } = await signedInAgent(ctx.app, 'ml@example.org');
    const res = await agent.post(`/challenges/${SLUG}/submissions?_csrf=${csrf}`).set('Accept', 'application/json').attach('file', await predictions({}), 'p.csv').expect(202);
    assert.equal((await waitForTerminal(ctx.handle, res.body.submission.id)).status, 'scored');
    bestId = res.body.submission.id;

    const view = await getJson(org.agent, `/crowd/${SLUG}/compare`);
    assert.equal(view.hiddenShown, true);
    assert.ok(!view.notes.includes(NO_OOF));
    assert.deepEqual(tableOf(view.known, 'baseline').table.counts, byTruthAndLabel(known, oofLabel));
    const crowdUnknown = tableOf(view.unknown, 'live_swap');
    const expected = expectedCrowd(unknown);
    assert.deepEqual(crowdUnknown.table.counts, expected.counts);
    assert.equal(crowdUnknown.table.abstained, expected.abstained);
    assert.deepEqual(tableOf(view.unknown, 'baseline').table.counts, byTruthAndLabel(unknown, (s) => (s.id === unknown[1].id ? wrong(truth.get(s.id)!) : truth.get(s.id)!)));
    assert.deepEqual(tableOf(view.unknown, 'best ML').table.counts, byTruthAndLabel(unknown, (s) => truth.get(s.id)!));
    assert.equal(view.methods.best.submissionId, res.body.submission.id);
    assert.deepEqual(view.methods.baseline, { submissionId: b.id, backend: null, seed: null, trainedAt: null, outOfFold: true });
    // The model version comes from the training run that submitted the baseline.
    const now = new Date().toISOString();
    await ctx.handle.db.insertInto('baseline_runs').values({ challenge_id: challenge.id, status: 'done', started_by: null, seed: 5, progress_json: '{}', record_json: JSON.stringify({ backend: 'wasm', seed: 5, createdAt: '2026-01-02T03:04:05.000Z' }), submission_id: b.id, started_at: now, heartbeat_at: now }).execute();
    const withRun = await getJson(org.agent, `/crowd/${SLUG}/compare/methods.json`);
    assert.deepEqual(withRun.methods.baseline, { submissionId: b.id, backend: 'wasm', seed: 5, trainedAt: '2026-01-02T03:04:05.000Z', outOfFold: true });

    // Paired differences: the reference crowd (live posterior: no job yet) minus each ML method.
    assert.deepEqual(view.known.differences.map((d: Json) => [d.a, d.b]), [['live_swap', 'baseline']]);
    assert.deepEqual(view.unknown.differences.map((d: Json) => [d.a, d.b]), [['live_swap', 'baseline'], ['live_swap', 'best ML']]);
    const accuracy = view.unknown.differences[1].lines.find((l: Json) => l.figure === 'accuracy');
    const crowdAccuracy = crowdUnknown.table.accuracy;
    assert.ok(Math.abs(accuracy.estimate - (crowdAccuracy - 1)) < 1e-12);
    assert.match(accuracy.text, /^crowd accuracy − best ML accuracy = (−\d\.\d\d|0\.00) \[/);

    const page = await org.agent.get(`/crowd/${SLUG}/compare`).expect(200);
    assert.match(page.text, /data-testid="source-unknown"/);
    assert.match(page.text, /data-testid="crowd-ml-disagreements"/);
    assert.match(page.text, /· unknown/, 'the forest plot has unknown-source rows');
    // One per table: live_swap and baseline on known sources, live_swap, baseline and best ML on test rows.
    assert.equal((page.text.match(/class="plot heatmap"/g) ?? []).length, 5, 'a heatmap per table');
    assert.match(page.text, /crowd XRB recall − baseline XRB recall &#x3D; /); // Handlebars escapes "="
    assert.match(page.text, /data-testid="export-disagreements-csv"/);
  });

  it('shows participants nothing scored on the test rows while the challenge is open: page, JSON, CSV and API', async () => {
    const secrets = unknown.map((s) => s.external_id);
    const page = await participant.get(`/crowd/${SLUG}/compare`).expect(200);
    for (const marker of ['data-testid="source-unknown"', 'crowd-ml-disagreements', '· unknown', 'data-testid="summary"', 'export-disagreements']) assert.ok(!page.text.includes(marker), marker);
    for (const name of secrets) assert.ok(!page.text.includes(name), name);
    assert.match(page.text, /data-testid="source-known"/);
    assert.match(page.text, /They are not shown to you yet/);

    const view = await getJson(participant, `/crowd/${SLUG}/compare`);
    assert.equal(view.unknown, null);
    assert.equal(view.solution, null);
    assert.equal(view.methods.best, null);
    assert.equal(view.methods.votesPerSubject.unknown, null);
    for (const name of secrets) assert.ok(!JSON.stringify(view).includes(name));
    // Which entry is best comes from the board as organizers see it: not named either.
    assert.ok(!JSON.stringify(view).includes(`"submissionId":${bestId}`));

    for (const panel of ['summary', 'tables', 'intervals', 'differences', 'methods']) {
      const csv = await participant.get(`/crowd/${SLUG}/compare/${panel}.csv`).expect(200).expect('Content-Type', /text\/csv/);
      assert.ok(!/^unknown,/m.test(csv.text), `${panel}.csv has unknown-source rows`);
      const json = await getJson(participant, `/crowd/${SLUG}/compare/${panel}.json`);
      assert.ok(!/"source":"unknown"|"unknown":\{/.test(JSON.stringify(json)), `${panel}.json has unknown-source rows`);
    }
    const tables = await participant.get(`/crowd/${SLUG}/compare/tables.csv`).expect(200);
    assert.match(tables.text, /^source,method,predicted,AGN,Star,XRB,CV,Other,total,precision$/m);
    assert.match(tables.text, /^known,live_swap,AGN,\d+,\d+,\d+,\d+,\d+,\d+,/m);
    const denied = await participant.get(`/crowd/${SLUG}/compare/disagreements.csv`).expect(403);
    assert.match(denied.text, /hidden solution/);
    await participant.get(`/crowd/${SLUG}/compare/disagreements.json`).set('Accept', 'application/json').expect(403);

    const api = request(ctx.app);
    const apiTables = (await api.get(`/api/v1/crowd/${SLUG}/compare/tables`).set('Authorization', `Bearer ${participantToken}`).expect(200)).body;
    assert.deepEqual([...new Set(apiTables.tables.map((t: Json) => t.source))], ['known']);
    const denial = await api.get(`/api/v1/crowd/${SLUG}/compare/disagreements`).set('Authorization', `Bearer ${participantToken}`).expect(403);
    assert.equal(denial.body.error.code, 'hidden_until_close');
  });

  it('gives organizers every panel in the exports and the API', async () => {
    const differences = await org.agent.get(`/crowd/${SLUG}/compare/differences.csv`).expect(200);
    assert.match(differences.text, /^unknown,live_swap,best ML,accuracy,,/m);
    const disagreements = await org.agent.get(`/crowd/${SLUG}/compare/disagreements.csv`).expect(200);
    assert.match(disagreements.text, /^subject_id,name,crowd,ml,truth,right,crowd_confidence,votes$/m);
    const view = await getJson(org.agent, `/crowd/${SLUG}/compare`);
    assert.equal(disagreements.text.trim().split('\n').length - 1, view.solution.agreement.disagreements.length);
    const summary = await getJson(org.agent, `/crowd/${SLUG}/compare/summary.json`);
    assert.deepEqual([...new Set(summary.summary.map((r: Json) => r.source))], ['known', 'unknown']);
  });

  it('shows everyone the test-row results once the private leaderboard is revealed', async () => {
    await ctx.handle.db.updateTable('challenges').set({ closes_at: new Date(Date.now() - 60_000).toISOString() }).where('id', '=', challenge.id).execute();
    const view = await getJson(participant, `/crowd/${SLUG}/compare`);
    assert.equal(view.hiddenShown, true);
    assert.deepEqual(tableOf(view.unknown, 'live_swap').table.counts, expectedCrowd(unknown).counts);
    const page = await request(ctx.app).get(`/crowd/${SLUG}/compare`).expect(200);
    assert.match(page.text, /data-testid="source-unknown"/);
    assert.match(page.text, /data-testid="crowd-ml-disagreements"/);
    await participant.get(`/crowd/${SLUG}/compare/disagreements.csv`).expect(200);
    await request(ctx.app).get(`/api/v1/crowd/${SLUG}/compare/disagreements`).expect(200);
  });

  it('names the panels when asked for one that does not exist', async () => {
    const res = await participant.get(`/crowd/${SLUG}/compare/nope.csv`).set('Accept', 'application/json').expect(404);
    assert.match(res.body.error.message, /summary, tables, intervals, differences, calibration, ams, disagreements, methods/);
    await participant.get(`/crowd/${SLUG}/compare/tables.xlsx`).set('Accept', 'application/json').expect(404);
    const api = await request(ctx.app).get(`/api/v1/crowd/${SLUG}/compare/nope`).expect(400);
    assert.match(JSON.stringify(api.body), /must be a comparison panel/);
  });
});
