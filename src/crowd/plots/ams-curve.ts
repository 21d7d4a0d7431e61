/**
 * A server-rendered SVG of the AMS against the fraction of events selected, one line per method
 * (the crowd's posterior, the baseline's and the best entry's RankOrder), so crowd and ML read
 * together. Methods differ by colour and by dash pattern, so the plot reads in grey too; a method's
 * operating point (the crowd's chosen threshold, an entry's submitted selection) is a marker on its
 * line.
 */
import { CLASS_COLOURS } from '../svg.js';
import { escapeXml, figure, px } from './svg-text.js';

export interface AmsCurveSeries {
  /** "crowd (simulated)", "baseline", "best entry"… */
  method: string;
  /** From amsCurve: ascending fractions in [0, 1]. */
  points: { fraction: number; ams: number }[];
  /** Where this method's actual selection sits on its curve, if marked. */
  operatingPoint?: { fraction: number; ams: number };
}

export interface AmsCurveOptions {
  title: string;
  /** One sentence for screen readers on what the figure shows (e.g. "Private events; crowd simulated"). */
  description?: string;
  width?: number;
  height?: number;
}

const COLOURS = [CLASS_COLOURS[0], CLASS_COLOURS[4], CLASS_COLOURS[2], CLASS_COLOURS[3], CLASS_COLOURS[1], CLASS_COLOURS[7]];
const DASHES = ['', '6 3', '2 3', '8 3 2 3'];
const TICKS = 5;

/** A "nice" upper bound for the AMS axis: 1, 2 or 5 times a power of ten, at or above `max`. */
function niceCeiling(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

const tickLabel = (v: number) => String(Number(v.toPrecision(12)));

export function amsCurveSvg(series: AmsCurveSeries[], opts: AmsCurveOptions): string {
  const width = opts.width ?? 560;
  const height = opts.height ?? 340;
  const left = 52;
  const right = 16;
  const top = 30 + Math.ceil(series.length / 3) * 18;
  const bottom = height - 44;
  const finite = series.flatMap((s) => [...s.points, ...(s.operatingPoint ? [s.operatingPoint] : [])].map((p) => p.ams)).filter(Number.isFinite);
  const yMax = niceCeiling(Math.max(0, ...finite));
  const X = (f: number) => left + Math.min(1, Math.max(0, f)) * (width - left - right);
  const Y = (a: number) => bottom - (Math.min(yMax, Math.max(0, a)) / yMax) * (bottom - top);
  const methods = series.map((s) => s.method);
  const label = `${opts.title}: AMS against the fraction of events selected, for ${methods.join(', ')}`;

  const parts: string[] = [`<title>${escapeXml(label)}</title>`];
  if (opts.description) parts.push(`<desc>${escapeXml(opts.description)}</desc>`);
  parts.push(`<text x="${px(width / 2)}" y="16" text-anchor="middle" font-size="14" class="title">${escapeXml(opts.title)}</text>`);

  for (let i = 0; i <= TICKS; i++) {
    const f = i / TICKS;
    const x = px(X(f));
    parts.push(`<line x1="${x}" x2="${x}" y1="${top}" y2="${bottom}" stroke="#e6e9ed" class="grid"/>`);
    parts.push(`<text x="${x}" y="${bottom + 16}" text-anchor="middle" font-size="10" class="x-tick" data-value="${tickLabel(f)}">${tickLabel(f)}</text>`);
    const a = (yMax * i) / TICKS;
    const y = px(Y(a));
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${y}" y2="${y}" stroke="#e6e9ed" class="grid"/>`);
    parts.push(`<text x="${left - 6}" y="${px(Y(a) + 3.5)}" text-anchor="end" font-size="10" class="y-tick" data-value="${tickLabel(a)}">${tickLabel(a)}</text>`);
  }
  parts.push(`<line x1="${left}" x2="${width - right}" y1="${bottom}" y2="${bottom}" stroke="#666666" class="axis"/>`);
  parts.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${bottom}" stroke="#666666" class="axis"/>`);
  parts.push(`<text x="${px((left + width - right) / 2)}" y="${bottom + 34}" text-anchor="middle" font-size="12" class="axis-label">Fraction of events selected</text>`);
  parts.push(`<text x="12" y="${px((top + bottom) / 2)}" text-anchor="middle" font-size="12" transform="rotate(-90 12 ${px((top + bottom) / 2)})" class="axis-label">AMS</text>`);

  series.forEach((s, m) => {
    const colour = COLOURS[m % COLOURS.length];
    const dash = DASHES[m % DASHES.length];
    const dashAttribute = dash ? ` stroke-dasharray="${dash}"` : '';
    const lx = left + (m % 3) * ((width - left - right) / 3);
    const ly = 34 + Math.floor(m / 3) * 18;
    parts.push(`<line x1="${lx}" x2="${lx + 22}" y1="${ly - 4}" y2="${ly - 4}" stroke="${colour}" stroke-width="2"${dashAttribute} class="legend-line"/>`);
    parts.push(`<text x="${lx + 28}" y="${ly}" font-size="11" class="legend-label">${escapeXml(s.method)}</text>`);

    const drawn = s.points.filter((p) => Number.isFinite(p.fraction) && Number.isFinite(p.ams));
    const peak = drawn.reduce<{ fraction: number; ams: number } | null>((best, p) => (best === null || p.ams > best.ams ? p : best), null);
    const tip = escapeXml(`${s.method}: highest AMS ${figure(peak?.ams ?? null)}${peak ? ` at ${figure(peak.fraction)} of events` : ''}`);
    const path = drawn.map((p) => `${px(X(p.fraction))},${px(Y(p.ams))}`).join(' ');
    parts.push(`<polyline points="${path}" fill="none" stroke="${colour}" stroke-width="2"${dashAttribute} class="curve" data-method="${m}" data-testid="ams-curve-${m}"><title>${tip}</title></polyline>`);
    const op = s.operatingPoint;
    if (op && Number.isFinite(op.fraction) && Number.isFinite(op.ams)) {
      const opTip = escapeXml(`${s.method}: AMS ${figure(op.ams)} selecting ${figure(op.fraction)} of events`);
      parts.push(`<circle cx="${px(X(op.fraction))}" cy="${px(Y(op.ams))}" r="4.5" fill="${colour}" stroke="#ffffff" class="operating-point" data-method="${m}"><title>${opTip}</title></circle>`);
    }
  });

  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" class="plot ams-curve" role="img" aria-label="${escapeXml(label)}" data-testid="ams-curve" font-family="sans-serif">` +
    parts.join('') +
    '</svg>'
  );
}
