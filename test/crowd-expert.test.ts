import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { datasetFile, waitForTerminal } from './helpers.js';
import { crowdContext, organizerAgent } from './crowd-helpers.js';
import { accept } from '../src/submissions/service.js';
import { findChallengeBySlug } from '../src/challenges/repo.js';
import { signUp } from '../src/accounts/service.js';

const CLASSES = ['AGN', 'Star', 'XRB', 'CV', 'Other'];

describe('crowd: expert set from the sources the baseline is least sure of', function () {
  let ctx: Awaited<ReturnType<typeof crowdContext>>;
  let org: Awaited<ReturnType<typeof organizerAgent>>;
  let live: string[];
  before(async () => {
    ctx = await crowdContext({ maxLive: 6 });
    org = await organizerAgent(ctx);
    live = (await ctx.handle.db.selectFrom('crowd_subjects').select('external_id').where('workflow_id', '=', ctx.workflowId).where('is_gold', '=', 0).orderBy('id').execute()).map((r) => r.external_id);
  });
  after(async () => ctx.close());

  const suggest = (count: unknown) => org.agent.post('/crowd/xmm-sources/expert-set/baseline').set('Accept', 'application/json').set('X-CSRF-Token', org.csrf).send({ count });
  const expertNow = async () => (await ctx.handle.db.selectFrom('crowd_subjects').select('external_id').where('workflow_id', '=', ctx.workflowId).where('expert', '=', 1).orderBy('external_id').execute()).map((r) => r.external_id);

  it('answers 409 while there is no baseline submission, and 400 for a bad count', async () => {
    const res = await suggest(5).expect(409);
    assert.equal(res.body.error.code, 'no_baseline');
    await suggest('lots').expect(400);
    assert.deepEqual(await expertNow(), []);
  });

  it('picks the live sources with the smallest gap between the two most likely classes', async () => {
    // A baseline file: confident (0.9 vs 0.025) everywhere but on two live sources.
    const names = zlib.gunzipSync(fs.readFileSync(datasetFile('xmm-sources', 'test.csv.gz'))).toString().trim().split('\n').slice(1).map((l) => l.split(',')[0]);
    const doubtful: Record<string, number[]> = { [live[2]]: [0.41, 0.39, 0.1, 0.05, 0.05], [live[5]]: [0.2, 0.5, 0.1, 0.1, 0.1] };
    const lines = names.map((n) => {
      const p = doubtful[n] ?? [0.9, 0.025, 0.025, 0.025, 0.025];
      return [n, CLASSES[p.indexOf(Math.max(...p))], ...p].join(',');
    });
    const file = path.join(os.tmpdir(), `baseline-${process.pid}.csv`);
    fs.writeFileSync(file, `name,Class,${CLASSES.map((c) => `proba_${c}`).join(',')}\n${lines.join('\n')}\n`);
    const c = (await findChallengeBySlug(ctx.handle.db, 'xmm-sources'))!;
    const bot = await signUp(ctx.handle.db, { email: 'baseline-test@example.org', name: 'Baseline', password: 'correct horse battery' }, 'participant');
    const sub = await accept(ctx.handle, ctx.storage, c, bot.id, { tmpPath: file, originalName: 'baseline.csv', size: fs.statSync(file).size }, null, { isBaseline: true });
    assert.equal((await waitForTerminal(ctx.handle, sub.id)).status, 'scored');

    const res = await suggest(2).expect(200);
    assert.deepEqual(res.body.expert.map((e: { name: string }) => e.name), [live[2], live[5]]);
    assert.ok(Math.abs(res.body.expert[0].margin - 0.02) < 1e-9);
    assert.ok(Math.abs(res.body.expert[1].margin - 0.3) < 1e-9);
    assert.deepEqual(await expertNow(), [live[2], live[5]].sort());
    // Asking for more than there are live sources takes them all, the confident ones last.
    const all = await suggest(50).expect(200);
    assert.equal(all.body.expert.length, live.length);
    assert.ok(all.body.expert.slice(2).every((e: { margin: number }) => Math.abs(e.margin - 0.875) < 1e-9));
  });
});
