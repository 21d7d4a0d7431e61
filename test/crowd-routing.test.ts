import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { datasetFile, signedInAgent, waitForTerminal } from './helpers.js';
import { crowdContext, organizerAgent, serve, vote } from './crowd-helpers.js';
import { accept } from '../src/submissions/service.js';
import { findChallengeBySlug } from '../src/challenges/repo.js';
import { signUp } from '../src/accounts/service.js';
import { workflowById } from '../src/crowd/repo.js';
import { anonVoter, serveNext } from '../src/crowd/service.js';
import { tokenSecret } from '../src/crowd/token.js';
import { ROUTE_AMONG, normalisedEntropy } from '../src/crowd/routing.js';
import { refreshRoutingAfterScoring, setSubjectEntropy } from '../src/crowd/routing-entropy.js';
import { loadCrowdConfig } from '../src/crowd/config.js';
import { simulateCrowdVotes } from '../src/crowd/simulate/service.js';
import { seededRandom } from '../src/seeded-random.js';

type Ctx = Awaited<ReturnType<typeof crowdContext>>;
const CLASSES = ['AGN', 'Star', 'XRB', 'CV', 'Other'];

const liveSubjects = (ctx: Ctx) =>
  ctx.handle.db.selectFrom('crowd_subjects').select(['id', 'external_id', 'gold_class', 'entropy', 'vote_count']).where('workflow_id', '=', ctx.workflowId).where('is_gold', '=', 0).orderBy('id').execute();
const testRows = async (ctx: Ctx) => (await liveSubjects(ctx)).filter((s) => s.gold_class === null);
const setEntropy = (ctx: Ctx, id: number, entropy: number | null) => ctx.handle.db.updateTable('crowd_subjects').set({ entropy }).where('id', '=', id).execute();

/** Probabilities mixing a sure prediction with the uniform one: t = 0 gives entropy 0, t = 1 entropy 1, increasing between. */
const mixed = (t: number) => CLASSES.map((_, i) => (1 - t) * (i === 0 ? 1 : 0) + t / CLASSES.length);

/** Serves one subject to each of n fresh anonymous voters (nothing stored), with a seeded draw; how often each subject came, and whether routed. */
async function probe(ctx: Ctx, n: number, seed: number) {
  const wf = (await workflowById(ctx.handle.db, ctx.workflowId))!;
  const secret = await tokenSecret(ctx.handle.db);
  const rand = seededRandom(seed);
  const counts = new Map<number, number>();
  let routed = 0;
  for (let i = 0; i < n; i++) {
    const s = (await serveNext(ctx.handle, wf, anonVoter(`probe-${seed}-${i}-xxxxxxxx`), secret, { reserveMinutes: 30, store: false, rand }))!;
    counts.set(s.subject.id, (counts.get(s.subject.id) ?? 0) + 1);
    if (s.routed) routed++;
  }
  return { counts, routed };
}

/** Pearson's chi-square of observed counts against expected probabilities (by key). */
function chiSquare(counts: Map<number, number>, expected: Map<number, number>, n: number): number {
  let x2 = 0;
  for (const [id, p] of expected) x2 += ((counts.get(id) ?? 0) - n * p) ** 2 / (n * p);
  return x2;
}
// Upper 0.1% points of chi-square: 7 and 3 degrees of freedom.
const CHI2_7 = 24.32;
const CHI2_3 = 16.27;

