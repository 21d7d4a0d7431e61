/**
 * Loading and validating a challenge folder (`datasets/<slug>/`):
 *
 *   challenge.yaml              the definition (schema below, snake_case keys)
 *   train.csv[.gz]              training data given to participants
 *   test.csv[.gz]               test features given to participants
 *   solution.csv[.gz]           hidden answer key: id, target, [weight], Usage
 *   sample_submission.csv[.gz]  optional example submission
 *
 * Every problem found is reported at once, in a ChallengeFolderError whose
 * message has one line per problem, prefixed by the file and the YAML key:
 *
 *   datasets/foo/challenge.yaml: closes_at: must be after opens_at
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import zlib from 'node:zlib';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import type { ChallengeDefinition, SubmissionFormat } from './types.js';
import { isGzipFile } from '../gzip.js';
import { checkCrowdConfig, parseCrowdConfig, type CrowdConfig } from '../crowd/display/schema.js';

/** Metric names accepted in challenge.yaml (they match scorers/registry.ts). */
export const METRICS = ['ams', 'accuracy', 'macro_f1', 'log_loss', 'roc_auc'] as const;
export type MetricName = (typeof METRICS)[number];

/** Metrics computed from class probabilities: submissions must carry `proba_<class>` columns. */
export const PROBABILITY_METRICS: ReadonlySet<string> = new Set(['log_loss', 'roc_auc']);

/** Submission formats accepted in challenge.yaml. */
export const FORMATS = ['higgsml', 'label'] as const;

/** Whether a greater score is better, when challenge.yaml does not say. */
export function defaultHigherIsBetter(metric: string): boolean {
  return metric !== 'log_loss';
}

/** The Usage column every solution file carries (Public / Private / Ignored). */
export const USAGE_COLUMN = 'Usage';

/** All the problems of one challenge folder; `problems` holds one line each. */
export class ChallengeFolderError extends Error {
  readonly dir: string;
  readonly problems: string[];
  constructor(dir: string, problems: string[]) {
    super(`Invalid challenge folder ${dir} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` + problems.map((p) => `  ${p}`).join('\n'));
    this.name = 'ChallengeFolderError';
    this.dir = dir;
    this.problems = problems;
  }
}

const SLUG_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** An ISO date (`2025-01-01`, midnight UTC) or date-time with a time zone (`2025-01-01T12:00:00Z`). */
const isoDate = z.union([z.string(), z.date()]).transform((v, ctx) => {
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) ctx.addIssue({ code: 'custom', message: 'is not a valid date' });
    return v;
  }
  const s = v.trim();
  const ok = DATE_RE.test(s) || DATETIME_RE.test(s);
  const d = new Date(DATE_RE.test(s) ? `${s}T00:00:00Z` : s);
  // Date() rolls 2025-02-30 over into March; compare the date part back to catch it.
  if (!ok || Number.isNaN(d.getTime()) || (DATE_RE.test(s) && d.toISOString().slice(0, 10) !== s)) {
    ctx.addIssue({
      code: 'custom',
      message: `must be an ISO date (2025-01-31) or date-time with a time zone (2025-01-31T12:00:00Z), got ${JSON.stringify(v)}`,
    });
    return z.NEVER;
  }
  return d;
});

const nonEmpty = z.string().trim().min(1, { message: 'must not be empty' });
const columnName = z
  .string()
  .min(1, { message: 'must not be empty' })
  .refine((s) => s === s.trim() && !/[\r\n]/.test(s), { message: 'must not have surrounding spaces or line breaks' });

/** `challenge.yaml`, key by key. Unknown keys are errors. */
export const challengeYamlShape = {
  slug: z.string().regex(SLUG_RE, { message: 'must be lowercase letters, digits and single hyphens (e.g. xray-sources)' }),
  title: nonEmpty,
  description: nonEmpty,
  id_column: columnName,
  target_column: columnName,
  weight_column: columnName.nullish(),
  classes: z
    .array(z.union([z.string(), z.number()]).transform((v) => String(v)).pipe(z.string().min(1, { message: 'must not be empty' })))
    .min(2, { message: 'must list at least 2 classes' }),
  format: z.enum(FORMATS, { message: `must be one of ${FORMATS.join(', ')}` }),
  metric: z.enum(METRICS, { message: `must be one of ${METRICS.join(', ')}` }),
  metric_options: z.record(z.string(), z.unknown(), { message: 'must be a mapping' }).nullish(),
  higher_is_better: z.boolean({ message: 'must be true or false' }).optional(),
  opens_at: isoDate,
  closes_at: isoDate,
  daily_limit: z.int({ message: 'must be an integer' }).min(1, { message: 'must be at least 1' }),
  final_selections: z.int({ message: 'must be an integer' }).min(0, { message: 'must be at least 0' }),
  /** Uploads after the close are taken as late submissions (scored, never ranked); default true, as on Kaggle. */
  late_submissions: z.boolean({ message: 'must be true or false' }).optional(),
  citation: nonEmpty.nullish(),
  /** The volunteers' subject page (src/crowd/display/schema.ts), checked below with its own messages. */
  crowd: z.unknown().optional(),
};
export const challengeYamlSchema = z.strictObject(challengeYamlShape);
export type ChallengeYaml = z.infer<typeof challengeYamlSchema>;

