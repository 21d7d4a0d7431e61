/**
 * One subject as its page shows it, rendered from the workflow's CrowdDisplay (store.ts): the plots
 * the configuration declares, in order, then the feature groups with formatted values. Every page
 * that shows a subject (classify, feedback, Talk) and the JSON API take it from here, so what a
 * volunteer sees does not depend on which page they are on. Never reads the subject's class.
 */
import { num, type Features } from '../features.js';
import { skyMapSvg, spectrumSvg } from '../svg.js';
import { higgsEvent, type HiggsRow } from '../higgs/event.js';
import { derivedQuantities } from '../higgs/derived.js';
import { etaPhiSvg, transversePlaneSvg } from '../plots/event.js';
import { numericValue, plainNumber, withDerived, type SubjectValues } from './clues.js';
import { histogramSvg } from './histograms.js';
import type { CrowdFeature, CrowdPlot } from './schema.js';
import type { CrowdDisplay } from './store.js';

export interface ValueRow {
  column: string;
  label: string;
  value: string;
  hint?: string;
}

export interface FeatureGroupView {
  title: string;
  hint?: string;
  rows: ValueRow[];
}

export interface PlotView {
  kind: CrowdPlot['kind'];
  /** Server-rendered SVG figures (one for most kinds; several for histograms and the event display). */
  figures: Array<{ svg: string; caption: string }>;
  title?: string;
  /** Rows shown beside the figures (the event display's derived quantities). */
  side?: ValueRow[];
  /** Colour key of the classes (histograms). */
  legend?: Array<{ label: string; colour: string }>;
  note?: string;
}

export interface SubjectView {
  id: number;
  name: string;
  plots: PlotView[];
  groups: FeatureGroupView[];
}

export interface ClassButton {
  name: string;
  label: string;
  colour: string;
  key?: string;
}

const TRUE_FLAGS = new Set(['t', 'true', 'yes', 'y', '1']);
const FALSE_FLAGS = new Set(['f', 'false', 'no', 'n', '0']);

/** A cell as its feature's format prints it; "—" when it is missing. */
export function formatValue(raw: number | string | null | undefined, feature: Pick<CrowdFeature, 'format' | 'unit'>, missing: readonly number[] = []): string {
  const format = feature.format ?? 'auto';
  if (format === 'text' || format === 'flag') {
    if (raw === null || raw === undefined || raw === '') return '—';
    const s = String(raw).trim();
    if (format === 'flag') return TRUE_FLAGS.has(s.toLowerCase()) ? 'yes' : FALSE_FLAGS.has(s.toLowerCase()) ? 'no' : s;
    return s;
  }
  const v = numericValue({ x: raw }, 'x', missing);
  if (v === null) return typeof raw === 'string' && raw.trim() !== '' && !Number.isFinite(Number(raw)) ? raw : '—';
  let s: string;
  if (format === 'int') s = String(Math.round(v));
  else if (format.startsWith('fixed:')) s = v.toFixed(Number(format.slice(6)));
  else if (format.startsWith('sci:')) s = v.toExponential(Number(format.slice(4)));
  else {
    const a = Math.abs(v);
    s = a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : v.toFixed(2);
  }
  s = s.replace(/^-/, '−');
  return feature.unit ? `${s} ${feature.unit}` : s;
}

/** A class as volunteers see it named: its display name where the challenge gives one ("Isolated neutron star" for Other). */
export function classDisplayName(display: CrowdDisplay): (name: string) => string {
  const names = new Map(display.config.classes.map((k) => [k.name, k.display ?? k.name]));
  return (name) => names.get(name) ?? name;
}

/** Class buttons in the challenge's order, with the configuration's names, colours and keys. */
export function classButtonsOf(display: CrowdDisplay): ClassButton[] {
  return display.config.classes.map((k) => ({ name: k.name, label: k.display ?? k.name, colour: k.colour ?? '#555555', ...(k.key ? { key: k.key } : {}) }));
}

/** The label a column has in the feature groups (its own name when none is given). */
function labelsOf(display: CrowdDisplay): Map<string, CrowdFeature> {
  const out = new Map<string, CrowdFeature>();
  for (const g of display.config.features) for (const f of g.columns) out.set(f.column, f);
  return out;
}

function numericRow(values: SubjectValues): HiggsRow {
  const row: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(values)) row[k] = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : null;
  return row;
}

