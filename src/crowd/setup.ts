/**
 * Creating a crowd workflow for a challenge: live subjects from its test rows, gold and known sources
 * from its train rows. A known source is stored as a live subject (is_gold = 0) whose gold_class is
 * set: volunteers cannot tell it from a test row, and only the comparison scores it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { pipeline } from 'node:stream';
import zlib from 'node:zlib';
import { parse as parseStream } from 'csv-parse';
import { parse } from 'csv-parse/sync';
import type { DbHandle } from '../db/index.js';
import { nowIso } from '../db/index.js';
import type { RetirementMode, RoutingMode } from '../db/tables/crowd.js';
import { DEFAULT_RANDOM_SHARE } from './routing.js';
import { findChallengeBySlug, type Challenge } from '../challenges/repo.js';
import { cell, num, type Features } from './features.js';
import { uniformPrior } from './aggregators/index.js';
import { isGzipFile, readMaybeGzipped } from '../gzip.js';
import { isEvaluationRow } from './evaluation-split.js';
import { fileKeyIn, type ObjectStorage } from '../storage/index.js';

/** Clues shown after a training answer, per class (CLAXSON style). */
export const DEFAULT_CLUES: Record<string, string> = {
  AGN: 'brighter in X-rays than its optical counterpart suggests for a star; X-ray-to-optical ratio between −1 and 1; spectrum a straight line sloping down (photon index about 1.5–2); WISE W1−W2 above about 0.8; no parallax or distance.',
  Star: 'a bright optical and infrared counterpart; X-ray-to-optical ratio below about −2; a soft X-ray spectrum that drops steeply at high energy; a measured distance or significant parallax; flares can make it variable.',
  XRB: 'X-ray bright and hard; a high X-ray-to-optical ratio; often strongly variable; usually close to the plane of the Milky Way.',
  CV: 'a hard X-ray spectrum with a faint, blue optical counterpart; X-ray-to-optical ratio around 0 to 1; variable; nearby, often with a measured distance.',
  Other: 'an isolated neutron star: X-rays with little or no optical counterpart (a very high X-ray-to-optical ratio), often a very soft thermal spectrum or a pulsar.',
};

export const DEFAULT_TRAINING_CHANCES = [1, 1, 1, 0.5, 0.5, 0.4, 0.3, 0.3, 0.2, 0.2, 0.1];

export interface WorkflowOptions {
  retirement?: RetirementMode;
  retireCount?: number;
  adaptiveThreshold?: number;
  adaptiveMinVotes?: number;
  trainingChances?: number[];
  /** 'retirement' by default: without a baseline there is no entropy to route by (see routing.ts). */
  routing?: RoutingMode;
  /** Under entropy routing, the share of serves made by the retirement rule; DEFAULT_RANDOM_SHARE by default. */
  randomShare?: number;
  clues?: Record<string, string>;
  /** Gold subjects per class taken from the train rows outside the evaluation split (evaluation-split.ts): all of a rare class, at most this many of each. */
  goldPerClass?: number;
  /**
   * Known sources per class: further train rows served and aggregated exactly as live subjects (no
   * feedback, never used to weigh volunteers), so the consensus can be scored on labels the crowd
   * never saw. A class with fewer than goldPerClass + knownPerClass train rows is split in that ratio.
   */
  knownPerClass?: number;
  /** Only the first this many test rows as live subjects (tests); all test rows by default. */
  maxLive?: number;
  /**
   * At most this many live subjects: when the test file has more rows, the rows whose ids hash
   * smallest (liveRank), so the choice is spread over the whole file and the same on every run.
   * All test rows by default.
   */
  liveLimit?: number;
}

const CSV_OPTIONS = { columns: true, skip_empty_lines: true, bom: true, relax_column_count: true } as const;

/** A CSV file (plain or gzip) as one record per row, keyed by header. */
export function readCsvRecords(file: string): Record<string, string>[] {
  return parse(readMaybeGzipped(file), CSV_OPTIONS) as Record<string, string>[];
}

/**
 * The rows of a CSV file (plain or gzip) as arrays of cells, the header first, read as a stream:
 * memory stays that of the rows the caller keeps, and a caller that stops early reads no further.
 * Arrays rather than records: on a 550,000-row test file they halve the parsing time.
 */
export async function* streamCsvCells(file: string): AsyncGenerator<string[]> {
  const parser = parseStream({ skip_empty_lines: true, bom: true, relax_column_count: true });
  const raw = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  // The parser reports a read or gunzip error; stopping early destroys the parser, and pipeline then the rest.
  const done = () => undefined;
  if (await isGzipFile(file)) pipeline(raw, zlib.createGunzip(), parser, done);
  else pipeline(raw, parser, done);
  try {
    for await (const cells of parser) yield cells as string[];
  } finally {
    parser.destroy();
  }
}

