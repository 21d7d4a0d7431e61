import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { signedInAgent, waitForTerminal } from './helpers.js';
import { crowdContext, organizerAgent, runConsensusJob, serve, vote, type Agent } from './crowd-helpers.js';
import { findChallengeBySlug, type Challenge } from '../src/challenges/repo.js';
import { loadChallengeSolution } from '../src/challenges/service.js';
import { ensureBaselineUser } from '../src/baseline/service.js';
import { accept } from '../src/submissions/service.js';
import { USAGE } from '../scorers/types.js';

/**
 * A tiny case worked out by hand. The first six test rows of xmm-sources are the live subjects;
 * S5 is put in the expert set, so nobody here is served it and it has no consensus.
 *
 *          truth  A (skilled)  B (new)  crowd = A's answer, confidence   ML (best)  baseline
 *   S0     AGN    AGN          AGN      AGN  102/106                      AGN        AGN
 *   S1     Star   Star         AGN      Star  51/56                       Star       AGN
 *   S2     AGN    Star         Star     Star 102/106                      AGN        AGN
 *   S3     Star   AGN          AGN      AGN  102/106                      CV         AGN
 *   S4     AGN    AGN          Star     AGN   51/56                       Star       AGN
 *
 * A's confusion counts are 51 on the diagonal and 1 elsewhere (row sum 55); B has the new-volunteer
 * prior (2 on the diagonal, 1 elsewhere, row sum 6). From the uniform prior, A's answer a gives a
 * posterior of 51/55 on a; B agreeing makes it 51·2 / (51·2 + 4·1) = 102/106, B answering b ≠ a
 * makes it 51·1 / (51 + 2 + 3) = 51/56.
 */
const S = ['4XMM J000020.1-322101', '4XMM J000020.8+444341', '4XMM J000026.0-250649', '4XMM J000032.0+681500', '4XMM J000034.6-250620', '4XMM J000036.6-250104'];
const TRUTH = ['AGN', 'Star', 'AGN', 'Star', 'AGN', 'AGN'];
const A = ['AGN', 'Star', 'Star', 'AGN', 'AGN'];
const B = ['AGN', 'AGN', 'Star', 'AGN', 'Star'];
const ML = ['AGN', 'Star', 'AGN', 'CV', 'Star'];
const AGREE = 102 / 106;
const SPLIT = 51 / 56;
const SKILLED = Array.from({ length: 25 }, (_, i) => (i % 6 === 0 ? 51 : 1));
const CLASSES = ['AGN', 'Star', 'XRB', 'CV', 'Other'];

