/**
 * A server-rendered SVG reliability diagram: for each method (crowd aggregator), the accuracy of each
 * confidence bin against its mean confidence, joined by a line, with the diagonal of perfect
 * calibration. Points below the diagonal are overconfident. The subjects in each bin are counted in
 * a grid under the plot, since a point resting on three subjects says little. Methods differ by
 * colour and marker shape, so the figure reads in grey too.
 */
import type { Reliability } from '../../../scorers/calibration.js';
import { CLASS_COLOURS } from '../svg.js';
import { escapeXml, figure, px } from './svg-text.js';

export interface ReliabilitySeries {
  method: string;
  reliability: Reliability;
}

export interface ReliabilityOptions {
  title: string;
}

const COLOURS = [CLASS_COLOURS[0], CLASS_COLOURS[4], CLASS_COLOURS[2], CLASS_COLOURS[3], CLASS_COLOURS[1], CLASS_COLOURS[7]];
const PLOT = 300;
const TICKS = [0, 0.2, 0.4, 0.6, 0.8, 1];

/** A marker of the method with index i, centred on (x, y). */
function marker(i: number, x: number, y: number, colour: string, attrs: string, tip: string): string {
  const t = `<title>${escapeXml(tip)}</title>`;
  switch (i % 3) {
    case 0:
      return `<circle cx="${px(x)}" cy="${px(y)}" r="4.5" fill="${colour}" ${attrs}>${t}</circle>`;
    case 1:
      return `<rect x="${px(x - 4)}" y="${px(y - 4)}" width="8" height="8" fill="${colour}" ${attrs}>${t}</rect>`;
    default:
      return `<polygon points="${px(x)},${px(y - 5)} ${px(x + 5)},${px(y + 4)} ${px(x - 5)},${px(y + 4)}" fill="${colour}" ${attrs}>${t}</polygon>`;
  }
}

export function reliabilityDiagramSvg(series: ReliabilitySeries[], opts: ReliabilityOptions): string {
  const nBins = series[0]?.reliability.bins.length ?? 10;
  for (const s of series) if (s.reliability.bins.length !== nBins) throw new Error(`${s.method} has ${s.reliability.bins.length} bins, expected ${nBins}`);
  const nameChars = Math.min(18, Math.max(8, ...series.map((s) => s.method.length)));
  const left = 60;
  const top = 34;
  const legendLeft = left + PLOT + 24;
  const width = legendLeft + 24 + nameChars * 7 + 70;
  const gridTop = top + PLOT + 56;
  const cell = PLOT / nBins;
  const gridLeft = left;
  const height = gridTop + 18 + series.length * 16 + 30;
  const x = (c: number) => left + c * PLOT;
  const y = (a: number) => top + (1 - a) * PLOT;
  const label = `${opts.title}: reliability diagram, accuracy against mean confidence per bin`;

  const parts: string[] = [];
  parts.push(`<title>${escapeXml(label)}</title>`);
  parts.push(`<desc>${escapeXml(`Points on the diagonal are calibrated; below it a method is more confident than it is right. ${series.map((s) => `${s.method}: ECE ${figure(s.reliability.ece, 3)} on ${s.reliability.n} subjects`).join('; ')}.`)}</desc>`);
  parts.push(`<text x="${px(width / 2)}" y="18" text-anchor="middle" font-size="14" class="title">${escapeXml(opts.title)}</text>`);
  parts.push(`<rect x="${left}" y="${top}" width="${PLOT}" height="${PLOT}" fill="#ffffff" stroke="#999999"/>`);
  for (const t of TICKS) {
    parts.push(`<line x1="${px(x(t))}" x2="${px(x(t))}" y1="${top}" y2="${top + PLOT}" stroke="#eeeeee"/><line x1="${left}" x2="${left + PLOT}" y1="${px(y(t))}" y2="${px(y(t))}" stroke="#eeeeee"/>`);
    parts.push(`<text x="${px(x(t))}" y="${top + PLOT + 14}" text-anchor="middle" font-size="10" class="tick">${t.toFixed(1)}</text>`);
    parts.push(`<text x="${left - 6}" y="${px(y(t) + 3)}" text-anchor="end" font-size="10" class="tick">${t.toFixed(1)}</text>`);
  }
  parts.push(`<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#777777" stroke-dasharray="4 3" class="diagonal"><title>perfect calibration</title></line>`);
  parts.push(`<text x="${px(left + PLOT / 2)}" y="${top + PLOT + 30}" text-anchor="middle" font-size="12" class="axis-label">mean confidence</text>`);
  parts.push(`<text x="16" y="${px(top + PLOT / 2)}" transform="rotate(-90 16 ${px(top + PLOT / 2)})" text-anchor="middle" font-size="12" class="axis-label">accuracy</text>`);

  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const filled = s.reliability.bins.map((b, j) => ({ b, j })).filter(({ b }) => b.count > 0);
    if (filled.length > 1) {
      parts.push(`<polyline points="${filled.map(({ b }) => `${px(x(b.meanConfidence!))},${px(y(b.accuracy!))}`).join(' ')}" fill="none" stroke="${colour}" stroke-width="1.5" class="series-line" data-method="${escapeXml(s.method)}"/>`);
    }
    for (const { b, j } of filled) {
      const tip = `${s.method}, confidence ${b.lower.toFixed(1)}–${b.upper.toFixed(1)}: ${b.count} subject${b.count === 1 ? '' : 's'}, mean confidence ${figure(b.meanConfidence, 3)}, accuracy ${figure(b.accuracy, 3)}`;
      parts.push(marker(i, x(b.meanConfidence!), y(b.accuracy!), colour, `class="point" data-method="${escapeXml(s.method)}" data-bin="${j}" data-count="${b.count}"`, tip));
    }
    const ly = top + 10 + i * 20;
    parts.push(marker(i, legendLeft + 6, ly, colour, 'class="legend-marker"', s.method));
    parts.push(`<text x="${legendLeft + 16}" y="${ly + 4}" font-size="11" class="legend-label" data-method="${escapeXml(s.method)}">${escapeXml(s.method.length > nameChars ? `${s.method.slice(0, nameChars - 1)}…` : s.method)} · ECE ${figure(s.reliability.ece, 3)}</text>`);
  });

  // Counts per bin: one row per method, one column per bin.
  parts.push(`<text x="${gridLeft}" y="${gridTop}" font-size="11" class="caption">Subjects per confidence bin (columns as on the axis above):</text>`);
  series.forEach((s, i) => {
    const ry = gridTop + 18 + i * 16;
    parts.push(marker(i, left + PLOT + 12, ry - 4, COLOURS[i % COLOURS.length], 'class="count-marker"', s.method));
    parts.push(`<text x="${left + PLOT + 22}" y="${ry}" font-size="10" fill="#333333" class="count-method">${escapeXml(s.method)}</text>`);
    s.reliability.bins.forEach((b, j) => {
      parts.push(`<text x="${px(gridLeft + (j + 0.5) * cell)}" y="${ry}" text-anchor="middle" font-size="10" class="bin-count" data-method="${escapeXml(s.method)}" data-bin="${j}">${b.count}</text>`);
    });
  });

  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" class="plot reliability" role="img" aria-label="${escapeXml(label)}" data-testid="reliability-diagram" font-family="sans-serif">` +
    parts.join('') +
    '</svg>'
  );
}
