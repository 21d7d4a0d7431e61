/** Server-rendered SVG plots: an X-ray "spectrum" from band fluxes and Aitoff sky maps. */
import { bandsOf, num, type Band, type Features } from './features.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Class colours, by class index (colour-blind-friendly Okabe–Ito palette). */
export const CLASS_COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#D55E00', '#56B4E9', '#F0E442', '#000000'];

export interface SpectrumOptions {
  /** The bands to plot (the configuration's); by default the demo catalogues' columns found in the row. */
  bands?: Band[];
  energyUnit?: string;
  fluxUnit?: string;
  width?: number;
  height?: number;
}

/** Tick values for a log axis from lo to hi: 1, 2, 5 × 10ⁿ. */
function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let d = Math.floor(Math.log10(lo)); d <= Math.ceil(Math.log10(hi)); d++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** d;
      if (v >= lo * 0.999 && v <= hi * 1.001) out.push(Number(v.toPrecision(3)));
    }
  }
  return out;
}

/**
 * Flux density per unit energy in each band on log–log axes: an AGN's power law is a straight line
 * sloping down, a soft star drops steeply, an absorbed source rises.
 */
export function spectrumSvg(f: Features, opts: SpectrumOptions = {}): string {
  const { bands = bandsOf(f), energyUnit = 'keV', fluxUnit = 'erg/cm²/s', width = 320, height = 200 } = opts;
  const pts = bands
    .map((b) => ({ b, flux: num(f, b.column) }))
    .filter((p): p is { b: Band; flux: number } => p.flux !== null && p.flux > 0)
    .map((p) => ({ x: Math.sqrt(p.b.lo * p.b.hi), lo: p.b.lo, hi: p.b.hi, y: p.flux / (p.b.hi - p.b.lo) }));
  const m = { l: 46, r: 10, t: 10, b: 34 };
  const w = width - m.l - m.r;
  const h = height - m.t - m.b;
  const eLo = bands.length ? Math.min(...bands.map((b) => b.lo)) : 0.2;
  const eHi = bands.length ? Math.max(...bands.map((b) => b.hi)) : 12;
  const ex0 = Math.log10(eLo), ex1 = Math.log10(eHi);
  const X = (e: number) => m.l + ((Math.log10(e) - ex0) / (ex1 - ex0)) * w;
  let body = '';
  if (!pts.length) {
    body = `<text x="${width / 2}" y="${height / 2}" text-anchor="middle" class="muted">no band fluxes measured</text>`;
  } else {
    const ly = pts.map((p) => Math.log10(p.y));
    let y0 = Math.floor(Math.min(...ly) - 0.3), y1 = Math.ceil(Math.max(...ly) + 0.3);
    if (y1 - y0 < 2) { y0 -= 1; y1 += 1; }
    const Y = (v: number) => m.t + h - ((Math.log10(v) - y0) / (y1 - y0)) * h;
    for (let d = y0; d <= y1; d++) {
      const yy = Y(10 ** d).toFixed(1);
      body += `<line x1="${m.l}" x2="${m.l + w}" y1="${yy}" y2="${yy}" class="grid"/><text x="${m.l - 4}" y="${yy}" text-anchor="end" dominant-baseline="middle" class="tick">1e${d}</text>`;
    }
    body += `<polyline points="${pts.map((p) => `${X(p.x).toFixed(1)},${Y(p.y).toFixed(1)}`).join(' ')}" class="line"/>`;
    for (const p of pts) {
      body += `<line x1="${X(p.lo).toFixed(1)}" x2="${X(p.hi).toFixed(1)}" y1="${Y(p.y).toFixed(1)}" y2="${Y(p.y).toFixed(1)}" class="bar"/>`;
      body += `<circle cx="${X(p.x).toFixed(1)}" cy="${Y(p.y).toFixed(1)}" r="4" class="pt"><title>${p.lo}–${p.hi} ${esc(energyUnit)}: ${p.y.toExponential(2)} ${esc(fluxUnit)}/${esc(energyUnit)}</title></circle>`;
    }
  }
  for (const e of logTicks(eLo, eHi)) {
    const xx = X(e).toFixed(1);
    body += `<line x1="${xx}" x2="${xx}" y1="${m.t + h}" y2="${m.t + h + 4}" class="axis"/><text x="${xx}" y="${m.t + h + 15}" text-anchor="middle" class="tick">${e}</text>`;
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" class="plot spectrum" role="img" aria-label="spectrum from band fluxes">` +
    `<rect x="${m.l}" y="${m.t}" width="${w}" height="${h}" class="frame"/>${body}` +
    `<text x="${m.l + w / 2}" y="${height - 3}" text-anchor="middle" class="label">energy (${esc(energyUnit)})</text>` +
    `<text x="10" y="${m.t + h / 2}" transform="rotate(-90 10 ${m.t + h / 2})" text-anchor="middle" class="label">flux / ${esc(energyUnit)}</text></svg>`
  );
}

