import path from 'node:path';
import { z } from 'zod';

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  /** PostgreSQL URL; when absent Sift uses the SQLite file DATA_DIR/sift.sqlite. */
  DATABASE_URL: z.string().url().optional(),
  /** PostgreSQL schema to use (tests give each run its own). */
  DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/).optional(),
  DATA_DIR: z.string().default('data'),
  /**
   * Where challenge files, accepted submissions and baselines live (src/storage/index.ts): unset for
   * DATA_DIR on this machine, file:///path, or s3://bucket/prefix?endpoint=… shared by web and worker
   * processes on several machines. DATA_DIR then holds only this process's caches and uploads in flight.
   */
  STORAGE_URL: z.string().optional(),
  DATASETS_DIR: z.string().default('datasets'),
  /** Largest accepted upload, in megabytes. */
  MAX_UPLOAD_MB: z.coerce.number().positive().default(200),
  /** Largest upload once decompressed, in megabytes (default MAX_UPLOAD_MB); also never more than the challenge's row count can need. */
  MAX_DECOMPRESSED_MB: z.coerce.number().positive().optional(),
  /** Worker threads that parse and validate uploads (default: 2, or 1 on a machine with 2 or fewer cores). */
  VALIDATION_THREADS: z.coerce.number().int().positive().optional(),
  /** Uploads one user may have being received or validated at once, per web process. */
  UPLOADS_IN_FLIGHT_PER_USER: z.coerce.number().int().positive().default(2),
  /** Rejected uploads (invalid or too large files) one user may make per hour, across processes. */
  REJECTED_UPLOADS_PER_HOUR: z.coerce.number().int().positive().default(20),
  /** Scoring worker threads started by the web process (0: use `sift worker` processes only). */
  SCORING_WORKERS: z.coerce.number().int().min(0).default(1),
  /** Seconds a claimed job stays leased before another worker may take it. */
  JOB_LEASE_SECONDS: z.coerce.number().int().positive().default(120),
  SESSION_DAYS: z.coerce.number().positive().default(14),
  /** How long a session lookup may be reused (ms); a logout or role change in another process shows within this. 0 turns the cache off. */
  SESSION_CACHE_MS: z.coerce.number().int().min(0).default(2000),
  /**
   * Which proxies may set X-Forwarded-For (Express's `trust proxy`): unset or `false` trusts none, so
   * clients cannot pick their own address; else a hop count, `loopback`, or a comma-separated list of
   * addresses and CIDR ranges.
   */
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((v): boolean | number | string => {
      const t = v?.trim() ?? '';
      if (t === '' || t === 'false' || t === '0') return false;
      if (t === 'true') return true;
      return /^\d+$/.test(t) ? Number(t) : t;
    }),
  /** Log-in and sign-up posts per client address per 15 minutes (default 50; 10,000 under NODE_ENV=test). */
  LOGIN_RATE_LIMIT: z.coerce.number().int().positive().optional(),
  /** Log-in attempts to one account without a success (from any address) before it answers 429 for the rest of the window. */
  LOGIN_MAX_FAILURES: z.coerce.number().int().positive().default(10),
  LOGIN_FAILURE_WINDOW_MINUTES: z.coerce.number().positive().default(15),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NODE_ENV: z.string().default('development'),
  /** Import datasets/* and create the admin on an empty database at start. */
  SEED_ON_START: z
    .enum(['true', 'false', '1', '0'])
    .default('true')
    .transform((v) => v === 'true' || v === '1'),
});

export type Config = z.infer<typeof schema> & { dataDir: string; datasetsDir: string };

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Record<keyof z.infer<typeof schema>, unknown>> = {}): Config {
  const parsed = schema.safeParse({ ...env, ...overrides });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const c = parsed.data;
  return { ...c, dataDir: path.resolve(c.DATA_DIR), datasetsDir: path.resolve(c.DATASETS_DIR) };
}
