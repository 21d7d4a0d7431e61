/**
 * `npm run bench:loop`: the active-learning loop on xray-sources, measured. For each seed and each
 * serving arm, a fresh database gets the crowd workflow and a simulated crowd with a fixed vote
 * budget (`simulateCrowdVotes`: the volunteers' own serving, voting and retirement code), then the
 * consensus job, then `retrainWithCrowd` (train rows minus the evaluation split, plus the test rows
 * whose Dawid–Skene posterior passes the threshold from enough votes).
 *
 * Arms (the same crowd seed in each, so volunteers and their confusion matrices are identical):
 * - entropy: entropy routing with the default random share, entropies from the shipped baseline's
 *   predicted probabilities on the test rows;
 * - random: the same entropy routing, but each test row's "entropy" is a seeded uniform draw, so the
 *   subjects are taken in an order that ignores the model (random serving with the same mechanics);
 * - retirement (BENCH_LOOP_ARMS=entropy,random,retirement): the default serving, closest to retirement first.
 *
 * Per arm it prints, over the seeds: the crowd consensus macro-F1 on the test subjects it labels
 * (at least CROWD_MIN_CONSENSUS_VOTES votes) against the hidden solution, the retrained baseline's
 * macro-F1 on the evaluation split, and its gain over the same baseline without crowd labels; means
 * with 95% t intervals across seeds, and the paired entropy − random differences. Asserts nothing.
 *
 * The "before" model (no crowd labels) does not depend on the crowd: it is trained once and reused.
 * Knobs: BENCH_LOOP_SEEDS (5), BENCH_LOOP_VOTES (4000), BENCH_LOOP_VOLUNTEERS (60),
 * BENCH_LOOP_FOLDS (3), BENCH_LOOP_EPOCHS (20), BENCH_LOOP_THRESHOLD (0.9), BENCH_LOOP_RANDOM_SHARE (0.2), BENCH_LOOP_ARMS.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createTestContext } from '../test/helpers.js';
import { repoRoot } from '../src/paths.js';
import { findChallengeBySlug, type Challenge } from '../src/challenges/repo.js';
import { loadChallengeSolution } from '../src/challenges/service.js';
import { createWorkflowForSlug, type WorkflowOptions } from '../src/crowd/setup.js';
import { workflowBySlug } from '../src/crowd/repo.js';
import { loadCrowdConfig } from '../src/crowd/config.js';
import { simulateCrowdVotes } from '../src/crowd/simulate/service.js';
import { CROWD_DEMO } from '../seeds/crowd.js';
import { classificationReport } from '../scorers/classification.js';
import { seededRandom } from '../src/seeded-random.js';
import { loadEnsembleFrom, predictFile } from '../src/baseline/train.js';
import { crowdBaselineDir, retrainWithCrowd, type CrowdRetrainRecord } from '../src/baseline/retrain-with-crowd.js';
import { setSubjectEntropy } from '../src/crowd/routing-entropy.js';
import { DEFAULT_RANDOM_SHARE } from '../src/crowd/routing.js';
import { fileKeyIn, type ObjectStorage } from '../src/storage/index.js';

const SLUG = 'xray-sources';
const env = (name: string, fallback: number) => (process.env[name] === undefined ? fallback : Number(process.env[name]));
const SEEDS = env('BENCH_LOOP_SEEDS', 5);
const VOTES = env('BENCH_LOOP_VOTES', 4000);
const VOLUNTEERS = env('BENCH_LOOP_VOLUNTEERS', 60);
const FOLDS = env('BENCH_LOOP_FOLDS', 3);
const EPOCHS = env('BENCH_LOOP_EPOCHS', 20);
const THRESHOLD = env('BENCH_LOOP_THRESHOLD', 0.9);
const MODEL_SEED = 42;
/** Share of serves left to the retirement rule in the entropy-routed arms (the routing default). */
const RANDOM_SHARE = env('BENCH_LOOP_RANDOM_SHARE', DEFAULT_RANDOM_SHARE);
type Arm = 'entropy' | 'random' | 'retirement';
const ARMS = (process.env.BENCH_LOOP_ARMS ?? 'entropy,random').split(',').map((s) => s.trim()) as Arm[];
for (const a of ARMS) if (!['entropy', 'random', 'retirement'].includes(a)) throw new Error(`BENCH_LOOP_ARMS: unknown arm '${a}'`);

interface Outcome {
  crowdF1: number;
  crowdLabelled: number;
  retrainedF1: number;
  gain: number;
  added: number;
  seconds: number;
  simSeconds: number;
  record: CrowdRetrainRecord;
}

