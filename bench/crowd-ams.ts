/**
 * `npm run build && node dist/bench/crowd-ams.js`: the comparison page of the HiggsML crowd with the
 * AMS panel, cold and warm. The real higgsml slice, BENCH_AMS_LIVE live events (default 3,000), a
 * simulated crowd of skilled volunteers (BENCH_AMS_VOTES votes, default 4 per live event, retiring at 3, then the
 * consensus job), the sample submission as the baseline and a noisier ranking as a competitor.
 * Prints the page time on its first load (every cache cold), the median of the next loads (warm), and
 * the AMS panel alone, cold and warm. Asserts nothing. TEST_DB=postgres runs it on PostgreSQL.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { performance } from 'node:perf_hooks';
import request from 'supertest';
import { createTestContext, TEST_DB, waitForTerminal } from '../test/helpers.js';
import { signUp, startSession } from '../src/accounts/service.js';
import { SESSION_COOKIE } from '../src/web/middleware.js';
import { addOrganizer } from '../src/organizers/access.js';
import { createWorkflowForSlug } from '../src/crowd/setup.js';
import { simulateCrowdVotes } from '../src/crowd/simulate/service.js';
import { loadCrowdConfig } from '../src/crowd/config.js';
import { workflowBySlug } from '../src/crowd/repo.js';
import { findChallengeBySlug } from '../src/challenges/repo.js';
import { loadChallengeSolution } from '../src/challenges/service.js';
import { ensureBaselineUser } from '../src/baseline/service.js';
import { accept } from '../src/submissions/service.js';
import { buildComparison } from '../src/crowd/compare/page.js';
import { amsView } from '../src/crowd/compare/ams.js';
import { seededRandom } from '../src/seeded-random.js';
import { repoRoot } from '../src/paths.js';

const LIVE = Number(process.env.BENCH_AMS_LIVE ?? 3000);
const VOTES = Number(process.env.BENCH_AMS_VOTES ?? LIVE * 4);
const WARM_LOADS = 5;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function main() {
  process.env.CROWD_MIN_VOTE_MS = '0';
  const ctx = await createTestContext({ challenges: ['higgsml'], workers: 2 });
  try {
    const t0 = performance.now();
    await createWorkflowForSlug(ctx.handle, ctx.storage, 'higgsml', { maxLive: LIVE, goldPerClass: 60, knownPerClass: 200, retireCount: 3 });
    const cfg = loadCrowdConfig();
    const sim = await simulateCrowdVotes(ctx.handle, ctx.storage, 'higgsml', { volunteers: 80, votes: VOTES, profile: 'skilled', seed: 11, days: 1, consensus: true }, cfg);
    console.log(`setup: ${LIVE} live events, ${sim.votes} simulated votes (${sim.goldVotes} on gold), consensus ${sim.consensus}, ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const challenge = (await findChallengeBySlug(ctx.handle.db, 'higgsml'))!;
    const base = await ensureBaselineUser(ctx.handle.db);
    const sample = path.join(repoRoot, 'datasets', 'higgsml', 'sample_submission.csv.gz');
    const tmpBase = path.join(os.tmpdir(), `bench-ams-baseline-${process.pid}.csv.gz`);
    fs.copyFileSync(sample, tmpBase);
    const b = await accept(ctx.handle, ctx.storage, challenge, base.id, { tmpPath: tmpBase, originalName: 'baseline.csv.gz', size: fs.statSync(tmpBase).size }, 'sample submission as the baseline', { isBaseline: true });
    // A competitor: truth plus noise, top 20% selected.
    const solution = await loadChallengeSolution(ctx.storage, challenge);
    const rng = seededRandom(5);
    const score = Array.from(solution.ids, (_, i) => (solution.classes[solution.label[i]] === 's' ? 0.6 : 0) + rng());
    const order = score.map((_, i) => i).sort((x, y) => score[x] - score[y]);
    const rank = new Int32Array(score.length);
    order.forEach((i, r) => (rank[i] = r + 1));
    const cut = Math.round(score.length * 0.8);
    const lines = solution.ids.map((id, i) => `${id},${rank[i]},${rank[i] > cut ? 's' : 'b'}`);
    const tmpBest = path.join(os.tmpdir(), `bench-ams-best-${process.pid}.csv.gz`);
    fs.writeFileSync(tmpBest, zlib.gzipSync(`EventId,RankOrder,Class\n${lines.join('\n')}\n`));
    const competitor = await signUp(ctx.handle.db, { email: 'ml@example.org', name: 'ml', password: 'correct horse battery' });
    const m = await accept(ctx.handle, ctx.storage, challenge, competitor.id, { tmpPath: tmpBest, originalName: 'best.csv.gz', size: fs.statSync(tmpBest).size }, 'noisy truth');
    for (const id of [b.id, m.id]) if ((await waitForTerminal(ctx.handle, id, 60_000)).status !== 'scored') throw new Error(`submission ${id} not scored`);

    const org = await signUp(ctx.handle.db, { email: 'org@example.org', name: 'Org', password: 'correct horse battery' }, 'organizer');
    await addOrganizer(ctx.handle.db, challenge.id, org.id);
    const cookie = `${SESSION_COOKIE}=${await startSession(ctx.handle.db, org.id, 1)}`;
    const load = async () => {
      const t = performance.now();
      const res = await request(ctx.app).get('/crowd/higgsml/compare').set('Cookie', cookie);
      if (res.status !== 200 || !res.text.includes('data-testid="ams"')) throw new Error(`page ${res.status} without the AMS panel`);
      return performance.now() - t;
    };
    const cold = await load();
    const warm: number[] = [];
    for (let i = 0; i < WARM_LOADS; i++) warm.push(await load());

    const wf = (await workflowBySlug(ctx.handle.db, 'higgsml'))!;
    const full = await buildComparison(ctx.handle.db, wf, ctx.storage, { minConsensusVotes: cfg.CROWD_MIN_CONSENSUS_VOTES });
    const panelTime = async (seed: number) => {
      const t = performance.now();
      const v = await amsView(ctx.handle.db, wf, ctx.storage, full.methods, true, cfg.CROWD_MIN_CONSENSUS_VOTES, { seed, resamples: 1000 });
      return { ms: performance.now() - t, v };
    };
    // A seed never used yet: the bootstrap runs (inputs loaded, files parsed and cached); the same seed again: memoised.
    const amsCold = await panelTime(12345);
    const amsWarm = await panelTime(12345);
    const panel = amsCold.v.scoredByAms ? amsCold.v.panel : null;
    console.log(`database: ${TEST_DB}; ${panel?.events} events scored (${panel?.subsets.map((s) => `${s.subset} ${s.events}`).join(', ')}), ${panel?.knownSources} known sources, threshold ${panel?.threshold?.threshold.toFixed(3)}`);
    for (const s of panel?.subsets ?? []) console.log(`  ${s.subset}: ${s.methods.map((x) => `${x.name} ${x.ams.estimate?.toFixed(3)} [${x.ams.lo?.toFixed(3)}, ${x.ams.hi?.toFixed(3)}] (${x.selected} selected)`).join('; ')}`);
    console.log(`page /crowd/higgsml/compare: cold ${cold.toFixed(0)} ms, warm median ${median(warm).toFixed(0)} ms (${warm.map((x) => x.toFixed(0)).join(', ')})`);
    console.log(`AMS panel alone (amsView): new bootstrap ${amsCold.ms.toFixed(0)} ms, memoised ${amsWarm.ms.toFixed(0)} ms`);
  } finally {
    await ctx.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