describe('crowd routing: entropy routing with a random share', function () {
  this.timeout(120_000);

  describe('randomShare 0', () => {
    let ctx: Ctx;
    before(async () => {
      ctx = await crowdContext({ routing: 'entropy', randomShare: 0, trainingChances: [0], maxLive: 40, knownPerClass: 2 });
    });
    after(async () => ctx.close());

    it('stores the normalised entropy of each test row from the probabilities, none for known sources or rows without any', async () => {
      const rows = await testRows(ctx);
      assert.equal(rows.length, 40);
      // Before any baseline nothing has an entropy: every serve follows the retirement rule.
      assert.equal((await probe(ctx, 20, 1)).routed, 0);
      // A seeded shuffle of doubts, and one row the baseline has no prediction for.
      const rand = seededRandom(3);
      const ts = rows.map((_, i) => i / (rows.length - 1)).sort(() => rand() - 0.5);
      const proba = new Map(rows.slice(1).map((r, i) => [r.external_id, mixed(ts[i])]));
      assert.equal(await setSubjectEntropy(ctx.handle, (await workflowById(ctx.handle.db, ctx.workflowId))!, proba), 39);
      const after = await liveSubjects(ctx);
      const known = after.filter((s) => s.gold_class !== null);
      assert.ok(known.length >= 5, 'the workflow has known sources');
      assert.ok(known.every((s) => s.entropy === null));
      const byId = new Map(after.map((s) => [s.external_id, s.entropy]));
      assert.equal(byId.get(rows[0].external_id), null);
      for (const [name, p] of proba) assert.ok(Math.abs(byId.get(name)! - normalisedEntropy(p)!) < 1e-12, name);
      const gold = await ctx.handle.db.selectFrom('crowd_subjects').select('entropy').where('workflow_id', '=', ctx.workflowId).where('is_gold', '=', 1).execute();
      assert.ok(gold.length > 0 && gold.every((g) => g.entropy === null));
    });

    it('routes only to subjects with an entropy, each among the few most doubtful left; known sources wait for the random share', async () => {
      const wf = (await workflowById(ctx.handle.db, ctx.workflowId))!;
      const secret = await tokenSecret(ctx.handle.db);
      const rand = seededRandom(11);
      const voter = anonVoter('routing-voter-0000000001');
      const all = await liveSubjects(ctx);
      const unrouted = new Set(all.filter((s) => s.entropy === null).map((s) => s.id));
      assert.ok(unrouted.size >= 5, 'the workflow has known sources without an entropy');
      const ranked = all.filter((s) => s.entropy !== null).sort((a, b) => b.entropy! - a.entropy!).map((s) => s.id);
      const served: Array<{ id: number; routed: boolean }> = [];
      for (let i = 0; i < 12; i++) {
        // A reserve window of 0: each call serves a new subject, as if the previous one was answered.
        const s = (await serveNext(ctx.handle, wf, voter, secret, { reserveMinutes: 0, store: true, rand }))!;
        served.push({ id: s.subject.id, routed: s.routed });
      }
      assert.ok(served.every((s) => s.routed && !unrouted.has(s.id)));
      // The k-th routed serve is one of the ROUTE_AMONG most doubtful subjects not served yet, so within the top k + ROUTE_AMONG.
      served.forEach((s, k) => assert.ok(ranked.indexOf(s.id) < k + ROUTE_AMONG, `routed serve ${k} has entropy rank ${ranked.indexOf(s.id)}`));
      // The serve itself remembers the routing, so a reload hands back the same flag.
      const stored = await ctx.handle.db.selectFrom('crowd_serves').select(['subject_id', 'routed']).where('voter', '=', voter.key).execute();
      assert.equal(stored.length, 12);
      assert.ok(stored.every((s) => s.routed === 1));
      // Once every subject with an entropy is out of reach, the retirement rule serves the rest, unrouted.
      await ctx.handle.db.updateTable('crowd_subjects').set({ retired_at: new Date().toISOString() }).where('id', 'in', ranked).execute();
      const next = (await serveNext(ctx.handle, wf, voter, secret, { reserveMinutes: 0, store: true, rand }))!;
      assert.ok(unrouted.has(next.subject.id) && !next.routed);
      await ctx.handle.db.updateTable('crowd_subjects').set({ retired_at: null }).where('id', 'in', ranked).execute();
    });

    it('draws among the most doubtful in proportion to their entropy (seeded, chi-square)', async () => {
      const all = await liveSubjects(ctx);
      const known = all.filter((s) => s.gold_class !== null);
      await ctx.handle.db.updateTable('crowd_subjects').set({ retired_at: new Date().toISOString() }).where('id', 'in', known.map((s) => s.id)).execute();
      const rows = all.filter((s) => s.gold_class === null);
      const top = [0.95, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2, 0.15];
      for (const [i, r] of rows.entries()) await setEntropy(ctx, r.id, i < top.length ? top[i] : 0.1 * (i / rows.length));
      const n = 1200;
      const { counts, routed } = await probe(ctx, n, 5);
      assert.equal(routed, n);
      assert.deepEqual([...counts.keys()].every((id) => rows.slice(0, top.length).some((r) => r.id === id)), true, 'only the eight most doubtful are drawn');
      const sum = top.reduce((a, b) => a + b, 0);
      const proportional = new Map(rows.slice(0, top.length).map((r, i) => [r.id, top[i] / sum]));
      const uniform = new Map(rows.slice(0, top.length).map((r) => [r.id, 1 / top.length]));
      assert.ok(chiSquare(counts, proportional, n) < CHI2_7, `chi-square against proportional: ${chiSquare(counts, proportional, n)}`);
      assert.ok(chiSquare(counts, uniform, n) > CHI2_7, `chi-square against uniform: ${chiSquare(counts, uniform, n)}`);
    });
  });

  it('randomShare 1 serves as the retirement rule does: the most-voted unretired subjects, ties at random, the entropy ignored', async () => {
    const ctx = await crowdContext({ routing: 'entropy', randomShare: 1, trainingChances: [0], maxLive: 40 });
    try {
      const rows = await testRows(ctx);
      // The highest entropies on subjects nobody voted on; four subjects two votes from the start.
      for (const [i, r] of rows.entries()) await setEntropy(ctx, r.id, i / rows.length);
      const ahead = [rows[3].id, rows[10].id, rows[17].id, rows[25].id];
      await ctx.handle.db.updateTable('crowd_subjects').set({ vote_count: 2 }).where('id', 'in', ahead).execute();
      const n = 800;
      const uniform = new Map(ahead.map((id) => [id, 1 / ahead.length]));
      const entropyShareOne = await probe(ctx, n, 9);
      await ctx.handle.db.updateTable('crowd_workflows').set({ routing: 'retirement' }).where('id', '=', ctx.workflowId).execute();
      const retirement = await probe(ctx, n, 9);
      for (const { counts, routed } of [entropyShareOne, retirement]) {
        assert.equal(routed, 0);
        assert.deepEqual([...counts.keys()].sort(), [...ahead].sort());
        assert.ok(chiSquare(counts, uniform, n) < CHI2_3, `chi-square against uniform: ${chiSquare(counts, uniform, n)}`);
      }
      // A share in between routes about that share of the serves away from the retirement rule.
      await ctx.handle.db.updateTable('crowd_workflows').set({ routing: 'entropy', random_share: 0.25 }).where('id', '=', ctx.workflowId).execute();
      const quarter = await probe(ctx, n, 13);
      const sd = Math.sqrt(n * 0.75 * 0.25);
      assert.ok(Math.abs(quarter.routed - 0.75 * n) < 4 * sd, `${quarter.routed} routed of ${n}`);
    } finally {
      await ctx.close();
    }
  });

  describe('through the web', () => {
    let ctx: Ctx;
    let org: Awaited<ReturnType<typeof organizerAgent>>;
    before(async () => {
      ctx = await crowdContext({ routing: 'entropy', randomShare: 0, trainingChances: [0], maxLive: 12 });
      org = await organizerAgent(ctx);
    });
    after(async () => ctx.close());

    it('records on each vote whether routing chose its subject, and exports it', async () => {
      for (const [i, r] of (await testRows(ctx)).entries()) await setEntropy(ctx, r.id, (i + 1) / 20);
      const { agent, csrf } = await signedInAgent(ctx.app, 'routed@example.org');
      for (let i = 0; i < 2; i++) {
        const s = await serve(agent);
        // A reload serves the same subject with the same routing.
        assert.equal((await serve(agent)).subject!.id, s.subject!.id);
        await vote(agent, csrf, s.token, 'AGN').expect(201);
      }
      await org.agent.post('/crowd/xmm-sources/settings').set('Accept', 'application/json').set('X-CSRF-Token', org.csrf).send({ routing: 'retirement' }).expect(200);
      const s = await serve(agent);
      await vote(agent, csrf, s.token, 'Star').expect(201);
      const votes = await ctx.handle.db.selectFrom('crowd_votes').select(['id', 'routed']).where('workflow_id', '=', ctx.workflowId).orderBy('id').execute();
      assert.deepEqual(votes.map((v) => v.routed), [1, 1, 0]);
      const csv = await org.agent.get('/crowd/xmm-sources/export/classifications.csv').expect(200);
      const records = parse(csv.text, { columns: true }) as Array<Record<string, string>>;
      assert.deepEqual(records.map((r) => r.routed), ['1', '1', '0']);
    });

    it('takes the routing settings from the manage page, with a 400 naming each problem', async () => {
      const page = await org.agent.get('/crowd/xmm-sources/manage').expect(200);
      assert.match(page.text, /name="routing"/);
      assert.match(page.text, /name="randomShare"/);
      const bad = await org.agent.post('/crowd/xmm-sources/settings').set('Accept', 'application/json').set('X-CSRF-Token', org.csrf).send({ routing: 'smart', randomShare: '2' }).expect(400);
      assert.deepEqual([...bad.body.error.problems].sort(), ['random share: from 0 to 1', 'routing: retirement or entropy']);
      const ok = await org.agent.post('/crowd/xmm-sources/settings').set('Accept', 'application/json').set('X-CSRF-Token', org.csrf).send({ routing: 'entropy', randomShare: '0.3' }).expect(200);
      assert.equal(ok.body.workflow.routing, 'entropy');
      assert.equal(ok.body.workflow.randomShare, 0.3);
    });
  });

  it('follows a scored baseline submission, and the manage page refreshes from it', async () => {
    const ctx = await crowdContext({ routing: 'entropy', maxLive: 6 });
    try {
      const org = await organizerAgent(ctx);
      const refresh = () => org.agent.post('/crowd/xmm-sources/routing/refresh').set('Accept', 'application/json').set('X-CSRF-Token', org.csrf);
      assert.equal((await refresh().expect(409)).body.error.code, 'no_baseline');
      const live = await testRows(ctx);
      const names = zlib.gunzipSync(fs.readFileSync(datasetFile('xmm-sources', 'test.csv.gz'))).toString().trim().split('\n').slice(1).map((l) => l.split(',')[0]);
      const proba = (name: string) => mixed(((name.length * 7 + name.charCodeAt(name.length - 1)) % 10) / 10);
      const file = path.join(os.tmpdir(), `routing-baseline-${process.pid}.csv`);
      fs.writeFileSync(file, `name,Class,${CLASSES.map((c) => `proba_${c}`).join(',')}\n${names.map((n) => [n, 'AGN', ...proba(n)].join(',')).join('\n')}\n`);
      const c = (await findChallengeBySlug(ctx.handle.db, 'xmm-sources'))!;
      const bot = await signUp(ctx.handle.db, { email: 'baseline-routing@example.org', name: 'Baseline', password: 'correct horse battery' }, 'participant');
      const sub = await accept(ctx.handle, ctx.storage, c, bot.id, { tmpPath: file, originalName: 'baseline.csv', size: fs.statSync(file).size }, null, { isBaseline: true });
      assert.equal((await waitForTerminal(ctx.handle, sub.id)).status, 'scored');
      // The worker refreshes the entropies right after writing the score.
      for (let i = 0; i < 400 && (await testRows(ctx)).some((s) => s.entropy === null); i++) await new Promise((r) => setTimeout(r, 25));
      for (const s of await testRows(ctx)) assert.ok(Math.abs(s.entropy! - normalisedEntropy(proba(s.external_id))!) < 1e-9, s.external_id);
      await ctx.handle.db.updateTable('crowd_subjects').set({ entropy: null }).where('workflow_id', '=', ctx.workflowId).execute();
      assert.equal((await refresh().expect(200)).body.subjects, live.length);
      assert.ok((await testRows(ctx)).every((s) => s.entropy !== null));
    } finally {
      await ctx.close();
    }
  });

  it('a baseline without class probabilities leaves the routing alone, quietly (no warning, no entropy)', async () => {
    const ctx = await crowdContext({ routing: 'entropy', maxLive: 6 });
    try {
      const names = zlib.gunzipSync(fs.readFileSync(datasetFile('xmm-sources', 'test.csv.gz'))).toString().trim().split('\n').slice(1).map((l) => l.split(',')[0]);
      const file = path.join(os.tmpdir(), `routing-labels-only-${process.pid}.csv`);
      fs.writeFileSync(file, `name,Class\n${names.map((n) => `${n},AGN`).join('\n')}\n`);
      const c = (await findChallengeBySlug(ctx.handle.db, 'xmm-sources'))!;
      const bot = await signUp(ctx.handle.db, { email: 'baseline-labels@example.org', name: 'Baseline', password: 'correct horse battery' }, 'participant');
      const sub = await accept(ctx.handle, ctx.storage, c, bot.id, { tmpPath: file, originalName: 'baseline.csv', size: fs.statSync(file).size }, null, { isBaseline: true });
      assert.equal((await waitForTerminal(ctx.handle, sub.id)).status, 'scored');
      assert.equal(await refreshRoutingAfterScoring(ctx.handle, ctx.storage, sub.id), null);
      assert.ok((await testRows(ctx)).every((s) => s.entropy === null));
    } finally {
      await ctx.close();
    }
  });

  it('a simulated crowd follows entropy routing and stays reproducible with a seed', async () => {
    const tables = [];
    for (const seed of [7, 7]) {
      const ctx = await crowdContext({ routing: 'entropy', randomShare: 0.2, maxLive: 30, goldPerClass: 6, retireCount: 3 });
      try {
        for (const [i, r] of (await testRows(ctx)).entries()) await setEntropy(ctx, r.id, ((i * 7) % 30) / 30);
        await simulateCrowdVotes(ctx.handle, ctx.storage, 'xmm-sources', { volunteers: 12, votes: 200, profile: 'mixed', seed, days: 2, consensus: false }, loadCrowdConfig({}));
        tables.push(
          await ctx.handle.db
            .selectFrom('crowd_votes as v')
            .innerJoin('users as u', 'u.id', 'v.user_id')
            .innerJoin('crowd_subjects as s', 's.id', 'v.subject_id')
            .select(['u.email', 's.external_id', 'v.answer', 'v.routed', 'v.counted'])
            .where('v.workflow_id', '=', ctx.workflowId)
            .orderBy('v.id')
            .execute(),
        );
      } finally {
        await ctx.close();
      }
    }
    assert.equal(tables[0].length, 200);
    assert.deepEqual(tables[0], tables[1]);
    const routed = tables[0].filter((v) => v.routed === 1).length;
    assert.ok(routed > 0 && routed < tables[0].length, `${routed} routed votes`);
  });
  it('CROWD_KNOWN_SHARE sends that share of live serves to known sources while any is left, under either routing', async () => {
    const ctx = await crowdContext({ trainingChances: [0], maxLive: 40, knownPerClass: 4, goldPerClass: 4 });
    try {
      const wf = (await workflowById(ctx.handle.db, ctx.workflowId))!;
      const secret = await tokenSecret(ctx.handle.db);
      const live = await liveSubjects(ctx);
      const known = new Set(live.filter((s) => s.gold_class !== null).map((s) => s.id));
      assert.ok(known.size >= 8 && known.size < live.length / 3, `${known.size} known of ${live.length}`);
      const share = async (knownShare: number | undefined, seed: number) => {
        const rand = seededRandom(seed);
        let hits = 0;
        const n = 400;
        for (let i = 0; i < n; i++) {
          const s = (await serveNext(ctx.handle, wf, anonVoter(`known-${seed}-${i}-xxxxxxxxxxxx`), secret, { reserveMinutes: 30, store: false, rand, knownShare }))!;
          if (known.has(s.subject.id)) hits++;
        }
        return hits / n;
      };
      // A fresh voter with every subject at 0 votes: without the share, the retirement rule draws among
      // the first PICK_AMONG by id, where the evenly spread known sources are a small minority.
      const without = await share(undefined, 3);
      const all = await share(1, 4);
      const fifth = await share(0.2, 5);
      assert.equal(all, 1);
      assert.ok(fifth > without + 0.1 && fifth < 0.2 + without + 0.1, `share 0.2 gave ${fifth}, none gave ${without}`);
    } finally {
      await ctx.close();
    }
  });
});
