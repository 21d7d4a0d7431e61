import assert from 'node:assert/strict';
import { collectGarbage, collectGarbageSoon } from './collect-garbage.js';

const nextMacrotask = () => new Promise((resolve) => setImmediate(resolve));

/** A weak reference to an object nothing else holds, returned a macrotask later: V8 keeps a WeakRef's target alive until the job that made it ends. */
async function garbage(rows: number): Promise<WeakRef<object>> {
  const ref = new WeakRef({ rows: new Float64Array(rows) });
  await nextMacrotask();
  return ref;
}

describe('collectGarbage', () => {
  it('frees what nothing references any more, at once', async () => {
    const ref = await garbage(1_000);
    collectGarbage();
    assert.equal(ref.deref(), undefined);
    // Again: the second call reuses the exposed collector.
    const again = await garbage(1_000);
    collectGarbage();
    assert.equal(again.deref(), undefined);
  });

  it('collectGarbageSoon frees it once the current callbacks have run, when the thread has grown by 16 MiB since', async () => {
    const ref = await garbage(4_000_000);
    collectGarbageSoon();
    await nextMacrotask();
    await nextMacrotask();
    assert.equal(ref.deref(), undefined);
  });
});