/** metric_options for metric ams (keys as the AMS scorer reads them). */
export const amsOptionsSchema = z.strictObject({
  positive_class: z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string().min(1, { message: 'must not be empty' })),
  Ns: z.number({ message: 'must be a number' }).positive({ message: 'must be > 0' }).optional(),
  Nb: z.number({ message: 'must be a number' }).positive({ message: 'must be > 0' }).optional(),
  b_reg: z.number({ message: 'must be a number' }).min(0, { message: 'must be >= 0' }).default(10),
});

type Issue = { path: PropertyKey[]; message: string; code?: string; keys?: string[] };

function formatIssues(issues: readonly Issue[], raw: unknown, prefix: string[] = []): string[] {
  const out: string[] = [];
  for (const iss of issues) {
    const p = [...prefix, ...iss.path.map(String)];
    if (iss.code === 'unrecognized_keys' && iss.keys) {
      for (const k of iss.keys) out.push(`${[...p, k].join('.')}: unknown key`);
      continue;
    }
    let message = iss.message;
    if (iss.code === 'invalid_type' && lookup(raw, iss.path) === undefined) message = 'is required';
    out.push(`${p.length ? p.join('.') : '(top level)'}: ${message}`);
  }
  return out;
}

function lookup(obj: unknown, p: readonly PropertyKey[]): unknown {
  let cur: unknown = obj;
  for (const k of p) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

/** Friendlier messages for zod's type errors. */
function zodErrorMessage(iss: { code: string; expected?: string; input?: unknown }): string | undefined {
  if (iss.code === 'invalid_type') {
    const got = iss.input === null ? 'null' : Array.isArray(iss.input) ? 'a list' : typeof iss.input;
    const want = iss.expected === 'array' ? 'a list' : iss.expected === 'record' || iss.expected === 'object' ? 'a mapping' : `a ${iss.expected}`;
    return `must be ${want}, got ${got}`;
  }
  return undefined;
}

/** `<dir>/<base>.csv` or `<dir>/<base>.csv.gz`, whichever exists (null when none). */
function findDataFile(dir: string, base: string, problems: string[], required: boolean): string | null {
  const plain = path.join(dir, `${base}.csv`);
  const gz = `${plain}.gz`;
  const hasPlain = isFile(plain);
  const hasGz = isFile(gz);
  if (hasPlain && hasGz) {
    problems.push(`${dir}: both ${base}.csv and ${base}.csv.gz exist; keep one`);
    return null;
  }
  if (hasPlain) return path.resolve(plain);
  if (hasGz) return path.resolve(gz);
  if (required) problems.push(`${dir}: missing ${base} file (${base}.csv or ${base}.csv.gz)`);
  return null;
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The header row of a CSV file (gzip detected by magic bytes); null when the file is empty. */
export async function readCsvHeader(file: string): Promise<string[] | null> {
  const raw = fs.createReadStream(file);
  const input = (await isGzipFile(file)) ? raw.pipe(zlib.createGunzip()) : raw;
  const rl = readline.createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of rl) {
      return splitHeader(line.replace(/^\uFEFF/, ''));
    }
    return null;
  } finally {
    rl.close();
    raw.destroy();
    input.destroy();
  }
}

/** Splits a CSV header line (quoted names allowed; no line breaks inside names). */
function splitHeader(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur.replace(/\r$/, ''));
  return out;
}

