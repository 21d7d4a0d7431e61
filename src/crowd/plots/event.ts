/**
 * The HiggsML event display, rendered on the server as two SVG figures:
 * - the transverse plane (the detector seen along the beam): one arrow per object from the beam axis
 *   at the centre, pointing along φ (φ = 0 to the right, φ = π/2 up, as ATLAS's y axis points to the
 *   top of the detector), its length proportional to pT. The scale is per event: the outer ring is the
 *   smallest "nice" value (1, 2, 2.5 or 5 × 10ⁿ GeV) at or above the event's largest pT, and both rings
 *   are labelled in GeV. The missing transverse energy is drawn dashed: it is inferred, not seen.
 * - the η–φ plane: one marker per object, its area proportional to pT, over the detector's acceptance
 *   as the HiggsML documentation (v1.5, §3.1) gives it: particles are identified for |η| < 2.5, their
 *   momentum is still measured for 2.5 ≤ |η| < 5, and beyond 5 they escape along the beam pipe. The MET
 *   has no η, so it is a dashed horizontal line at its φ.
 * Both are deterministic and carry data-testid/data-* attributes so tests can read the geometry.
 */
import type { HiggsEvent, PhysicsObject } from '../higgs/event.js';
import { escapeXml, px } from './svg-text.js';

/** |η| below which particles are identified (tracking acceptance). */
export const IDENTIFIED_ETA = 2.5;
/** |η| below which momenta are still measured (calorimeter acceptance); the η axis spans ±this. */
export const MEASURED_ETA = 5;

const MET_DASH = '6 4';
const GEV = (v: number) => `${v.toFixed(1)} GeV`;

/** A short text for one object, used in titles, descriptions and the legend. */
export function describeObject(o: PhysicsObject): string {
  const eta = o.eta === null ? '' : `, η ${o.eta.toFixed(2)}`;
  return `${o.name}: pT ${GEV(o.pt)}${eta}, φ ${o.phi.toFixed(2)}`;
}

/** The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above v: a ring value a reader can take in at a glance. */
export function niceCeiling(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) return 1;
  const decade = 10 ** Math.floor(Math.log10(v));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * decade >= v * (1 - 1e-12)) return step * decade;
  return 10 * decade;
}

function legend(objects: PhysicsObject[], x: number, y: number): string {
  return objects
    .map((o, i) => {
      const ly = y + i * 16;
      const dash = o.kind === 'met' ? ` stroke-dasharray="${MET_DASH}"` : '';
      return (
        `<g class="legend-item" data-testid="legend-${o.kind}">` +
        `<line x1="${x}" x2="${x + 22}" y1="${ly - 4}" y2="${ly - 4}" stroke="${o.colour}" stroke-width="3"${dash}/>` +
        `<text x="${x + 28}" y="${ly}" font-size="11">${escapeXml(describeObject(o))}</text></g>`
      );
    })
    .join('');
}

function wrap(cls: string, width: number, height: number, title: string, desc: string, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" class="plot ${cls}" role="img" aria-label="${escapeXml(title)}" font-family="sans-serif" style="max-width:100%;height:auto">` +
    `<title>${escapeXml(title)}</title><desc>${escapeXml(desc)}</desc>${body}</svg>`
  );
}

function description(event: HiggsEvent): string {
  const parts = event.objects.map(describeObject);
  return `${event.jetsDescription}. ${parts.length ? parts.join('; ') : 'no objects'}.`;
}

export interface EventPlotOptions {
  /** Title shown above the figure; defaults to a generic one. */
  title?: string;
  /** Fixes the outer ring (GeV) instead of scaling to the event, e.g. to compare events side by side. */
  outerRingGeV?: number;
}

