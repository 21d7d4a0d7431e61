import crypto from 'node:crypto';
import { CompiledQuery, type Compilable } from 'kysely';
import type { Db } from './index.js';

/** Stands for argument `i` while a query is compiled once; never sent to the database. */
const TAG = `sift-arg-${crypto.randomUUID()}`;
const placeholder = (i: number) => `${TAG}-${i}`;
const PLACEHOLDER = new RegExp(`^${TAG}-(\\d+)$`);

interface Compiled {
  sql: string;
  /** Each parameter: the index of the argument it takes, or a value fixed by the query itself. */
  slots: Array<{ arg: number } | { value: unknown }>;
}

/**
 * A query for a hot path, built with Kysely once per shape and dialect, then run with new argument
 * values. Kysely builds and compiles a query afresh on every call, immutable node by node: on the
 * crowd's serve and vote and the leaderboard's reads that was about an eighth of the server's CPU
 * (bench:crowd and bench:leaderboard under --cpu-prof).
 *
 * `build` receives stand-ins for the arguments, so each argument must be a plain value that goes
 * into the query as a parameter (not a list, not something the query reads a property of or
 * branches on). What changes the query's text (a condition added or not) goes in `shape`, a string
 * naming the variant; `build` is called once per shape. A stand-in found in the text throws.
 */
export function reusableQuery<A extends unknown[], O>(build: (db: Db, shape: string, ...args: A) => Compilable<O>): (db: Db, shape: string, ...args: A) => Promise<O[]> {
  // Per adapter (one per dialect and database handle, shared by its transactions), then per shape.
  const compiledBy = new WeakMap<object, Map<string, Compiled>>();
  const compile = (db: Db, shape: string, arity: number): Compiled => {
    const stand = Array.from({ length: arity }, (_, i) => placeholder(i)) as A;
    const query = build(db, shape, ...stand).compile();
    if (query.sql.includes(TAG)) throw new Error(`reusableQuery: an argument went into the text of the query (shape '${shape}'), not into a parameter`);
    const slots = query.parameters.map((p) => {
      const m = typeof p === 'string' ? PLACEHOLDER.exec(p) : null;
      return m ? { arg: Number(m[1]) } : { value: p };
    });
    return { sql: query.sql, slots };
  };
  return async (db, shape, ...args) => {
    const adapter = db.getExecutor().adapter;
    let shapes = compiledBy.get(adapter);
    if (!shapes) compiledBy.set(adapter, (shapes = new Map()));
    let compiled = shapes.get(shape);
    if (!compiled) shapes.set(shape, (compiled = compile(db, shape, args.length)));
    const parameters = compiled.slots.map((s) => ('arg' in s ? args[s.arg] : s.value));
    const result = await db.executeQuery<O>(CompiledQuery.raw(compiled.sql, parameters));
    return result.rows;
  };
}