/** Aitoff projection of (ra, dec) in degrees to x in [-2, 2], y in [-1, 1] (ra increasing to the left, as on the sky). */
export function aitoff(raDeg: number, decDeg: number): [number, number] {
  let l = ((raDeg + 180) % 360) - 180; // -180..180
  if (l < -180) l += 360;
  const lam = (-l * Math.PI) / 180;
  const phi = (decDeg * Math.PI) / 180;
  const alpha = Math.acos(Math.cos(phi) * Math.cos(lam / 2));
  const sinc = alpha === 0 ? 1 : Math.sin(alpha) / alpha;
  return [(2 * Math.cos(phi) * Math.sin(lam / 2)) / sinc / (Math.PI / 2), Math.sin(phi) / sinc / (Math.PI / 2)];
}

export interface SkyPoint {
  ra: number;
  dec: number;
  colour?: string;
  title?: string;
}

/** A small all-sky map (equatorial, Aitoff) with graticule and markers. */
export function skyMapSvg(points: SkyPoint[], width = 320, legend: Array<{ label: string; colour: string }> = []): string {
  const height = width / 2 + (legend.length ? 22 : 0);
  const cx = width / 2, cy = width / 4, rx = width / 2 - 4, ry = width / 4 - 4;
  const P = (ra: number, dec: number) => {
    const [x, y] = aitoff(ra, dec);
    return [cx + (x / 2) * rx, cy - y * ry] as const;
  };
  let g = `<ellipse cx="${cx}" cy="${cy}" rx="${rx}" ry="${ry}" class="sky"/>`;
  for (const dec of [-60, -30, 0, 30, 60]) {
    const pts: string[] = [];
    for (let ra = -179.9; ra <= 180; ra += 10) pts.push(P(ra, dec).map((v) => v.toFixed(1)).join(','));
    g += `<polyline points="${pts.join(' ')}" class="grid"/>`;
  }
  for (const ra of [0, 60, 120, 180.001, 240, 300]) {
    const pts: string[] = [];
    for (let dec = -90; dec <= 90; dec += 10) pts.push(P(ra, dec).map((v) => v.toFixed(1)).join(','));
    g += `<polyline points="${pts.join(' ')}" class="grid"/>`;
  }
  const r = points.length > 50 ? 2 : 4;
  for (const p of points) {
    if (!Number.isFinite(p.ra) || !Number.isFinite(p.dec)) continue;
    const [x, y] = P(p.ra, p.dec);
    g += `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${r}" fill="${p.colour ?? '#d62728'}" class="marker">${p.title ? `<title>${esc(p.title)}</title>` : ''}</circle>`;
  }
  let lx = 4;
  for (const item of legend) {
    g += `<circle cx="${lx + 5}" cy="${width / 2 + 12}" r="5" fill="${item.colour}"/><text x="${lx + 13}" y="${width / 2 + 16}" class="tick">${esc(item.label)}</text>`;
    lx += 18 + item.label.length * 7;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" class="plot skymap" role="img" aria-label="sky map (Aitoff projection, equatorial coordinates)">${g}</svg>`;
}