/** The transverse-plane view: arrows from the beam axis, length ∝ pT, direction φ. */
export function transversePlaneSvg(event: HiggsEvent, opts: EventPlotOptions = {}): string {
  const width = 360;
  const radius = 130;
  const cx = width / 2;
  const cy = 52 + radius;
  const legendTop = cy + radius + 28;
  const height = legendTop + Math.max(1, event.objects.length) * 16 + 24;
  const maxPt = Math.max(0, ...event.objects.map((o) => o.pt));
  const outer = opts.outerRingGeV ?? niceCeiling(maxPt);
  const length = (pt: number) => (Math.min(pt, outer) / outer) * radius;
  const title = opts.title ?? 'Transverse plane (looking along the beam)';
  const parts: string[] = [];
  parts.push(`<text x="${cx}" y="18" text-anchor="middle" font-size="14" class="title">${escapeXml(title)}</text>`);
  for (const fraction of [0.5, 1]) {
    const r = radius * fraction;
    const ringGeV = Number((outer * fraction).toPrecision(6));
    parts.push(`<circle cx="${cx}" cy="${cy}" r="${px(r)}" fill="none" stroke="#c8ced6" class="ring" data-testid="ring-${fraction === 1 ? 'outer' : 'inner'}" data-gev="${ringGeV}"/>`);
    parts.push(`<text x="${px(cx + r * Math.SQRT1_2 + 3)}" y="${px(cy - r * Math.SQRT1_2 - 3)}" font-size="10" fill="#555555" class="ring-label">${ringGeV} GeV</text>`);
  }
  parts.push(`<line x1="${cx - radius - 8}" x2="${cx + radius + 8}" y1="${cy}" y2="${cy}" stroke="#e6e9ed" class="axis"/>`);
  parts.push(`<line x1="${cx}" x2="${cx}" y1="${cy - radius - 8}" y2="${cy + radius + 8}" stroke="#e6e9ed" class="axis"/>`);
  parts.push(`<text x="${cx + radius + 10}" y="${cy + 4}" font-size="10" fill="#555555">φ=0</text>`);
  parts.push(`<text x="${cx + 4}" y="${cy - radius - 10}" font-size="10" fill="#555555">φ=π/2</text>`);
  parts.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="#333333" class="beam"><title>beam axis</title></circle>`);
  // Longest first, so a short arrow along the same direction stays visible on top of a long one.
  for (const o of [...event.objects].sort((a, b) => b.pt - a.pt)) {
    const r = length(o.pt);
    const [ux, uy] = [Math.cos(o.phi), -Math.sin(o.phi)]; // SVG's y grows downwards, so φ = π/2 points up
    const [x2, y2] = [cx + ux * r, cy + uy * r];
    const head = Math.min(9, r * 0.5);
    const back = [x2 - ux * head, y2 - uy * head];
    const side = [-uy * head * 0.45, ux * head * 0.45];
    const dash = o.kind === 'met' ? ` stroke-dasharray="${MET_DASH}"` : '';
    parts.push(
      `<g class="object" data-testid="transverse-${o.kind}" data-pt="${o.pt}" data-phi="${o.phi}">` +
        `<title>${escapeXml(describeObject(o))}</title>` +
        `<line x1="${cx}" y1="${cy}" x2="${px(x2)}" y2="${px(y2)}" stroke="${o.colour}" stroke-width="3"${dash} class="arrow"/>` +
        `<polygon points="${px(x2)},${px(y2)} ${px(back[0] + side[0])},${px(back[1] + side[1])} ${px(back[0] - side[0])},${px(back[1] - side[1])}" fill="${o.colour}" class="arrow-head"/></g>`,
    );
  }
  parts.push(`<text x="10" y="${legendTop - 8}" font-size="11" fill="#555555" class="scale-note">Arrow length ∝ pT; outer ring ${Number(outer.toPrecision(6))} GeV. ${escapeXml(event.jetsDescription)}.</text>`);
  parts.push(legend(event.objects, 10, legendTop + 10));
  return wrap('event-transverse', width, height, `${title}: ${event.objects.length} objects as arrows, length proportional to pT`, description(event), parts.join(''));
}

/** The η–φ view: markers of area ∝ pT over the acceptance bands; the MET as a dashed line at its φ. */
export function etaPhiSvg(event: HiggsEvent, opts: EventPlotOptions = {}): string {
  const width = 360;
  const [left, right, top] = [40, 12, 36];
  const plotHeight = 220;
  const bottom = top + plotHeight;
  const legendTop = bottom + 46;
  const height = legendTop + Math.max(1, event.objects.length) * 16 + 10;
  const X = (eta: number) => left + ((Math.max(-MEASURED_ETA, Math.min(MEASURED_ETA, eta)) + MEASURED_ETA) / (2 * MEASURED_ETA)) * (width - left - right);
  const Y = (phi: number) => top + ((Math.PI - phi) / (2 * Math.PI)) * plotHeight;
  const maxPt = Math.max(0, ...event.objects.map((o) => o.pt));
  const maxRadius = 16;
  // Area ∝ pT, so a jet of twice the pT looks twice as heavy, not four times; never smaller than 3 px.
  const markerRadius = (pt: number) => Math.max(3, maxRadius * Math.sqrt(maxPt > 0 ? pt / maxPt : 0));
  const title = opts.title ?? 'η–φ view (detector unrolled)';
  const parts: string[] = [];
  parts.push(`<text x="${px(width / 2)}" y="18" text-anchor="middle" font-size="14" class="title">${escapeXml(title)}</text>`);
  parts.push(`<rect x="${left}" y="${top}" width="${width - left - right}" height="${plotHeight}" fill="#f4f1e8" class="band-measured" data-testid="band-measured" data-eta="${MEASURED_ETA}"><title>2.5 ≤ |η| &lt; 5: momentum measured, particle not identified</title></rect>`);
  parts.push(`<rect x="${px(X(-IDENTIFIED_ETA))}" y="${top}" width="${px(X(IDENTIFIED_ETA) - X(-IDENTIFIED_ETA))}" height="${plotHeight}" fill="#e3edf7" class="band-identified" data-testid="band-identified" data-eta="${IDENTIFIED_ETA}"><title>|η| &lt; 2.5: particles identified (tracking)</title></rect>`);
  parts.push(`<line x1="${px(X(0))}" x2="${px(X(0))}" y1="${top}" y2="${bottom}" stroke="#9aa5b1" stroke-dasharray="2 3" class="eta-zero" data-testid="eta-zero-line"/>`);
  parts.push(`<line x1="${left}" x2="${width - right}" y1="${px(Y(0))}" y2="${px(Y(0))}" stroke="#c8ced6" class="phi-zero"/>`);
  for (const eta of [-5, -2.5, 0, 2.5, 5]) parts.push(`<text x="${px(X(eta))}" y="${bottom + 14}" text-anchor="middle" font-size="10" class="tick-label">${eta}</text>`);
  for (const [phi, label] of [[Math.PI, 'π'], [0, '0'], [-Math.PI, '−π']] as const) parts.push(`<text x="${left - 6}" y="${px(Y(phi) + 4)}" text-anchor="end" font-size="10" class="tick-label">${label}</text>`);
  parts.push(`<text x="${px((left + width - right) / 2)}" y="${bottom + 30}" text-anchor="middle" font-size="11" class="axis-label">η (pseudorapidity); shaded: |η| &lt; 2.5 identified, to 5 measured</text>`);
  parts.push(`<text x="12" y="${px(top + plotHeight / 2)}" font-size="11" class="axis-label" transform="rotate(-90 12 ${px(top + plotHeight / 2)})" text-anchor="middle">φ</text>`);
  // The MET line first, so markers it crosses stay on top; then the largest markers, so small ones show.
  const drawingOrder = [...event.objects].sort((a, b) => Number(a.eta !== null) - Number(b.eta !== null) || b.pt - a.pt);
  for (const o of drawingOrder) {
    const common = `data-testid="etaphi-${o.kind}" data-pt="${o.pt}" data-phi="${o.phi}"`;
    if (o.eta === null) {
      parts.push(`<line x1="${left}" x2="${width - right}" y1="${px(Y(o.phi))}" y2="${px(Y(o.phi))}" stroke="${o.colour}" stroke-width="2" stroke-dasharray="${MET_DASH}" class="object met-line" ${common}><title>${escapeXml(describeObject(o))}</title></line>`);
    } else {
      parts.push(`<circle cx="${px(X(o.eta))}" cy="${px(Y(o.phi))}" r="${px(markerRadius(o.pt))}" fill="${o.colour}" fill-opacity="0.75" stroke="#ffffff" class="object" ${common} data-eta="${o.eta}"><title>${escapeXml(describeObject(o))}</title></circle>`);
    }
  }
  parts.push(legend(event.objects, 10, legendTop));
  return wrap('event-eta-phi', width, height, `${title}: ${event.objects.length} objects, marker area proportional to pT`, description(event), parts.join(''));
}
