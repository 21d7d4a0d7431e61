import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/index.js';
import { nowIso } from '../db/index.js';
import { ChallengeFolderError, loadChallengeFolder } from './definition.js';
import { ensureSolutionCache, getSolution, loadChallengeSolution, saveSolutionCache, solutionSpec, testIdProblems } from './solution.js';
import { unscorableProblems } from '../../scorers/registry.js';
import type { Solution } from '../../scorers/types.js';
import { findChallengeBySlug, slugExists, toChallenge, type Challenge } from './repo.js';
import type { ChallengeDefinition } from './types.js';
import { challengeFolderKey, fileKeyIn, type ObjectStorage } from '../storage/index.js';

export type Phase = 'upcoming' | 'open' | 'closed';

export function phase(c: Pick<Challenge, 'opens_at' | 'closes_at' | 'state'>, now = new Date()): Phase {
  const t = now.toISOString();
  if (c.state === 'closed' || t >= c.closes_at) return 'closed';
  if (t < c.opens_at) return 'upcoming';
  return 'open';
}

/** A challenge with its files in a local folder, for readers that take a folder (baseline training, the console). */
export type LocalChallenge = Challenge & { folder: string };

/** The challenge with `folder`: its storage folder on this machine (ObjectStorage.localDir). */
export async function withLocalFolder(storage: ObjectStorage, c: Challenge): Promise<LocalChallenge> {
  return { ...c, folder: await storage.localDir(c.folder_key) };
}

/** Private scores and the private board are hidden until the challenge closes. */
export const privateRevealed = (c: Challenge, now = new Date()): boolean => phase(c, now) === 'closed';

// Defined beside the loader, so that a validation thread loads a solution without this module's imports.
export { loadChallengeSolution, solutionSpec } from './solution.js';

/**
 * Puts a validated challenge folder into storage under challenges/<slug>/ and records that key.
 * The solution is parsed once here, so a broken solution file never becomes a live challenge.
 */
export async function importChallengeFolder(db: Db, storage: ObjectStorage, dir: string, onProgress?: (copied: number, total: number) => void): Promise<Challenge> {
  const { def, solution } = await checkChallengeFolder(dir);
  if (await slugExists(db, def.slug)) throw new Error(`A challenge with slug '${def.slug}' is already imported.`);
  const folderKey = challengeFolderKey(def.slug);
  // challenge.yaml and the crowd's field guide travel too: pages read the crowd: section and the guide from the copy.
  const extras = [path.join(dir, 'challenge.yaml'), ...(def.crowd?.field_guide ? [path.join(dir, def.crowd.field_guide)] : [])];
  const files = [def.files.train, def.files.test, def.files.solution, def.files.sampleSubmission, ...extras].filter((f): f is string => !!f);
  const total = files.reduce((n, f) => n + fs.statSync(f).size, 0);
  let copied = 0;
  for (const f of files) {
    copied += (await storage.put(fileKeyIn(folderKey, path.basename(f)), fs.createReadStream(f))).size;
    onProgress?.(copied, total);
  }
  // Its binary cache on this machine: new worker threads here then read the solution instead of parsing it.
  await saveSolutionCache(await storage.localPath(fileKeyIn(folderKey, path.basename(def.files.solution))), solution, specOf(def));
  return saveChallenge(db, def, folderKey, solution.sha256, { state: 'published' });
}

const specOf = (def: ChallengeDefinition) => ({ idColumn: def.idColumn, targetColumn: def.targetColumn, weightColumn: def.weightColumn, classes: def.classes });

/**
 * Parses and validates a challenge folder in place (challenge.yaml, headers, every solution row,
 * and that it can be scored: scoringProblems): the one check shared by folder imports and the
 * organizer console. Returns the definition and the solution (cached by file version).
 */
export async function checkChallengeFolder(dir: string) {
  const def = await loadChallengeFolder(dir);
  const solution = await getSolution(def.files.solution, specOf(def));
  const problems = await scoringProblems({ metric: def.metric, metricOptions: def.metricOptions, idColumn: def.idColumn, testFile: def.files.test }, solution);
  if (problems.length) throw new ChallengeFolderError(dir, problems);
  return { def, solution };
}

/**
 * Why participants could not be scored fairly against this solution, one line per problem: a
 * subset its metric cannot score (scorers' unscorableProblems), or test ids that differ from the
 * solution's. Checked when a folder is imported, when the console saves settings and at publish.
 * The lines quote solution ids and subset contents: organizers only.
 */
export async function scoringProblems(c: { metric: string; metricOptions: Record<string, unknown>; idColumn: string; testFile: string }, solution: Solution): Promise<string[]> {
  return [...unscorableProblems(c.metric, solution, c.metricOptions), ...(await testIdProblems(c.testFile, c.idColumn, solution))];
}

