/**
 * A crowd workflow's field guide: the markdown file that its challenge.yaml `crowd:` section names
 * (`field_guide`, a bare file name checked on import to exist in the challenge folder, which the
 * import copies with challenge.yaml into DATA_DIR/challenges/<slug>/).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Challenge } from '../challenges/repo.js';
import { parseCrowdConfig } from './display/schema.js';

/** The field guide's markdown, or null when the challenge's crowd: section names none (or its file is gone). */
export async function fieldGuideMarkdown(challenge: Challenge): Promise<string | null> {
  const yamlText = await fs.promises.readFile(path.join(challenge.folder, 'challenge.yaml'), 'utf8').catch(() => null);
  if (yamlText === null) return null;
  const doc = parseYaml(yamlText) as { crowd?: unknown } | null;
  const parsed = parseCrowdConfig(doc?.crowd);
  const name = parsed.ok ? parsed.config.field_guide : undefined;
  if (!name) return null;
  return fs.promises.readFile(path.join(challenge.folder, name), 'utf8').catch(() => null);
}
