/**
 * A server-rendered SVG confusion heatmap of a CLAXSON table: rows are the predicted class, columns
 * the true class, each cell shaded by its share of its column (or row) with its count written in
 * it, precision in the right margin and recall in the bottom margin.
 *
 * Colours and fonts are presentation attributes rather than page CSS, so the figure looks the same
 * inline, exported as a file, or opened alone.
 */
import type { ClaxsonTable } from '../../../scorers/claxson.js';
import { CLASS_COLOURS } from '../svg.js';
import { escapeXml, figure, px } from './svg-text.js';

export type HeatmapNormalisation = 'column' | 'row';

export interface HeatmapOptions {
  title: string;
  /**
   * 'column' (default): a cell's share of its true class, so the diagonal reads as recall;
   * 'row': its share of its predicted class, so the diagonal reads as precision.
   */
  normalise?: HeatmapNormalisation;
  /** Colour scale from share 0 to share 1, as #rrggbb (default white to blue). */
  colours?: { low?: string; high?: string };
}

const CELL = 52;
const HEX = /^#[0-9a-f]{6}$/i;
const EMPTY_FILL = '#f4f4f4';
const LEGEND_SHARES = [0, 0.25, 0.5, 0.75, 1];

function rgb(hex: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

function mix(low: string, high: string, share: number): string {
  const [a, b] = [rgb(low), rgb(high)];
  return `#${a.map((v, i) => Math.round(v + (b[i] - v) * share).toString(16).padStart(2, '0')).join('')}`;
}

/** Dark text on light cells, white on dark ones (WCAG relative luminance). */
function textColourOn(fill: string): string {
  const linear = rgb(fill).map((v) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  const luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2];
  return luminance > 0.3 ? '#111111' : '#ffffff';
}

/** Long class names are cut to fit a cell; the full name stays in a <title>. */
function fitted(name: string, maxChars: number): string {
  const shown = name.length > maxChars ? `${name.slice(0, maxChars - 1)}…` : name;
  return `${escapeXml(shown)}${shown === name ? '' : `<title>${escapeXml(name)}</title>`}`;
}

export function confusionHeatmapSvg(table: ClaxsonTable, classNames: string[], opts: HeatmapOptions): string {
  const k = table.k;
  if (classNames.length !== k) throw new Error(`${classNames.length} class names for a table of ${k} classes`);
  const normalise = opts.normalise ?? 'column';
  const low = opts.colours?.low ?? '#ffffff';
  const high = opts.colours?.high ?? CLASS_COLOURS[0];
  for (const c of [low, high]) if (!HEX.test(c)) throw new Error(`colour ${JSON.stringify(c)} is not #rrggbb`);

  const rowLabelChars = Math.min(20, Math.max(...classNames.map((n) => n.length), 6));
  const left = 24 + rowLabelChars * 7 + 8;
  const top = 66;
  const gridWidth = (k + 1) * CELL;
  // Wide enough for the caption even with two classes.
  const width = Math.max(left + gridWidth + 12, left + 330);
  const captionTop = top + (k + 1) * CELL + 18;
  const height = captionTop + 64;
  const x = (column: number) => left + column * CELL;
  const y = (row: number) => top + row * CELL;
  const label = `${opts.title}: confusion heatmap, rows predicted class, columns true class`;

  const parts: string[] = [];
  parts.push(`<title>${escapeXml(label)}</title>`);
  parts.push(`<text x="${px(width / 2)}" y="18" text-anchor="middle" font-size="14" class="title">${escapeXml(opts.title)}</text>`);
  parts.push(`<text x="${px(left + (k * CELL) / 2)}" y="38" text-anchor="middle" font-size="12" class="axis-label">true</text>`);
  const middle = top + (k * CELL) / 2;
  parts.push(`<text x="14" y="${px(middle)}" transform="rotate(-90 14 ${px(middle)})" text-anchor="middle" font-size="12" class="axis-label">predicted</text>`);
  classNames.forEach((name, c) => {
    parts.push(`<text x="${px(x(c) + CELL / 2)}" y="${top - 8}" text-anchor="middle" font-size="11" class="class-label column">${fitted(name, 8)}</text>`);
    parts.push(`<text x="${left - 6}" y="${px(y(c) + CELL / 2 + 4)}" text-anchor="end" font-size="11" class="class-label row">${fitted(name, rowLabelChars)}</text>`);
  });
  parts.push(`<text x="${px(x(k) + CELL / 2)}" y="${top - 8}" text-anchor="middle" font-size="11" font-style="italic" class="margin-label">precision</text>`);
  parts.push(`<text x="${left - 6}" y="${px(y(k) + CELL / 2 + 4)}" text-anchor="end" font-size="11" font-style="italic" class="margin-label">recall</text>`);

  for (let p = 0; p < k; p++) {
    for (let t = 0; t < k; t++) {
      const count = table.counts[p][t];
      const total = normalise === 'column' ? table.columnTotals[t] : table.rowTotals[p];
      const share = total > 0 ? count / total : null;
      const fill = share === null ? EMPTY_FILL : mix(low, high, share);
      const of = normalise === 'column' ? `true ${classNames[t]}` : `predicted ${classNames[p]}`;
      const tip = `predicted ${classNames[p]}, true ${classNames[t]}: ${count}${share === null ? '' : ` (${Math.round(share * 100)}% of ${of})`}`;
      parts.push(
        `<rect x="${x(t)}" y="${y(p)}" width="${CELL}" height="${CELL}" fill="${fill}" stroke="#ffffff" class="cell" data-predicted="${p}" data-true="${t}"><title>${escapeXml(tip)}</title></rect>`,
      );
      parts.push(`<text x="${px(x(t) + CELL / 2)}" y="${px(y(p) + CELL / 2 + 5)}" text-anchor="middle" font-size="13" fill="${textColourOn(fill)}" class="count">${count}</text>`);
    }
    parts.push(`<text x="${px(x(k) + CELL / 2)}" y="${px(y(p) + CELL / 2 + 4)}" text-anchor="middle" font-size="12" class="precision" data-predicted="${p}">${figure(table.precision[p])}</text>`);
  }
  for (let t = 0; t < k; t++) {
    parts.push(`<text x="${px(x(t) + CELL / 2)}" y="${px(y(k) + CELL / 2 + 4)}" text-anchor="middle" font-size="12" class="recall" data-true="${t}">${figure(table.recall[t])}</text>`);
  }
  parts.push(`<text x="${px(x(k) + CELL / 2)}" y="${px(y(k) + CELL / 2 + 4)}" text-anchor="middle" font-size="11" class="accuracy"><title>accuracy</title>acc ${figure(table.accuracy)}</text>`);
  parts.push(`<line x1="${x(k)}" x2="${x(k)}" y1="${top}" y2="${y(k + 1)}" stroke="#999999"/><line x1="${left}" x2="${x(k + 1)}" y1="${y(k)}" y2="${y(k)}" stroke="#999999"/>`);

  const shading =
    normalise === 'column'
      ? 'Shade: share of its true class (column); columns sum to 100%.'
      : 'Shade: share of its predicted class (row); rows sum to 100%.';
  parts.push(`<text x="${left}" y="${captionTop}" font-size="11" class="caption">${shading}</text>`);
  const abstained = table.abstained ? `; ${table.abstained} without a label (abstentions) not counted` : '';
  parts.push(`<text x="${left}" y="${captionTop + 16}" font-size="11" class="caption">${table.n} subjects labelled${abstained}.</text>`);
  LEGEND_SHARES.forEach((share, i) => {
    const lx = left + i * 48;
    parts.push(`<rect x="${lx}" y="${captionTop + 28}" width="16" height="16" fill="${mix(low, high, share)}" stroke="#999999" class="legend-swatch"/>`);
    parts.push(`<text x="${lx + 20}" y="${captionTop + 40}" font-size="10" class="legend-label">${share * 100}%</text>`);
  });

  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" class="plot heatmap" role="img" aria-label="${escapeXml(label)}" font-family="sans-serif">` +
    parts.join('') +
    '</svg>'
  );
}
