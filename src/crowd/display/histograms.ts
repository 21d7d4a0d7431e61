/**
 * The generic plot for any table: where one subject's value falls within each class's distribution
 * on the training rows. The distributions are computed once per workflow (store.ts) from labelled
 * training rows, which participants hold anyway, so nothing hidden reaches the page.
 *
 * Bins span the 1st to 99th percentile of all classes' values together, so one far outlier does not
 * squeeze every class into a bin or two; values beyond are counted in the end bins and the plot says
 * how many. A strictly positive column spanning more than three decades (X-ray fluxes) is binned in
 * log₁₀, as its reader would plot it. Each class is drawn as its share of rows per bin, so a rare
 * class is as visible as a common one.
 */
import { numericValue, withDerived, type SubjectValues } from './clues.js';
import type { CrowdConfig } from './schema.js';
import { escapeXml, px } from '../plots/svg-text.js';

export interface ClassHistogram {
  name: string;
  /** Rows per bin; values outside the edges are counted in the first or last bin. */
  counts: number[];
  /** Rows of this class with a value. */
  total: number;
}

export interface ColumnHistogram {
  column: string;
  /** Binned in log₁₀ of the value. */
  log: boolean;
  /** bins + 1 edges, in the binned scale (log₁₀ when `log`). */
  edges: number[];
  classes: ClassHistogram[];
}

function quantile(sorted: Float64Array, q: number): number {
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (i - lo);
}

/** Histograms of each column per class over labelled rows (`targetColumn` holds the class name). */
export function classHistograms(
  rows: readonly SubjectValues[],
  columns: readonly string[],
  opts: { targetColumn: string; classes: readonly string[]; bins: number; config: Pick<CrowdConfig, 'derived' | 'missing_values'> },
): ColumnHistogram[] {
  const withValues = rows.map((r) => withDerived(opts.config, r));
  return columns.map((column) => {
    const values: number[] = [];
    const classOf: number[] = [];
    for (const r of withValues) {
      const k = opts.classes.indexOf(String(r[opts.targetColumn] ?? ''));
      const v = numericValue(r, column, opts.config.missing_values);
      if (k < 0 || v === null) continue;
      values.push(v);
      classOf.push(k);
    }
    const positive = values.length > 0 && values.every((v) => v > 0);
    const scaled = Float64Array.from(values, (v) => (positive ? Math.log10(v) : v)).sort();
    const log = positive && scaled.length > 1 && scaled[scaled.length - 1] - scaled[0] > 3;
    const binned = log ? scaled : Float64Array.from(values).sort();
    let lo = binned.length ? quantile(binned, 0.01) : 0;
    let hi = binned.length ? quantile(binned, 0.99) : 1;
    if (!(hi > lo)) {
      lo -= 0.5;
      hi += 0.5;
    }
    const edges = Array.from({ length: opts.bins + 1 }, (_, i) => lo + ((hi - lo) * i) / opts.bins);
    const classes = opts.classes.map((name) => ({ name, counts: new Array<number>(opts.bins).fill(0), total: 0 }));
    values.forEach((v, i) => {
      const c = classes[classOf[i]];
      c.counts[binOf(edges, log ? Math.log10(v) : v)]++;
      c.total++;
    });
    return { column, log, edges, classes };
  });
}

/** The bin of a value in the binned scale; beyond the edges, the end bins. */
export function binOf(edges: readonly number[], x: number): number {
  const bins = edges.length - 1;
  const i = Math.floor(((x - edges[0]) / (edges[bins] - edges[0])) * bins);
  return Math.min(bins - 1, Math.max(0, i));
}

export interface HistogramPlotOptions {
  label: string;
  /** Class name → colour and display name. */
  colours: Record<string, string>;
  names: Record<string, string>;
  /** The subject's value in the column's own scale; null when missing. */
  value: number | null;
  valueText: string;
  width?: number;
  height?: number;
}

const tick = (v: number, log: boolean) => (log ? `1e${Math.round(v)}` : Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(0) : String(Number(v.toPrecision(3))));

/** One column's class distributions as step lines, with the subject's value marked. */
export function histogramSvg(h: ColumnHistogram, opts: HistogramPlotOptions): string {
  const width = opts.width ?? 300;
  const height = opts.height ?? 130;
  const m = { l: 8, r: 8, t: 18, b: 30 };
  const w = width - m.l - m.r;
  const ht = height - m.t - m.b;
  const lo = h.edges[0];
  const hi = h.edges[h.edges.length - 1];
  const X = (x: number) => m.l + ((x - lo) / (hi - lo)) * w;
  const shares = h.classes.map((c) => c.counts.map((n) => (c.total ? n / c.total : 0)));
  const top = Math.max(1e-9, ...shares.flat());
  const Y = (s: number) => m.t + ht - (s / top) * ht;
  let body = `<rect x="${m.l}" y="${m.t}" width="${w}" height="${ht}" class="frame"/>`;
  h.classes.forEach((c, k) => {
    if (!c.total) return;
    let d = `M${px(X(lo))},${px(Y(0))}`;
    shares[k].forEach((s, i) => (d += ` L${px(X(h.edges[i]))},${px(Y(s))} L${px(X(h.edges[i + 1]))},${px(Y(s))}`));
    d += ` L${px(X(hi))},${px(Y(0))}`;
    const colour = opts.colours[c.name] ?? '#555';
    body += `<path d="${d}" fill="${colour}" fill-opacity="0.12" stroke="${colour}" stroke-width="1.6" data-class="${escapeXml(c.name)}"><title>${escapeXml(opts.names[c.name] ?? c.name)}: ${c.total} training rows</title></path>`;
  });
  for (const x of [lo, (lo + hi) / 2, hi]) body += `<text x="${px(X(x))}" y="${height - 16}" text-anchor="${x === lo ? 'start' : x === hi ? 'end' : 'middle'}" class="tick">${escapeXml(tick(x, h.log))}</text>`;
  if (opts.value !== null) {
    const scaled = h.log ? (opts.value > 0 ? Math.log10(opts.value) : lo) : opts.value;
    const clamped = Math.min(hi, Math.max(lo, scaled));
    const xx = px(X(clamped));
    const beyond = scaled < lo ? '◂ ' : scaled > hi ? ' ▸' : '';
    const anchor = clamped - lo < (hi - lo) * 0.2 ? 'start' : clamped - lo > (hi - lo) * 0.8 ? 'end' : 'middle';
    body += `<line x1="${xx}" x2="${xx}" y1="${m.t - 2}" y2="${m.t + ht}" class="subject-value" stroke="#000" stroke-width="2" data-testid="subject-value"/>`;
    body += `<text x="${xx}" y="${m.t - 5}" text-anchor="${anchor}" class="tick strong">${escapeXml(scaled < lo ? beyond + opts.valueText : opts.valueText + (scaled > hi ? beyond : ''))}</text>`;
  } else body += `<text x="${px(m.l + w / 2)}" y="${m.t - 5}" text-anchor="middle" class="tick">not measured for this subject</text>`;
  body += `<text x="${px(m.l + w / 2)}" y="${height - 3}" text-anchor="middle" class="label">${escapeXml(opts.label)}${h.log ? ' (log scale)' : ''}</text>`;
  const aria = `${opts.label}: this subject ${opts.value === null ? 'has no value' : opts.valueText}, against each class's training distribution`;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" class="plot histogram" role="img" aria-label="${escapeXml(aria)}" data-column="${escapeXml(h.column)}" style="max-width:100%;height:auto">${body}</svg>`;
}
