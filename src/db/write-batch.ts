/**
 * Group commit for small concurrent write transactions on SQLite (the crowd's votes). Each commit
 * writes the touched pages to the WAL, which cost more than the vote's own statements; votes that
 * arrive together now share one transaction, each inside its own savepoint, so one vote's error
 * rolls back that vote only. PostgreSQL runs each unit in its own transaction as before (there the
 * connections work in parallel).
 */
import { sql, type Transaction } from 'kysely';
import type { DbHandle } from './index.js';
import type { Database } from './schema.js';

type Unit<T> = { fn: (tx: Transaction<Database>) => Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void };

const MAX_BATCH = 64;
const batchers = new WeakMap<DbHandle, Batcher>();

class Batcher {
  private queue: Array<Unit<any>> = [];
  private draining = false;
  constructor(private readonly handle: DbHandle) {}

  run<T>(fn: Unit<T>['fn']): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue.splice(0, MAX_BATCH);
      const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
      try {
        await this.handle.db.transaction().execute(async (tx) => {
          for (const unit of batch) {
            await sql`savepoint sift_unit`.execute(tx);
            try {
              outcomes.push({ ok: true, value: await unit.fn(tx) });
              await sql`release savepoint sift_unit`.execute(tx);
            } catch (error) {
              outcomes.push({ ok: false, error });
              await sql`rollback to savepoint sift_unit`.execute(tx);
              await sql`release savepoint sift_unit`.execute(tx);
            }
          }
        });
      } catch (error) {
        // The commit itself failed: nothing of this batch was stored.
        batch.forEach((u) => u.reject(error));
        continue;
      }
      batch.forEach((u, i) => {
        const o = outcomes[i];
        if (o.ok) u.resolve(o.value);
        else u.reject(o.error);
      });
    }
    this.draining = false;
  }
}

/** Runs `fn` in a transaction: its own on PostgreSQL, a shared group-commit one on SQLite. */
export function batchedTransaction<T>(handle: DbHandle, fn: (tx: Transaction<Database>) => Promise<T>): Promise<T> {
  if (handle.dialect === 'postgres') return handle.db.transaction().execute(fn);
  let b = batchers.get(handle);
  if (!b) batchers.set(handle, (b = new Batcher(handle)));
  return b.run(fn);
}
