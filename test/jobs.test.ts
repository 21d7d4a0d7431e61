import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createTestContext, datasetFile, signedInAgent, waitForTerminal, type TestContext } from './helpers.js';
import { claim } from '../src/jobs/queue.js';
import { SCORE_JOB } from '../src/submissions/service.js';

describe('scoring jobs survive a killed worker', function () {
  let ctx: TestContext;
  before(async () => {
    // No worker threads at first: the test plays the worker that dies.
    ctx = await createTestContext({ challenges: ['higgsml'], workers: 0 });
  });
  after(async () => ctx.close());

  async function queuedSubmission(email: string): Promise<number> {
    const { agent, csrf } = await signedInAgent(ctx.app, email);
    const sample = fs.readFileSync(datasetFile('higgsml', 'sample_submission.csv.gz'));
    const res = await agent.post(`/challenges/higgsml/submissions?_csrf=${csrf}`).set('Accept', 'application/json').attach('file', sample, 's.csv.gz').expect(202);
    return res.body.submission.id;
  }

  it('takes up a job whose lease expired after its worker died mid-score', async () => {
    const id = await queuedSubmission('crash@example.org');
    // A worker claims the job and starts scoring, then is killed: nothing more is written.
    const job = await claim(ctx.handle.db, ctx.handle.dialect, 'doomed-worker', [SCORE_JOB], 30);
    assert.ok(job);
    await ctx.handle.db.updateTable('submissions').set({ status: 'scoring' }).where('id', '=', id).execute();
    // While the lease holds, nobody else may take it.
    assert.equal(await claim(ctx.handle.db, ctx.handle.dialect, 'other', [SCORE_JOB], 30), undefined);
    // Time passes: the lease expires.
    await ctx.handle.db.updateTable('jobs').set({ lease_expires_at: new Date(Date.now() - 1000).toISOString() }).where('id', '=', job!.id).execute();

    // After a restart, a fresh worker finishes it.
    const { startWorkerThreads } = await import('../src/jobs/workers.js');
    const pool = await startWorkerThreads(ctx.config, 1, 50);
    try {
      const row = await waitForTerminal(ctx.handle, id);
      assert.equal(row.status, 'scored');
      assert.ok(row.public_score! > 1);
      const jobRow = await ctx.handle.db.selectFrom('jobs').selectAll().where('id', '=', job!.id).executeTakeFirstOrThrow();
      assert.equal(jobRow.status, 'done');
      assert.equal(jobRow.attempts, 2);
    } finally {
      await pool.stop();
    }
  });

  it('fails the submission, with a reason, when every attempt was interrupted', async () => {
    const id = await queuedSubmission('crash2@example.org');
    for (let attempt = 1; attempt <= 3; attempt++) {
      const job = await claim(ctx.handle.db, ctx.handle.dialect, `doomed-${attempt}`, [SCORE_JOB], 30);
      assert.ok(job, `attempt ${attempt} claims the job`);
      await ctx.handle.db.updateTable('jobs').set({ lease_expires_at: new Date(Date.now() - 1000).toISOString() }).where('id', '=', job!.id).execute();
    }
    const { startWorkerThreads } = await import('../src/jobs/workers.js');
    const pool = await startWorkerThreads(ctx.config, 1, 50);
    try {
      const row = await waitForTerminal(ctx.handle, id);
      assert.equal(row.status, 'failed');
      assert.match(row.error!, /gave up after 3 interrupted attempts/);
      const stuck = await ctx.handle.db.selectFrom('submissions').select('id').where('status', 'in', ['queued', 'scoring']).execute();
      assert.deepEqual(stuck, []);
    } finally {
      await pool.stop();
    }
  });
});
