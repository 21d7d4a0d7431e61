/**
 * The `clues:` rules of a crowd configuration evaluated on one subject: for each class, the
 * clues whose rule this subject's value satisfies, each citing the value and the range
 * ("logFxFo is 0.3, between −1 and 1: X-ray to optical ratio typical of AGN"). Bounds are
 * inclusive. A missing value (absent, empty, NaN, text, or one of the configuration's
 * `missing_values` such as HiggsML's -999) never matches.
 */
import type { ClueRule, CrowdConfig } from './schema.js';

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

export function ruleMatches(rule: ClueRule, v: number): boolean {
  if (rule.between) return v >= rule.between[0] && v <= rule.between[1];
  if (rule.above !== undefined) return v >= rule.above;
  return rule.below !== undefined && v <= rule.below;
}

function rangeText(rule: ClueRule, unit: string): string {
  const u = unit ? ` ${unit}` : '';
  if (rule.between) return `between ${plainNumber(rule.between[0])} and ${plainNumber(rule.between[1])}${u}`;
  if (rule.above !== undefined) return `at least ${plainNumber(rule.above)}${u}`;
  return `at most ${plainNumber(rule.below ?? 0)}${u}`;
}

/** Matched clues per class (every class of `clues:` is a key, possibly with an empty list), in rule order. */
export function evaluateClues(config: Pick<CrowdConfig, 'clues' | 'features' | 'missing_values'>, values: SubjectValues): Record<string, MatchedClue[]> {
  const units = new Map<string, string>();
  for (const g of config.features) for (const f of g.columns) if (f.unit && !units.has(f.column)) units.set(f.column, f.unit);
  const out: Record<string, MatchedClue[]> = {};
  for (const [cls, rules] of Object.entries(config.clues)) {
    out[cls] = [];
    for (const rule of rules) {
      const v = numericValue(values, rule.column, config.missing_values);
      if (v === null || !ruleMatches(rule, v)) continue;
      const unit = units.get(rule.column) ?? '';
      const cited = `${rule.column} is ${plainNumber(v)}${unit ? ` ${unit}` : ''}, ${rangeText(rule, unit)}: ${rule.text}`;
      out[cls].push({ column: rule.column, value: v, text: rule.text, cited });
    }
  }
  return out;
}