/** One row's cells keyed by the header (a short row has fewer keys, as csv-parse's columns option gives). */
export function recordOf(header: string[], cells: string[]): Record<string, string> {
  const r: Record<string, string> = {};
  for (let i = 0; i < Math.min(header.length, cells.length); i++) r[header[i]] = cells[i];
  return r;
}

/** The rows of a CSV file (plain or gzip) as records keyed by header, streamed (streamCsvCells). */
export async function* streamCsvRecords(file: string): AsyncGenerator<Record<string, string>> {
  let header: string[] | null = null;
  for await (const cells of streamCsvCells(file)) {
    if (header) yield recordOf(header, cells);
    else header = cells;
  }
}

/** A row's place in the live sample: the first 48 bits of sha256 of its id, as an exact number. */
export function liveRank(id: string): number {
  return crypto.createHash('sha256').update(`sift-live:${id}`).digest().readUIntBE(0, 6);
}

/**
 * The live subjects among the test rows, in file order: the first `maxLive`, or the `liveLimit` rows
 * whose ids (`idOf`) have the smallest liveRank (ties by position), or all. The sample is kept in one
 * pass: candidates are trimmed to the best `liveLimit` whenever twice that many are held, so memory
 * stays O(liveLimit).
 */
export async function chooseLiveRows<R>(rows: AsyncIterable<R>, idOf: (row: R) => string, opts: { maxLive?: number; liveLimit?: number }): Promise<R[]> {
  const { maxLive, liveLimit } = opts;
  const kept: Array<{ row: R; rank: number; at: number }> = [];
  let cutoff = Infinity;
  let at = 0;
  const byRank = (a: { rank: number; at: number }, b: { rank: number; at: number }) => a.rank - b.rank || a.at - b.at;
  for await (const row of rows) {
    if (maxLive && at >= maxLive) break;
    const rank = liveLimit === undefined ? 0 : liveRank(idOf(row));
    // A rank equal to the cutoff loses: the row held at the cutoff came first.
    if (rank < cutoff) kept.push({ row, rank, at });
    at++;
    if (liveLimit !== undefined && kept.length >= 2 * liveLimit) {
      kept.sort(byRank).length = liveLimit;
      cutoff = kept[liveLimit - 1].rank;
    }
  }
  if (liveLimit !== undefined && kept.length > liveLimit) kept.sort(byRank).length = liveLimit;
  return kept.sort((a, b) => a.at - b.at).map((k) => k.row);
}

/**
 * The train rows the crowd can use (outside the evaluation split), per class in file order, up to
 * `perClass` of each; reading stops once every class has them.
 */
export async function takeTrainRows<R extends Record<string, string>>(rows: AsyncIterable<R>, idColumn: string, target: string, classes: string[], perClass: number): Promise<R[]> {
  const taken: R[] = [];
  const count = new Map(classes.map((c) => [c, 0]));
  let unfilled = perClass > 0 ? classes.length : 0;
  for await (const row of rows) {
    if (!unfilled) break;
    const n = count.get(row[target]);
    if (n === undefined || n >= perClass || isEvaluationRow(row[idColumn])) continue;
    taken.push(row);
    count.set(row[target], n + 1);
    if (n + 1 === perClass) unfilled--;
  }
  return taken;
}

function features(row: Record<string, string>, drop: string[]): Features {
  const f: Features = {};
  for (const [k, v] of Object.entries(row)) if (!drop.includes(k)) f[k] = cell(v);
  return f;
}

/**
 * The train rows taken for the crowd, per class in file order: up to goldPerClass + knownPerClass of
 * each, every row of a rarer class being used. Within a class the known sources are spread evenly
 * among the gold (Bresenham), so neither set is just the head of the file.
 */
export function splitGoldAndKnown<R extends Record<string, string>>(train: R[], target: string, classes: string[], goldPerClass: number, knownPerClass: number): { gold: R[]; known: R[] } {
  const byClass = new Map<string, R[]>();
  for (const r of train) {
    const c = r[target];
    if (!classes.includes(c)) continue;
    const list = byClass.get(c) ?? [];
    if (list.length < goldPerClass + knownPerClass) list.push(r);
    byClass.set(c, list);
  }
  const gold: R[] = [];
  const known: R[] = [];
  const share = knownPerClass / Math.max(1, goldPerClass + knownPerClass);
  for (const list of byClass.values()) {
    list.forEach((r, i) => (Math.floor((i + 1) * share) > Math.floor(i * share) ? known : gold).push(r));
  }
  return { gold, known };
}

/**
 * `extra` spread evenly through `base`, in order. Subject ids follow this order and break ties in
 * serving, so known sources placed after the test rows would be served last (or, placed first,
 * first); spread among them they are served as any test row is.
 */
export function spreadAmong<T>(base: T[], extra: T[]): T[] {
  const out: T[] = [];
  const total = base.length + extra.length;
  let b = 0;
  let e = 0;
  for (let i = 0; i < total; i++) {
    // Take from `extra` whenever it has fallen behind its share of the positions so far.
    if (e < extra.length && (b >= base.length || (e + 1) * total <= (i + 1) * extra.length)) out.push(extra[e++]);
    else out.push(base[b++]);
  }
  return out;
}

