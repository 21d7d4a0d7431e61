/**
 * A workflow's subject page as data: the challenge.yaml `crowd:` section (or, without one, the
 * default built from the training rows) and the class histograms its plots need. Resolved once,
 * stored in crowd_workflows.display_json, and kept in memory for a short while, so serving a subject
 * never reads the data files. An organizer's edit of the section clears it (clearCrowdDisplay).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Db } from '../../db/index.js';
import { findChallengeById, type Challenge } from '../../challenges/repo.js';
import { readCsvHeader } from '../../challenges/definition.js';
import { streamCsvRecords } from '../setup.js';
import { checkCrowdConfig, parseCrowdConfig, type CrowdConfig } from './schema.js';
import { defaultClassButtons, defaultCrowdConfig } from './defaults.js';
import { classHistograms, type ColumnHistogram } from './histograms.js';
import type { SubjectValues } from './clues.js';
import type { ObjectStorage } from '../../storage/index.js';

export interface CrowdDisplay {
  config: CrowdConfig;
  /** One per column of the `histograms` plots, in plot order. */
  histograms: ColumnHistogram[];
  /** Where the configuration came from. */
  source: 'challenge.yaml' | 'default';
  /**
   * Why the challenge.yaml section was not used, when it was present but did not fit the data (it is
   * checked at import and in the console, so only a file edited by hand can get here).
   */
  problems: string[];
  /** The challenge's id column: left out of the raw features sent to volunteers unless the configuration shows ids. */
  idColumn?: string;
}

/** Training rows read for the default's column ranking and the histograms: enough for stable shapes, bounded for HiggsML's 250,000. */
export const DISPLAY_TRAIN_ROWS = 50_000;
/** How long a process trusts its copy before reading the stored one again (another process may have cleared it). */
const CACHE_MS = 30_000;

/** The first `limit` records of a CSV file (plain or gzip), read as a stream. */
export async function readCsvHead(file: string, limit: number): Promise<Record<string, string>[]> {
  const rows: Record<string, string>[] = [];
  for await (const r of streamCsvRecords(file)) {
    rows.push(r);
    if (rows.length >= limit) break;
  }
  return rows;
}

/** The raw `crowd:` value of the challenge's challenge.yaml, or undefined when it has none. */
export function crowdSectionOfFolder(folder: string): unknown {
  const file = path.join(folder, 'challenge.yaml');
  if (!fs.existsSync(file)) return undefined;
  const doc = parseYaml(fs.readFileSync(file, 'utf8')) as { crowd?: unknown } | null;
  return doc?.crowd ?? undefined;
}

/**
 * A button for every class, in the challenge's order (answer i is class i): the configuration's
 * style where it gives one, else the default colour, and the default key unless a styled class took it.
 */
export function classButtons(config: Pick<CrowdConfig, 'classes'>, classes: readonly string[]): CrowdConfig['classes'] {
  const styled = new Map(config.classes.map((k) => [k.name, k]));
  const taken = new Set(config.classes.map((k) => k.key).filter((k) => k !== undefined));
  return defaultClassButtons(classes).map(({ key: defaultKey, ...d }) => {
    const own = styled.get(d.name);
    const key = own?.key ?? (defaultKey !== undefined && !taken.has(defaultKey) ? defaultKey : undefined);
    return { ...d, ...own, ...(key === undefined ? {} : { key }) };
  });
}

/** The subject page of a challenge, from its folder: reads challenge.yaml and up to DISPLAY_TRAIN_ROWS training rows. */
export async function resolveCrowdDisplay(storage: ObjectStorage, c: Challenge): Promise<CrowdDisplay> {
  const folder = await storage.localDir(c.folder_key);
  const columns = (await readCsvHeader(path.join(folder, c.test_file))) ?? [];
  const train = (await readCsvHead(path.join(folder, c.train_file), DISPLAY_TRAIN_ROWS)) as SubjectValues[];
  const problems: string[] = [];
  let config: CrowdConfig | null = null;
  const raw = crowdSectionOfFolder(folder);
  if (raw !== undefined) {
    const parsed = parseCrowdConfig(raw);
    if (!parsed.ok) problems.push(...parsed.problems);
    else {
      problems.push(...checkCrowdConfig(parsed.config, { columns, classes: c.classes }));
      if (!problems.length) config = parsed.config;
    }
  }
  const source = config ? 'challenge.yaml' : 'default';
  config ??= defaultCrowdConfig({ columns, idColumn: c.id_column, targetColumn: c.target_column, weightColumn: c.weight_column, classes: c.classes, trainRows: train });
  config = { ...config, classes: classButtons(config, c.classes) };
  const histograms = config.plots.flatMap((p) => (p.kind === 'histograms' ? classHistograms(train, p.columns, { targetColumn: c.target_column, classes: c.classes, bins: p.bins, config }) : []));
  return { config, histograms, source, problems, idColumn: c.id_column };
}

/** Per database (a process may hold several, as the tests do), per workflow id. */
const caches = new WeakMap<Db, Map<number, { display: CrowdDisplay; at: number }>>();
function cacheOf(db: Db): Map<number, { display: CrowdDisplay; at: number }> {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  return cache;
}

/** The workflow's subject page: from memory, else the stored copy, else resolved from the challenge folder and stored. */
export async function crowdDisplayOf(db: Db, storage: ObjectStorage, wf: { id: number; challengeId: number }): Promise<CrowdDisplay> {
  const cache = cacheOf(db);
  const hit = cache.get(wf.id);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.display;
  const row = await db.selectFrom('crowd_workflows').select('display_json').where('id', '=', wf.id).executeTakeFirst();
  let display: CrowdDisplay;
  if (row?.display_json) display = JSON.parse(row.display_json) as CrowdDisplay;
  else {
    const c = await findChallengeById(db, wf.challengeId);
    if (!c) throw new Error(`No challenge ${wf.challengeId} for crowd workflow ${wf.id}.`);
    display = await resolveCrowdDisplay(storage, c);
    await db.updateTable('crowd_workflows').set({ display_json: JSON.stringify(display) }).where('id', '=', wf.id).execute();
  }
  if (cache.size > 1000) cache.clear();
  cache.set(wf.id, { display, at: Date.now() });
  return display;
}

/** Forgets the challenge's stored subject page (its crowd: section or its files changed): the next page resolves it again. */
export async function clearCrowdDisplay(db: Db, challengeId: number): Promise<void> {
  const wfs = await db.selectFrom('crowd_workflows').select('id').where('challenge_id', '=', challengeId).execute();
  for (const w of wfs) cacheOf(db).delete(w.id);
  await db.updateTable('crowd_workflows').set({ display_json: null }).where('challenge_id', '=', challengeId).execute();
}
