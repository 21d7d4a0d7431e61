import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { repoRoot } from '../src/paths.js';

export interface ComputeChallengeOptions {
  /** The folder name and slug of the copy. */
  slug: string;
  /** Keep every n-th training row (1: all), so the classes stay mixed. */
  everyNthRow?: number;
  /** Keys of baseline.yaml's model: section to change (fewer folds and epochs). */
  model?: Record<string, unknown>;
  /** baseline.yaml's search: section. */
  search: Record<string, unknown>;
}

/**
 * A copy of the demo xray-sources challenge under `datasetsDir/<slug>/`, with a thinner train file
 * and its own baseline.yaml model and search sections: a search small enough for a test or a bench.
 * Returns the folder, to import; point DATASETS_DIR at `datasetsDir` so the baseline.yaml is found.
 */
export function writeComputeChallenge(datasetsDir: string, opts: ComputeChallengeOptions): string {
  const from = path.join(repoRoot, 'datasets', 'xray-sources');
  const dir = path.join(datasetsDir, opts.slug);
  fs.mkdirSync(dir, { recursive: true });
  for (const f of ['test.csv.gz', 'solution.csv.gz', 'sample_submission.csv.gz', 'README.md']) fs.copyFileSync(path.join(from, f), path.join(dir, f));
  const challenge = fs.readFileSync(path.join(from, 'challenge.yaml'), 'utf8').replace(/^slug: xray-sources$/m, `slug: ${opts.slug}`);
  fs.writeFileSync(path.join(dir, 'challenge.yaml'), challenge);
  const lines = zlib.gunzipSync(fs.readFileSync(path.join(from, 'train.csv.gz'))).toString('utf8').trimEnd().split('\n');
  const every = opts.everyNthRow ?? 1;
  const kept = [lines[0], ...lines.slice(1).filter((_, i) => i % every === 0)];
  fs.writeFileSync(path.join(dir, 'train.csv.gz'), zlib.gzipSync(kept.join('\n') + '\n'));
  const spec = parseYaml(fs.readFileSync(path.join(from, 'baseline.yaml'), 'utf8')) as Record<string, unknown>;
  spec.model = { ...(spec.model as object), ...opts.model };
  spec.search = opts.search;
  fs.writeFileSync(path.join(dir, 'baseline.yaml'), stringifyYaml(spec));
  return dir;
}
