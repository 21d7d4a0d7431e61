import fs from 'node:fs';
import path from 'node:path';
import type { Challenge } from '../challenges/repo.js';
import { loadTf, type BackendName } from './backend.js';
import { readCsvTable, type Table } from './data.js';
import { writeOutOfFold } from './oof.js';
import { amsCurve, amsSetup, argmaxRows, baselineScore, chooseFraction, fractionGrid, type BaselineScoring } from './metrics.js';
import { loadModel, saveModel } from './model.js';
import { buildModel, effectiveBatchSize, fitModel, predictMatrix, targetMatrix, trainingWeights, type EpochInfo, type FitData, type LayersModel, type ModelSpec } from './network.js';
import { fitPreprocessor, transform, type Preprocessor } from './preprocess.js';
import { seededRandom, shuffleInPlace, withSeededMathRandom } from './rng.js';
import { loadBaselineSpec, type BaselineSpec } from './spec.js';
import type { LocalChallenge } from '../challenges/service.js';

export const RECORD_FILE = 'baseline.json';

/** The JSON record saved beside the models. */
export interface BaselineRecord {
  version: 1;
  challenge: string;
  task: 'ams' | 'multiclass';
  backend: BackendName;
  seed: number;
  createdAt: string;
  specFile: string | null;
  hyperparameters: ModelSpec & { effectiveBatchSize: number; maxEpochsRun: number };
  classes: string[];
  positiveClass: string | null;
  features: string[];
  preprocessing: Preprocessor;
  trainRows: number;
  trainingSeconds: number;
  models: Array<{ dir: string; trainRows: number; validationRows: number; bestEpoch: number; epochsRun: number; validationLoss: number; validationMetric: number; history: EpochInfo[] }>;
  validation: {
    metric: 'ams' | 'macro_f1';
    /** Out-of-fold score over every training row (each predicted by the model that did not see it). */
    score: number;
    perModel: number[];
    /** HiggsML: AMS at each candidate fraction on the out-of-fold predictions. */
    amsCurve?: { fractions: number[]; ams: number[] };
    perClass?: Array<{ class: string; precision: number; recall: number; f1: number; support: number }>;
    /**
     * The challenge's own metric (accuracy, log loss, ROC AUC) over the same out-of-fold predictions,
     * when it is not `metric`; absent on records saved before it existed.
     */
    challengeMetric?: { metric: string; score: number };
  };
  /** HiggsML: fraction of test events selected as signal. */
  chosenFraction: number | null;
  /** Where the model section came from when not baseline.yaml's own: a volunteer-computing search's configuration. */
  foundBy?: VolunteerComputingOrigin;
}

/** The configuration a volunteer-computing search found, chosen by its out-of-fold metric on train.csv only. */
export interface VolunteerComputingOrigin {
  kind: 'volunteer_computing';
  searchId: number;
  configuration: number;
  outOfFold: { metric: 'ams' | 'macro_f1'; score: number };
}

export interface TrainOptions {
  /** The local folder holding baselines/<slug> (ObjectStorage.localRoot); the caller publishes what training wrote. */
  dataDir: string;
  datasetsDir?: string;
  seed?: number;
  /** Caps the spec's max_epochs (tests, quick checks). */
  maxEpochs?: number;
  folds?: number;
  /** Train on these rows of train.csv only (tests). */
  subsample?: number;
  /** Where to save; default DATA_DIR/baselines/<slug>. */
  outDir?: string;
  /** Trains this model section instead of baseline.yaml's (a promoted search configuration), noting `foundBy` in the record. */
  model?: ModelSpec;
  foundBy?: VolunteerComputingOrigin;
  onModelStart?: (model: number, models: number, maxEpochs: number) => void;
  onEpoch?: (model: number, e: EpochInfo) => void | Promise<void>;
  onModelEnd?: (model: number) => void;
  log?: (msg: string) => void;
}

export const baselineDir = (dataDir: string, slug: string) => path.join(dataDir, 'baselines', slug);

export function specFor(c: LocalChallenge, datasetsDir?: string) {
  return loadBaselineSpec([c.folder, ...(datasetsDir ? [path.join(datasetsDir, c.slug)] : [])]);
}

/** HiggsML-like challenges: one sigmoid output, selection by AMS; any other is multi-class. */
export const isAms = (c: Pick<Challenge, 'format' | 'metric'>) => c.format.kind === 'higgsml' || c.metric === 'ams';
const positiveClass = (c: Challenge) => String(c.metricOptions.positive_class ?? c.classes[c.classes.length - 1]);

