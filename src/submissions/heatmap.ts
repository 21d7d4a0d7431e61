/**
 * A confusion matrix as a heatmap: one cell per (true, predicted) class pair, coloured by the row's
 * share (recall per true class), with the count and the share printed in it, so the figure reads
 * without colour and without scripts. The page keeps the table beside it as the exact alternative.
 */
import { PLOT_COLOURS, escapeXml, frameOf, px, svgFigure } from '../web/svg.js';

/** #rrggbb between white (share 0) and the primary colour (share 1). */
function shade(share: number): string {
  const to = [0x00, 0x72, 0xb2];
  const t = Math.min(1, Math.max(0, share));
  return `#${to.map((c) => Math.round(255 + (c - 255) * t).toString(16).padStart(2, '0')).join('')}`;
}

/** A class name as an axis label: long names are cut, the full one stays in a tooltip. */
const shortName = (name: string, max: number): string => (name.length > max ? `${name.slice(0, max - 1)}…` : name);

const percent = (share: number): string => (Number.isFinite(share) ? `${(share * 100).toFixed(share >= 0.995 || share < 0.001 ? 0 : 1)}%` : '—');

/** The heatmap of a k×k count matrix (rows: true class), or '' when the matrix does not match the classes. */
export function confusionHeatmapSvg(classes: string[], confusion: number[][], o: { subset: string; width?: number }): string {
  const k = classes.length;
  if (k === 0 || confusion.length !== k || confusion.some((row) => !Array.isArray(row) || row.length !== k)) return '';
  const width = o.width ?? 480;
  const f = frameOf(width, 0, { left: 96, right: 12, top: 48, bottom: 0 });
  const cellW = Math.min(120, (f.right - f.left) / k);
  const cellH = Math.max(34, Math.min(64, cellW * 0.7));
  const height = f.top + cellH * k + 12;
  const gridRight = f.left + cellW * k;
  // The figure is as wide as its grid: a two-class matrix does not leave half the figure empty.
  const frame = { ...f, width: Math.ceil(gridRight + width - f.right), height, bottom: f.top + cellH * k };
  const labelChars = Math.max(4, Math.floor(cellW / 7));
  const parts: string[] = [
    `<text x="${px((f.left + gridRight) / 2)}" y="14" text-anchor="middle" font-size="11" class="axis-label">Predicted class</text>`,
    `<text x="12" y="${px(f.top + (cellH * k) / 2)}" text-anchor="middle" font-size="11" transform="rotate(-90 12 ${px(f.top + (cellH * k) / 2)})" class="axis-label">True class</text>`,
  ];
  classes.forEach((name, c) => {
    parts.push(
      `<text x="${px(f.left + cellW * (c + 0.5))}" y="${f.top - 8}" text-anchor="middle" font-size="11" class="col-label"><title>${escapeXml(name)}</title>${escapeXml(shortName(name, labelChars))}</text>`,
      `<text x="${f.left - 6}" y="${px(f.top + cellH * (c + 0.5) + 4)}" text-anchor="end" font-size="11" class="row-label"><title>${escapeXml(name)}</title>${escapeXml(shortName(name, 13))}</text>`,
    );
  });
  let correct = 0;
  let total = 0;
  confusion.forEach((row, t) => {
    const rowTotal = row.reduce((a, v) => a + v, 0);
    total += rowTotal;
    correct += row[t];
    row.forEach((count, p) => {
      const share = rowTotal > 0 ? count / rowTotal : NaN;
      const x = f.left + cellW * p;
      const y = f.top + cellH * t;
      const dark = share > 0.55;
      const tip = `true ${classes[t]}, predicted ${classes[p]}: ${count} of ${rowTotal} (${percent(share)} of the true ${classes[t]} rows)`;
      parts.push(
        `<g class="cell${t === p ? ' diagonal' : ''}" data-true="${escapeXml(classes[t])}" data-predicted="${escapeXml(classes[p])}" data-count="${count}" data-share="${Number.isFinite(share) ? share : ''}">` +
          `<title>${escapeXml(tip)}</title>` +
          `<rect x="${px(x)}" y="${px(y)}" width="${px(cellW)}" height="${px(cellH)}" fill="${Number.isFinite(share) ? shade(share) : '#f3f4f6'}" stroke="#ffffff" stroke-width="1.5"/>` +
          `<text x="${px(x + cellW / 2)}" y="${px(y + cellH / 2 - 2)}" text-anchor="middle" font-size="${cellW < 50 ? 10 : 12}" font-weight="bold" fill="${dark ? '#ffffff' : '#1f2328'}">${count}</text>` +
          `<text x="${px(x + cellW / 2)}" y="${px(y + cellH / 2 + 11)}" text-anchor="middle" font-size="${cellW < 50 ? 9 : 10}" fill="${dark ? '#ffffff' : '#444c56'}">${percent(share)}</text>` +
          `</g>`,
      );
    });
  });
  parts.push(`<rect x="${f.left}" y="${f.top}" width="${px(cellW * k)}" height="${px(cellH * k)}" fill="none" stroke="${PLOT_COLOURS.baseline}" stroke-opacity="0.3"/>`);
  const label = `Confusion matrix of the ${o.subset} subset: ${k} classes, rows true class, columns predicted, coloured by the share of each true class`;
  const description = `${correct} of ${total} rows are on the diagonal (predicted as their true class). Each cell prints its count and its share of the true class's rows; the darker the cell, the larger that share.`;
  return svgFigure(frame, { className: 'confusion-heatmap', testid: `confusion-heatmap-${o.subset}`, label, description }, parts.join(''));
}
