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
import { openStorage, type ObjectStorage } from '../src/storage/index.js';
import S3rver from 's3rver';

export const TEST_DB = process.env.TEST_DB === 'postgres' ? 'postgres' : 'sqlite';
export const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** TEST_STORAGE=s3: every test context keeps its files in a bucket of one s3rver started for this test process. */
export const TEST_STORAGE = process.env.TEST_STORAGE === 's3' ? 's3' : 'local';

let s3rver: Promise<{ endpoint: string; close(): Promise<void> }> | null = null;

/** The endpoint of this test process's s3rver (a random port, its objects in a temporary folder), started on first use. */
export function testS3Endpoint(): Promise<string> {
  s3rver ??= (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sift-s3rver-'));
    const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: [{ name: 'sift-test' }] });
    const { port } = await server.run();
    // s3rver takes any signature made with its well-known key; a real bucket's keys come from the environment.
    process.env.AWS_ACCESS_KEY_ID ??= 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'S3RVER';
    return {
      endpoint: `http://127.0.0.1:${port}`,
      close: async () => {
        await server.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  })();
  return s3rver.then((s) => s.endpoint);
}

/** A STORAGE_URL of its own (a fresh key prefix in the shared bucket) for one test context. */
export async function testS3StorageUrl(): Promise<string> {
  return `s3://sift-test/${crypto.randomBytes(6).toString('hex')}?endpoint=${await testS3Endpoint()}`;
}

// A root hook: mocha runs it once after every test file of the process, so the server does not keep it alive.
if (typeof after === 'function') after(async () => (s3rver ? (await s3rver).close() : undefined));

export interface TestContext {
  config: Config;
  handle: DbHandle;
  /** Its storage (STORAGE_URL): local disk under its DATA_DIR, or a bucket prefix with TEST_STORAGE=s3. */
  storage: ObjectStorage;
  app: Express;
  workers: WorkerPool;
  uploads: UploadRuntime;
  close(): Promise<void>;
}

/**
 * A fresh app on its own database: a temporary SQLite file, or its own PostgreSQL schema
 * (dropped on close) so parallel runs never collide. With `peer` (PostgreSQL only), another
 * machine of the same installation: its own DATA_DIR, the peer's database and storage.
 */
export async function createTestContext(
  opts: { workers?: number; challenges?: string[]; configOverrides?: Parameters<typeof loadConfig>[1]; peer?: TestContext } = {},
): Promise<TestContext> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sift-test-'));
  if (opts.peer && TEST_DB !== 'postgres') throw new Error('a peer context shares a PostgreSQL database: run it with TEST_DB=postgres');
  const ownSchema = TEST_DB === 'postgres' && !opts.peer ? `test_${process.pid}_${crypto.randomBytes(4).toString('hex')}` : undefined;
  const schema = opts.peer ? opts.peer.config.DATABASE_SCHEMA : ownSchema;
  const storageUrl = opts.peer ? opts.peer.config.STORAGE_URL : TEST_STORAGE === 's3' ? await testS3StorageUrl() : undefined;
  const config = loadConfig(
    {},
    {
      DATA_DIR: dataDir,
      DATASETS_DIR: path.join(repoRoot, 'datasets'),
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: schema ? POSTGRES_URL : undefined,
      DATABASE_SCHEMA: schema,
      STORAGE_URL: storageUrl,
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
  const storage = openStorage(config.STORAGE_URL, config.dataDir);
  for (const slug of opts.challenges ?? []) await importChallengeFolder(handle.db, storage, path.join(repoRoot, 'datasets', slug));
  const workers = await startWorkerThreads(config, opts.workers ?? 1, 50);
  const uploads = startUploadRuntime(config);
  // Tests change crowd workflows straight in the database too: no workflow cache unless a test sets
  // CROWD_WORKFLOW_CACHE_MS (test/crowd-workflow-cache.test.ts).
  const workflowCache = process.env.CROWD_WORKFLOW_CACHE_MS;
  process.env.CROWD_WORKFLOW_CACHE_MS ??= '0';
  const app = buildApp({ config, db: handle, storage, nudgeWorkers: workers.nudge, secureCookies: false, uploads });
  if (workflowCache === undefined) delete process.env.CROWD_WORKFLOW_CACHE_MS;
  return {
    config,
    handle,
    storage,
    app,
    workers,
    uploads,
    async close() {
      await Promise.all([workers.stop(), uploads.close()]);
      storage.close();
      await handle.destroy();
      if (ownSchema) {
        const client = new pg.Client({ connectionString: POSTGRES_URL });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS ${ownSchema} CASCADE`);
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

/** A stored object's bytes (a challenge file: fileKeyIn(c.folder_key, name)). */
export async function storedBytes(storage: ObjectStorage, key: string): Promise<Buffer> {
  return Buffer.concat(await (await storage.get(key)).toArray());
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
