/**
 * A full garbage collection, for the threads that validate uploads and run jobs, after a task that
 * left much behind. V8 frees the Buffers and typed arrays a task leaves (an upload's bytes, a parsed
 * prediction) only when it collects, and each thread let tens of MiB of them build up before it did:
 * in `npm run bench` (docs/performance.md), back to back, the server's peak RSS went from 396–450 MiB
 * to 357–364 MiB. A full collection costs tens of milliseconds, as much as scoring a small
 * submission: after every task, bench:scale's small submissions were scored a third as fast. So it
 * runs only once the thread's ArrayBuffers have grown by GROWTH_BYTES since the last one.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

const GROWTH_BYTES = 16 * 1024 * 1024;

let gc: (() => void) | undefined;
let sizeAfterLast = 0;

/**
 * The ArrayBuffers (Buffers, typed arrays) this thread holds, live or not yet collected: what an
 * upload leaves behind. Not the heap's own objects, whose young generation fills and empties by
 * megabytes in every task, nor V8's `external_memory`, which counts freed ArrayBuffers until the
 * collection after next.
 */
function bufferBytes(): number {
  return process.memoryUsage().arrayBuffers;
}

export function collectGarbage(): void {
  if (!gc) {
    // Sift's processes start without --expose-gc; a context made after the flag is set has `gc`.
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  }
  gc();
  sizeAfterLast = bufferBytes();
}

/** A full collection once the current task's callbacks have run (its result sent first), if the thread has grown enough since the last. */
export function collectGarbageSoon(): void {
  setImmediate(() => {
    if (bufferBytes() - sizeAfterLast >= GROWTH_BYTES) collectGarbage();
  });
}
