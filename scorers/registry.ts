/**
 * Metric names (as written in challenge.yaml) -> Metric objects.
 *
 * Every metric scores the rows whose mask entry is 1; build the mask with
 * subsetMask(sol.usage, 'public' | 'private'). Details are plain JSON-friendly
 * values (numbers, strings, arrays), so they can be stored as they are.
 * A score can be NaN where the reference (sklearn) would raise, e.g. an empty
 * subset or an AUC over a class with no positive row; details say why.
 */
import { amsScore, AMS_DEFAULTS } from './ams.js';
import { accuracy, classificationReport, matrixRows } from './classification.js';
import { checkMask, subsetMask } from './mask.js';
import { logLoss, LOG_LOSS_EPS, rocAucFromProba, rocAucOvr } from './probabilistic.js';
import type { Metric, MetricResult, Prediction, Solution } from './types.js';

function checkPrediction(pred: Prediction, sol: Solution, rows: Uint8Array, needs: 'label' | 'proba'): void {
  const n = sol.label.length;
  checkMask(rows, n);
  if (needs === 'label' && pred.label.length !== n) {
    throw new Error(`prediction has ${pred.label.length} labels, solution has ${n} rows`);
  }
  if (needs === 'proba') {
    if (pred.proba === undefined) throw new Error('this metric needs class probabilities, and the prediction has none');
    const k = sol.classes.length;
    if (pred.proba.length !== n * k) {
      throw new Error(`prediction has ${pred.proba.length} probabilities, expected ${n} rows x ${k} classes`);
    }
  }
}

