import { createRequire } from 'node:module';
import type { BaselineSpec } from './spec.js';
import { cellNumber, isNumericColumn, type Table } from './data.js';

const require = createRequire(import.meta.url);

/** One output column of the feature matrix. */
export type FeatureColumn =
  | { kind: 'numeric'; name: string; source: string; logScale: number | null; mean: number; std: number }
  | { kind: 'missing'; name: string; source: string }
  | { kind: 'one_hot'; name: string; source: string; value: string };

/** Everything needed to turn a CSV into the model's input again; saved with the model. */
export interface Preprocessor {
  sentinels: number[];
  columns: FeatureColumn[];
  /** Columns of train.csv that were left out, and why. */
  dropped: Array<{ column: string; reason: string }>;
}

const logOf = (v: number, scale: number) => Math.sign(v) * Math.log1p(Math.abs(v) * scale);

function rawValue(t: Table, col: string, sentinels: Set<number>): Float64Array {
  const cells = t.column(col);
  const out = new Float64Array(cells.length);
  for (let i = 0; i < cells.length; i++) {
    const v = cellNumber(cells[i]);
    out[i] = sentinels.has(v) ? NaN : v;
  }
  return out;
}

/**
 * Fits the declared preprocessing on the training table only: feature choice, missing-value
 * indicators (one per distinct missing pattern), log transforms, one-hot columns, and the
 * standardisation (means and standard deviations by danfojs, ignoring missing cells).
 */
export function fitPreprocessor(train: Table, spec: BaselineSpec, reserved: string[]): Preprocessor {
  const sentinels = new Set(spec.missing.sentinels);
  const skip = new Set([...reserved, ...spec.exclude]);
  const dropped: Preprocessor['dropped'] = [];
  const oneHot = new Set(spec.one_hot);
  for (const c of [...spec.log, ...spec.one_hot, ...(spec.features === 'auto' ? [] : spec.features)]) {
    if (!train.has(c)) throw new Error(`baseline.yaml names column ${JSON.stringify(c)}, which train.csv does not have`);
  }
  const candidates = spec.features === 'auto' ? train.header.filter((c) => !skip.has(c)) : spec.features;
  for (const c of train.header) if (skip.has(c) && !reserved.includes(c)) dropped.push({ column: c, reason: 'excluded in baseline.yaml' });

  const numeric: string[] = [];
  const columns: FeatureColumn[] = [];
  for (const c of candidates) {
    if (oneHot.has(c)) continue;
    if (!isNumericColumn(train.column(c))) {
      dropped.push({ column: c, reason: 'not numeric (declare it under one_hot to use it)' });
      continue;
    }
    numeric.push(c);
  }
  const logs = new Set(spec.log);
  const values = numeric.map((c) => {
    const v = rawValue(train, c, sentinels);
    if (logs.has(c)) {
      const scale = spec.log_scale[c] ?? 1;
      for (let i = 0; i < v.length; i++) v[i] = logOf(v[i], scale);
    }
    return v;
  });
  const keep: number[] = [];
  values.forEach((v, j) => {
    if (v.some((x) => !Number.isNaN(x))) keep.push(j);
    else dropped.push({ column: numeric[j], reason: 'always missing in train.csv' });
  });
  const { mean, std } = columnStats(keep.map((j) => values[j]));
  keep.forEach((j, k) => {
    const c = numeric[j];
    const s = std[k];
    columns.push({
      kind: 'numeric',
      name: c,
      source: c,
      logScale: logs.has(c) ? (spec.log_scale[c] ?? 1) : null,
      mean: spec.standardize ? mean[k] : 0,
      std: spec.standardize && Number.isFinite(s) && s > 0 ? s : 1,
    });
  });
  if (spec.missing.indicators) {
    const seen = new Set<string>();
    for (const j of keep) {
      const v = values[j];
      let any = false;
      let key = '';
      for (let i = 0; i < v.length; i++) {
        const m = Number.isNaN(v[i]);
        any ||= m;
        key += m ? '1' : '0';
      }
      if (!any || seen.has(key)) continue; // one indicator per distinct missing pattern
      seen.add(key);
      columns.push({ kind: 'missing', name: `missing(${numeric[j]})`, source: numeric[j] });
    }
  }
  for (const c of spec.one_hot) {
    const levels = [...new Set(train.column(c).map((s) => s.trim()))].sort();
    for (const value of levels) columns.push({ kind: 'one_hot', name: `${c}=${value}`, source: c, value });
  }
  return { sentinels: [...sentinels], columns, dropped };
}

/** Column means and sample standard deviations over the non-missing cells, via a danfojs DataFrame. */
function columnStats(cols: Float64Array[]): { mean: number[]; std: number[] } {
  if (!cols.length) return { mean: [], std: [] };
  const dfd = require('danfojs') as { DataFrame: new (data: Record<string, number[]>) => { mean(o: { axis: 0 }): { values: number[] }; std(o: { axis: 0 }): { values: number[] } } };
  const data: Record<string, number[]> = {};
  cols.forEach((c, j) => (data[`c${j}`] = Array.from(c)));
  const df = new dfd.DataFrame(data);
  return { mean: df.mean({ axis: 0 }).values.map(Number), std: df.std({ axis: 0 }).values.map(Number) };
}

/** The feature matrix (rows × columns, row-major) of any table with the training columns. */
export function transform(p: Preprocessor, t: Table): Float32Array {
  const sentinels = new Set(p.sentinels);
  const d = p.columns.length;
  const out = new Float32Array(t.rows * d);
  const raw = new Map<string, Float64Array>();
  const rawOf = (c: string) => {
    let v = raw.get(c);
    if (!v) raw.set(c, (v = rawValue(t, c, sentinels)));
    return v;
  };
  p.columns.forEach((col, j) => {
    if (col.kind === 'one_hot') {
      const cells = t.column(col.source);
      for (let i = 0; i < t.rows; i++) out[i * d + j] = cells[i].trim() === col.value ? 1 : 0;
      return;
    }
    const v = rawOf(col.source);
    if (col.kind === 'missing') {
      for (let i = 0; i < t.rows; i++) out[i * d + j] = Number.isNaN(v[i]) ? 1 : 0;
      return;
    }
    for (let i = 0; i < t.rows; i++) {
      let x = v[i];
      if (Number.isNaN(x)) {
        out[i * d + j] = 0; // the training mean, after standardisation
        continue;
      }
      if (col.logScale !== null) x = logOf(x, col.logScale);
      out[i * d + j] = (x - col.mean) / col.std;
    }
  });
  return out;
}