/**
 * Creates the challenge's crowd workflow (once); returns its id. Both files are streamed: the train
 * file only until the gold and known rows are found, the test file once, keeping only the live rows,
 * so a 550,000-row test set with liveLimit 20,000 peaks at about 0.3 GB instead of 1.2 GB.
 */
export async function createWorkflow(handle: DbHandle, storage: ObjectStorage, challenge: Challenge, opts: WorkflowOptions = {}): Promise<number> {
  const db = handle.db;
  const existing = await db.selectFrom('crowd_workflows').select('id').where('challenge_id', '=', challenge.id).executeTakeFirst();
  if (existing) return existing.id;
  const classes = challenge.classes;
  if (!classes.length) throw new Error(`Challenge ${challenge.slug} has no classes; a crowd workflow needs them.`);
  const clues: Record<string, string> = {};
  for (const c of classes) clues[c] = opts.clues?.[c] ?? DEFAULT_CLUES[c] ?? '';
  const idCol = challenge.id_column;
  const target = challenge.target_column;
  const drop = [target, 'OriginalClass', challenge.weight_column ?? ''];
  if (opts.liveLimit !== undefined && !(Number.isInteger(opts.liveLimit) && opts.liveLimit >= 1)) throw new Error(`liveLimit must be a whole number from 1, got ${opts.liveLimit}.`);
  const goldPerClass = opts.goldPerClass ?? 60;
  const knownPerClass = opts.knownPerClass ?? Math.round(goldPerClass / 2);
  const crowdRows = await takeTrainRows(streamCsvRecords(await storage.localPath(fileKeyIn(challenge.folder_key, challenge.train_file))), idCol, target, classes, goldPerClass + knownPerClass);
  const { gold, known } = splitGoldAndKnown(crowdRows, target, classes, goldPerClass, knownPerClass);
  const testRows = streamCsvCells(await storage.localPath(fileKeyIn(challenge.folder_key, challenge.test_file)));
  const testHeader = (await testRows.next()).value ?? [];
  const testId = testHeader.indexOf(idCol);
  const live = (await chooseLiveRows(testRows, (cells) => cells[testId] ?? '', opts)).map((cells) => recordOf(testHeader, cells));
  const prior = JSON.stringify(Array.from(uniformPrior(classes.length)));
  const now = nowIso();

  return db.transaction().execute(async (tx) => {
    const wf = await tx
      .insertInto('crowd_workflows')
      .values({
        challenge_id: challenge.id,
        classes_json: JSON.stringify(classes),
        clues_json: JSON.stringify(clues),
        retirement: opts.retirement ?? 'fixed',
        retire_count: opts.retireCount ?? 20,
        adaptive_threshold: opts.adaptiveThreshold ?? 0.95,
        adaptive_min_votes: opts.adaptiveMinVotes ?? 5,
        training_chances_json: JSON.stringify(opts.trainingChances ?? DEFAULT_TRAINING_CHANCES),
        routing: opts.routing ?? 'retirement',
        random_share: opts.randomShare ?? DEFAULT_RANDOM_SHARE,
        created_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const subjects = [
      ...gold.map((r) => ({ r, isGold: true, known: classes.indexOf(r[target]) })),
      ...spreadAmong(
        live.map((r) => ({ r, isGold: false, known: -1 })),
        known.map((r) => ({ r, isGold: false, known: classes.indexOf(r[target]) })),
      ),
    ];
    const rowOf = ({ r, isGold, known }: (typeof subjects)[number]) => {
      const f = features(r, drop);
      return {
        workflow_id: wf.id,
        external_id: r[idCol],
        is_gold: isGold ? 1 : 0,
        gold_class: known >= 0 ? known : null,
        features_json: JSON.stringify(f),
        ra: num(f, 'ra'),
        dec: num(f, 'dec'),
        posterior_json: prior,
        created_at: now,
      };
    };
    // Gold rows and test rows come from different files, so an id can only repeat inside one of them.
    for (let i = 0; i < subjects.length; i += 200) {
      await tx.insertInto('crowd_subjects').values(subjects.slice(i, i + 200).map(rowOf)).onConflict((oc) => oc.columns(['workflow_id', 'external_id']).doNothing()).execute();
      // SQLite answers without leaving the microtask queue: a turn of the event loop between chunks
      // lets the server answer meanwhile (building and inserting 20,000 subjects in one piece held it 1.4 s).
      await new Promise((resolve) => setImmediate(resolve));
    }
    return wf.id;
  });
}

export async function createWorkflowForSlug(handle: DbHandle, storage: ObjectStorage, slug: string, opts: WorkflowOptions = {}): Promise<number> {
  const c = await findChallengeBySlug(handle.db, slug);
  if (!c) throw new Error(`No challenge '${slug}'.`);
  return createWorkflow(handle, storage, c, opts);
}