/** The shipped baseline's class probabilities on the test rows (the demo's entropy source). */
async function shippedProbabilities(storage: ObjectStorage, c: Challenge): Promise<Map<string, number[]>> {
  const { record, models } = await loadEnsembleFrom(path.join(repoRoot, 'seeds', 'baselines', SLUG));
  const { ids, proba, k } = await predictFile(record, models, await storage.localPath(fileKeyIn(c.folder_key, c.test_file)), c.id_column);
  models.forEach((m) => m.dispose());
  return new Map(ids.map((id, i) => [id, Array.from(proba.subarray(i * k, i * k + k))]));
}

/** Probability vectors whose normalised entropies are uniform-ish seeded draws: a model-blind order. */
function randomProbabilities(ids: string[], k: number, seed: number): Map<string, number[]> {
  const rand = seededRandom(seed ^ 0x5bd1e995);
  return new Map(ids.map((id) => [id, Array.from({ length: k }, () => rand() + 1e-9)]));
}

/** Consensus (Dawid–Skene, enough votes) on test subjects against the solution: macro-F1 and how many. */
async function crowdScore(handle: Awaited<ReturnType<typeof createTestContext>>['handle'], storage: ObjectStorage, c: Challenge, wfId: number, classes: string[], minVotes: number) {
  const solution = await loadChallengeSolution(storage, c);
  const rows = await handle.db
    .selectFrom('crowd_consensus as cc')
    .innerJoin('crowd_subjects as s', 's.id', 'cc.subject_id')
    .select(['s.external_id', 'cc.label', 'cc.n_votes'])
    .where('cc.workflow_id', '=', wfId)
    .where('cc.aggregator', '=', 'dawid_skene')
    .where('s.is_gold', '=', 0)
    .where('s.gold_class', 'is', null)
    .where('cc.n_votes', '>=', minVotes)
    .execute();
  const k = classes.length;
  const truth: number[] = [];
  const pred: number[] = [];
  for (const r of rows) {
    const row = solution.index.get(r.external_id);
    if (row === undefined) continue;
    const t = classes.indexOf(solution.classes[solution.label[row]]);
    if (t < 0) continue;
    truth.push(t);
    pred.push(r.label);
  }
  return { f1: truth.length ? classificationReport(Int32Array.from(truth), Int32Array.from(pred), k).macroF1 : NaN, n: truth.length };
}

let sharedBefore: string | null = null;
const beforeStore = fs.mkdtempSync(path.join(os.tmpdir(), 'sift-bench-loop-'));
let probaCache: Map<string, number[]> | null = null;

async function runOne(seed: number, arm: Arm): Promise<Outcome> {
  const t0 = performance.now();
  const ctx = await createTestContext({ challenges: [SLUG], workers: 0 });
  try {
    const c = (await findChallengeBySlug(ctx.handle.db, SLUG))!;
    // Known sources are left out: under entropy routing they are served first (they have no entropy), which would spend the budget alike in every arm.
    const opts: WorkflowOptions = { ...CROWD_DEMO[SLUG], knownPerClass: 0, routing: arm === 'retirement' ? 'retirement' : 'entropy', randomShare: RANDOM_SHARE };
    await createWorkflowForSlug(ctx.handle, ctx.storage, SLUG, opts);
    const wf = (await workflowBySlug(ctx.handle.db, SLUG))!;
    if (arm !== 'retirement') {
      probaCache ??= await shippedProbabilities(ctx.storage, c);
      const proba = arm === 'entropy' ? probaCache : randomProbabilities([...probaCache.keys()], wf.classes.length, seed);
      await setSubjectEntropy(ctx.handle, wf, proba);
    }
    const cfg = loadCrowdConfig();
    const tSim = performance.now();
    await simulateCrowdVotes(ctx.handle, ctx.storage, SLUG, { volunteers: VOLUNTEERS, votes: VOTES, profile: 'mixed', seed, days: 14, consensus: true }, cfg);
    const simSeconds = (performance.now() - tSim) / 1000;
    const crowd = await crowdScore(ctx.handle, ctx.storage, c, wf.id, wf.classes, cfg.CROWD_MIN_CONSENSUS_VOTES);
    const { record } = await retrainWithCrowd(ctx.handle, c, {
      storage: ctx.storage,
      datasetsDir: ctx.config.datasetsDir,
      threshold: THRESHOLD,
      seed: MODEL_SEED,
      folds: FOLDS,
      maxEpochs: EPOCHS,
      resamples: 1000,
      beforeModelDir: sharedBefore ?? undefined,
    });
    if (!sharedBefore) {
      sharedBefore = path.join(beforeStore, 'before');
      fs.cpSync(path.join(crowdBaselineDir(ctx.storage.localRoot, SLUG), 'before'), sharedBefore, { recursive: true });
    }
    return { crowdF1: crowd.f1, crowdLabelled: crowd.n, retrainedF1: record.after.macroF1.estimate ?? NaN, gain: record.difference.macroF1.estimate ?? NaN, added: record.counts.crowdLabelsAdded, seconds: (performance.now() - t0) / 1000, simSeconds, record };
  } finally {
    await ctx.close();
  }
}