function numberOption(options: Record<string, unknown>, key: string, fallback: number, min: number, strict: boolean): number {
  const v = options[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || (strict ? !(v > min) : !(v >= min))) {
    throw new Error(`option ${key} must be a finite number ${strict ? '>' : '>='} ${min}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Class code of options.positive_class, or `fallback` when the option is absent. */
function positiveClass(options: Record<string, unknown>, sol: Solution, fallback: string | number): number {
  const v = options.positive_class ?? fallback;
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v >= sol.classes.length) {
      throw new Error(`positive class code ${v} out of range 0..${sol.classes.length - 1}`);
    }
    return v;
  }
  if (typeof v !== 'string') throw new Error(`option positive_class must be a class name, got ${JSON.stringify(v)}`);
  const code = sol.classes.indexOf(v);
  if (code < 0) {
    throw new Error(`positive class '${v}' is not one of the solution's classes (${sol.classes.join(', ')})`);
  }
  return code;
}

/** Rows per class code within the subset, and their summed weights. */
function classCounts(sol: Solution, rows: Uint8Array): { rows: Float64Array; weight: Float64Array } {
  const k = sol.classes.length;
  const counts = { rows: new Float64Array(k), weight: new Float64Array(k) };
  for (let i = 0; i < rows.length; i++) {
    if (rows[i] !== 1) continue;
    const c = sol.label[i];
    counts.rows[c]++;
    if (sol.weight[i] > 0) counts.weight[c] += sol.weight[i];
  }
  return counts;
}

/** The classes (names) with no row in the subset. */
function absentClasses(sol: Solution, rows: Uint8Array): string[] {
  const { rows: n } = classCounts(sol, rows);
  return sol.classes.filter((_, c) => n[c] === 0);
}

const noRequirement = (): string[] => [];

const ams: Metric = {
  name: 'ams',
  version: 'ams@1',
  higherIsBetter: true,
  needs: 'label',
  requires(sol, rows, options) {
    // AMS renormalises each subset's signal and background weights: both must be positive.
    let positive: number;
    try {
      positive = positiveClass(options, sol, 's');
    } catch (err) {
      return [(err as Error).message];
    }
    const { weight } = classCounts(sol, rows);
    const background = sol.classes.filter((_, c) => c !== positive && weight[c] > 0);
    const out: string[] = [];
    if (!(weight[positive] > 0)) out.push(`has no signal row (class '${sol.classes[positive]}') with a positive weight; AMS needs signal and background in each subset`);
    if (background.length === 0) out.push(`has no background row (a class other than '${sol.classes[positive]}') with a positive weight; AMS needs signal and background in each subset`);
    return out;
  },
  score(pred, sol, rows, options): MetricResult {
    checkPrediction(pred, sol, rows, 'label');
    const positive = positiveClass(options, sol, 's');
    const Ns = numberOption(options, 'Ns', AMS_DEFAULTS.Ns, 0, true);
    const Nb = numberOption(options, 'Nb', AMS_DEFAULTS.Nb, 0, true);
    const bReg = numberOption(options, 'b_reg', AMS_DEFAULTS.bReg, 0, false);
    const r = amsScore(sol.label, pred.label, sol.weight, positive, rows, { Ns, Nb, bReg });
    return {
      score: r.ams,
      details: {
        s: r.s,
        b: r.b,
        selected: r.selected,
        n: r.n,
        positive_class: sol.classes[positive],
        Ns: r.Ns,
        Nb: r.Nb,
        b_reg: r.bReg,
        signal_weight_raw: r.signalWeight,
        background_weight_raw: r.backgroundWeight,
      },
    };
  },
};

const accuracyMetric: Metric = {
  name: 'accuracy',
  version: 'accuracy@1',
  higherIsBetter: true,
  needs: 'label',
  requires: noRequirement,
  score(pred, sol, rows): MetricResult {
    checkPrediction(pred, sol, rows, 'label');
    const r = accuracy(sol.label, pred.label, rows);
    const details: Record<string, unknown> = { correct: r.correct, n: r.n };
    if (r.n === 0) details.note = 'no rows in this subset';
    return { score: r.accuracy, details };
  },
};

const macroF1: Metric = {
  name: 'macro_f1',
  version: 'macro_f1@1',
  higherIsBetter: true,
  needs: 'label',
  // Classes absent from a subset are left out of the averages (as sklearn): any non-empty subset scores.
  requires: noRequirement,
  score(pred, sol, rows): MetricResult {
    checkPrediction(pred, sol, rows, 'label');
    const k = sol.classes.length;
    const r = classificationReport(sol.label, pred.label, k, rows);
    const perClass = sol.classes.map((name, c) => ({
      class: name,
      precision: r.precision[c],
      recall: r.recall[c],
      f1: r.f1[c],
      support: r.support[c],
      predicted: r.predicted[c],
      present: r.present[c] === 1,
    }));
    const details: Record<string, unknown> = {
      classes: sol.classes.slice(),
      confusion: matrixRows(r.confusion, k),
      per_class: perClass,
      macro_precision: r.macroPrecision,
      macro_recall: r.macroRecall,
      macro_f1: r.macroF1,
      accuracy: r.accuracy,
      n: r.n,
      averaged_over: sol.classes.filter((_, c) => r.present[c] === 1),
    };
    if (r.presentCount < k) {
      details.note = 'classes absent from both the true and predicted labels of this subset are left out of the macro averages (as sklearn)';
    }
    if (r.n === 0) details.note = 'no rows in this subset';
    return { score: r.macroF1, details };
  },
};

const logLossMetric: Metric = {
  name: 'log_loss',
  version: 'log_loss@1',
  higherIsBetter: false,
  needs: 'proba',
  requires: noRequirement,
  score(pred, sol, rows): MetricResult {
    checkPrediction(pred, sol, rows, 'proba');
    const r = logLoss(pred.proba as Float64Array, sol.classes.length, sol.label, rows);
    const details: Record<string, unknown> = {
      n: r.n,
      clipped: r.clipped,
      eps: LOG_LOSS_EPS,
      unnormalised_rows: r.unnormalisedRows,
    };
    if (r.n === 0) details.note = 'no rows in this subset';
    else if (r.unnormalisedRows > 0) details.note = `${r.unnormalisedRows} rows do not sum to 1; they were renormalised`;
    return { score: r.logLoss, details };
  },
};

const rocAuc: Metric = {
  name: 'roc_auc',
  version: 'roc_auc@1',
  higherIsBetter: true,
  needs: 'proba',
  requires(sol, rows) {
    // Binary AUC needs a positive and a negative row; one-vs-rest needs every class as a positive.
    const absent = absentClasses(sol, rows);
    if (absent.length === 0) return [];
    const need = sol.classes.length === 2 ? 'ROC AUC needs both classes in each subset' : 'one-vs-rest ROC AUC needs every class in each subset';
    return [`has no row of class${absent.length > 1 ? 'es' : ''} ${absent.map((c) => `'${c}'`).join(', ')}; ${need}`];
  },
  score(pred, sol, rows, options): MetricResult {
    checkPrediction(pred, sol, rows, 'proba');
    const k = sol.classes.length;
    const proba = pred.proba as Float64Array;
    if (k === 2) {
      // sklearn's binary convention on class codes: the greater label (code 1) is positive.
      const positive = positiveClass(options, sol, 1);
      const r = rocAucFromProba(proba, k, sol.label, positive, rows);
      const details: Record<string, unknown> = {
        mode: 'binary',
        positive_class: sol.classes[positive],
        positives: r.positives,
        negatives: r.negatives,
      };
      if (Number.isNaN(r.auc)) {
        details.note =
          r.positives === 0 || r.negatives === 0
            ? 'AUC is undefined: the subset has only one true class'
            : 'AUC is undefined: a score is NaN';
      }
      return { score: r.auc, details };
    }
    const r = rocAucOvr(proba, k, sol.label, rows);
    const details: Record<string, unknown> = {
      mode: 'ovr_macro',
      per_class: sol.classes.map((name, c) => ({
        class: name,
        auc: r.perClass[c],
        positives: r.positives[c],
        negatives: r.negatives[c],
      })),
    };
    if (r.undefinedClasses.length > 0) {
      details.note = `AUC is undefined for classes with no positive or no negative row in this subset: ${r.undefinedClasses
        .map((c) => sol.classes[c])
        .join(', ')}`;
    } else if (Number.isNaN(r.macro)) {
      details.note = 'AUC is undefined: a score is NaN';
    }
    return { score: r.macro, details };
  },
};

const METRICS: ReadonlyMap<string, Metric> = new Map(
  [ams, accuracyMetric, macroF1, logLossMetric, rocAuc].map((m) => [m.name, m]),
);

/** The metric of that name; throws an Error naming the known metrics otherwise. */
export function getMetric(name: string): Metric {
  const m = METRICS.get(name);
  if (m === undefined) {
    throw new Error(`unknown metric '${name}' (known: ${metricNames().join(', ')})`);
  }
  return m;
}

/**
 * Why a solution cannot be scored with this metric, one line per problem (empty when it can): each
 * of the public and private subsets must hold rows, and what the metric needs (metric.requires).
 * The lines name subset internals: they are for organizers only.
 */
export function unscorableProblems(metricName: string, sol: Solution, options: Record<string, unknown>): string[] {
  const metric = getMetric(metricName);
  const problems: string[] = [];
  for (const subset of ['public', 'private'] as const) {
    const rows = subsetMask(sol.usage, subset);
    const name = subset === 'public' ? 'Public' : 'Private';
    if (!rows.includes(1)) {
      problems.push(`the ${subset} subset is empty: no solution row has Usage ${name}; every challenge needs rows in both subsets`);
      continue;
    }
    for (const p of metric.requires(sol, rows, options)) problems.push(`the ${subset} subset (Usage ${name}) ${p}`);
  }
  return problems;
}

/** Names of all registered metrics. */
export function metricNames(): string[] {
  return [...METRICS.keys()];
}
