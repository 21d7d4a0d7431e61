/** Text helpers shared by the result plots, so every figure escapes and rounds the same way. */

/** Escapes text for SVG/XML content and attribute values (class names and titles come from organizers). */
export const escapeXml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A figure in [0, 1] as the tables print it (two decimals), "—" when undefined. */
export const figure = (v: number | null, digits = 2): string => (v === null || !Number.isFinite(v) ? '—' : v.toFixed(digits));

/** A coordinate rounded to a tenth of a pixel: small, stable output. */
export const px = (v: number): string => String(Math.round(v * 10) / 10);
