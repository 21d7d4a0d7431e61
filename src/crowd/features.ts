/**
 * A subject's feature cells, and the X-ray bands of the two demo catalogues (4XMM-DR13 F1..F5,
 * Chandra CSCv2 Fcsc_s/m/h) that the spectrum plot falls back to. What a page shows of a subject is
 * declared by the challenge's crowd: section (src/crowd/display/).
 */
export type Features = Record<string, number | string | null>;

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
