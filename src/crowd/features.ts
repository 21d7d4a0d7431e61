/**
 * A subject's features as a human-readable card, for the two X-ray catalogues of the demo
 * (4XMM-DR13 columns F1..F5/HR1..HR4, Chandra CSCv2 columns Fcsc_s/m/h) or any other table.
 */
export type Features = Record<string, number | string | null>;

export interface CardRow {
  label: string;
  value: string;
  hint?: string;
}
export interface CardGroup {
  title: string;
  rows: CardRow[];
}

/** An X-ray band: energy range in keV and the flux column (erg/cm²/s). */
export interface Band {
  name: string;
  lo: number;
  hi: number;
  column: string;
}

export const XMM_BANDS: Band[] = [
  { name: '0.2–0.5 keV', lo: 0.2, hi: 0.5, column: 'F1' },
  { name: '0.5–1 keV', lo: 0.5, hi: 1, column: 'F2' },
  { name: '1–2 keV', lo: 1, hi: 2, column: 'F3' },
  { name: '2–4.5 keV', lo: 2, hi: 4.5, column: 'F4' },
  { name: '4.5–12 keV', lo: 4.5, hi: 12, column: 'F5' },
];
export const CSC_BANDS: Band[] = [
  { name: 'soft 0.5–1.2 keV', lo: 0.5, hi: 1.2, column: 'Fcsc_s' },
  { name: 'medium 1.2–2 keV', lo: 1.2, hi: 2, column: 'Fcsc_m' },
  { name: 'hard 2–7 keV', lo: 2, hi: 7, column: 'Fcsc_h' },
];

/** Parses a CSV cell: numbers become numbers, NaN/empty become null, anything else stays text. */
export function cell(v: string | undefined): number | string | null {
  if (v === undefined) return null;
  const t = v.trim();
  if (t === '' || t === 'NaN' || t === 'nan' || t === '-') return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

export const num = (f: Features, key: string): number | null => {
  const v = f[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};

export function bandsOf(f: Features): Band[] {
  if ('Fcsc_s' in f) return CSC_BANDS;
  if ('F1' in f) return XMM_BANDS;
  return [];
}

function fmt(v: number | null, digits = 2, unit = ''): string {
  if (v === null) return '—';
  const a = Math.abs(v);
  const s = a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(digits) : v.toFixed(digits);
  return unit ? `${s} ${unit}` : s;
}

/** log10(Fx/Fo) from an X-ray flux and an optical magnitude (Maccacaro et al. 1988 form, G for V). */
export function xrayToOptical(fx: number | null, mag: number | null): number | null {
  if (fx === null || mag === null || fx <= 0) return null;
  return Math.log10(fx) + mag / 2.5 + 5.37;
}

function row(label: string, v: number | null, digits = 2, unit = '', hint?: string): CardRow {
  return { label, value: fmt(v, digits, unit), hint };
}

/** The features that matter for X-ray source classification, grouped and explained. */
export function featureCard(f: Features): CardGroup[] {
  const groups: CardGroup[] = [];
  const csc = 'Fcsc_s' in f;
  const bands = bandsOf(f);
  const xray: CardRow[] = bands.map((b) => row(`Flux ${b.name}`, num(f, b.column), 2, 'erg/cm²/s'));
  let totalFlux: number | null = null;
  if (!csc && num(f, 'F8') !== null) {
    totalFlux = num(f, 'F8');
    xray.push(row('Flux 0.2–12 keV', totalFlux, 2, 'erg/cm²/s'));
  }
  if (csc) {
    const s = bands.map((b) => num(f, b.column));
    totalFlux = s.every((x) => x === null) ? null : s.reduce<number>((a, x) => a + (x ?? 0), 0);
    const [fs, , fh] = s;
    const hr = fs !== null && fh !== null && fs + fh > 0 ? (fh - fs) / (fh + fs) : null;
    xray.push(row('Hardness (hard−soft)/(hard+soft)', hr, 2, '', 'positive: harder (more high-energy X-rays)'));
    xray.push(row('Power-law photon index', num(f, 'powlaw_gamma_mean'), 2, '', 'AGN ≈ 1.5–2; soft stars higher'));
    xray.push(row('Detection significance', num(f, 'significance'), 1));
  } else {
    for (const h of ['HR1', 'HR2', 'HR3', 'HR4']) if (h in f) xray.push(row(`Hardness ratio ${h}`, num(f, h), 2, '', h === 'HR1' ? 'between the two softest bands; positive = harder' : undefined));
  }
  groups.push({ title: 'X-rays', rows: xray });

  const g = num(f, 'G') ?? num(f, 'Gmag');
  const fxo = num(f, 'F_x/F_o');
  const ratio = fxo !== null && fxo > 0 ? Math.log10(fxo) : xrayToOptical(totalFlux, g);
  groups.push({
    title: 'X-ray to optical',
    rows: [row('log₁₀(F_X / F_optical)', ratio, 2, '', 'AGN typically −1 to 1; stars below −2; XRBs and isolated neutron stars high')],
  });

  const opt: CardRow[] = [];
  const mags: Array<[string, string[]]> = [
    ['Gaia G', ['G', 'Gmag']],
    ['Gaia BP', ['BP', 'BPmag']],
    ['Gaia RP', ['RP', 'RPmag']],
    ['2MASS J', ['J', 'Jmag']],
    ['2MASS H', ['H', 'Hmag']],
    ['2MASS K', ['K', 'Kmag']],
    ['WISE W1', ['W1', 'W1mag']],
    ['WISE W2', ['W2', 'W2mag']],
    ['WISE W3', ['W3', 'W3mag']],
  ];
  for (const [label, keys] of mags) {
    const k = keys.find((x) => x in f);
    if (k) opt.push(row(label, num(f, k), 2, 'mag'));
  }
  const bp = num(f, 'BP') ?? num(f, 'BPmag');
  const rp = num(f, 'RP') ?? num(f, 'RPmag');
  opt.push(row('Colour BP−RP', bp !== null && rp !== null ? bp - rp : null, 2, '', 'larger = redder'));
  const w1 = num(f, 'W1') ?? num(f, 'W1mag');
  const w2 = num(f, 'W2') ?? num(f, 'W2mag');
  opt.push(row('Colour W1−W2', w1 !== null && w2 !== null ? w1 - w2 : null, 2, '', 'above ≈ 0.8 is typical of AGN'));
  const dist = num(f, 'dist') ?? num(f, 'rgeo');
  opt.push(row('Distance', dist, 0, 'pc', 'measured only for nearby (Galactic) objects'));
  if ('RPlx' in f) opt.push(row('Parallax / error', num(f, 'RPlx'), 1, '', 'above 5: a significant parallax, so in our Galaxy'));
  if ('M_G' in f) opt.push(row('Absolute G magnitude', num(f, 'M_G'), 2, 'mag'));
  groups.push({ title: 'Optical and infrared counterpart', rows: opt });

  const v: CardRow[] = [];
  if (csc) {
    v.push(row('Variability within an observation (probability)', num(f, 'var_intra_prob'), 2));
    v.push(row('Variability between observations (probability)', num(f, 'var_inter_prob'), 2));
  } else {
    const flag = f.sc_var_flag;
    v.push({ label: 'Flagged as variable', value: flag === 't' || flag === 'T' || flag === 1 ? 'yes' : flag === null || flag === undefined ? '—' : 'no' });
    v.push(row('Fractional variability', num(f, 'sc_fvar'), 2));
    v.push(row('χ² constancy probability', num(f, 'sc_chi2prob'), 3, '', 'small = variable'));
  }
  groups.push({ title: 'Variability', rows: v });
  return groups;
}