/** Mean and 95% Student t interval across seeds. */
const T975: Record<number, number> = { 1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228 };
function meanInterval(xs: number[], digits = 3): string {
  const v = xs.filter(Number.isFinite);
  const n = v.length;
  if (!n) return 'n/a';
  const m = v.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return `${m.toFixed(digits)} [n/a]`;
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (n - 1));
  const h = (T975[n - 1] ?? 1.96) * (sd / Math.sqrt(n));
  return `${m >= 0 ? ' ' : ''}${m.toFixed(digits)} [${(m - h).toFixed(digits)}, ${(m + h).toFixed(digits)}]`;
}

const started = performance.now();
console.log(`bench:loop on ${SLUG}: ${SEEDS} crowd seeds x arms ${ARMS.join(', ')}; ${VOLUNTEERS} simulated volunteers (mixed profiles), ${VOTES} votes each (gold training included), demo retirement (${JSON.stringify(CROWD_DEMO[SLUG])}), no known sources; entropy and random arms leave ${RANDOM_SHARE} of live serves to the retirement rule`);
console.log(`retraining: ${FOLDS} folds, at most ${EPOCHS} epochs (the spec: 5 folds, 80 epochs), model seed ${MODEL_SEED}, Dawid–Skene posterior >= ${THRESHOLD} from >= ${loadCrowdConfig().CROWD_MIN_CONSENSUS_VOTES} votes; the "before" model is trained once and reused`);
const results: Record<string, Outcome[]> = Object.fromEntries(ARMS.map((a) => [a, []]));
for (let s = 1; s <= SEEDS; s++) {
  for (const arm of ARMS) {
    const o = await runOne(s, arm);
    results[arm].push(o);
    console.log(`seed ${s} ${arm.padEnd(10)} crowd macro-F1 ${o.crowdF1.toFixed(3)} on ${o.crowdLabelled} test subjects; ${o.added} crowd labels added; retrained macro-F1 ${o.retrainedF1.toFixed(3)} (before ${o.record.before.macroF1.estimate?.toFixed(3)}), gain ${o.gain >= 0 ? '+' : ''}${o.gain.toFixed(3)} [${o.record.difference.macroF1.lo?.toFixed(3)}, ${o.record.difference.macroF1.hi?.toFixed(3)}], ${o.record.counts.predictionsChanged} evaluation predictions changed; ${o.seconds.toFixed(1)} s (crowd ${o.simSeconds.toFixed(1)} s, training ${(o.record.timings.beforeSeconds + o.record.timings.afterSeconds).toFixed(1)} s)`);
  }
}
const first = results[ARMS[0]][0].record;
console.log(`\nevaluation split: ${first.counts.evaluationRows} labelled train rows, never served; "before" macro-F1 ${first.before.macroF1.estimate?.toFixed(3)} [${first.before.macroF1.lo?.toFixed(3)}, ${first.before.macroF1.hi?.toFixed(3)}] (bootstrap over evaluation rows)`);
console.log(`\nmeans across ${SEEDS} seeds, 95% t intervals:`);
console.log(`${'arm'.padEnd(11)} ${'crowd consensus macro-F1'.padEnd(26)} ${'retrained macro-F1'.padEnd(26)} ${'gain over no crowd labels'.padEnd(26)} crowd labels added`);
for (const arm of ARMS) {
  const r = results[arm];
  console.log(`${arm.padEnd(11)} ${meanInterval(r.map((o) => o.crowdF1)).padEnd(26)} ${meanInterval(r.map((o) => o.retrainedF1)).padEnd(26)} ${meanInterval(r.map((o) => o.gain)).padEnd(26)} ${meanInterval(r.map((o) => o.added), 1)}`);
}
if (ARMS.includes('entropy') && ARMS.includes('random')) {
  const paired = (f: (o: Outcome) => number) => meanInterval(results.entropy.map((o, i) => f(o) - f(results.random[i])));
  console.log(`\npaired entropy − random (same crowd seed): crowd macro-F1 ${paired((o) => o.crowdF1)}, retrained macro-F1 ${paired((o) => o.retrainedF1)}, crowd labels added ${meanInterval(results.entropy.map((o, i) => o.added - results.random[i].added), 1)}`);
}
console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(1)} s`);
fs.rmSync(beforeStore, { recursive: true, force: true });
