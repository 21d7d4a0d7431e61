/**
 * A server-rendered SVG forest plot: one line per class, and within it one marker per method (crowd
 * aggregators, baseline, best ML entry) with its interval as whiskers, so crowd and ML sit side by
 * side on a common axis. Methods differ by colour and by marker shape, so the plot reads in grey too.
 */
import type { Interval } from '../../../scorers/bootstrap.js';
import { CLASS_COLOURS } from '../svg.js';
import { escapeXml, figure, px } from './svg-text.js';

export interface ForestRow {
  /** The group (a class name). */
  label: string;
  /** The series (a method: "crowd (Dawid–Skene)", "baseline", "best ML"). */
  method: string;
  /** Null when the figure is undefined for this method; the row then says "n/a". */
  estimate: number | null;
  lo: number | null;
  hi: number | null;
}

/** One method's per-class intervals (e.g. bootstrapIntervals(...).f1) as forest rows, one per class. */
export function forestRowsOf(method: string, perClass: Interval[], classNames: string[]): ForestRow[] {
  if (perClass.length !== classNames.length) throw new Error(`${perClass.length} intervals for ${classNames.length} class names`);
  return perClass.map(({ estimate, lo, hi }, c) => ({ label: classNames[c], method, estimate, lo, hi }));
}

export interface ForestOptions {
  title: string;
  /** The axis title (default "F1"). */
  axisLabel?: string;
  /** The axis range (default [0, 1]); values outside are drawn at its edge. */
  domain?: [number, number];
  width?: number;
}

// Okabe–Ito, blue and vermillion first: the most distinct pair for the usual crowd-against-ML plot.
const METHOD_COLOURS = [CLASS_COLOURS[0], CLASS_COLOURS[4], CLASS_COLOURS[2], CLASS_COLOURS[3], CLASS_COLOURS[1], CLASS_COLOURS[7]];

/** A marker's element name and geometry, centred on (cx, cy). */
type Marker = (cx: number, cy: number) => [tag: string, geometry: string];
const MARKERS: Marker[] = [
  (cx, cy) => ['circle', `cx="${px(cx)}" cy="${px(cy)}" r="4.5"`],
  (cx, cy) => ['rect', `x="${px(cx - 4)}" y="${px(cy - 4)}" width="8" height="8"`],
  (cx, cy) => ['polygon', `points="${px(cx)},${px(cy - 5.5)} ${px(cx + 5.5)},${px(cy)} ${px(cx)},${px(cy + 5.5)} ${px(cx - 5.5)},${px(cy)}"`],
  (cx, cy) => ['polygon', `points="${px(cx)},${px(cy - 5.5)} ${px(cx + 5)},${px(cy + 4)} ${px(cx - 5)},${px(cy + 4)}"`],
];

function marker(method: number, cx: number, cy: number, attributes: string, content = ''): string {
  const [tag, geometry] = MARKERS[method % MARKERS.length](cx, cy);
  return `<${tag} ${geometry} fill="${METHOD_COLOURS[method % METHOD_COLOURS.length]}" ${attributes}>${content}</${tag}>`;
}

const TICKS = 5;
const LINE = 16;
const GROUP_GAP = 10;

const finiteOrNull = (v: number | null): number | null => (v === null || !Number.isFinite(v) ? null : v);

