import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { LocalChallenge } from '../challenges/service.js';
import { readCsvTable } from '../baseline/data.js';
import { fitPreprocessor, transform } from '../baseline/preprocess.js';
import { isAms, specFor } from '../baseline/train.js';
import { amsSetup, type AmsSetup } from '../baseline/metrics.js';
import type { BaselineSpec } from '../baseline/spec.js';
import { parseSearchSpace, type SearchSpace } from './search-space.js';
import { UserError } from '../web/errors.js';

/**
 * What every unit of a challenge trains on: train.csv after the baseline's preprocessing (fitted on
 * train.csv only), the class of each row, its event weight, and its fold. Only the training file is
 * read, so neither the test rows nor the solution can reach a volunteer.
 */
export interface TrainingData extends Pick<TrainingDataDocument, 'task' | 'classes' | 'positiveClass' | 'features' | 'rows' | 'outputs' | 'folds'> {
  /** Rows in each fold. */
  foldRows: number[];
  spec: BaselineSpec;
  search: SearchSpace | null;
  /** Per row of train.csv: class index (AMS: 1 = the positive class), event weight (null: none), fold. */
  labels: Uint8Array;
  weights: Float32Array | null;
  fold: Uint8Array;
  /** The document, gzipped, and its strong ETag. */
  gzipped: Buffer;
  etag: string;
}

/** The document a volunteer's worker reads; arrays are base64 of little-endian typed arrays. */
export interface TrainingDataDocument {
  format: 1;
  challenge: string;
  task: 'ams' | 'multiclass';
  classes: string[];
  positiveClass: string | null;
  features: string[];
  rows: number;
  /** Predictions per row: 1 (the positive class's probability) or one per class. */
  outputs: number;
  folds: number;
  /** rows × features float32, row after row. */
  x: string;
  /** uint8 class index per row (for AMS: 1 = the positive class). */
  label: string;
  /** float32 event weight per row, or null when the challenge has no weight column. */
  weight: string | null;
  /** uint8 fold per row. */
  fold: string;
  /** AMS task: the metric's Ns, Nb and b_reg, and baseline.yaml's `selection` (where the fold's AMS is read). */
  ams?: { setup: AmsSetup; selection: { min: number; max: number; smooth: number } } | null;
}

const b64 = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

/**
 * Stratified folds that depend only on the row ids and the seed: within each class, rows are ordered
 * by a keyed hash of their id and dealt out in turn. Reordering train.csv leaves every row's fold as it was.
 */
export function foldsByRowId(ids: string[], classIdx: Uint8Array, folds: number, seed: number): Uint8Array {
  const key = (id: string) => crypto.createHash('sha256').update(`${seed}\u0000${id}`).digest().readUInt32BE(0);
  const byClass = new Map<number, Array<{ row: number; key: number }>>();
  ids.forEach((id, row) => {
    const list = byClass.get(classIdx[row]) ?? [];
    list.push({ row, key: key(id) });
    byClass.set(classIdx[row], list);
  });
  const fold = new Uint8Array(ids.length);
  for (const list of byClass.values()) {
    list.sort((a, b) => a.key - b.key || a.row - b.row);
    list.forEach((r, i) => (fold[r.row] = i % folds));
  }
  return fold;
}

function prepare(c: LocalChallenge, datasetsDir: string | undefined): TrainingData {
  const { spec, file } = specFor(c, datasetsDir);
  const search = parseSearchSpace(spec.search, file ?? 'baseline.yaml');
  const table = readCsvTable(path.join(c.folder, c.train_file));
  const reserved = [c.id_column, c.target_column, ...(c.weight_column ? [c.weight_column] : [])];
  const pre = fitPreprocessor(table, spec, reserved);
  const x = transform(pre, table);
  const ams = isAms(c);
  const positiveClass = ams ? String(c.metricOptions.positive_class ?? c.classes[c.classes.length - 1]) : null;
  const label = Uint8Array.from(table.column(c.target_column), (l, i) => {
    const j = ams ? Number(l.trim() === positiveClass) : c.classes.indexOf(l.trim());
    if (j < 0) throw new Error(`train.csv row ${i + 2}: class ${JSON.stringify(l)} is not one of ${c.classes.join(', ')}`);
    return j;
  });
  const weight = c.weight_column && table.has(c.weight_column) ? Float32Array.from(table.column(c.weight_column), Number) : null;
  const folds = spec.model.folds;
  const fold = foldsByRowId(table.column(c.id_column), label, folds, spec.model.seed);
  const foldRows = Array.from({ length: folds }, (_, f) => fold.filter((v) => v === f).length);
  const outputs = ams ? 1 : c.classes.length;
  const doc: TrainingDataDocument = {
    format: 1,
    challenge: c.slug,
    task: ams ? 'ams' : 'multiclass',
    classes: c.classes,
    positiveClass,
    features: pre.columns.map((col) => col.name),
    rows: table.rows,
    outputs,
    folds,
    x: b64(x),
    label: b64(label),
    weight: weight ? b64(weight) : null,
    fold: b64(fold),
    ams: ams ? { setup: amsSetup(c.metricOptions), selection: spec.selection } : null,
  };
  const gzipped = zlib.gzipSync(JSON.stringify(doc), { level: 9 });
  const etag = `"${crypto.createHash('sha256').update(gzipped).digest('base64url')}"`;
  return { task: doc.task, classes: c.classes, positiveClass, features: doc.features, rows: table.rows, outputs, folds, foldRows, spec, search, labels: label, weights: weight, fold, gzipped, etag };
}

const cache = new Map<number, { version: string; data: TrainingData }>();

/** The challenge's training data, prepared once per process and again when train.csv or baseline.yaml changes. */
export function trainingData(c: LocalChallenge, datasetsDir: string | undefined): TrainingData {
  const { file } = specFor(c, datasetsDir);
  const stamp = (f: string | null) => {
    const st = f ? fs.statSync(f, { throwIfNoEntry: false }) : undefined;
    return st ? `${st.mtimeMs}:${st.size}` : '-';
  };
  const version = `${c.folder}|${c.train_file}|${stamp(path.join(c.folder, c.train_file))}|${file}|${stamp(file)}`;
  const hit = cache.get(c.id);
  if (hit && hit.version === version) return hit.data;
  let data: TrainingData;
  try {
    data = prepare(c, datasetsDir);
  } catch (err) {
    // A baseline.yaml that does not fit train.csv, or a bad search: section, is the challenge's to fix, not a server fault.
    throw new UserError(409, 'training_data_unavailable', `The training data of ${c.slug} cannot be prepared: ${(err as Error).message}`);
  }
  cache.set(c.id, { version, data });
  return data;
}