function renderPlot(plot: CrowdPlot, display: CrowdDisplay, values: SubjectValues, name: string): PlotView {
  const missing = display.config.missing_values;
  const features = labelsOf(display);
  if (plot.kind === 'spectrum') {
    const bands = plot.bands.map((b) => ({ name: b.label ?? b.column, lo: b.lo, hi: b.hi, column: b.column }));
    const caption = `${plot.title ?? 'Spectrum from the band fluxes'} (flux per ${plot.energy_unit} in each band, log–log; bars show each band's width)`;
    return { kind: plot.kind, title: plot.title, figures: [{ svg: spectrumSvg(values as Features, { bands, energyUnit: plot.energy_unit, fluxUnit: plot.unit }), caption }] };
  }
  if (plot.kind === 'sky') {
    const ra = numericValue(values, plot.ra, missing);
    const dec = numericValue(values, plot.dec, missing);
    if (ra === null || dec === null) return { kind: plot.kind, title: plot.title, figures: [], note: 'No sky position for this subject.' };
    const caption = `${plot.title ?? 'Position on the sky'} (RA ${ra.toFixed(3)}°, Dec ${dec.toFixed(3)}°; Aitoff; the middle line is the celestial equator)`;
    return { kind: plot.kind, title: plot.title, figures: [{ svg: skyMapSvg([{ ra, dec, title: name }], 320), caption }] };
  }
  if (plot.kind === 'event') {
    const row = numericRow(values);
    const event = higgsEvent(row);
    const side = derivedQuantities(row).map((d) => ({ column: d.column, label: d.label, value: d.display, hint: d.hint }));
    return {
      kind: plot.kind,
      title: plot.title ?? 'Event display',
      figures: [
        { svg: transversePlaneSvg(event), caption: `The detector seen along the beam: one arrow per object, pointing along φ, its length proportional to pT (${event.jetsDescription}).` },
        { svg: etaPhiSvg(event), caption: 'The same objects in η and φ, marker area proportional to pT; the shaded band is where particles are identified (|η| < 2.5).' },
      ],
      side,
    };
  }
  const colours: Record<string, string> = {};
  const names: Record<string, string> = {};
  for (const k of display.config.classes) {
    colours[k.name] = k.colour ?? '#555555';
    names[k.name] = k.display ?? k.name;
  }
  const figures = display.histograms
    .filter((h) => plot.columns.includes(h.column))
    .map((h) => {
      const feature = features.get(h.column);
      const label = feature?.label ?? h.column;
      const value = numericValue(values, h.column, missing);
      const valueText = value === null ? '—' : feature ? formatValue(value, feature, missing) : plainNumber(value);
      // The axis title inside the figure names the feature: no caption repeats it.
      return { svg: histogramSvg(h, { label, colours, names, value, valueText }), caption: '' };
    });
  const legend = display.config.classes.map((k) => ({ label: k.display ?? k.name, colour: k.colour ?? '#555555' }));
  return { kind: plot.kind, title: plot.title ?? 'Where this subject lies among the training examples of each class', figures, legend, note: "Each line is the share of one class's training examples in each range; the black line marks this subject." };
}

/** The subject's page model. `values` are its feature cells (never its class). */
export function renderSubject(display: CrowdDisplay, subject: { id: number; name: string; values: SubjectValues }): SubjectView {
  const values = withDerived(display.config, subject.values);
  const missing = display.config.missing_values;
  const groups = display.config.features.map((g) => ({
    title: g.label,
    ...(g.hint ? { hint: g.hint } : {}),
    rows: g.columns.map((f) => ({ column: f.column, label: f.label ?? f.column, value: formatValue(values[f.column], f, missing), ...(f.hint ? { hint: f.hint } : {}) })),
  }));
  const name = display.config.show_id === false ? `Subject ${subject.id}` : subject.name;
  return { id: subject.id, name, plots: display.config.plots.map((p) => renderPlot(p, display, values, name)), groups };
}

/** RA/Dec of a subject for the sky plots of other pages (the Talk map), from the configuration's sky plot. */
export function skyPositionOf(display: CrowdDisplay, values: SubjectValues): { ra: number; dec: number } | null {
  const sky = display.config.plots.find((p) => p.kind === 'sky');
  if (!sky || sky.kind !== 'sky') return null;
  const ra = num(values as Features, sky.ra);
  const dec = num(values as Features, sky.dec);
  return ra === null || dec === null ? null : { ra, dec };
}

/** A subject's raw feature cells as the classify JSON sends them: without its id when the page hides ids (show_id). */
export function visibleFeatures<T extends Record<string, unknown>>(display: CrowdDisplay, features: T): T {
  if (display.config.show_id || !display.idColumn || !(display.idColumn in features)) return features;
  const { [display.idColumn]: _id, ...rest } = features;
  return rest as T;
}
