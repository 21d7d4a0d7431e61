import assert from 'node:assert/strict';
import { collectingAfterEachJob } from './handlers.js';
import type { Job } from './queue.js';

const nextMacrotask = () => new Promise((resolve) => setImmediate(resolve));

describe('collectingAfterEachJob', () => {
  const job = { id: 1 } as unknown as Job;
  const lease = new AbortController().signal;

  it('runs each handler with its arguments, and frees what the job left behind once it is done', async () => {
    let seen: unknown[] = [];
    let left: WeakRef<object> | undefined;
    const handlers = collectingAfterEachJob({
      score: {
        run: async (...args) => {
          seen = args;
          // 32 MiB: enough growth for a collection (collect-garbage.ts).
          left = new WeakRef({ rows: new Float64Array(4_000_000) });
        },
        giveUp: async () => undefined,
      },
    });
    await handlers.score.run({ submissionId: 7 }, job, lease);
    assert.deepEqual(seen, [{ submissionId: 7 }, job, lease]);
    await nextMacrotask();
    await nextMacrotask();
    assert.equal(left!.deref(), undefined);
  });

  it('passes a handler failure on, and keeps giveUp as it was', async () => {
    const reasons: string[] = [];
    const handlers = collectingAfterEachJob({
      score: { run: async () => Promise.reject(new Error('the stored file is damaged')), giveUp: async (_payload, reason) => void reasons.push(reason) },
    });
    await assert.rejects(handlers.score.run({ submissionId: 8 }, job, lease), /the stored file is damaged/);
    await handlers.score.giveUp({ submissionId: 8 }, 'attempts used up');
    assert.deepEqual(reasons, ['attempts used up']);
  });
});
