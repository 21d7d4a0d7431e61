import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { CompiledQuery, Kysely, Migrator, PostgresDialect, SqliteDialect, SqliteDriver, sql, type DatabaseConnection, type Driver, type SqliteDatabase, type SqliteDialectConfig } from 'kysely';
import type { Database } from './schema.js';
import { migrationProvider } from './migrations/index.js';

export type DbDialect = 'sqlite' | 'postgres';
/**
 * The database parameter: a function takes the narrowest it needs. `db: Db` (a Kysely instance or a
 * transaction) is the rule, for repos (repo.ts) and services alike, so any of them can run inside a
 * caller's transaction; `tx: Transaction<Database>` where it must run inside one; the `DbDialect`
 * beside `db` where a query differs by dialect. Only a function that opens its own transaction or
 * reads the dialect takes `handle: DbHandle`, and nothing takes `Db | DbHandle`
 * (src/db/parameters.test.ts checks all three).
 */
export type Db = Kysely<Database>;

export interface DbHandle {
  db: Db;
  dialect: DbDialect;
  destroy(): Promise<void>;
}

export interface DbOptions {
  databaseUrl?: string;
  /** PostgreSQL schema; created when missing. */
  schema?: string;
  /** SQLite file, used when databaseUrl is absent. */
  sqliteFile: string;
  /** Connections in the PostgreSQL pool. */
  poolSize?: number;
}

// PostgreSQL returns COUNT(*) and other int8 values as strings; our counts fit in a double.
pg.types.setTypeParser(20, (v) => Number(v));

/**
 * Transactions take SQLite's write lock at BEGIN. A deferred transaction that reads and then
 * writes fails at once with SQLITE_BUSY when a worker thread wrote in between; an immediate one
 * waits its turn under busy_timeout instead.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly sqliteConfig: SqliteDialectConfig) {
    super(sqliteConfig);
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.sqliteConfig);
  }
}

/**
 * Kysely prepares every statement afresh; on the vote path preparing cost as much as running.
 * better-sqlite3 statements are reusable (and SQLite re-prepares them after a schema change),
 * so keep the most recent ones by SQL text. One connection runs one query at a time, so a cached
 * statement is never in use twice; a statement still being iterated (a stream) is not reused.
 */
function withStatementCache(file: SQLite.Database, size = 256): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => file.close(),
    prepare(text: string) {
      let stmt = cache.get(text);
      if (stmt && !stmt.busy) {
        cache.delete(text); // re-insert: Map order is least recently used first
        cache.set(text, stmt);
        return stmt;
      }
      stmt = file.prepare(text);
      cache.set(text, stmt);
      if (cache.size > size) cache.delete(cache.keys().next().value!);
      return stmt;
    },
  };
}

/** Statements named (prepared once per connection) per process at most: texts with variable IN lists must not pile up. */
const MAX_NAMED_STATEMENTS = 512;

/**
 * PostgreSQL parses and plans every unnamed statement afresh, as SQLite did before its statement
 * cache; on the vote path that was a large share of each statement's cost. A parameterised text
 * seen a second time gets a name, so each connection prepares it once and then only binds and
 * executes it (node-postgres keeps the names per connection). Texts without parameters (BEGIN,
 * COMMIT, DDL) stay unnamed, so a migration never meets a plan prepared before it.
 */
function withNamedStatements(pool: pg.Pool): pg.Pool {
  const seen = new Map<string, string | null>();
  let named = 0;
  const nameFor = (text: string): string | undefined => {
    const name = seen.get(text);
    if (name) return name;
    if (name === null) {
      if (named >= MAX_NAMED_STATEMENTS) return undefined;
      const assigned = `sift_${named++}`;
      seen.set(text, assigned);
      return assigned;
    }
    if (seen.size < MAX_NAMED_STATEMENTS * 4) seen.set(text, null);
    return undefined;
  };
  const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
  return Object.assign(Object.create(pool) as pg.Pool, {
    async connect() {
      const client = await connect();
      const query = client.query.bind(client) as (...a: unknown[]) => unknown;
      return Object.assign(Object.create(client) as pg.PoolClient, {
        query(text: unknown, values?: unknown[]) {
          const name = typeof text === 'string' && values?.length ? nameFor(text) : undefined;
          return name ? query({ name, text, values }) : values === undefined ? query(text) : query(text, values);
        },
        release: (err?: Error | boolean) => client.release(err),
      });
    },
    end: () => pool.end(),
  });
}

export function openDb(opts: DbOptions): DbHandle {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: opts.poolSize ?? 10,
      ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: process.env.SIFT_PG_NAMED_STATEMENTS === '0' ? pool : withNamedStatements(pool) }) });
    return { db, dialect: 'postgres', destroy: () => db.destroy() };
  }
  fs.mkdirSync(path.dirname(path.resolve(opts.sqliteFile)), { recursive: true });
  const file = new SQLite(opts.sqliteFile);
  file.pragma('journal_mode = WAL');
  file.pragma('busy_timeout = 10000');
  file.pragma('foreign_keys = ON');
  file.pragma('synchronous = NORMAL');
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(file) }) });
  return { db, dialect: 'sqlite', destroy: () => db.destroy() };
}

/**
 * Kysely's migrator asks whether its tables exist by listing every column of every schema, calling
 * has_schema_privilege on each schema's name. A schema dropped meanwhile (another test process ending)
 * makes that call fail with 'schema ... does not exist', and the listing grows with every schema in
 * the database. The migrator only needs its own schema, so it is given an introspector that lists
 * that schema's tables alone. Kysely's methods read private fields, hence a Proxy rather than a copy.
 */
function withSchemaIntrospection(db: Kysely<Database>, schema: string): Kysely<Database> {
  const introspection = {
    getSchemas: async () => (await sql<{ name: string }>`SELECT nspname AS name FROM pg_catalog.pg_namespace WHERE nspname = ${schema}`.execute(db)).rows,
    getTables: async () =>
      (await sql<{ name: string; schema: string }>`SELECT tablename AS name, schemaname AS schema FROM pg_catalog.pg_tables WHERE schemaname = ${schema}`.execute(db)).rows.map((t) => ({ ...t, isView: false, columns: [] })),
    getMetadata: async () => ({ tables: [] }),
  };
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'introspection') return introspection;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export async function migrate(handle: DbHandle, schema?: string): Promise<void> {
  if (handle.dialect === 'postgres' && schema) {
    await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(schema)}`.execute(handle.db);
  }
  // Each PostgreSQL schema keeps its own migration tables, so test runs in other schemas never share a lock.
  const migrator = new Migrator({
    db: handle.dialect === 'postgres' && schema ? withSchemaIntrospection(handle.db, schema) : handle.db,
    provider: migrationProvider(handle.dialect),
    ...(handle.dialect === 'postgres' && schema ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`Database migration failed${failed ? ` at ${failed.migrationName}` : ''}: ${String(error)}`);
  }
}

export const nowIso = (): string => new Date().toISOString();