/** How this challenge's baseline is scored (metrics.ts baselineScore): by AMS within `selection`, or macro-F1. */
export const baselineScoring = (c: Pick<Challenge, 'format' | 'metric' | 'metricOptions' | 'classes'>, spec: Pick<BaselineSpec, 'selection'>): BaselineScoring =>
  isAms(c) ? { ams: { setup: amsSetup(c.metricOptions), selection: spec.selection } } : { classes: c.classes.length };

interface Prepared {
  data: FitData;
  classIdx: Int32Array;
  rawWeight: Float32Array;
  n: number;
}

function prepareTargets(c: Challenge, spec: BaselineSpec, labels: string[], rawWeights: Float32Array | null, x: Float32Array, d: number): Prepared {
  const n = labels.length;
  const ams = isAms(c);
  const k = ams ? 1 : c.classes.length;
  const pos = positiveClass(c);
  const classIdx = new Int32Array(n);
  labels.forEach((l, i) => {
    const j = ams ? (l.trim() === pos ? 1 : 0) : c.classes.indexOf(l.trim());
    if (j < 0) throw new Error(`train.csv row ${i + 2}: class ${JSON.stringify(l)} is not one of ${c.classes.join(', ')}`);
    classIdx[i] = j;
  });
  const y = targetMatrix(classIdx, k);
  const rawWeight = rawWeights ?? new Float32Array(n).fill(1);
  const w = trainingWeights(classIdx, rawWeight, ams ? 2 : k, spec.model.class_weight);
  return { data: { x, d, y, k, w }, classIdx, rawWeight, n };
}

/** Stratified folds from a seeded shuffle. */
function makeFolds(classIdx: Int32Array, folds: number, seed: number): Int32Array {
  const rand = seededRandom(seed ^ 0x9e3779b9);
  const fold = new Int32Array(classIdx.length);
  const byClass = new Map<number, number[]>();
  classIdx.forEach((c, i) => byClass.set(c, [...(byClass.get(c) ?? []), i]));
  for (const key of [...byClass.keys()].sort((a, b) => a - b)) {
    const rows = byClass.get(key)!;
    shuffleInPlace(rows, rand);
    rows.forEach((i, r) => (fold[i] = r % folds));
  }
  return fold;
}

export { effectiveBatchSize };

/** Trains the challenge's baseline ensemble on its train.csv and saves it with its record. */
export async function trainBaseline(c: LocalChallenge, opts: TrainOptions): Promise<BaselineRecord> {
  let table = readCsvTable(path.join(c.folder, c.train_file));
  if (opts.subsample && opts.subsample < table.rows) {
    const keep = table.rows;
    const n = opts.subsample;
    const t = table;
    table = { header: t.header, rows: n, has: t.has, column: (name) => t.column(name).slice(0, Math.min(n, keep)) };
  }
  return trainOnTable(c, table, opts);
}

/**
 * Trains the ensemble on any table with the train file's columns (the crowd retraining passes train
 * rows plus crowd-labelled test rows): the preprocessing is fitted on this table only. Saves the
 * models, the record and the out-of-fold predictions (`oof.csv`) into the output directory.
 */
