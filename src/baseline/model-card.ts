/**
 * The baseline's model card: what anyone who can see the challenge may read about the saved
 * TensorFlow.js model. Everything on it comes from the saved record (train.csv only: its columns,
 * the fitted preprocessing, the per-epoch history and the out-of-fold figures) and from the Baseline
 * account's leaderboard scores, whose private one shows only once the challenge has closed, as for
 * any entrant. Nothing here reads the test labels or the solution.
 */
import type { Db } from '../db/index.js';
import type { Challenge } from '../challenges/repo.js';
import { privateRevealed } from '../challenges/service.js';
import { metricHumanName } from '../challenges/metric-names.js';
import { latestBaselineSubmission, type BaselineRun, type RunProgress } from './service.js';
import { isAms, type BaselineRecord } from './train.js';
import { linePlot, type Series } from './svg.js';

export interface LayerRow {
  layer: string;
  units: number;
  activation: string;
  regularisation: string;
  parameters: number;
}

/**
 * The network as buildModel makes it, with Keras' parameter counts: a dense layer has in × out
 * weights plus a bias unless batch norm follows (its beta is the bias); batch norm keeps 4 per unit,
 * gamma and beta trained, the moving mean and variance not.
 */
export function architecture(r: BaselineRecord): { inputs: number; outputs: number; layers: LayerRow[]; trainable: number; total: number } {
  const hp = r.hyperparameters;
  const inputs = r.preprocessing.columns.length;
  const outputs = r.task === 'ams' ? 1 : r.classes.length;
  const layers: LayerRow[] = [];
  let width = inputs;
  let trainable = 0;
  let frozen = 0;
  for (const units of hp.hidden) {
    const dense = width * units + (hp.batch_norm ? 0 : units);
    const norm = hp.batch_norm ? 2 * units : 0;
    trainable += dense + norm;
    frozen += hp.batch_norm ? 2 * units : 0;
    const regularisation = [hp.batch_norm ? 'batch norm' : '', hp.dropout > 0 ? `dropout ${hp.dropout}` : '', hp.l2 > 0 ? `L2 ${hp.l2}` : ''].filter(Boolean).join(', ') || 'none';
    layers.push({ layer: `Hidden ${layers.length + 1}`, units, activation: 'ReLU', regularisation, parameters: dense + (hp.batch_norm ? 4 * units : 0) });
    width = units;
  }
  const out = width * outputs + outputs;
  trainable += out;
  layers.push({ layer: 'Output', units: outputs, activation: outputs === 1 ? 'sigmoid' : 'softmax', regularisation: hp.l2 > 0 ? `L2 ${hp.l2}` : 'none', parameters: out });
  return { inputs, outputs, layers, trainable, total: trainable + frozen };
}

const BACKENDS: Record<string, string> = { tensorflow: 'tfjs-node (native TensorFlow, CPU)', wasm: 'tfjs wasm (WebAssembly, CPU)', cpu: 'tfjs cpu (plain JavaScript)' };
export const backendName = (backend: string | null | undefined): string => (backend ? (BACKENDS[backend] ?? backend) : 'not recorded');

const CLASS_WEIGHTS: Record<string, string> = {
  balanced: 'balanced: every class carries the same total weight',
  sqrt: 'square root: a class weighs ∝ 1/√(its rows), halfway to balanced',
  none: 'none: every row weighs the same',
};

function preprocessing(r: BaselineRecord) {
  const cols = r.preprocessing.columns;
  const numeric = cols.filter((c) => c.kind === 'numeric');
  const logged = numeric.filter((c) => c.kind === 'numeric' && c.logScale !== null);
  const standardised = numeric.some((c) => c.kind === 'numeric' && (c.mean !== 0 || c.std !== 1));
  return {
    features: r.features,
    numeric: numeric.length,
    indicators: cols.filter((c) => c.kind === 'missing').map((c) => c.name),
    oneHot: cols.filter((c) => c.kind === 'one_hot').map((c) => c.name),
    logged: logged.map((c) => c.name),
    scaling: standardised ? 'standardised: minus the training mean, divided by the training standard deviation' : 'none (raw values)',
    sentinels: r.preprocessing.sentinels,
    dropped: r.preprocessing.dropped,
    fromSpecFile: !!r.specFile,
  };
}

function training(r: BaselineRecord) {
  const hp = r.hyperparameters;
  const watched = hp.monitor === 'loss' ? 'held-out loss' : `held-out ${metricHumanName(r.validation.metric)}`;
  return {
    optimizer: 'Adam',
    learningRate: hp.learning_rate,
    batchSize: hp.effectiveBatchSize,
    specBatchSize: hp.batch_size,
    loss: r.task === 'ams' ? 'weighted binary cross-entropy' : 'weighted categorical cross-entropy',
    classWeight: CLASS_WEIGHTS[hp.class_weight] ?? hp.class_weight,
    eventWeights: r.task === 'ams',
    maxEpochs: hp.max_epochs,
    epochs: r.models.map((m, i) => ({ model: i + 1, run: m.epochsRun, best: m.bestEpoch, trainRows: m.trainRows, validationRows: m.validationRows })),
    earlyStopping: `stops a model when its ${watched} has not improved for ${hp.patience} epochs, then restores the weights of its best epoch`,
    folds: r.models.length,
  };
}