async function checkHeader(
  file: string | null,
  dir: string,
  problems: string[],
  must: string[],
  mustNot: string[] = [],
): Promise<void> {
  if (!file) return;
  const shown = path.join(dir, path.basename(file));
  let header: string[] | null;
  try {
    header = await readCsvHeader(file);
  } catch (err) {
    problems.push(`${shown}: cannot be read (${(err as Error).message})`);
    return;
  }
  if (!header || header.every((h) => h === '')) {
    problems.push(`${shown}: is empty (no header row)`);
    return;
  }
  const missing = must.filter((c) => !header.includes(c));
  if (missing.length) problems.push(`${shown}: missing column${missing.length > 1 ? 's' : ''} ${missing.map((c) => JSON.stringify(c)).join(', ')} (header: ${header.join(',')})`);
  const leaked = mustNot.filter((c) => header.includes(c));
  if (leaked.length) problems.push(`${shown}: must not contain column${leaked.length > 1 ? 's' : ''} ${leaked.map((c) => JSON.stringify(c)).join(', ')}`);
  const dup = header.filter((h, i) => header.indexOf(h) !== i);
  if (dup.length) problems.push(`${shown}: duplicate column${dup.length > 1 ? 's' : ''} ${[...new Set(dup)].map((c) => JSON.stringify(c)).join(', ')}`);
}

/**
 * Reads and validates a challenge folder. Throws ChallengeFolderError listing
 * every problem (YAML keys, cross-key rules, missing files, file headers).
 */
