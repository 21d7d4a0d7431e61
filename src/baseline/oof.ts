/**
 * The baseline's out-of-fold predictions on its own training rows (each row predicted by the fold
 * model that did not train on it), kept next to its record as `oof.csv`: `id,label`, the label being
 * the predicted class name. They let the comparison page score the baseline on known sources (train
 * rows the crowd classified), which no test-set prediction covers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { csvLine } from '../csv.js';
import { baselineDir } from './train.js';

export const OOF_FILE = 'oof.csv';

export function writeOutOfFold(dir: string, ids: string[], labels: string[]): void {
  fs.writeFileSync(path.join(dir, OOF_FILE), csvLine(['id', 'label']) + ids.map((id, i) => csvLine([id, labels[i]])).join(''));
}

/** Predicted class name per training row id; null when this baseline has no out-of-fold file. */
export function readOutOfFold(dataDir: string, slug: string): Map<string, string> | null {
  const file = path.join(baselineDir(dataDir, slug), OOF_FILE);
  if (!fs.existsSync(file)) return null;
  const rows = parse(fs.readFileSync(file), { columns: true, skip_empty_lines: true }) as Array<{ id: string; label: string }>;
  return new Map(rows.map((r) => [r.id, r.label]));
}