export function forestPlotSvg(rows: ForestRow[], opts: ForestOptions): string {
  const [d0, d1] = opts.domain ?? [0, 1];
  if (!(Number.isFinite(d0) && Number.isFinite(d1) && d1 > d0)) throw new Error(`axis range [${d0}, ${d1}] must be increasing`);
  const width = opts.width ?? 560;
  // Groups and methods keep their order of first appearance, so callers control the layout.
  const labels = [...new Set(rows.map((r) => r.label))];
  const methods = [...new Set(rows.map((r) => r.method))];
  const labelChars = Math.min(24, Math.max(6, ...labels.map((l) => l.length)));
  const left = 10 + labelChars * 7 + 8;
  const right = 20;
  const top = 30 + Math.ceil(methods.length / 3) * 18;
  const plotHeight = labels.length * (methods.length * LINE + GROUP_GAP);
  const height = top + plotHeight + 44;
  const clamp = (v: number) => Math.min(d1, Math.max(d0, v));
  const X = (v: number) => left + ((clamp(v) - d0) / (d1 - d0)) * (width - left - right);
  const axisLabel = opts.axisLabel ?? 'F1';
  const ariaLabel = `${opts.title}: forest plot of ${axisLabel} with intervals, by class, for ${methods.join(', ')}`;

  const parts: string[] = [];
  parts.push(`<title>${escapeXml(ariaLabel)}</title>`);
  parts.push(`<text x="${px(width / 2)}" y="16" text-anchor="middle" font-size="14" class="title">${escapeXml(opts.title)}</text>`);

  methods.forEach((method, m) => {
    const lx = left + (m % 3) * ((width - left - right) / 3);
    const ly = 34 + Math.floor(m / 3) * 18;
    parts.push(marker(m, lx + 5, ly - 4, 'class="legend-marker"'));
    parts.push(`<text x="${px(lx + 14)}" y="${ly}" font-size="11" class="legend-label">${escapeXml(method)}</text>`);
  });

  const bottom = top + plotHeight;
  for (let i = 0; i <= TICKS; i++) {
    const value = d0 + ((d1 - d0) * i) / TICKS;
    const tx = px(X(value));
    parts.push(`<line x1="${tx}" x2="${tx}" y1="${top}" y2="${bottom}" stroke="#e6e9ed" class="grid"/>`);
    parts.push(`<line x1="${tx}" x2="${tx}" y1="${bottom}" y2="${bottom + 4}" stroke="#666666" class="tick" data-value="${Number(value.toPrecision(12))}"/>`);
    parts.push(`<text x="${tx}" y="${bottom + 16}" text-anchor="middle" font-size="10" class="tick-label">${Number(value.toPrecision(12))}</text>`);
  }
  parts.push(`<line x1="${left}" x2="${width - right}" y1="${bottom}" y2="${bottom}" stroke="#666666" class="axis"/>`);
  parts.push(`<text x="${px((left + width - right) / 2)}" y="${bottom + 34}" text-anchor="middle" font-size="12" class="axis-label">${escapeXml(axisLabel)}</text>`);

  labels.forEach((label, g) => {
    const groupTop = top + g * (methods.length * LINE + GROUP_GAP) + GROUP_GAP / 2;
    const groupMiddle = groupTop + (methods.length * LINE) / 2;
    const shown = label.length > labelChars ? `${label.slice(0, labelChars - 1)}…` : label;
    parts.push(`<text x="${left - 8}" y="${px(groupMiddle + 4)}" text-anchor="end" font-size="11" class="row-label">${escapeXml(shown)}<title>${escapeXml(label)}</title></text>`);
    methods.forEach((method, m) => {
      const row = rows.find((r) => r.label === label && r.method === method);
      if (!row) return;
      const cy = groupTop + m * LINE + LINE / 2;
      const colour = METHOD_COLOURS[m % METHOD_COLOURS.length];
      const [estimate, lo, hi] = [finiteOrNull(row.estimate), finiteOrNull(row.lo), finiteOrNull(row.hi)];
      const tip = escapeXml(`${label}, ${method}: ${figure(estimate)}${lo !== null && hi !== null ? ` [${figure(lo)}, ${figure(hi)}]` : ''}`);
      if (lo !== null && hi !== null) {
        const [x1, x2] = [px(X(lo)), px(X(hi))];
        parts.push(`<line x1="${x1}" x2="${x2}" y1="${px(cy)}" y2="${px(cy)}" stroke="${colour}" stroke-width="1.5" class="whisker" data-method="${m}"/>`);
        for (const cap of [x1, x2]) parts.push(`<line x1="${cap}" x2="${cap}" y1="${px(cy - 3)}" y2="${px(cy + 3)}" stroke="${colour}" stroke-width="1.5" class="whisker-cap"/>`);
      }
      if (estimate === null) {
        parts.push(`<text x="${left + 4}" y="${px(cy + 4)}" font-size="10" fill="${colour}" class="undefined"><title>${tip}</title>n/a</text>`);
      } else {
        parts.push(marker(m, X(estimate), cy, `class="estimate" data-method="${m}"`, `<title>${tip}</title>`));
      }
    });
  });

  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" class="plot forest" role="img" aria-label="${escapeXml(ariaLabel)}" font-family="sans-serif">` +
    parts.join('') +
    '</svg>'
  );
}
