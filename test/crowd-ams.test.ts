import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createTestContext, signedInAgent, waitForTerminal, type TestContext } from './helpers.js';
import { NO_TRAINING_GATE, organizerAgent, runConsensusJob, serve, setPromotion, vote, type Agent } from './crowd-helpers.js';
import { repoRoot } from '../src/paths.js';
import { importChallengeFolder, loadChallengeSolution } from '../src/challenges/service.js';
import { findChallengeBySlug, type Challenge } from '../src/challenges/repo.js';
import { createWorkflowForSlug } from '../src/crowd/setup.js';
import { ensureBaselineUser } from '../src/baseline/service.js';
import { accept } from '../src/submissions/service.js';
import { createApiToken } from '../src/accounts/tokens.js';
import { amsScore } from '../scorers/ams.js';
import { USAGE } from '../scorers/types.js';
import { fileKeyIn } from '../src/storage/index.js';

/*
 * A hand-built AMS challenge: 40 test events (16 Public, 24 Private, one in three signal) and 80
 * training events, of which the crowd gets 2 gold per class and 14 known sources per class (the
 * rest are set apart by the evaluation split). Three volunteers of known skill (their confusion
 * counts are set) classify every live subject, except that the third stops after 45 votes, so some
 * events keep two votes, fewer than the minimum of 3, and are left out. The panel's figures must equal
 * an independent computation with scorers/ams.ts on the same events.
 */
const SLUG = 'ams-mini';
const OPTS = { Ns: 50, Nb: 5000, bReg: 10 };
const MIN_VOTES = 3;
const N_TEST = 40;
const N_TRAIN = 80;
const testId = (i: number) => String(200000 + i);
const trainId = (i: number) => String(100000 + i);
const testSignal = (i: number) => i % 3 === 0;
const trainSignal = (i: number) => i % 2 === 0;
const weightOf = (signal: boolean, i: number) => (signal ? 0.02 + 0.001 * (i % 7) : 1 + 0.25 * (i % 5));
const usageOf = (i: number) => (i % 5 < 2 ? 'Public' : 'Private');
const frac = (x: number) => x - Math.floor(x);
/** Each volunteer's answer: the truth, flipped where a fixed pattern of the id says so. */
const flips: Record<string, (id: number) => boolean> = { a: (id) => id % 5 === 0, b: (id) => id % 3 === 1, c: (id) => id % 2 === 0 };
/** Confusion counts (rows: true b, s; columns: answer b, s), so each vote moves the posterior by a known factor. */
const confusion: Record<string, number[]> = { a: [9, 1, 1, 9], b: [6, 2, 2, 6], c: [3, 2, 2, 3] };

function writeChallenge(dir: string, closesAt: string) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'challenge.yaml'),
    [
      `slug: ${SLUG}`,
      'title: Tiny AMS',
      'description: |',
      '  ## The task',
      '',
      '  Select signal events. A fixture for the crowd AMS panel.',
      'id_column: EventId',
      'target_column: Label',
      'weight_column: Weight',
      'classes: [b, s]',
      'format: higgsml',
      'metric: ams',
      'metric_options:',
      '  positive_class: s',
      `  Ns: ${OPTS.Ns}`,
      `  Nb: ${OPTS.Nb}`,
      `  b_reg: ${OPTS.bReg}`,
      'higher_is_better: true',
      'opens_at: 2025-01-01T00:00:00Z',
      `closes_at: ${closesAt}`,
      'daily_limit: 50',
      'final_selections: 2',
      'citation: Made up for test/crowd-ams.test.ts.',
      '',
    ].join('\n'),
  );
  const features = (i: number) => `${(100 + frac(i * 0.37) * 60).toFixed(2)},${(20 + frac(i * 0.71) * 40).toFixed(2)}`;
  fs.writeFileSync(path.join(dir, 'train.csv'), ['EventId,DER_mass_MMC,PRI_tau_pt,Weight,Label', ...Array.from({ length: N_TRAIN }, (_, i) => `${trainId(i)},${features(i)},${weightOf(trainSignal(i), i)},${trainSignal(i) ? 's' : 'b'}`)].join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'test.csv'), ['EventId,DER_mass_MMC,PRI_tau_pt', ...Array.from({ length: N_TEST }, (_, i) => `${testId(i)},${features(i + 500)}`)].join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'solution.csv'), solutionCsv(() => false));
}