export async function trainOnTable(c: LocalChallenge, table: Table, opts: Omit<TrainOptions, 'subsample'>): Promise<BaselineRecord> {
  const started = Date.now();
  const { tf, backend } = await loadTf();
  const { spec: specOfFile, file: specFile } = specFor(c, opts.datasetsDir);
  const spec = opts.model ? { ...specOfFile, model: opts.model } : specOfFile;
  const seed = opts.seed ?? spec.model.seed;
  const folds = opts.folds ?? spec.model.folds;
  const maxEpochs = Math.min(spec.model.max_epochs, opts.maxEpochs ?? Infinity);
  const log = opts.log ?? (() => {});

  const reserved = [c.id_column, c.target_column, ...(c.weight_column ? [c.weight_column] : [])];
  const pre = fitPreprocessor(table, spec, reserved);
  const d = pre.columns.length;
  const x = transform(pre, table);
  const rawW = c.weight_column && table.has(c.weight_column) ? Float32Array.from(table.column(c.weight_column), Number) : null;
  const prep = prepareTargets(c, spec, table.column(c.target_column), rawW, x, d);
  const { data, classIdx, n } = prep;
  const ams = isAms(c);
  const setup = amsSetup(c.metricOptions);
  const grid = fractionGrid(spec.selection.min, spec.selection.max);
  const scoring = baselineScoring(c, spec);
  const metricOf = (p: Float32Array, idx: ArrayLike<number>): number => baselineScore(p, Array.from(idx, (i) => classIdx[i]), Array.from(idx, (i) => prep.rawWeight[i]), scoring).smoothed;
  log(`${c.slug}: ${n} training rows, ${d} features (${pre.dropped.length} columns left out), ${folds} models, backend ${backend}`);

  const fold = makeFolds(classIdx, folds, seed);
  const k = data.k;
  const oof = new Float32Array(n * k);
  const out = opts.outDir ?? baselineDir(opts.dataDir, c.slug);
  const tmp = `${out}.tmp-${process.pid}-${Date.now()}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  const batchSize = effectiveBatchSize(Math.round((n * (folds - 1)) / folds), spec.model);
  const models: BaselineRecord['models'] = [];
  let maxRun = 0;
  for (let f = 0; f < folds; f++) {
    const trainIdx = Int32Array.from({ length: n }, (_, i) => i).filter((i) => fold[i] !== f);
    const valIdx = Int32Array.from({ length: n }, (_, i) => i).filter((i) => fold[i] === f);
    opts.onModelStart?.(f, folds, maxEpochs);
    const modelSeed = seed * 1000 + f;
    const { model, history, bestEpoch } = await withSeededMathRandom(modelSeed, async () => {
      const model = buildModel(tf, d, k, spec.model, modelSeed);
      const r = await fitModel(tf, model, data, trainIdx, valIdx, spec.model, {
        seed: modelSeed,
        batchSize,
        maxEpochs,
        metric: metricOf,
        onEpoch: (e) => opts.onEpoch?.(f, e),
      });
      return { model, ...r };
    });
    opts.onModelEnd?.(f);
    const xVal = new Float32Array(valIdx.length * d);
    valIdx.forEach((i, r) => xVal.set(data.x.subarray(i * d, i * d + d), r * d));
    const pVal = predictMatrix(tf, model, xVal, d);
    valIdx.forEach((i, r) => oof.set(pVal.subarray(r * k, r * k + k), i * k));
    const dir = `model-${f}`;
    await saveModel(tf, model, path.join(tmp, dir));
    const best = history[bestEpoch - 1] ?? history[history.length - 1];
    models.push({ dir, trainRows: trainIdx.length, validationRows: valIdx.length, bestEpoch, epochsRun: history.length, validationLoss: best.valLoss, validationMetric: metricOf(pVal, valIdx), history });
    maxRun = Math.max(maxRun, history.length);
    model.dispose();
  }

  let validation: BaselineRecord['validation'];
  let chosenFraction: number | null = null;
  if (ams) {
    const curve = amsCurve(oof, classIdx, prep.rawWeight, setup, grid);
    const pick = chooseFraction(grid, curve, spec.selection.smooth);
    chosenFraction = pick.fraction;
    validation = { metric: 'ams', score: pick.ams, perModel: models.map((m) => m.validationMetric), amsCurve: { fractions: grid, ams: curve } };
    log(`${c.slug}: out-of-fold AMS ${pick.ams.toFixed(4)} at the chosen fraction ${(pick.fraction * 100).toFixed(2)}% (smoothed ${pick.smoothedAms.toFixed(4)})`);
  } else {
    const { classificationReport } = await import('../../scorers/classification.js');
    const rep = classificationReport(classIdx, argmaxRows(oof, k), k);
    validation = {
      metric: 'macro_f1',
      score: rep.macroF1,
      perModel: models.map((m) => m.validationMetric),
      perClass: c.classes.map((cl, j) => ({ class: cl, precision: rep.precision[j], recall: rep.recall[j], f1: rep.f1[j], support: rep.support[j] })),
    };
    if (c.metric !== 'macro_f1') validation.challengeMetric = await outOfFoldChallengeScore(c, classIdx, prep.rawWeight, oof);
    log(`${c.slug}: out-of-fold macro-F1 ${rep.macroF1.toFixed(4)}`);
  }

  const record: BaselineRecord = {
    version: 1,
    challenge: c.slug,
    task: ams ? 'ams' : 'multiclass',
    backend,
    seed,
    createdAt: new Date().toISOString(),
    specFile,
    hyperparameters: { ...spec.model, folds, max_epochs: maxEpochs, seed, effectiveBatchSize: batchSize, maxEpochsRun: maxRun },
    classes: c.classes,
    positiveClass: ams ? positiveClass(c) : null,
    features: pre.columns.map((col) => col.name),
    preprocessing: pre,
    trainRows: n,
    trainingSeconds: (Date.now() - started) / 1000,
    models,
    validation,
    chosenFraction,
    ...(opts.foundBy ? { foundBy: opts.foundBy } : {}),
  };
  fs.writeFileSync(path.join(tmp, RECORD_FILE), JSON.stringify(record, null, 2));
  writeOutOfFold(tmp, table.column(c.id_column), outOfFoldLabels(record, oof));
  // Swap the finished model in at once, so a submit never reads half a model.
  const old = `${out}.old-${process.pid}-${Date.now()}`;
  fs.mkdirSync(path.dirname(out), { recursive: true });
  if (fs.existsSync(out)) fs.renameSync(out, old);
  fs.renameSync(tmp, out);
  fs.rmSync(old, { recursive: true, force: true });
  return record;
}

/**
 * The challenge's metric over the out-of-fold probabilities of the training rows, through the same
 * scorer the leaderboard uses (every row counts; the training labels are the truth). Undefined when
 * that scorer cannot score them (a metric it does not know, or a class with no training row).
 */
async function outOfFoldChallengeScore(c: Challenge, classIdx: Int32Array, rawWeight: Float32Array, oof: Float32Array): Promise<{ metric: string; score: number } | undefined> {
  const { getMetric } = await import('../../scorers/registry.js');
  const k = c.classes.length;
  const truth = { sha256: '', ids: [], index: new Map<string, number>(), classes: c.classes, label: classIdx, weight: Float64Array.from(rawWeight), usage: new Uint8Array(classIdx.length).fill(1) };
  const rows = new Uint8Array(classIdx.length).fill(1);
  try {
    const metric = getMetric(c.metric);
    if (metric.requires(truth, rows, c.metricOptions).length) return undefined;
    const { score } = metric.score({ label: argmaxRows(oof, k), proba: Float64Array.from(oof) }, truth, rows, c.metricOptions);
    return Number.isFinite(score) ? { metric: c.metric, score } : undefined;
  } catch {
    return undefined;
  }
}

/** Class names of out-of-fold probabilities: arg-max; HiggsML: the chosen top fraction is the positive class. */
export function outOfFoldLabels(record: BaselineRecord, oof: Float32Array): string[] {
  if (record.task !== 'ams') return Array.from(argmaxRows(oof, record.classes.length), (j) => record.classes[j]);
  const pos = record.positiveClass!;
  const neg = record.classes.find((x) => x !== pos) ?? pos;
  const n = oof.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => oof[b] - oof[a] || a - b);
  const labels = new Array<string>(n).fill(neg);
  for (let r = 0; r < Math.round((record.chosenFraction ?? 0) * n); r++) labels[order[r]] = pos;
  return labels;
}

/**
 * Rebuilds the out-of-fold predictions of a saved baseline that has none (models shipped before
 * `oof.csv` existed): the same seeded stratified fold split of the same train file, each row
 * predicted by the fold model that did not train on it. Returns the recomputed score beside the
 * recorded one, so a caller can check it reproduces the record before writing the file.
 */
export async function recomputeOutOfFold(c: LocalChallenge, dir: string, datasetsDir?: string): Promise<{ ids: string[]; labels: string[]; score: number; recorded: number }> {
  const { tf } = await loadTf();
  const { record, models } = await loadEnsembleFrom(dir);
  const table = readCsvTable(path.join(c.folder, c.train_file));
  if (table.rows !== record.trainRows) throw new Error(`${c.slug}: the train file has ${table.rows} rows, the saved baseline was trained on ${record.trainRows}`);
  const { spec } = specFor(c, datasetsDir);
  const x = transform(record.preprocessing, table);
  const d = record.preprocessing.columns.length;
  const rawW = c.weight_column && table.has(c.weight_column) ? Float32Array.from(table.column(c.weight_column), Number) : null;
  const { data, classIdx, rawWeight } = prepareTargets(c, spec, table.column(c.target_column), rawW, x, d);
  const k = data.k;
  const fold = makeFolds(classIdx, record.models.length, record.seed);
  const oof = new Float32Array(table.rows * k);
  models.forEach((m, f) => {
    const rows = Int32Array.from({ length: table.rows }, (_, i) => i).filter((i) => fold[i] === f);
    const xf = new Float32Array(rows.length * d);
    rows.forEach((i, r) => xf.set(x.subarray(i * d, i * d + d), r * d));
    const p = predictMatrix(tf, m, xf, d);
    rows.forEach((i, r) => oof.set(p.subarray(r * k, r * k + k), i * k));
    m.dispose();
  });
  const score = baselineScore(oof, classIdx, rawWeight, baselineScoring(c, spec)).score;
  return { ids: table.column(c.id_column), labels: outOfFoldLabels(record, oof), score, recorded: record.validation.score };
}

export function readRecord(dataDir: string, slug: string): BaselineRecord | null {
  const file = path.join(baselineDir(dataDir, slug), RECORD_FILE);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as BaselineRecord) : null;
}

export async function loadEnsemble(dataDir: string, slug: string): Promise<{ record: BaselineRecord; models: LayersModel[] }> {
  if (!readRecord(dataDir, slug)) throw new Error(`No trained baseline for '${slug}'. Run: sift baseline train ${slug}`);
  return loadEnsembleFrom(baselineDir(dataDir, slug));
}

/** The saved ensemble and its record in `dir` (the baseline's directory, or a retrained model's). */
export async function loadEnsembleFrom(dir: string): Promise<{ record: BaselineRecord; models: LayersModel[] }> {
  const record = JSON.parse(fs.readFileSync(path.join(dir, RECORD_FILE), 'utf8')) as BaselineRecord;
  const { tf } = await loadTf();
  const models = await Promise.all(record.models.map((m) => loadModel(tf, path.join(dir, m.dir))));
  return { record, models };
}

/** The ensemble's mean class probabilities for a table's rows (n × k, or n for HiggsML's signal). */
export async function predictFile(record: BaselineRecord, models: LayersModel[], file: string, idColumn: string): Promise<{ ids: string[]; proba: Float32Array; k: number }> {
  return predictTable(record, models, readCsvTable(file), idColumn);
}

export async function predictTable(record: BaselineRecord, models: LayersModel[], t: Table, idColumn: string): Promise<{ ids: string[]; proba: Float32Array; k: number }> {
  const { tf } = await loadTf();
  const x = transform(record.preprocessing, t);
  const d = record.preprocessing.columns.length;
  const k = record.task === 'ams' ? 1 : record.classes.length;
  const sum = new Float32Array(t.rows * k);
  for (const m of models) {
    const p = predictMatrix(tf, m, x, d);
    for (let i = 0; i < p.length; i++) sum[i] += p[i] / models.length;
  }
  return { ids: t.column(idColumn), proba: sum, k };
}

const csvCell = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** The submission CSV text: HiggsML ranks and the chosen top fraction as signal; multi-class arg-max plus proba_<class>. */
export function submissionCsv(c: Challenge, record: BaselineRecord, ids: string[], proba: Float32Array): string {
  const n = ids.length;
  const lines: string[] = [];
  if (record.task === 'ams') {
    const pos = record.positiveClass!;
    const neg = c.classes.find((x) => x !== pos)!;
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => proba[a] - proba[b] || a - b);
    const rank = new Int32Array(n);
    order.forEach((i, r) => (rank[i] = r + 1)); // N = most signal-like
    const selected = Math.round((record.chosenFraction ?? 0.15) * n);
    lines.push(`${c.id_column},RankOrder,Class`);
    for (let i = 0; i < n; i++) lines.push(`${csvCell(ids[i])},${rank[i]},${rank[i] > n - selected ? pos : neg}`);
  } else {
    const k = c.classes.length;
    const pred = argmaxRows(proba, k);
    lines.push([c.id_column, c.target_column, ...c.classes.map((cl) => `proba_${cl}`)].map(csvCell).join(','));
    for (let i = 0; i < n; i++) {
      const ps: string[] = [];
      for (let j = 0; j < k; j++) ps.push(proba[i * k + j].toFixed(6));
      lines.push([csvCell(ids[i]), csvCell(c.classes[pred[i]]), ...ps].join(','));
    }
  }
  return lines.join('\n') + '\n';
}

/** Predicts the challenge's test file and writes the submission CSV; returns its path. */
export async function writeSubmission(c: LocalChallenge, dataDir: string, outFile?: string, modelDir = baselineDir(dataDir, c.slug)): Promise<{ file: string; record: BaselineRecord }> {
  const { record, models } = await loadEnsembleFrom(modelDir);
  const { ids, proba } = await predictFile(record, models, path.join(c.folder, c.test_file), c.id_column);
  models.forEach((m) => m.dispose());
  const file = outFile ?? path.join(modelDir, 'submission.csv');
  fs.writeFileSync(file, submissionCsv(c, record, ids, proba));
  return { file, record };
}
