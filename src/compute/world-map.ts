/**
 * The world map of contributors by credit (issue 14), drawn on the server as SVG so the page needs
 * no script. Countries come from the volunteers' own choice in their profile, never from their IP
 * address. Geometry: Natural Earth from the `world-atlas` package (ISO 3166-1 numeric ids), projected
 * with d3-geo's Equal Earth, so a country's area on the map is its area on the globe. Shapes are drawn
 * at 1:110m (about 100 kB of SVG); the 1:50m set names every choosable country, and one too small
 * for 1:110m (Singapore, Malta…) is drawn as a dot at its centroid.
 */
import { createRequire } from 'node:module';
import { geoCentroid, geoEqualEarth, geoPath, type GeoProjection } from 'd3-geo';
import { feature } from 'topojson-client';
import type { Topology, GeometryCollection } from 'topojson-specification';
import type { Feature, FeatureCollection, Geometry } from 'geojson';
import { escapeXml } from '../crowd/plots/svg-text.js';

export interface Country {
  /** ISO 3166-1 numeric code, three digits, as world-atlas names the shapes. */
  code: string;
  name: string;
}

type CountryFeature = Feature<Geometry, { name: string }> & { id?: string };

function countryFeatures(scale: '50m' | '110m'): CountryFeature[] {
  const topology = createRequire(import.meta.url)(`world-atlas/countries-${scale}.json`) as Topology<{ countries: GeometryCollection<{ name: string }> }>;
  return (feature(topology, topology.objects.countries) as FeatureCollection<Geometry, { name: string }>).features as CountryFeature[];
}

let choices: { countries: Country[]; centroids: Map<string, [number, number]> } | null = null;

function atlas() {
  if (choices) return choices;
  // Shapes without an ISO code (disputed areas such as Kosovo or N. Cyprus) are drawn but cannot be chosen.
  const coded = countryFeatures('50m').filter((f): f is CountryFeature & { id: string } => typeof f.id === 'string');
  const countries = coded.map((f) => ({ code: f.id, name: f.properties.name })).sort((a, b) => a.name.localeCompare(b.name));
  choices = { countries, centroids: new Map(coded.map((f) => [f.id, geoCentroid(f)])) };
  return choices;
}

/** The projected outlines for one width, computed once: a render only picks the fills. */
const outlinesByWidth = new Map<number, { projection: GeoProjection; sphere: string; shapes: Array<{ code: string | undefined; name: string; d: string }> }>();

function outlines(width: number, height: number) {
  const known = outlinesByWidth.get(width);
  if (known) return known;
  const projection = geoEqualEarth().fitExtent(
    [
      [4, 4],
      [width - 4, height - 40],
    ],
    { type: 'Sphere' },
  );
  const path = geoPath(projection).digits(1);
  const drawn = { projection, sphere: path({ type: 'Sphere' }) ?? '', shapes: countryFeatures('110m').map((f) => ({ code: f.id, name: f.properties.name, d: path(f) ?? '' })) };
  outlinesByWidth.set(width, drawn);
  return drawn;
}

/** Every country a volunteer may choose, by name. */
export function countryChoices(): Country[] {
  return atlas().countries;
}

/** The country for a code, or undefined for an unknown one (a profile form must refuse it). */
export function countryByCode(code: string): Country | undefined {
  return atlas().countries.find((c) => c.code === code);
}

/** Light to dark blue, colour-blind safe, for credit shares. */
const SHADES = ['#deebf7', '#9ecae1', '#4292c6', '#08519c', '#08306b'];
const NO_CREDIT = '#eef0f2';

/**
 * The class of a credit among the countries': log-spaced between the smallest and largest positive
 * credit, since a few countries usually hold most of it.
 */
export function shadeIndex(credit: number, min: number, max: number, shades = SHADES.length): number {
  if (!(credit > 0)) return -1;
  if (!(max > min)) return shades - 1;
  const t = (Math.log(credit) - Math.log(min)) / (Math.log(max) - Math.log(min));
  return Math.min(shades - 1, Math.max(0, Math.floor(t * shades)));
}

export interface MapOptions {
  width?: number;
  /** Formats a credit for the tooltips and the legend. */
  format?: (credit: number) => string;
}

/**
 * An SVG map: each country shaded by its volunteers' credit, a <title> on each (name, credit) for
 * hover and screen readers, and a legend. `creditByCountry` is keyed by ISO numeric code; unknown
 * codes are ignored.
 */
export function contributorMapSvg(creditByCountry: ReadonlyMap<string, number>, opts: MapOptions = {}): string {
  const width = opts.width ?? 960;
  const height = Math.round(width * 0.49);
  const format = opts.format ?? ((c: number) => Math.round(c).toLocaleString('en'));
  const { countries, centroids } = atlas();
  const { projection, sphere, shapes: outlined } = outlines(width, height);
  const positive = [...creditByCountry.values()].filter((c) => c > 0);
  const min = Math.min(...positive);
  const max = Math.max(...positive);
  const fill = (credit: number) => {
    const shade = shadeIndex(credit, min, max);
    return shade < 0 ? NO_CREDIT : SHADES[shade];
  };
  const title = (name: string, credit: number) => `<title>${escapeXml(credit > 0 ? `${name}: ${format(credit)} credit` : name)}</title>`;
  const shapes = outlined.map((s) => {
    const credit = s.code ? (creditByCountry.get(s.code) ?? 0) : 0;
    return `<path d="${s.d}" fill="${fill(credit)}">${title(s.name, credit)}</path>`;
  });
  const drawnCodes = new Set(outlined.map((s) => s.code));
  for (const c of countries) {
    const credit = creditByCountry.get(c.code) ?? 0;
    if (!(credit > 0) || drawnCodes.has(c.code)) continue;
    const at = projection(centroids.get(c.code)!);
    if (at) shapes.push(`<circle cx="${at[0].toFixed(1)}" cy="${at[1].toFixed(1)}" r="3" fill="${fill(credit)}" stroke="#08306b" stroke-width="0.6">${title(c.name, credit)}</circle>`);
  }
  const legend = positive.length
    ? SHADES.map((colour, i) => {
        const from = Math.exp(Math.log(min) + ((Math.log(max) - Math.log(min)) * i) / SHADES.length);
        return `<rect x="${8 + i * 90}" y="${height - 28}" width="16" height="12" fill="${colour}"/><text x="${28 + i * 90}" y="${height - 18}" font-size="11">${escapeXml(`≥ ${format(from)}`)}</text>`;
      }).join('')
    : `<text x="8" y="${height - 18}" font-size="11">No credit from a chosen country yet.</text>`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-label="Contributors by country, shaded by credit">`,
    `<path d="${sphere}" fill="#f8fafc" stroke="#cbd5e1"/>`,
    `<g stroke="#ffffff" stroke-width="0.4">${shapes.join('')}</g>`,
    legend,
    '</svg>',
  ].join('');
}