export async function loadChallengeFolder(dir: string): Promise<ChallengeDefinition> {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    throw new ChallengeFolderError(dir, [`${dir}: folder not found`]);
  }
  if (!st.isDirectory()) throw new ChallengeFolderError(dir, [`${dir}: not a folder`]);

  const problems: string[] = [];
  const yamlPath = path.join(dir, 'challenge.yaml');
  const yamlProblem = (key: string, message: string) => problems.push(`${yamlPath}: ${key}: ${message}`);

  // ---- challenge.yaml
  let raw: unknown = undefined;
  if (!isFile(yamlPath)) {
    problems.push(`${yamlPath}: file not found`);
  } else {
    const doc = parseDocument(fs.readFileSync(yamlPath, 'utf8'), { prettyErrors: true });
    if (doc.errors.length) {
      for (const e of doc.errors) problems.push(`${yamlPath}: invalid YAML: ${e.message.split('\n')[0].replace(/:\s*$/, '')}`);
    } else {
      raw = doc.toJS();
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
        problems.push(`${yamlPath}: must be a YAML mapping of keys (slug, title, ...)`);
        raw = undefined;
      }
    }
  }

  let def: ChallengeYaml | null = null;
  const field = <K extends keyof typeof challengeYamlShape>(key: K): z.output<(typeof challengeYamlShape)[K]> | undefined => {
    if (raw === undefined) return undefined;
    const r = challengeYamlShape[key].safeParse((raw as Record<string, unknown>)[key]);
    return r.success ? (r.data as z.output<(typeof challengeYamlShape)[K]>) : undefined;
  };
  let metricOptions: Record<string, unknown> = {};
  let crowd: CrowdConfig | null = null;

  if (raw !== undefined) {
    const parsed = challengeYamlSchema.safeParse(raw, { error: (iss) => zodErrorMessage(iss as never) });
    if (parsed.success) def = parsed.data;
    else for (const line of formatIssues(parsed.error.issues as Issue[], raw)) problems.push(`${yamlPath}: ${line}`);

    // Cross-key rules, checked on the keys that are individually valid.
    const opensAt = field('opens_at');
    const closesAt = field('closes_at');
    if (opensAt && closesAt && closesAt.getTime() <= opensAt.getTime()) yamlProblem('closes_at', 'must be after opens_at');

    const idColumn = field('id_column');
    const targetColumn = field('target_column');
    const weightColumn = field('weight_column');
    if (idColumn && targetColumn && idColumn === targetColumn) yamlProblem('target_column', 'must differ from id_column');
    if (weightColumn && (weightColumn === idColumn || weightColumn === targetColumn)) yamlProblem('weight_column', 'must differ from id_column and target_column');
    for (const [key, col] of [['id_column', idColumn], ['target_column', targetColumn], ['weight_column', weightColumn]] as const) {
      if (col === USAGE_COLUMN) yamlProblem(key, `"${USAGE_COLUMN}" is reserved for the solution's Usage column`);
    }

    const classes = field('classes');
    if (classes) {
      const dup = classes.filter((c, i) => classes.indexOf(c) !== i);
      if (dup.length) yamlProblem('classes', `duplicate class${dup.length > 1 ? 'es' : ''} ${[...new Set(dup)].join(', ')}`);
    }

    const metric = field('metric');
    const format = field('format');
    const options = field('metric_options') ?? {};
    const binaryOnly = metric === 'ams' || format === 'higgsml';
    if (classes && binaryOnly && classes.length !== 2) {
      yamlProblem('classes', `${format === 'higgsml' ? 'format higgsml' : 'metric ams'} needs exactly 2 classes, got ${classes.length}`);
    }
    if (format === 'higgsml' && metric && PROBABILITY_METRICS.has(metric)) {
      yamlProblem('metric', `${metric} needs class probabilities, which format higgsml does not carry (use format label)`);
    }
    if (metric === 'ams') {
      const r = amsOptionsSchema.safeParse(options, { error: (iss) => zodErrorMessage(iss as never) });
      if (!r.success) {
        for (const line of formatIssues(r.error.issues as Issue[], options, ['metric_options'])) problems.push(`${yamlPath}: ${line}`);
      } else {
        metricOptions = r.data;
        if (classes && !classes.includes(r.data.positive_class)) {
          yamlProblem('metric_options.positive_class', `${JSON.stringify(r.data.positive_class)} is not one of the classes (${classes.join(', ')})`);
        }
      }
    } else {
      metricOptions = { ...options };
      if ('positive_class' in options && classes && !classes.includes(String(options.positive_class))) {
        yamlProblem('metric_options.positive_class', `${JSON.stringify(options.positive_class)} is not one of the classes (${classes.join(', ')})`);
      }
    }
    const higherIsBetter = field('higher_is_better');
    if (metric && higherIsBetter !== undefined && higherIsBetter !== defaultHigherIsBetter(metric)) {
      yamlProblem('higher_is_better', `${metric} is ${defaultHigherIsBetter(metric) ? 'higher' : 'lower'}-is-better; set ${defaultHigherIsBetter(metric)} or leave the key out`);
    }
    const rawCrowd = (raw as Record<string, unknown>).crowd;
    if (rawCrowd !== undefined && rawCrowd !== null) {
      const r = parseCrowdConfig(rawCrowd);
      if (r.ok) crowd = r.config;
      else for (const line of r.problems) problems.push(`${yamlPath}: ${line}`);
    }
  }

  // ---- files
  const train = findDataFile(dir, 'train', problems, true);
  const test = findDataFile(dir, 'test', problems, true);
  const solution = findDataFile(dir, 'solution', problems, true);
  const sampleSubmission = findDataFile(dir, 'sample_submission', problems, false);

  // ---- file headers, where the keys they depend on are valid
  const idColumn = field('id_column');
  const targetColumn = field('target_column');
  const weightColumn = field('weight_column') ?? null;
  const format = field('format');
  if (idColumn && targetColumn && idColumn !== targetColumn) {
    await checkHeader(train, dir, problems, [idColumn, targetColumn]);
    await checkHeader(test, dir, problems, [idColumn], [targetColumn, ...(weightColumn ? [weightColumn] : []), USAGE_COLUMN]);
    await checkHeader(solution, dir, problems, [idColumn, targetColumn, ...(weightColumn ? [weightColumn] : []), USAGE_COLUMN]);
    if (format) {
      await checkHeader(sampleSubmission, dir, problems, format === 'higgsml' ? [idColumn, 'RankOrder', 'Class'] : [idColumn, targetColumn]);
    }
  }
  // The crowd shows test rows: its columns are the test file's (never the target or weight).
  const classes = field('classes');
  if (crowd && test && classes && !problems.length) {
    const columns = await readCsvHeader(test);
    for (const line of checkCrowdConfig(crowd, { columns: columns ?? [], classes })) problems.push(`${yamlPath}: ${line}`);
  }
  if (crowd?.field_guide && !isFile(path.join(dir, crowd.field_guide))) problems.push(`${yamlPath}: crowd.field_guide: no file ${JSON.stringify(crowd.field_guide)} in the challenge folder`);

  if (problems.length || !def) throw new ChallengeFolderError(dir, problems.length ? problems : [`${yamlPath}: invalid`]);

  const formatDef: SubmissionFormat =
    def.format === 'higgsml'
      ? { kind: 'higgsml', idColumn: def.id_column, classes: def.classes }
      : {
          kind: 'label',
          idColumn: def.id_column,
          targetColumn: def.target_column,
          classes: def.classes,
          probabilities: PROBABILITY_METRICS.has(def.metric) ? 'required' : 'optional',
        };

  return {
    slug: def.slug,
    title: def.title.trim(),
    description: def.description,
    idColumn: def.id_column,
    targetColumn: def.target_column,
    weightColumn: def.weight_column ?? null,
    classes: def.classes,
    format: formatDef,
    metric: def.metric,
    metricOptions,
    higherIsBetter: def.higher_is_better ?? defaultHigherIsBetter(def.metric),
    opensAt: def.opens_at,
    closesAt: def.closes_at,
    dailyLimit: def.daily_limit,
    finalSelections: def.final_selections,
    lateSubmissions: def.late_submissions ?? true,
    files: { train: train!, test: test!, solution: solution!, sampleSubmission },
    citation: def.citation?.trim() ?? null,
    crowd,
  };
}
