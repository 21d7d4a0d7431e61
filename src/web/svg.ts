/**
 * The frame the participants' score plots share (the leaderboard's history and histogram, the
 * "My submissions" chart): nice linear ticks, a score axis, a time axis, the <svg> wrapper with its
 * text alternative. Colours are Okabe–Ito, as the crowd plots use, so they read with colour-blindness.
 */
import { escapeXml, px } from '../crowd/plots/svg-text.js';

export { escapeXml, px };

/** Okabe–Ito colours by role. */
export const PLOT_COLOURS = { primary: '#0072B2', reference: '#D55E00', baseline: '#000000', highlight: '#E69F00', neutral: '#56B4E9' } as const;

/** Where the axes sit inside a plot of width × height. */
export interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export const frameOf = (width: number, height: number, margins = { left: 64, right: 16, top: 16, bottom: 40 }): Frame => ({
  width,
  height,
  left: margins.left,
  right: width - margins.right,
  top: margins.top,
  bottom: height - margins.bottom,
});

/** A 1, 2 or 5 × 10ⁿ step near (hi − lo) / count. */
function niceStep(span: number, count: number): number {
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5]) if (m * power >= raw) return m * power;
  return 10 * power;
}

/** An axis domain widened to whole nice steps, and its ticks. A single value gets a small span around it. */
export function niceDomain(lo: number, hi: number, count = 5): { lo: number; hi: number; step: number; ticks: number[] } {
  if (!(hi > lo)) {
    const pad = Math.abs(lo) * 0.05 || 0.5;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep(hi - lo, count);
  const start = Math.floor(lo / step + 1e-9) * step;
  const end = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let i = 0; start + i * step <= end + step * 1e-9; i++) ticks.push(Number((start + i * step).toPrecision(12)));
  return { lo: ticks[0], hi: ticks[ticks.length - 1], step, ticks };
}

/** A score as the plots print it: five significant digits at most, as short as it goes. */
export const scoreLabel = (v: number): string => String(Number(v.toPrecision(5)));

/** Scores on the vertical axis, from lo (bottom) to hi (top), with grid lines and a title. */
export function scoreAxisY(f: Frame, values: number[], title: string): { y: (v: number) => number; svg: string } {
  const d = niceDomain(Math.min(...values), Math.max(...values));
  const y = (v: number) => f.bottom - ((v - d.lo) / (d.hi - d.lo)) * (f.bottom - f.top);
  const parts = d.ticks.map(
    (t) =>
      `<line x1="${f.left}" x2="${f.right}" y1="${px(y(t))}" y2="${px(y(t))}" class="grid" stroke="#e6e9ed"/>` +
      `<text x="${f.left - 6}" y="${px(y(t) + 3.5)}" text-anchor="end" font-size="10" class="y-tick" data-value="${t}">${scoreLabel(t)}</text>`,
  );
  const mid = px((f.top + f.bottom) / 2);
  parts.push(`<line x1="${f.left}" x2="${f.left}" y1="${f.top}" y2="${f.bottom}" class="axis" stroke="#666666"/>`);
  parts.push(`<text x="12" y="${mid}" text-anchor="middle" font-size="11" transform="rotate(-90 12 ${mid})" class="axis-label">${escapeXml(title)}</text>`);
  return { y, svg: parts.join('') };
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const DAY_LABEL = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
const HOUR_LABEL = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });

/** Times (ISO) on the horizontal axis, in UTC: dates, with the hour when the span is under eight days. */
export function timeAxisX(f: Frame, fromIso: string, toIso: string, pad = 0): { x: (iso: string) => number; svg: string } {
  let from = Date.parse(fromIso);
  let to = Date.parse(toIso);
  // Under an hour the four tick labels (to the minute) would repeat, so the axis spans at least the hour before the last time.
  if (to - from < HOUR_MS) from = to - HOUR_MS;
  // A margin on both sides keeps the first and last marks off the axis lines.
  const margin = (to - from) * pad;
  from -= margin;
  to += margin;
  const x = (iso: string) => f.left + ((Date.parse(iso) - from) / (to - from)) * (f.right - f.left);
  const span = to - from;
  const format = (t: number) => (span < 8 * DAY_MS ? `${DAY_LABEL.format(t)} ${HOUR_LABEL.format(t)}` : DAY_LABEL.format(t));
  const parts: string[] = [`<line x1="${f.left}" x2="${f.right}" y1="${f.bottom}" y2="${f.bottom}" class="axis" stroke="#666666"/>`];
  for (let i = 0; i <= 3; i++) {
    const t = from + (i / 3) * (to - from);
    const anchor = i === 0 ? 'start' : i === 3 ? 'end' : 'middle';
    parts.push(`<text x="${px(x(new Date(t).toISOString()))}" y="${f.bottom + 16}" text-anchor="${anchor}" font-size="10" class="x-tick">${format(t)}</text>`);
  }
  return { x, svg: parts.join('') };
}

/** A bottom axis title, centred under the plot area. */
export const xAxisTitle = (f: Frame, title: string): string =>
  `<text x="${px((f.left + f.right) / 2)}" y="${f.bottom + 32}" text-anchor="middle" font-size="11" class="axis-label">${escapeXml(title)}</text>`;

/** The <svg> element: scales to its container (max-width 100%), titled for screen readers. */
export function svgFigure(f: Frame, o: { className: string; testid: string; label: string; description: string }, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${f.width} ${f.height}" width="${f.width}" height="${f.height}" class="plot ${o.className}" role="img" aria-label="${escapeXml(o.label)}" data-testid="${o.testid}" font-family="sans-serif">` +
    `<title>${escapeXml(o.label)}</title><desc>${escapeXml(o.description)}</desc>${body}</svg>`
  );
}

/** "higher is better" / "lower is better", as the axis titles say it. */
export const direction = (higherIsBetter: boolean): string => (higherIsBetter ? 'higher is better' : 'lower is better');

/** Counts on the vertical axis, from 0 (bottom) to a nice top at or above `maxCount`: whole-number ticks, grid lines and a title. */
export function countAxisY(f: Frame, maxCount: number, title: string): { y: (count: number) => number; svg: string } {
  const top = niceDomain(0, Math.max(1, maxCount), 4);
  const y = (c: number) => f.bottom - (c / top.hi) * (f.bottom - f.top);
  const parts = top.ticks.filter(Number.isInteger).map(
    (t) =>
      `<line x1="${f.left}" x2="${f.right}" y1="${px(y(t))}" y2="${px(y(t))}" class="grid" stroke="#e6e9ed"/>` +
      `<text x="${f.left - 6}" y="${px(y(t) + 3.5)}" text-anchor="end" font-size="10" class="y-tick" data-value="${t}">${t}</text>`,
  );
  const mid = px((f.top + f.bottom) / 2);
  parts.push(`<text x="12" y="${mid}" text-anchor="middle" font-size="11" transform="rotate(-90 12 ${mid})" class="axis-label">${escapeXml(title)}</text>`);
  parts.push(`<line x1="${f.left}" x2="${f.right}" y1="${f.bottom}" y2="${f.bottom}" class="axis" stroke="#666666"/>`);
  return { y, svg: parts.join('') };
}

/** A legend of coloured squares along the top of the plot area. */
export const legend = (f: Frame, entries: Array<{ name: string; colour: string }>, spacing = 130): string =>
  entries
    .map((e, i) => {
      const x = f.left + i * spacing;
      return `<rect x="${x}" y="6" width="12" height="12" fill="${e.colour}"/><text x="${x + 17}" y="16" font-size="11" class="legend-label">${escapeXml(e.name)}</text>`;
    })
    .join('');