/** The held-out figures: the metric the baseline selects with, and the challenge's own when it differs. */
function validation(r: BaselineRecord, c: Challenge) {
  const v = r.validation;
  const own = v.metric === c.metric ? { metric: v.metric, score: v.score } : v.challengeMetric?.metric === c.metric ? v.challengeMetric : null;
  return {
    metric: metricHumanName(v.metric),
    score: v.score,
    challengeMetric: metricHumanName(c.metric),
    challengeScore: own?.score ?? null,
    sameMetric: v.metric === c.metric,
    perModel: v.perModel,
    perClass: v.perClass ?? null,
    chosenFraction: r.chosenFraction,
  };
}

/** Per-epoch curves of the saved record (or of a run in progress): loss, and the held-out metric each epoch tracks. */
export function trainingCurves(history: RunProgress['history'], epochMetric: string, amsCurve?: { fractions: number[]; ams: number[]; chosen: number | null }): string[] {
  const models = [...new Set(history.map((h) => h.model))];
  const loss: Series[] = [];
  const metric: Series[] = [];
  models.forEach((mi, i) => {
    const hs = history.filter((h) => h.model === mi);
    const color = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9'][i % 6];
    loss.push({ name: `model ${mi + 1}`, color, points: hs.map((h) => [h.epoch, h.valLoss]) });
    loss.push({ name: `model ${mi + 1} training`, color, dashed: true, inLegend: false, points: hs.map((h) => [h.epoch, h.loss]) });
    metric.push({ name: `model ${mi + 1}`, color, points: hs.map((h) => [h.epoch, h.valMetric]) });
  });
  const name = metricHumanName(epochMetric);
  const out = [
    linePlot({ title: 'Loss per epoch: held-out fold (solid), training (dashed)', xLabel: 'epoch', yLabel: 'weighted cross-entropy', series: loss }),
    linePlot({ title: `Held-out ${name} per epoch`, xLabel: 'epoch', yLabel: name, series: metric }),
  ];
  if (amsCurve) {
    out.push(
      linePlot({
        title: 'Out-of-fold AMS by selected fraction (dashed: chosen)',
        xLabel: 'fraction of events selected as signal',
        yLabel: 'AMS',
        series: [{ name: 'AMS', points: amsCurve.fractions.map((f, i) => [f, amsCurve.ams[i]]) }],
        markerX: amsCurve.chosen,
      }),
    );
  }
  return out;
}

/** The curves of a saved record; a run in progress (organizers) shows its own history instead. */
export function recordCurves(c: Challenge, record: BaselineRecord | null, run?: BaselineRun): string[] {
  const live = run?.status === 'running' || !record;
  const history = live && run ? (JSON.parse(run.progress_json) as RunProgress).history : (record?.models.flatMap((m, i) => m.history.map((h) => ({ model: i, ...h }))) ?? []);
  // What each epoch's held-out metric is: AMS on HiggsML-like challenges, macro-F1 on any other (train.ts's metricOf).
  const epochMetric = record?.validation.metric ?? (isAms(c) ? 'ams' : 'macro_f1');
  const ams = !live && record?.validation.amsCurve ? { ...record.validation.amsCurve, chosen: record.chosenFraction } : undefined;
  return trainingCurves(history, epochMetric, ams);
}

/** The scores of the Baseline's newest scored submission: public always, private only after the close. */
async function leaderboardScores(db: Db, c: Challenge) {
  const s = await latestBaselineSubmission(db, c.id, true);
  if (!s) return null;
  const revealed = privateRevealed(c);
  return { submissionId: s.id, sentAt: s.created_at, publicScore: s.public_score, privateScore: revealed ? s.private_score : null, revealed };
}

export type ModelCard = Awaited<ReturnType<typeof modelCard>>;

/** The card of the saved model, or null when the challenge has no trained baseline. */
export async function modelCard(db: Db, c: Challenge, record: BaselineRecord | null) {
  if (!record) return null;
  const perEpoch = metricHumanName(record.validation.metric);
  return {
    task: record.task,
    classes: record.classes,
    positiveClass: record.positiveClass,
    backend: backendName(record.backend),
    seed: record.seed,
    createdAt: record.createdAt,
    trainingSeconds: record.trainingSeconds,
    trainRows: record.trainRows,
    architecture: architecture(record),
    preprocessing: preprocessing(record),
    training: training(record),
    validation: validation(record, c),
    perEpochMetric: perEpoch,
    perEpochWhy:
      record.validation.metric === c.metric
        ? null
        : `The curves track ${perEpoch}, which the baseline follows on every ${record.task === 'ams' ? 'HiggsML' : 'multi-class'} challenge; this challenge is scored by ${metricHumanName(c.metric)}, whose held-out value is in the table above.`,
    curves: recordCurves(c, record),
    scores: await leaderboardScores(db, c),
    foundBy: record.foundBy ? { ...record.foundBy, metricName: metricHumanName(record.foundBy.outOfFold.metric) } : null,
  };
}