/** The solution, with the labels of the rows `flip` names inverted. */
const solutionCsv = (flip: (i: number) => boolean) =>
  ['EventId,Label,Weight,Usage', ...Array.from({ length: N_TEST }, (_, i) => `${testId(i)},${testSignal(i) !== flip(i) ? 's' : 'b'},${weightOf(testSignal(i), i)},${usageOf(i)}`)].join('\n') + '\n';

/** A HiggsML submission ranking events by truth plus noise of the given strength; the top 40% selected. */
function submission(noise: number): { csv: Buffer; selected: Set<string> } {
  const score = Array.from({ length: N_TEST }, (_, i) => (testSignal(i) ? 0.5 : 0) + frac(i * 0.618 + noise) * noise);
  const order = score.map((_, i) => i).sort((a, b) => score[a] - score[b] || a - b);
  const rank = new Array<number>(N_TEST);
  order.forEach((i, r) => (rank[i] = r + 1));
  const selected = new Set(order.slice(Math.round(N_TEST * 0.6)).map(testId));
  const lines = Array.from({ length: N_TEST }, (_, i) => `${testId(i)},${rank[i]},${selected.has(testId(i)) ? 's' : 'b'}`);
  return { csv: Buffer.from(`EventId,RankOrder,Class\n${lines.join('\n')}\n`), selected };
}

const close = (actual: number | null, expected: number, what: string) => assert.ok(actual !== null && Math.abs(actual - expected) < 1e-9, `${what}: ${actual} ≠ ${expected}`);

interface PanelMethod { name: string; kind: string; submissionId: number | null; ams: { estimate: number | null; lo: number | null; hi: number | null }; s: number; b: number; selected: number }
interface Panel {
  events: number;
  knownSources: number;
  threshold: { threshold: number; ams: number; selected: number; gold: number } | null;
  simulated: unknown;
  reference: { aggregator: string };
  subsets: Array<{ subset: string; events: number; methods: PanelMethod[]; differences: unknown[]; curves: Array<{ method: string; points: unknown[] }> }>;
}

