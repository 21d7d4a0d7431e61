/**
 * Group commit for small concurrent write transactions (the crowd's votes).
 *
 * SQLite: each commit writes the touched pages to the WAL, which cost more than the vote's own
 * statements; units that arrive together share one transaction, each inside its own savepoint, so
 * one unit's error rolls back that unit only.
 *
 * PostgreSQL: units run side by side on the pool's connections, except those given the same key (the
 * row they all lock, such as a popular subject). Those would queue on the row lock, each holding it
 * for its commit, so units of one key that arrive together share one transaction instead, without
 * savepoints (each would cost two more round trips under the lock): when any unit fails, the shared
 * transaction rolls back and each unit runs again in its own, so a unit's error still undoes that
 * unit only. Other processes' units of that key wait on the row lock as before.
 */
import { sql, type Transaction } from 'kysely';
import type { DbHandle } from './index.js';
import type { Database } from './schema.js';

type Unit<T> = { fn: (tx: Transaction<Database>) => Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void; together?: Together<T> };

/**
 * PostgreSQL: how units of one key that arrive together run as one, with multi-row statements
 * instead of each unit's own; `item` is this unit's input to `run`, which returns the units'
 * results in order, or throws to have each run alone.
 */
export interface Together<T> {
  item: unknown;
  run: (tx: Transaction<Database>, items: unknown[]) => Promise<T[]>;
}

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

/** PostgreSQL: one queue per key; a key's units run one batch at a time, keys side by side. */
class KeyedBatcher {
  private readonly queues = new Map<string, Array<Unit<any>>>();
  constructor(private readonly handle: DbHandle) {}

  run<T>(key: string, fn: Unit<T>['fn'], together?: Together<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const queue = this.queues.get(key);
      if (queue) return void queue.push({ fn, resolve, reject, together });
      this.queues.set(key, [{ fn, resolve, reject, together }]);
      setImmediate(() => void this.drain(key));
    });
  }

  private async drain(key: string): Promise<void> {
    const queue = this.queues.get(key)!;
    while (queue.length) {
      const batch = queue.splice(0, MAX_BATCH);
      if (batch.length > 1) {
        let values: unknown[] | undefined;
        try {
          const together = batch.every((u) => u.together) ? batch[0].together! : null;
          values = await this.handle.db.transaction().execute(async (tx) => {
            if (together) return together.run(tx, batch.map((u) => u.together!.item));
            const out: unknown[] = [];
            for (const unit of batch) out.push(await unit.fn(tx));
            return out;
          });
        } catch {
          // Some unit failed (or the commit did): nothing of the batch was stored; each runs alone below.
        }
        if (values) {
          batch.forEach((u, i) => u.resolve(values[i]));
          continue;
        }
      }
      for (const unit of batch) {
        try {
          unit.resolve(await this.handle.db.transaction().execute(unit.fn));
        } catch (error) {
          unit.reject(error);
        }
      }
    }
    this.queues.delete(key);
  }
}
const keyedBatchers = new WeakMap<DbHandle, KeyedBatcher>();

/**
 * Runs `fn` in a transaction: on SQLite a shared group-commit one; on PostgreSQL its own, or one
 * shared with the units of the same `key` that arrive meanwhile. `fn` may run twice on PostgreSQL
 * (once in a batch that fails, once alone), so it keeps its state inside. With `together`, units
 * of one key that arrive together on PostgreSQL run through `together.run` in one transaction
 * instead, and each alone through `fn` when that throws.
 */
export function batchedTransaction<T>(handle: DbHandle, fn: (tx: Transaction<Database>) => Promise<T>, opts: { key?: string; together?: Together<T> } = {}): Promise<T> {
  if (handle.dialect === 'postgres') {
    if (opts.key === undefined) return handle.db.transaction().execute(fn);
    let kb = keyedBatchers.get(handle);
    if (!kb) keyedBatchers.set(handle, (kb = new KeyedBatcher(handle)));
    return kb.run(opts.key, fn, opts.together);
  }
  let b = batchers.get(handle);
  if (!b) batchers.set(handle, (b = new Batcher(handle)));
  return b.run(fn);
}
