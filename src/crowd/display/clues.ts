/**
 * The `clues:` rules of a crowd configuration evaluated on one subject: for each class, the
 * clues whose rule this subject's value satisfies, each citing the value and the range
 * ("logFxFo is 0.3, between −1 and 1: X-ray to optical ratio typical of AGN"). Bounds are
 * inclusive. A missing value (absent, empty, NaN, text, or one of the configuration's
 * `missing_values` such as HiggsML's -999) never matches. A rule may name a derived value
 * (`derived:` in the configuration) as its column.
 */
import type { ClueRule, CrowdConfig, DerivedValue } from './schema.js';

export type SubjectValues = Readonly<Record<string, number | string | null | undefined>>;

export interface MatchedClue {
  column: string;
  value: number;
  /** The rule's own text. */
  text: string;
  /** The sentence shown to a volunteer: value, range, then the text. */
  cited: string;
}

/** A number as a volunteer reads it: at most 3 significant digits, a true minus sign. */
export function plainNumber(v: number): string {
  const a = Math.abs(v);
  const s = a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(2) : String(Number(v.toPrecision(3)));
  return s.replace('-', '−');
}

/** The subject's value in `column` as a number, or null when it counts as missing. */
export function numericValue(values: SubjectValues, column: string, missing: readonly number[] = []): number | null {
  const raw = values[column];
  const v = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  return Number.isFinite(v) && !missing.includes(v) ? v : null;
}

/** One derived value of a subject, or null when an input is missing or the formula is undefined there. */
export function derivedValue(d: DerivedValue, values: SubjectValues, missing: readonly number[] = []): number | null {
  const v = (c: string) => numericValue(values, c, missing);
  let out: number | null = null;
  if ('difference' in d) {
    const [a, b] = d.difference.map(v);
    out = a !== null && b !== null ? a - b : null;
  } else if ('hardness' in d) {
    const [soft, hard] = d.hardness.map(v);
    out = soft !== null && hard !== null && soft + hard > 0 ? (hard - soft) / (hard + soft) : null;
  } else if ('log10' in d) {
    const a = v(d.log10);
    out = a !== null && a > 0 ? Math.log10(a) : null;
  } else {
    const fluxes = d.xray_to_optical.fluxes.map(v);
    const mag = v(d.xray_to_optical.mag);
    const total = fluxes.reduce<number>((s, f) => s + (f ?? 0), 0);
    out = mag !== null && fluxes.some((f) => f !== null) && total > 0 ? Math.log10(total) + mag / 2.5 + 5.37 : null;
  }
  return out !== null && Number.isFinite(out) ? out : null;
}

/** The subject's values with the configuration's derived values added (missing ones as null). */
export function withDerived(config: Pick<CrowdConfig, 'derived' | 'missing_values'>, values: SubjectValues): SubjectValues {
  const out: Record<string, number | string | null | undefined> = { ...values };
  for (const [name, d] of Object.entries(config.derived)) out[name] = derivedValue(d, values, config.missing_values);
  return out;
}

export function ruleMatches(rule: ClueRule, v: number): boolean {
  if (rule.present) return true;
  if (rule.between) return v >= rule.between[0] && v <= rule.between[1];
  if (rule.above !== undefined) return v >= rule.above;
  return rule.below !== undefined && v <= rule.below;
}

/** The rule's range as cited after the value (", between 110 and 140 GeV"); nothing for a `present` rule, whose value is the clue. */
function rangeText(rule: ClueRule, unit: string): string {
  if (rule.present) return '';
  const u = unit ? ` ${unit}` : '';
  if (rule.between) return `, between ${plainNumber(rule.between[0])} and ${plainNumber(rule.between[1])}${u}`;
  if (rule.above !== undefined) return `, at least ${plainNumber(rule.above)}${u}`;
  return `, at most ${plainNumber(rule.below ?? 0)}${u}`;
}

/** Matched clues per class (every class of `clues:` is a key, possibly with an empty list), in rule order. */
export function evaluateClues(config: Pick<CrowdConfig, 'clues' | 'features' | 'missing_values' | 'derived'>, subject: SubjectValues): Record<string, MatchedClue[]> {
  const values = withDerived(config, subject);
  const units = new Map<string, string>();
  for (const g of config.features) for (const f of g.columns) if (f.unit && !units.has(f.column)) units.set(f.column, f.unit);
  const out: Record<string, MatchedClue[]> = {};
  for (const [cls, rules] of Object.entries(config.clues)) {
    out[cls] = [];
    for (const rule of rules) {
      const v = numericValue(values, rule.column, config.missing_values);
      if (v === null || !ruleMatches(rule, v)) continue;
      const unit = units.get(rule.column) ?? '';
      const cited = `${rule.column} is ${plainNumber(v)}${unit ? ` ${unit}` : ''}${rangeText(rule, unit)}: ${rule.text}`;
      out[cls].push({ column: rule.column, value: v, text: rule.text, cited });
    }
  }
  return out;
}