describe('crowd AMS next to ML AMS on the comparison page', function () {
  let ctx: TestContext;
  let challenge: Challenge;
  let workflowId: number;
  let org: { agent: Agent; csrf: string };
  let folder: string;
  const ml: Record<'baseline' | 'best', { id: number; selected: Set<string> }> = {} as never;
  const env = { CROWD_VOTES_PER_MINUTE_USER: '100000', CROWD_VOTES_PER_MINUTE_IP: '100000', CROWD_SERVES_PER_MINUTE_IP: '100000', CROWD_MIN_VOTE_MS: '0', CROWD_MIN_CONSENSUS_VOTES: String(MIN_VOTES) };
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));

  /** Serves and answers live subjects until none is left (or `limit` votes); answers by the volunteer's flip rule. */
  async function classify(email: string, who: string, limit = Infinity) {
    const { agent, csrf } = await signedInAgent(ctx.app, email);
    const user = await ctx.handle.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow();
    const truth = await truthByName();
    let votes = 0;
    while (votes < limit) {
      const s = await serve(agent, SLUG);
      if (!s.subject || s.training) break;
      if (votes === 0 && confusion[who]) await ctx.handle.db.updateTable('crowd_volunteers').set({ confusion_json: JSON.stringify(confusion[who]) }).where('workflow_id', '=', workflowId).where('user_id', '=', user.id).execute();
      // The page names a HiggsML event "Subject n" (its EventId would tell training from test events): the test reads it from the database.
      const { external_id: eventId } = await ctx.handle.db.selectFrom('crowd_subjects').select('external_id').where('id', '=', s.subject.id).executeTakeFirstOrThrow();
      const signal = truth.get(eventId)!;
      const answer = flips[who](Number(eventId)) ? !signal : signal;
      await vote(agent, csrf, s.token, answer ? 's' : 'b', SLUG).expect(201);
      votes++;
    }
    return { userId: user.id, votes };
  }

  async function truthByName(): Promise<Map<string, boolean>> {
    const truth = new Map<string, boolean>();
    for (let i = 0; i < N_TEST; i++) truth.set(testId(i), testSignal(i));
    for (let i = 0; i < N_TRAIN; i++) truth.set(trainId(i), trainSignal(i));
    return truth;
  }

  async function submitAs(email: string, csv: Buffer): Promise<number> {
    const { agent, csrf } = await signedInAgent(ctx.app, email);
    const res = await agent.post(`/challenges/${SLUG}/submissions?_csrf=${csrf}`).set('Accept', 'application/json').attach('file', csv, 'predictions.csv').expect(202);
    const row = await waitForTerminal(ctx.handle, res.body.submission.id);
    assert.equal(row.status, 'scored', row.error ?? '');
    return row.id;
  }

  /**
   * The figures computed here from the database and the files, independently of src/crowd/compare:
   * the threshold by trying every known-source posterior, then amsScore on the chosen events.
   */
  async function byHand(aggregator: 'live_swap' | 'dawid_skene') {
    const subjects = await ctx.handle.db.selectFrom('crowd_subjects').select(['id', 'external_id', 'gold_class', 'vote_count', 'posterior_json']).where('workflow_id', '=', workflowId).where('is_gold', '=', 0).execute();
    const ds = await ctx.handle.db.selectFrom('crowd_consensus').select(['subject_id', 'posterior_json', 'n_votes']).where('workflow_id', '=', workflowId).where('aggregator', '=', 'dawid_skene').execute();
    const dsOf = new Map(ds.map((d) => [d.subject_id, d]));
    const consensus = (s: (typeof subjects)[number]) => {
      if (aggregator === 'live_swap') return s.vote_count > 0 ? { p: (JSON.parse(s.posterior_json) as number[])[1], votes: s.vote_count } : null;
      const d = dsOf.get(s.id);
      return d ? { p: (JSON.parse(d.posterior_json) as number[])[1], votes: d.n_votes } : null;
    };
    const train = new Map(Array.from({ length: N_TRAIN }, (_, i) => [trainId(i), weightOf(trainSignal(i), i)]));
    const known = subjects.flatMap((s) => {
      const c = consensus(s);
      return s.gold_class !== null && c && c.votes >= MIN_VOTES ? [{ p: c.p, signal: s.gold_class === 1, w: train.get(s.external_id)! }] : [];
    });
    // Every candidate threshold on the known sources, at least 10 selected; the best AMS, the smaller threshold on a tie.
    const truthK = Int32Array.from(known, (k) => (k.signal ? 1 : 0));
    const weightK = Float64Array.from(known, (k) => k.w);
    let best: { threshold: number; ams: number; selected: number } | null = null;
    for (const t of [...new Set(known.map((k) => k.p))].sort((a, b) => b - a)) {
      const pred = Int32Array.from(known, (k) => (k.p >= t ? 1 : 0));
      const selected = pred.reduce((n, v) => n + v, 0);
      if (selected < 10) continue;
      const r = amsScore(truthK, pred, weightK, 1, undefined, OPTS);
      if (!best || r.ams >= best.ams) best = { threshold: t, ams: r.ams, selected };
    }
    assert.ok(best, 'the fixture gives a threshold');

    const solution = await loadChallengeSolution(ctx.storage, challenge);
    const s = solution.classes.indexOf('s');
    const b = solution.classes.indexOf('b');
    const event = new Uint8Array(solution.ids.length);
    const crowdPred = new Int32Array(solution.ids.length).fill(b);
    for (const sub of subjects) {
      const c = consensus(sub);
      if (sub.gold_class !== null || !c || c.votes < MIN_VOTES) continue;
      const row = solution.index.get(sub.external_id)!;
      event[row] = 1;
      if (c.p >= best.threshold) crowdPred[row] = s;
    }
    const mlPred = (selected: Set<string>) => Int32Array.from(solution.ids, (id) => (selected.has(id) ? s : b));
    const subsets = Object.fromEntries(
      (['public', 'private'] as const).map((subset) => {
        const mask = Uint8Array.from(event, (e, i) => (e && solution.usage[i] === (subset === 'public' ? USAGE.Public : USAGE.Private) ? 1 : 0));
        const score = (pred: Int32Array) => amsScore(solution.label, pred, solution.weight, s, mask, OPTS);
        return [subset, { events: mask.reduce((n, v) => n + v, 0), crowd: score(crowdPred), baseline: score(mlPred(ml.baseline.selected)), best: score(mlPred(ml.best.selected)) }];
      }),
    );
    return { threshold: best, known: known.length, events: event.reduce((n, v) => n + v, 0), subsets };
  }

  async function panelOf(agent: Agent | request.Agent = org.agent): Promise<Panel> {
    return (await agent.get(`/crowd/${SLUG}/compare/ams.json`).expect(200)).body.ams as Panel;
  }

  /** The panel agrees with the hand computation: threshold, events, and every method's AMS, s, b and selection per subset. */
  function assertMatches(panel: Panel, hand: Awaited<ReturnType<typeof byHand>>) {
    assert.ok(panel.threshold);
    assert.equal(panel.threshold.threshold, hand.threshold.threshold);
    close(panel.threshold.ams, hand.threshold.ams, 'AMS on the known sources');
    assert.equal(panel.threshold.selected, hand.threshold.selected);
    assert.equal(panel.knownSources, hand.known);
    assert.equal(panel.events, hand.events);
    assert.deepEqual(panel.subsets.map((x) => x.subset), ['public', 'private']);
    for (const sub of panel.subsets) {
      const h = hand.subsets[sub.subset as 'public' | 'private'];
      assert.equal(sub.events, h.events);
      assert.deepEqual(sub.methods.map((m) => [m.kind, m.submissionId]), [['crowd', null], ['baseline', ml.baseline.id], ['ml', ml.best.id]]);
      for (const [m, expected] of [[sub.methods[0], h.crowd], [sub.methods[1], h.baseline], [sub.methods[2], h.best]] as const) {
        close(m.ams.estimate, expected.ams, `${sub.subset} ${m.name} AMS`);
        close(m.s, expected.s, `${sub.subset} ${m.name} s`);
        close(m.b, expected.b, `${sub.subset} ${m.name} b`);
        assert.equal(m.selected, expected.selected, `${sub.subset} ${m.name} selected`);
        assert.ok(m.ams.lo !== null && m.ams.hi !== null && m.ams.lo <= m.ams.hi, `${sub.subset} ${m.name} interval`);
      }
      assert.equal(sub.differences.length, 2);
      assert.deepEqual(sub.curves.map((c) => [c.method, c.points.length]), [[sub.methods[0].name, 51], ['baseline', 51], ['best ML', 51]]);
    }
  }

  before(async function () {
    this.timeout(120_000);
    Object.assign(process.env, env);
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'sift-ams-'));
    writeChallenge(folder, new Date(Date.now() + 30 * 86_400_000).toISOString());
    ctx = await createTestContext();
    await importChallengeFolder(ctx.handle.db, ctx.storage, folder);
    challenge = (await findChallengeBySlug(ctx.handle.db, SLUG))!;
    workflowId = await createWorkflowForSlug(ctx.handle, ctx.storage, SLUG, { goldPerClass: 2, knownPerClass: 14, trainingChances: [0], retireCount: 10 });
    // Volunteers go straight to live events: this test is about the selection, not training.
    await setPromotion(ctx, workflowId, NO_TRAINING_GATE);
    org = await organizerAgent(ctx, 'org@example.org', SLUG);

    const base = await ensureBaselineUser(ctx.handle.db);
    const baseline = submission(0.9);
    const tmpPath = path.join(os.tmpdir(), `sift-test-ams-baseline-${process.pid}.csv`);
    fs.writeFileSync(tmpPath, baseline.csv);
    const b = await accept(ctx.handle, ctx.storage, challenge, base.id, { tmpPath, originalName: 'baseline.csv', size: fs.statSync(tmpPath).size }, 'baseline (test stand-in)', { isBaseline: true });
    assert.equal((await waitForTerminal(ctx.handle, b.id)).status, 'scored');
    ml.baseline = { id: b.id, selected: baseline.selected };
    const best = submission(0.3);
    ml.best = { id: await submitAs('ml@example.org', best.csv), selected: best.selected };

    const live = await ctx.handle.db.selectFrom('crowd_subjects').select(['gold_class']).where('workflow_id', '=', workflowId).where('is_gold', '=', 0).execute();
    assert.equal(live.filter((s) => s.gold_class === null).length, N_TEST);
    assert.equal(live.filter((s) => s.gold_class !== null).length, 28, 'known sources');
    const total = N_TEST + 28;
    assert.equal((await classify('a@example.org', 'a')).votes, total);
    assert.equal((await classify('b@example.org', 'b')).votes, total);
    assert.equal((await classify('c@example.org', 'c', 45)).votes, 45);
  });
  after(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await ctx?.close();
    if (folder) fs.rmSync(folder, { recursive: true, force: true });
  });

  it('gives the crowd, baseline and best entry the AMS a hand computation gives on the same events', async () => {
    const hand = await byHand('live_swap');
    assert.ok(hand.events > 0 && hand.events < N_TEST, `some events have too few votes (${hand.events} of ${N_TEST} scored)`);
    const panel = await panelOf();
    assert.equal(panel.reference.aggregator, 'live_swap');
    assert.equal(panel.simulated, null);
    assertMatches(panel, hand);

    const page = (await org.agent.get(`/crowd/${SLUG}/compare`).expect(200)).text;
    assert.match(page, /data-testid="ams"/);
    assert.match(page, new RegExp(`data-testid="ams-events-count">${hand.events}<`));
    assert.match(page, new RegExp(`data-testid="ams-threshold-value">${hand.threshold.threshold.toFixed(3)}<`));
    assert.match(page, new RegExp(`data-testid="ams-threshold-ams">${hand.threshold.ams.toFixed(2)}<`));
    assert.match(page, new RegExp(`data-testid="ams-value">${hand.subsets.private.crowd.ams.toFixed(2)} `));
    assert.match(page, /data-testid="ams-curves-public"/);
    assert.match(page, /data-testid="ams-curves-private"/);
    assert.match(page, /data-testid="export-ams-csv"/);
    assert.doesNotMatch(page, /data-testid="ams-simulated"/);

    const csv = (await org.agent.get(`/crowd/${SLUG}/compare/ams.csv`).expect(200)).text.trim().split('\n');
    assert.equal(csv[0], 'subset,method,kind,submission_id,events,selected,s,b,ams,ams_lo,ams_hi,usable_resamples,threshold');
    const crowdPrivate = csv.find((l) => l.startsWith('private,crowd,crowd,'))!.split(',');
    close(Number(crowdPrivate[8]), hand.subsets.private.crowd.ams, 'CSV crowd private AMS');
    assert.equal(Number(crowdPrivate[12]), hand.threshold.threshold);
    assert.ok(csv.some((l) => l.startsWith('known sources,crowd threshold,')));
  });

  it('chooses the threshold on known sources alone: test labels do not move it, known-source labels do', async () => {
    const before = await panelOf();
    const solutionKey = fileKeyIn(challenge.folder_key, challenge.solution_file);
    const original = Buffer.concat(await (await ctx.storage.get(solutionKey)).toArray());
    // Stored again, then dated apart on this machine's copy: a new version however fast the test runs.
    const replace = async (bytes: Buffer | string, seconds: number) => {
      await ctx.storage.put(solutionKey, Buffer.from(bytes));
      const file = await ctx.storage.localPath(solutionKey);
      fs.utimesSync(file, new Date(), new Date(Date.now() + seconds * 1000));
    };
    try {
      // Every test label inverted (weights and Usage kept).
      await replace(solutionCsv(() => true), 5);
      const flipped = await panelOf();
      assert.deepEqual(flipped.threshold, before.threshold);
      assert.notEqual(flipped.subsets[1].methods[0].ams.estimate, before.subsets[1].methods[0].ams.estimate, 'the crowd AMS does use the test labels');
      assertMatches(flipped, await byHand('live_swap'));
    } finally {
      await replace(original, 10);
    }
    assert.deepEqual(await panelOf(), before);

    // The known sources' labels inverted: the threshold is chosen anew, as the hand computation does.
    const known = await ctx.handle.db.selectFrom('crowd_subjects').select(['id', 'gold_class']).where('workflow_id', '=', workflowId).where('is_gold', '=', 0).where('gold_class', 'is not', null).execute();
    const invert = async () => {
      for (const k of known) await ctx.handle.db.updateTable('crowd_subjects').set({ gold_class: 1 - k.gold_class! }).where('id', '=', k.id).execute();
    };
    await invert();
    try {
      const moved = await panelOf();
      assert.notDeepEqual(moved.threshold, before.threshold);
      assertMatches(moved, await byHand('live_swap'));
    } finally {
      for (const k of known) await ctx.handle.db.updateTable('crowd_subjects').set({ gold_class: k.gold_class }).where('id', '=', k.id).execute();
    }
    assert.deepEqual(await panelOf(), before);
  });

  it('recomputes after a new vote and after the consensus job (the cache is keyed by the data)', async () => {
    const before = await panelOf();
    // A fourth volunteer, as skilled as the first, gives the events with two votes their third.
    const d = await classify('d@example.org', 'a');
    assert.ok(d.votes > 0);
    const after = await panelOf();
    assert.ok(after.events > before.events, `${after.events} events scored after the new votes, ${before.events} before`);
    assertMatches(after, await byHand('live_swap'));

    await runConsensusJob(ctx, org, SLUG);
    const batch = await panelOf();
    assert.equal(batch.reference.aggregator, 'dawid_skene');
    assertMatches(batch, await byHand('dawid_skene'));
  });

  it('says so when the votes come from simulated volunteers', async () => {
    await ctx.handle.db.updateTable('users').set({ simulated: 'careless' }).where('email', '=', 'c@example.org').execute();
    try {
      const panel = await panelOf();
      assert.ok(panel.simulated);
      assert.equal(panel.subsets[0].methods[0].name, 'crowd (simulated)');
      const page = (await org.agent.get(`/crowd/${SLUG}/compare`).expect(200)).text;
      assert.match(page, /data-testid="ams-simulated"/);
      assert.match(page, /crowd \(simulated\)/);
    } finally {
      await ctx.handle.db.updateTable('users').set({ simulated: null }).where('email', '=', 'c@example.org').execute();
    }
  });

  it('shows a participant no AMS figure before the close, anywhere, and everyone after the reveal', async () => {
    const panel = await panelOf();
    const secrets = [panel.threshold!.threshold.toFixed(3), String(panel.threshold!.threshold), String(panel.subsets[1].methods[0].ams.estimate)];
    const { agent } = await signedInAgent(ctx.app, 'nosy@example.org');
    const nosy = await ctx.handle.db.selectFrom('users').select('id').where('email', '=', 'nosy@example.org').executeTakeFirstOrThrow();
    const token = (await createApiToken(ctx.handle.db, nosy.id, { name: 'ams' })).token;
    const bodies: string[] = [];
    const page = await agent.get(`/crowd/${SLUG}/compare`).expect(200);
    bodies.push(page.text);
    assert.doesNotMatch(page.text, /data-testid="ams/);
    assert.doesNotMatch(page.text, /export-ams/);
    const json = await agent.get(`/crowd/${SLUG}/compare`).set('Accept', 'application/json').expect(200);
    assert.deepEqual(json.body.ams, { scoredByAms: true, panel: null });
    bodies.push(json.text);
    for (const file of ['ams.json', 'ams.csv']) {
      const res = await agent.get(`/crowd/${SLUG}/compare/${file}`).expect(403);
      assert.match(res.text, /hidden_until_close|hidden solution/);
      bodies.push(res.text);
    }
    const api = await request(ctx.app).get(`/api/v1/crowd/${SLUG}/compare/ams`).set('Authorization', `Bearer ${token}`).expect(403);
    bodies.push(api.text);
    bodies.push((await request(ctx.app).get(`/api/v1/crowd/${SLUG}/compare/ams`).expect(403)).text);
    for (const panelName of ['summary', 'methods', 'calibration']) bodies.push((await agent.get(`/crowd/${SLUG}/compare/${panelName}.json`).expect(200)).text);
    for (const body of bodies) for (const secret of secrets) assert.ok(!body.includes(secret), `a participant's response holds ${secret}`);

    await ctx.handle.db.updateTable('challenges').set({ closes_at: new Date(Date.now() - 60_000).toISOString() }).where('id', '=', challenge.id).execute();
    try {
      const revealed = await panelOf(agent);
      assert.equal(revealed.threshold!.threshold, panel.threshold!.threshold);
      assert.match((await agent.get(`/crowd/${SLUG}/compare`).expect(200)).text, /data-testid="ams"/);
      const anonymous = (await request(ctx.app).get(`/api/v1/crowd/${SLUG}/compare/ams`).expect(200)).body.ams as Panel;
      assert.equal(anonymous.events, panel.events);
    } finally {
      await ctx.handle.db.updateTable('challenges').set({ closes_at: new Date(Date.now() + 86_400_000).toISOString() }).where('id', '=', challenge.id).execute();
    }
  });

  it('has no AMS panel for a challenge scored by another metric: none on the page, 404 for its export and API', async () => {
    await importChallengeFolder(ctx.handle.db, ctx.storage, path.join(repoRoot, 'datasets', 'xmm-sources'));
    await createWorkflowForSlug(ctx.handle, ctx.storage, 'xmm-sources', { maxLive: 5, goldPerClass: 2, knownPerClass: 0 });
    const xmmOrg = await organizerAgent(ctx, 'xmm-org@example.org', 'xmm-sources');
    const page = (await xmmOrg.agent.get('/crowd/xmm-sources/compare').expect(200)).text;
    assert.doesNotMatch(page, /data-testid="ams/);
    assert.doesNotMatch(page, /export-ams/);
    assert.match(page, /data-testid="export-disagreements-csv"/, 'the organizer sees the hidden panels');
    for (const file of ['ams.json', 'ams.csv']) {
      const res = await xmmOrg.agent.get(`/crowd/xmm-sources/compare/${file}`).expect(404);
      assert.match(res.text, /only for challenges scored by AMS/);
    }
    const { agent } = await signedInAgent(ctx.app, 'xmm-participant@example.org');
    assert.match((await agent.get('/crowd/xmm-sources/compare/ams.json').expect(404)).text, /only for challenges scored by AMS/);
    assert.match((await request(ctx.app).get('/api/v1/crowd/xmm-sources/compare/ams').expect(404)).text, /only for challenges scored by AMS/);
    assert.deepEqual((await xmmOrg.agent.get('/crowd/xmm-sources/compare').set('Accept', 'application/json').expect(200)).body.ams, { scoredByAms: false });
  });
});
