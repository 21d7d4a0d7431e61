import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createTestContext, datasetFile, jobRow, signedInAgent, waitForJobSettled, waitForRow, waitForTerminal, type TestContext } from './helpers.js';
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
      // The worker writes the score first and completes the job right after: each wait is for the state it checks.
      const jobRow = await waitForJobSettled(ctx.handle, job!.id);
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

describe('job leases are kept alive while a long job runs', function () {
  let ctx: TestContext;
  before(async () => {
    ctx = await createTestContext({ challenges: [], workers: 0 });
  });
  after(async () => ctx.close());

  const SLOW = 'test-slow';
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('a job running past its lease is not claimed by a second worker', async () => {
    const { enqueue } = await import('../src/jobs/queue.js');
    const { JobRunner } = await import('../src/jobs/runner.js');
    const jobId = await enqueue(ctx.handle.db, SLOW, {});
    let runs = 0;
    const slow = { run: async () => { runs++; await sleep(2500); }, giveUp: async () => {} };
    const first = new JobRunner(ctx.handle, { [SLOW]: slow }, { leaseSeconds: 1, heartbeatMs: 200, owner: 'first' });
    const second = new JobRunner(ctx.handle, { [SLOW]: slow }, { leaseSeconds: 1, heartbeatMs: 200, owner: 'second' });
    const running = first.runOnce();
    await waitForRow(`job ${jobId} claimed by the first worker`, jobRow(ctx.handle, jobId), (j) => j.lease_owner === 'first');
    // The lease is one second; the job takes 2.5. Without a heartbeat the second worker would take it up.
    for (let t = 0; t < 10; t++) {
      await sleep(200);
      assert.equal(await second.runOnce(), false, `second worker found nothing to claim at ${(t + 1) * 200} ms`);
    }
    assert.equal(await running, true);
    assert.equal(runs, 1);
    const row = await ctx.handle.db.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirstOrThrow();
    assert.equal(row.status, 'done');
    assert.equal(row.attempts, 1);
  });

  it('a worker that lost its lease is told to stop and writes nothing over the new owner', async () => {
    const { enqueue } = await import('../src/jobs/queue.js');
    const { JobRunner } = await import('../src/jobs/runner.js');
    const jobId = await enqueue(ctx.handle.db, SLOW, {});
    let aborted: unknown = null;
    const handler = {
      run: async (_p: unknown, _j: unknown, lease: AbortSignal) => {
        for (let i = 0; i < 30; i++) {
          await sleep(100);
          if (lease.aborted) {
            aborted = lease.reason;
            lease.throwIfAborted();
          }
        }
      },
      giveUp: async () => {},
    };
    const runner = new JobRunner(ctx.handle, { [SLOW]: handler }, { leaseSeconds: 1, heartbeatMs: 100, owner: 'stalled' });
    const running = runner.runOnce();
    await waitForRow(`job ${jobId} claimed`, jobRow(ctx.handle, jobId), (j) => j.lease_owner === 'stalled');
    // Another worker took the job over (as after a stall past the lease).
    await ctx.handle.db.updateTable('jobs').set({ lease_owner: 'usurper', attempts: 2 }).where('id', '=', jobId).execute();
    assert.equal(await running, true);
    assert.match(String(aborted), /lease lost/);
    const row = await ctx.handle.db.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirstOrThrow();
    assert.equal(row.status, 'running', 'the usurper still holds it');
    assert.equal(row.lease_owner, 'usurper');
    assert.equal(row.last_error, null);
  });
});
