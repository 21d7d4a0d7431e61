import path from 'node:path';
import type { Config } from '../config.js';
import { migrate, openDb, type DbHandle } from './index.js';

/** Opens the configured database (PostgreSQL when DATABASE_URL is set, else the SQLite file) and migrates it. */
export async function openConfiguredDb(config: Config, opts: { migrate?: boolean; poolSize?: number } = {}): Promise<DbHandle> {
  const handle = openDb({
    databaseUrl: config.DATABASE_URL,
    schema: config.DATABASE_SCHEMA,
    sqliteFile: path.join(config.dataDir, 'sift.sqlite'),
    poolSize: opts.poolSize,
  });
  if (opts.migrate !== false) await migrate(handle, config.DATABASE_SCHEMA);
  return handle;
}
