/**
 * The crowd configuration of a challenge whose challenge.yaml has no `crowd:` section:
 * every numeric feature column in one group, class histograms over the few features that
 * separate the classes best on the training rows, and one button per class with a distinct
 * colour and the keys 1..9.
 *
 * Which columns are features: those of the test file's header, less the id, target and
 * weight columns, `Usage`, anything named like a label (`label`, `class`, `target`, `y`,
 * `weight`, `usage`, `proba_*`) or containing the target's name (`OriginalClass` next to
 * `Class`), and any column whose non-missing training cells are not all numbers.
 *
 * Which go into the histograms (at most HISTOGRAM_COLUMNS): ranked by the Fisher ratio on the
 * training rows (variance of the class means over the mean within-class variance), highest
 * first, ties in column order; columns with fewer than two classes measured rank last.
 */
import type { CrowdClass, CrowdConfig, CrowdFeature } from './schema.js';
import { numericValue, type SubjectValues } from './clues.js';

export const HISTOGRAM_COLUMNS = 4;

/** Okabe–Ito palette: distinct for colour-blind readers too; classes beyond it cycle. */
export const CLASS_COLOURS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#f0e442', '#000000', '#999999'];

const LABEL_LIKE = /^(label|labels|class|classes|target|y|weight|weights|usage)$|^proba_/i;

export interface DefaultConfigInput {
  /** The test file's header (the columns a volunteer may see). */
  columns: readonly string[];
  idColumn: string;
  targetColumn: string;
  weightColumn: string | null;
  classes: readonly string[];
  /** Training rows with their target, to tell numeric columns and rank them. */
  trainRows: readonly SubjectValues[];
  /** Cell values meaning "not measured" (HiggsML: -999). */
  missingValues?: readonly number[];
}

/** Whether `column` would give away the answer or is not a feature at all. */
export function isExcludedColumn(column: string, input: Pick<DefaultConfigInput, 'idColumn' | 'targetColumn' | 'weightColumn'>): boolean {
  const c = column.toLowerCase();
  const target = input.targetColumn.toLowerCase();
  if ([input.idColumn, input.targetColumn, input.weightColumn, 'Usage'].includes(column)) return true;
  if (LABEL_LIKE.test(column)) return true;
  return target.length >= 3 && c.includes(target);
}

function isNumericColumn(rows: readonly SubjectValues[], column: string): boolean {
  let seen = 0;
  for (const r of rows) {
    const raw = r[column];
    if (raw === null || raw === undefined || (typeof raw === 'string' && ['', 'nan', '-'].includes(raw.trim().toLowerCase()))) continue;
    if (numericValue(r, column) === null) return false;
    seen++;
  }
  return seen > 0;
}

function isIntegerColumn(rows: readonly SubjectValues[], column: string, missing: readonly number[]): boolean {
  return rows.every((r) => {
    const v = numericValue(r, column, missing);
    return v === null || Number.isInteger(v);
  });
}

/** Fisher ratio of one column over the classes; -1 when fewer than two classes have values. */
export function fisherRatio(rows: readonly SubjectValues[], column: string, targetColumn: string, missing: readonly number[] = []): number {
  const byClass = new Map<string, number[]>();
  for (const r of rows) {
    const v = numericValue(r, column, missing);
    const cls = r[targetColumn];
    if (v === null || cls === null || cls === undefined) continue;
    const list = byClass.get(String(cls)) ?? [];
    list.push(v);
    byClass.set(String(cls), list);
  }
  const groups = [...byClass.values()];
  if (groups.length < 2) return -1;
  const means = groups.map((g) => g.reduce((a, x) => a + x, 0) / g.length);
  const grand = means.reduce((a, x) => a + x, 0) / means.length;
  const between = means.reduce((a, m) => a + (m - grand) ** 2, 0) / means.length;
  const within = groups.reduce((a, g, i) => a + g.reduce((s, x) => s + (x - means[i]) ** 2, 0) / g.length, 0) / groups.length;
  if (within === 0) return between === 0 ? 0 : Number.MAX_VALUE;
  return between / within;
}

/** Buttons for the classes: colours in palette order, keys 1..9 (none beyond the ninth class). */
export function defaultClassButtons(classes: readonly string[]): CrowdClass[] {
  return classes.map((name, i) => ({ name, colour: CLASS_COLOURS[i % CLASS_COLOURS.length], ...(i < 9 ? { key: String(i + 1) } : {}) }));
}

export function defaultCrowdConfig(input: DefaultConfigInput): CrowdConfig {
  const missing = input.missingValues ?? [];
  const features = input.columns.filter((c) => !isExcludedColumn(c, input) && isNumericColumn(input.trainRows, c));
  const ranked = features
    .map((column, order) => ({ column, order, score: fisherRatio(input.trainRows, column, input.targetColumn, missing) }))
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .slice(0, HISTOGRAM_COLUMNS)
    .sort((a, b) => a.order - b.order)
    .map((r) => r.column);
  const featureRows: CrowdFeature[] = features.map((column) => ({ column, format: isIntegerColumn(input.trainRows, column, missing) ? 'int' : 'auto' }));
  return {
    derived: {},
    missing_values: [...missing],
    show_id: false,
    features: featureRows.length ? [{ label: 'Features', columns: featureRows }] : [],
    plots: ranked.length ? [{ kind: 'histograms', columns: ranked, bins: 20 }] : [],
    classes: defaultClassButtons(input.classes),
    clues: {},
  };
}
