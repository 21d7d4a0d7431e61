/**
 * Stand-in until src/crowd/display/store.ts crowdDisplayOf lands (same call shape, `{ config }`):
 * the workflow's `crowd:` section from its challenge folder's challenge.yaml, or an empty
 * configuration when there is none or it does not parse (training then falls back to the class texts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Db } from '../../db/index.js';
import { findChallengeById } from '../../challenges/repo.js';
import { parseCrowdConfig, type CrowdConfig } from '../display/schema.js';

/** Parsed sections by file, kept while the file's modification time and size stay the same (a gold answer reads it). */
const parsedFiles = new Map<string, { version: string; config: CrowdConfig }>();

export async function crowdConfigOf(db: Db, wf: { challengeId: number }): Promise<{ config: CrowdConfig }> {
  const empty = parseCrowdConfig({});
  if (!empty.ok) throw new Error('the empty crowd configuration does not parse');
  const c = await findChallengeById(db, wf.challengeId);
  const file = c && path.join(c.folder, 'challenge.yaml');
  const st = file ? await fs.promises.stat(file).catch(() => null) : null;
  if (!file || !st) return { config: empty.config };
  const version = `${st.mtimeMs}:${st.size}`;
  const hit = parsedFiles.get(file);
  if (hit?.version === version) return { config: hit.config };
  const doc = parseYaml(await fs.promises.readFile(file, 'utf8')) as { crowd?: unknown } | null;
  const parsed = parseCrowdConfig(doc?.crowd);
  const config = parsed.ok ? parsed.config : empty.config;
  if (parsedFiles.size > 100) parsedFiles.clear();
  parsedFiles.set(file, { version, config });
  return { config };
}