/** Answers of challengeScoringProblems by file versions and settings: the console's dashboard asks on every load. */
const scoringProblemsCache = new Map<string, string[]>();

/** scoringProblems of a recorded challenge (its files as they are now). */
export async function challengeScoringProblems(storage: ObjectStorage, c: Challenge): Promise<string[]> {
  const testFile = await storage.localPath(fileKeyIn(c.folder_key, c.test_file));
  const solution = await loadChallengeSolution(storage, c);
  const st = await fs.promises.stat(testFile).catch(() => null);
  const key = JSON.stringify([testFile, st?.mtimeMs, st?.size, solution.sha256, c.metric, c.metricOptions, c.id_column]);
  const known = scoringProblemsCache.get(key);
  if (known) return known;
  const problems = await scoringProblems({ metric: c.metric, metricOptions: c.metricOptions, idColumn: c.id_column, testFile }, solution);
  if (st) {
    if (scoringProblemsCache.size >= 64) scoringProblemsCache.delete(scoringProblemsCache.keys().next().value!);
    scoringProblemsCache.set(key, problems);
  }
  return problems;
}

/**
 * Records a validated challenge definition whose files are in storage under `folderKey`: inserts it, or with
 * opts.id updates that challenge. Shared by folder imports and the organizer console.
 */
export async function saveChallenge(
  db: Db,
  def: ChallengeDefinition,
  folderKey: string,
  solutionSha256: string,
  opts: { state: Challenge['state']; id?: number },
): Promise<Challenge> {
  const values = {
    slug: def.slug,
    title: def.title,
    description_md: def.description,
    metric: def.metric,
    metric_options_json: JSON.stringify(def.metricOptions ?? {}),
    format_json: JSON.stringify(def.format),
    id_column: def.idColumn,
    target_column: def.targetColumn,
    weight_column: def.weightColumn,
    classes_json: JSON.stringify(def.classes),
    higher_is_better: def.higherIsBetter ? 1 : 0,
    opens_at: def.opensAt.toISOString(),
    closes_at: def.closesAt.toISOString(),
    daily_limit: def.dailyLimit,
    final_selections: def.finalSelections,
    late_submissions: def.lateSubmissions ? 1 : 0,
    state: opts.state,
    folder: folderKey,
    train_file: path.basename(def.files.train),
    test_file: path.basename(def.files.test),
    solution_file: path.basename(def.files.solution),
    sample_file: def.files.sampleSubmission ? path.basename(def.files.sampleSubmission) : null,
    solution_sha256: solutionSha256,
    citation: def.citation,
  };
  if (opts.id !== undefined) {
    await db.updateTable('challenges').set(values).where('id', '=', opts.id).execute();
  } else {
    await db.insertInto('challenges').values({ ...values, created_at: nowIso() }).execute();
  }
  return (await findChallengeBySlug(db, def.slug))!;
}

/** Imports every folder of datasetsDir that holds a challenge.yaml and is not in the database yet. */
export async function importNewChallenges(db: Db, storage: ObjectStorage, datasetsDir: string, log: (msg: string) => void): Promise<string[]> {
  if (!fs.existsSync(datasetsDir)) return [];
  const imported: string[] = [];
  for (const entry of fs.readdirSync(datasetsDir, { withFileTypes: true })) {
    const dir = path.join(datasetsDir, entry.name);
    if (!entry.isDirectory() || !fs.existsSync(path.join(dir, 'challenge.yaml'))) continue;
    const def = await loadChallengeFolder(dir);
    if (await slugExists(db, def.slug)) continue;
    await importChallengeFolder(db, storage, dir);
    log(`imported challenge ${def.slug} from ${dir}`);
    imported.push(def.slug);
  }
  return imported;
}

/**
 * Loads every live challenge's solution into this thread's cache (keep: false: only makes sure each
 * binary cache is up to date, parsing the CSV where it is not), so the first upload after a start is not slowed.
 */
export async function warmSolutions(db: Db, storage: ObjectStorage, log: (msg: string) => void, opts: { keep?: boolean } = {}): Promise<void> {
  const rows = await db.selectFrom('challenges').selectAll().where('state', '!=', 'closed').execute();
  for (const row of rows) {
    try {
      const c = toChallenge(row);
      if (opts.keep === false) await ensureSolutionCache(await storage.localPath(fileKeyIn(c.folder_key, c.solution_file)), solutionSpec(c));
      else await loadChallengeSolution(storage, c);
    } catch (err) {
      log(`could not load the solution of ${row.slug}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