const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} ≠ ${expected}`);

interface ClassRow { name: string; precision: number; recall: number; f1: number; support: number; predicted: number }
/** Checks per-class figures: [precision, recall, f1, support, predicted] by class name (others all 0). */
function perClass(rows: ClassRow[], expected: Record<string, [number, number, number, number, number]>, what: string) {
  assert.deepEqual(rows.map((r) => r.name), CLASSES);
  for (const r of rows) {
    const [p, rc, f, sup, pred] = expected[r.name] ?? [0, 0, 0, 0, 0];
    close(r.precision, p, `${what} ${r.name} precision`);
    close(r.recall, rc, `${what} ${r.name} recall`);
    close(r.f1, f, `${what} ${r.name} F1`);
    assert.equal(r.support, sup, `${what} ${r.name} support`);
    assert.equal(r.predicted, pred, `${what} ${r.name} predicted`);
  }
}

/** A 5×5 matrix with the given cells (row class, column class, count), zero elsewhere. */
const matrix = (cells: Array<[string, string, number]>) => {
  const m = CLASSES.map(() => CLASSES.map(() => 0));
  for (const [r, c, n] of cells) m[CLASSES.indexOf(r)][CLASSES.indexOf(c)] = n;
  return m;
};

describe('crowd: consensus vs ML on the comparison page', function () {
  let ctx: Awaited<ReturnType<typeof crowdContext>>;
  let org: { agent: Agent; csrf: string };
  let challenge: Challenge;
  const id: Record<string, number> = {};
  const sub: Record<string, number> = {};

  /** Serves and answers live subjects by name until none is left; the first serve creates the volunteer row, then `setup` runs. */
  async function classifyAll(email: string, answers: string[], setup?: (userId: number) => Promise<void>) {
    const { agent, csrf } = await signedInAgent(ctx.app, email);
    const user = await ctx.handle.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow();
    const seen: string[] = [];
    for (;;) {
      const s = await serve(agent);
      if (!s.subject || s.training) break; // live subjects exhausted: only gold is left
      if (!seen.length) await setup?.(user.id);
      await vote(agent, csrf, s.token, answers[S.indexOf(s.subject.name)]).expect(201);
      seen.push(s.subject.name);
    }
    return seen;
  }

  /** A prediction for every test row: the true class, except `override` (by subject name) and, with `publicAs`, every public row. */
  async function predictions(override: Record<string, string>, publicAs?: string): Promise<Buffer> {
    const sol = await loadChallengeSolution(ctx.storage, challenge);
    const lines = sol.ids.map((name, i) => `${name},${override[name] ?? (publicAs && sol.usage[i] === USAGE.Public ? publicAs : sol.classes[sol.label[i]])}`);
    return Buffer.from(`name,Class\n${lines.join('\n')}\n`);
  }

  async function submitAs(email: string, file: Buffer): Promise<number> {
    const { agent, csrf } = await signedInAgent(ctx.app, email);
    const res = await agent.post(`/challenges/xmm-sources/submissions?_csrf=${csrf}`).set('Accept', 'application/json').attach('file', file, 'predictions.csv').expect(202);
    const row = await waitForTerminal(ctx.handle, res.body.submission.id);
    assert.equal(row.status, 'scored', row.error ?? '');
    return row.id;
  }

  const compare = async () => (await org.agent.get('/crowd/xmm-sources/compare').set('Accept', 'application/json').expect(200)).body.solution;

  before(async () => {
    ctx = await crowdContext({ maxLive: 6, retireCount: 2, trainingChances: [0] });
    challenge = (await findChallengeBySlug(ctx.handle.db, 'xmm-sources'))!;
    org = await organizerAgent(ctx);
    const live = await ctx.handle.db.selectFrom('crowd_subjects').select(['id', 'external_id']).where('workflow_id', '=', ctx.workflowId).where('is_gold', '=', 0).orderBy('id').execute();
    assert.deepEqual(live.map((s) => s.external_id), S, 'the live subjects are the first six test rows');
    for (const s of live) id[s.external_id] = s.id;
    const sol = await loadChallengeSolution(ctx.storage, challenge);
    assert.deepEqual(S.map((name) => sol.classes[sol.label[sol.index.get(name)!]]), TRUTH);
    const { Private, Public } = USAGE;
    assert.deepEqual(Array.from(S, (name) => sol.usage[sol.index.get(name)!]), [Private, Private, Private, Private, Private, Public], 'S0–S4 private, S5 public');

    await org.agent.post('/crowd/xmm-sources/expert-set').set('Accept', 'application/json').set('X-CSRF-Token', org.csrf).send({ names: S[5] }).expect(200);
    const skilled = async (userId: number) => {
      await ctx.handle.db.updateTable('crowd_volunteers').set({ confusion_json: JSON.stringify(SKILLED) }).where('workflow_id', '=', ctx.workflowId).where('user_id', '=', userId).execute();
    };
    const seenA = await classifyAll('a@example.org', A, skilled);
    const seenB = await classifyAll('b@example.org', B);
    // Non-experts are never served the expert subject.
    assert.deepEqual([...seenA].sort(), S.slice(0, 5).sort());
    assert.deepEqual([...seenB].sort(), S.slice(0, 5).sort());
  });
  after(async () => ctx.close());

  it('scores the crowd on the subjects it has a consensus for, and says that no ML entry is there yet', async () => {
    const live = await ctx.handle.db.selectFrom('crowd_subjects').select(['external_id', 'consensus_class', 'consensus_confidence', 'vote_count']).where('workflow_id', '=', ctx.workflowId).where('is_gold', '=', 0).orderBy('id').execute();
    assert.deepEqual(live.map((s) => s.consensus_class), [0, 1, 1, 0, 0, null]);
    [AGREE, SPLIT, AGREE, AGREE, SPLIT].forEach((p, i) => close(live[i].consensus_confidence!, p, `confidence of S${i}`));

    const r = await compare();
    assert.equal(r.subjects, 5);
    assert.deepEqual(r.classes, CLASSES);
    assert.equal(r.computedAt, null);
    assert.deepEqual(r.reference, { aggregator: 'live_swap', source: 'live' });
    assert.deepEqual(r.comparisons.map((c: { aggregator: string }) => c.aggregator), ['live_swap']);
    const crowd = r.comparisons[0];
    assert.equal(crowd.n, 5);
    close(crowd.accuracy, 3 / 5, 'crowd accuracy');
    close(crowd.macroF1, (2 / 3 + 1 / 2) / 2, 'crowd macro-F1');
    perClass(crowd.classes, { AGN: [2 / 3, 2 / 3, 2 / 3, 3, 3], Star: [1 / 2, 1 / 2, 1 / 2, 2, 2] }, 'crowd');
    assert.deepEqual(crowd.confusion, matrix([['AGN', 'AGN', 2], ['AGN', 'Star', 1], ['Star', 'AGN', 1], ['Star', 'Star', 1]]));
    // Wrong on S2 and S3, equally confident: by subject id.
    assert.deepEqual(crowd.disagreements.map((d: { name: string; crowd: string; truth: string; votes: number }) => [d.name, d.crowd, d.truth, d.votes]), [[S[2], 'Star', 'AGN', 2], [S[3], 'AGN', 'Star', 2]]);
    assert.equal(crowd.nDisagreements, 2);

    assert.deepEqual(r.summary.map((s: { method: string; kind: string }) => [s.method, s.kind]), [['live_swap', 'crowd']]);
    assert.equal(r.ml.board, 'public');
    assert.equal(r.ml.best, null);
    assert.equal(r.ml.baseline, null);
    assert.equal(r.agreement, null);
    assert.ok(r.notes.includes('No scored ML submission on the public leaderboard yet.'), r.notes.join(' | '));
    assert.ok(r.notes.includes('No baseline on the public leaderboard yet.'), r.notes.join(' | '));

    const page = await org.agent.get('/crowd/xmm-sources/compare').expect(200);
    assert.match(page.text, /data-testid="no-agreement"/);
    assert.match(page.text, /data-testid="no-ml"/);
    assert.match(page.text, /data-testid="no-baseline"/);
    assert.match(page.text, /data-testid="source-unknown-subjects">5</);
  });

  it('scores the baseline and the best ML entry on the same subjects and lists where crowd and ML disagree', async () => {
    // The baseline calls S1 and S3 AGN and is right everywhere else: it tops the public board but is not a competitor.
    const base = await ensureBaselineUser(ctx.handle.db);
    const tmpPath = path.join(os.tmpdir(), `sift-test-baseline-${process.pid}.csv`);
    fs.writeFileSync(tmpPath, await predictions({ [S[1]]: 'AGN', [S[3]]: 'AGN' }));
    const b = await accept(ctx.handle, ctx.storage, challenge, base.id, { tmpPath, originalName: 'baseline-xmm-sources.csv', size: fs.statSync(tmpPath).size }, 'TF.js baseline (test stand-in)', { isBaseline: true });
    assert.equal((await waitForTerminal(ctx.handle, b.id)).status, 'scored');
    sub.baseline = b.id;
    // ml1: the ML column above, one public error (S5): first among competitors on the public board.
    sub.ml1 = await submitAs('ml1@example.org', await predictions({ [S[0]]: ML[0], [S[1]]: ML[1], [S[2]]: ML[2], [S[3]]: ML[3], [S[4]]: ML[4], [S[5]]: 'Star' }));
    // ml2: AGN on every public row, right on every private one: last in public, first in private.
    sub.ml2 = await submitAs('ml2@example.org', await predictions({}, 'AGN'));

    const r = await compare();
    assert.equal(r.ml.board, 'public');
    assert.ok(typeof r.ml.rule === 'string' && /ranked first/.test(r.ml.rule));
    const best = r.ml.best;
    assert.equal(best.submissionId, sub.ml1);
    assert.equal(best.name, 'ml1');
    assert.equal(best.rank, 1);
    assert.equal(best.n, 5);
    close(best.accuracy, 3 / 5, 'ML accuracy');
    // CV is predicted once and never true: present with F1 0, so the macro mean is over AGN, Star and CV.
    close(best.macroF1, (4 / 5 + 1 / 2 + 0) / 3, 'ML macro-F1');
    perClass(best.classes, { AGN: [1, 2 / 3, 4 / 5, 3, 2], Star: [1 / 2, 1 / 2, 1 / 2, 2, 2], CV: [0, 0, 0, 0, 1] }, 'ML');
    assert.deepEqual(best.confusion, matrix([['AGN', 'AGN', 2], ['AGN', 'Star', 1], ['Star', 'Star', 1], ['Star', 'CV', 1]]));
    // Its errors, those the crowd gets right first.
    assert.deepEqual(best.errors.map((e: { name: string; ml: string; truth: string; crowd: string }) => [e.name, e.ml, e.truth, e.crowd]), [[S[4], 'Star', 'AGN', 'AGN'], [S[3], 'CV', 'Star', 'AGN']]);

    const baseline = r.ml.baseline;
    assert.equal(baseline.submissionId, sub.baseline);
    assert.equal(baseline.rank, null);
    close(baseline.accuracy, 3 / 5, 'baseline accuracy');
    close(baseline.macroF1, (3 / 4 + 0) / 2, 'baseline macro-F1');
    perClass(baseline.classes, { AGN: [3 / 5, 1, 3 / 4, 3, 5], Star: [0, 0, 0, 2, 0] }, 'baseline');
    assert.deepEqual(baseline.confusion, matrix([['AGN', 'AGN', 3], ['Star', 'AGN', 2]]));

    assert.deepEqual(
      r.summary.map((s: { kind: string; n: number; submissionId: number | null }) => [s.kind, s.n, s.submissionId]),
      [['crowd', 5, null], ['baseline', 5, sub.baseline], ['ml', 5, sub.ml1]],
    );

    const ag = r.agreement;
    assert.equal(ag.aggregator, 'live_swap');
    assert.equal(ag.source, 'live');
    assert.equal(ag.submissionId, sub.ml1);
    assert.equal(ag.n, 5);
    assert.equal(ag.agreed, 2);
    close(ag.agreement, 2 / 5, 'agreement');
    assert.deepEqual(ag.outcomes, { both: 2, crowdOnly: 1, mlOnly: 1, neither: 1 });
    // Rows: crowd, columns: ML.
    assert.deepEqual(ag.confusion, matrix([['AGN', 'AGN', 1], ['AGN', 'Star', 1], ['AGN', 'CV', 1], ['Star', 'Star', 1], ['Star', 'AGN', 1]]));
    // Exactly one right first (S2: ML right, crowd 102/106; S4: crowd right, 51/56), then neither (S3).
    assert.deepEqual(
      ag.disagreements.map((d: { subjectId: number; name: string; crowd: string; ml: string; truth: string; right: string; votes: number }) => [d.subjectId, d.name, d.crowd, d.ml, d.truth, d.right, d.votes]),
      [
        [id[S[2]], S[2], 'Star', 'AGN', 'AGN', 'ml', 2],
        [id[S[4]], S[4], 'AGN', 'Star', 'AGN', 'crowd', 2],
        [id[S[3]], S[3], 'AGN', 'CV', 'Star', 'neither', 2],
      ],
    );
    close(ag.disagreements[0].confidence, AGREE, 'S2 confidence');
    close(ag.disagreements[1].confidence, SPLIT, 'S4 confidence');
    assert.equal(ag.nDisagreements, 3);

    const page = await org.agent.get('/crowd/xmm-sources/compare').expect(200);
    assert.match(page.text, /Crowd versus ML, measured/);
    assert.match(page.text, /data-testid="reference">live_swap</);
    assert.match(page.text, /the live online posterior/);
    assert.match(page.text, /data-testid="agreement-rate">40\.0%</);
    for (const s of [S[2], S[3], S[4]]) assert.ok(page.text.includes(`<a href="/crowd/xmm-sources/subjects/${id[s]}">${s}</a>`), s);
    assert.ok(page.text.indexOf(`subjects/${id[S[2]]}">`) < page.text.indexOf(`subjects/${id[S[3]]}">`));
    assert.match(page.text, /data-testid="summary-baseline"/);
    assert.match(page.text, /data-testid="summary-ml"/);
    assert.match(page.text, /data-testid="compare-best"/);
    assert.match(page.text, /data-testid="compare-baseline"/);
  });

  it('sets Dawid–Skene against ML once the consensus job has run, every method on the same subjects', async () => {
    await runConsensusJob(ctx, org);
    const r = await compare();
    assert.ok(r.computedAt);
    assert.deepEqual(r.reference, { aggregator: 'dawid_skene', source: 'batch' });
    assert.deepEqual(r.comparisons.map((c: { aggregator: string }) => c.aggregator), ['live_swap', 'majority', 'gold_weighted', 'dawid_skene', 'online_swap']);
    assert.deepEqual(r.summary.map((s: { kind: string }) => s.kind), ['crowd', 'crowd', 'crowd', 'crowd', 'crowd', 'baseline', 'ml']);
    assert.ok(r.summary.every((s: { n: number }) => s.n === 5));

    // The agreement follows the stored Dawid–Skene labels.
    const ds = await ctx.handle.db.selectFrom('crowd_consensus').select(['subject_id', 'label']).where('workflow_id', '=', ctx.workflowId).where('aggregator', '=', 'dawid_skene').execute();
    const dsLabel = new Map(ds.map((d) => [d.subject_id, CLASSES[d.label]]));
    const differ = S.slice(0, 5).filter((name, i) => dsLabel.get(id[name]) !== ML[i]);
    assert.equal(r.agreement.aggregator, 'dawid_skene');
    assert.equal(r.agreement.agreed, 5 - differ.length);
    assert.deepEqual(r.agreement.disagreements.map((d: { name: string }) => d.name).sort(), [...differ].sort());
    for (const d of r.agreement.disagreements) assert.equal(d.crowd, dsLabel.get(d.subjectId));
    const dsCmp = r.comparisons.find((c: { aggregator: string }) => c.aggregator === 'dawid_skene');
    assert.equal(dsCmp.correct, S.slice(0, 5).filter((name, i) => dsLabel.get(id[name]) === TRUTH[i]).length);

    const page = await org.agent.get('/crowd/xmm-sources/compare').expect(200);
    assert.match(page.text, /data-testid="reference">dawid_skene</);
    assert.match(page.text, /Dawid–Skene from the last consensus job/);
  });

  it('scores every class when the workflow and the solution classes differ', async () => {
    const wf = await ctx.handle.db.selectFrom('crowd_workflows').select('classes_json').where('id', '=', ctx.workflowId).executeTakeFirstOrThrow();
    await ctx.handle.db.updateTable('crowd_workflows').set({ classes_json: JSON.stringify(['AGN', 'Star', 'XRB', 'CV', 'Galaxy']) }).where('id', '=', ctx.workflowId).execute();
    try {
      const r = await compare();
      assert.deepEqual(r.classes, ['AGN', 'Star', 'XRB', 'CV', 'Galaxy', 'Other']);
      assert.ok(r.notes.some((n: string) => /Other/.test(n) && /cannot choose/.test(n)), r.notes.join(' | '));
      assert.ok(r.notes.some((n: string) => /Galaxy/.test(n) && /does not have/.test(n)), r.notes.join(' | '));
      assert.equal(r.ml.best.confusion.length, 6);
      assert.equal(r.agreement.confusion.length, 6);
      close(r.ml.best.accuracy, 3 / 5, 'ML accuracy with the extra class');
      await org.agent.get('/crowd/xmm-sources/compare').expect(200);
    } finally {
      await ctx.handle.db.updateTable('crowd_workflows').set({ classes_json: wf.classes_json }).where('id', '=', ctx.workflowId).execute();
    }
  });

  it('takes the best entry from the private board once the challenge has closed', async () => {
    await ctx.handle.db.updateTable('challenges').set({ closes_at: new Date(Date.now() - 60_000).toISOString() }).where('id', '=', challenge.id).execute();
    const r = await compare();
    assert.equal(r.ml.board, 'private');
    assert.equal(r.ml.best.submissionId, sub.ml2);
    close(r.ml.best.accuracy, 1, 'ml2 accuracy');
    close(r.ml.best.macroF1, 1, 'ml2 macro-F1');
    assert.equal(r.ml.baseline.submissionId, sub.baseline);
    // ml2 is the truth on these subjects: every disagreement is one the crowd gets wrong.
    assert.equal(r.agreement.submissionId, sub.ml2);
    assert.ok(r.agreement.disagreements.every((d: { right: string }) => d.right === 'ml'));
    assert.equal(r.agreement.nDisagreements, r.comparisons.find((c: { aggregator: string }) => c.aggregator === 'dawid_skene').nDisagreements);
  });

  it('leaves out an entry whose stored file is gone, and says so', async () => {
    const row = await ctx.handle.db.selectFrom('submissions').select('file_path').where('id', '=', sub.baseline).executeTakeFirstOrThrow();
    await ctx.storage.remove(row.file_path);
    const r = await compare();
    assert.equal(r.ml.baseline, null);
    assert.ok(r.notes.some((n: string) => n.startsWith(`The baseline #${sub.baseline} is left out: its stored file cannot be read`)), r.notes.join(' | '));
    assert.ok(r.ml.best);
    await org.agent.get('/crowd/xmm-sources/compare').expect(200);
  });

  it('shows anyone else none of the test-row comparison (crowd-compare-claxson covers each side of the rule)', async () => {
    // The challenge closed in an earlier case; reopen it so the private board is hidden again.
    await ctx.handle.db.updateTable('challenges').set({ closes_at: new Date(Date.now() + 86_400_000).toISOString() }).where('id', '=', challenge.id).execute();
    const { agent } = await signedInAgent(ctx.app, 'nosy@example.org');
    const view = (await agent.get('/crowd/xmm-sources/compare').set('Accept', 'application/json').expect(200)).body;
    assert.equal(view.solution, null);
    assert.equal(view.unknown, null);
    const page = await agent.get('/crowd/xmm-sources/compare').expect(200);
    for (const name of S) assert.ok(!page.text.includes(name), name);
  });
});
