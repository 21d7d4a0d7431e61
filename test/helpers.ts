import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import pg from 'pg';
import request from 'supertest';
import type { Express } from 'express';
import { loadConfig, type Config } from '../src/config.js';
import { buildApp } from '../src/app.js';
import { repoRoot } from '../src/paths.js';
import { openConfiguredDb } from '../src/db/open.js';
import type { DbHandle } from '../src/db/index.js';
import { startWorkerThreads, type WorkerPool } from '../src/jobs/workers.js';
import { importChallengeFolder } from '../src/challenges/service.js';
import { startUploadRuntime, type UploadRuntime } from '../src/submissions/upload-runtime.js';

export const TEST_DB = process.env.TEST_DB === 'postgres' ? 'postgres' : 'sqlite';
export const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestContext {
  config: Config;
  handle: DbHandle;
  app: Express;
  workers: WorkerPool;
  uploads: UploadRuntime;
  close(): Promise<void>;
}

/**
 * A fresh app on its own database: a temporary SQLite file, or its own PostgreSQL schema
 * (dropped on close) so parallel runs never collide.
 */
export async function createTestContext(
  opts: { workers?: number; challenges?: string[]; configOverrides?: Parameters<typeof loadConfig>[1] } = {},
): Promise<TestContext> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sift-test-'));
  const schema = TEST_DB === 'postgres' ? `test_${process.pid}_${crypto.randomBytes(4).toString('hex')}` : undefined;
  const config = loadConfig(
    {},
    {
      DATA_DIR: dataDir,
      DATASETS_DIR: path.join(repoRoot, 'datasets'),
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: schema ? POSTGRES_URL : undefined,
      DATABASE_SCHEMA: schema,
      JOB_LEASE_SECONDS: 30,
      // Tests change roles straight in the database, as another process would: no session cache
      // unless a test asks for it (test/session-cache.test.ts).
      SESSION_CACHE_MS: 0,
      // Test files send many bad files and parallel uploads from one user: the abuse limits are
      // tested on their own (test/upload-abuse.test.ts).
      REJECTED_UPLOADS_PER_HOUR: 100_000,
      UPLOADS_IN_FLIGHT_PER_USER: 1000,
      ...opts.configOverrides,
    },
  );
  const handle = await openConfiguredDb(config);
  for (const slug of opts.challenges ?? []) await importChallengeFolder(handle, dataDir, path.join(repoRoot, 'datasets', slug));
  const workers = await startWorkerThreads(config, opts.workers ?? 1, 50);
  const uploads = startUploadRuntime(config);
  const app = buildApp({ config, db: handle, nudgeWorkers: workers.nudge, secureCookies: false, uploads });
  return {
    config,
    handle,
    app,
    workers,
    uploads,
    async close() {
      await Promise.all([workers.stop(), uploads.close()]);
      await handle.destroy();
      if (schema) {
        const client = new pg.Client({ connectionString: POSTGRES_URL });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await client.end();
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const csrfFrom = (html: string): string => {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token in page');
  return m[1];
};

/** A signed-in supertest agent and its CSRF token. */
export async function signedInAgent(app: Express, email: string, name = email.split('@')[0]) {
  const agent = request.agent(app);
  const form = await agent.get('/signup').expect(200);
  await agent.post('/signup').type('form').send({ _csrf: csrfFrom(form.text), email, name, password: 'correct horse battery' }).expect(303);
  const page = await agent.get('/').expect(200);
  return { agent, csrf: csrfFrom(page.text) };
}

/** Reads a row until `reached` holds; after timeoutMs, fails saying which status it stayed in. */
export async function waitForRow<T extends { status: string }>(what: string, read: () => Promise<T>, reached: (row: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const row = await read();
    if (reached(row)) return row;
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: still ${row.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const submissionRow = (handle: DbHandle, id: number) => () => handle.db.selectFrom('submissions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
export const jobRow = (handle: DbHandle, id: number) => () => handle.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

export const waitForTerminal = (handle: DbHandle, submissionId: number, timeoutMs = 20_000) =>
  waitForRow(`submission ${submissionId}`, submissionRow(handle, submissionId), (s) => s.status === 'scored' || s.status === 'failed', timeoutMs);

/** A job once its runner has finished with it: done, or failed for good. */
export const waitForJobSettled = (handle: DbHandle, jobId: number, timeoutMs = 20_000) =>
  waitForRow(`job ${jobId}`, jobRow(handle, jobId), (j) => j.status === 'done' || j.status === 'failed', timeoutMs);

export const datasetFile = (slug: string, name: string): string => path.join(repoRoot, 'datasets', slug, name);

/** Every route of an Express 5 app: walks app.router.stack and nested routers' handle.stack. */
export function listRoutes(app: Express): Array<{ method: string; path: string }> {
  const out: Array<{ method: string; path: string }> = [];
  const walk = (stack: any[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths: string[] = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const p of paths) for (const m of Object.keys(layer.route.methods).filter((k) => k !== '_all')) out.push({ method: m, path: prefix + p });
      } else if (Array.isArray(layer.handle?.stack)) {
        const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        walk(layer.handle.stack, prefix + mount);
      }
    }
  };
  walk((app as any).router.stack, '');
  return out;
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/src/cli/main.js ...` asynchronously (a test's server lives in this process), with exactly `env` (unset keys dropped). */
export function runCli(args: string[], env: Record<string, string | undefined>, cwd?: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const childEnv: NodeJS.ProcessEnv = { ...env };
    for (const k of Object.keys(childEnv)) if (childEnv[k] === undefined) delete childEnv[k];
    const child = spawn(process.execPath, [path.join(repoRoot, 'dist', 'src', 'cli', 'main.js'), ...args], { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
