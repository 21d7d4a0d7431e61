/**
 * The console's editor for the challenge.yaml `crowd:` section: what volunteers see of a subject.
 * The organizer edits YAML; a save is checked exactly as an import checks the section (its shape,
 * then every column and class against the challenge's test file and classes), written into
 * challenge.yaml beside the other keys, and the stored subject page is forgotten so the next serve
 * uses it. An empty text removes the section: the default page built from the training rows applies.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseDocument, stringify } from 'yaml';
import type { Db } from '../db/index.js';
import { readCsvHeader } from '../challenges/definition.js';
import { checkCrowdConfig, parseCrowdConfig, type CrowdConfig } from '../crowd/display/schema.js';
import { clearCrowdDisplay, crowdSectionOfFolder, resolveCrowdDisplay } from '../crowd/display/store.js';
import { UserError } from '../web/errors.js';
import { writeCrowdSection } from './setup.js';
import type { LocalChallenge } from '../challenges/service.js';
import type { ObjectStorage } from '../storage/index.js';

/** Longest section accepted (the demo's largest is about 6 KB). */
export const CROWD_SECTION_MAX_BYTES = 64 * 1024;

export interface CrowdPageForm {
  /** The section as YAML: the file's, or the default's when the file has none. */
  yaml: string;
  source: 'challenge.yaml' | 'default';
  /** Columns a volunteer may be shown (the test file's header) and the classes, for the help beside the editor. */
  columns: string[];
  classes: string[];
}

const yamlFile = (c: LocalChallenge) => path.join(c.folder, 'challenge.yaml');

function requireYamlFile(c: LocalChallenge): void {
  if (!fs.existsSync(yamlFile(c))) {
    throw new UserError(409, 'no_challenge_yaml', 'This challenge was imported before challenge.yaml was kept with its files: edit the crowd: section in its folder and import it again.');
  }
}

/** Config without the keys that equal their defaults, so the text the organizer edits stays short. */
function compact(config: CrowdConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    if ((Array.isArray(v) && v.length === 0) || (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0)) continue;
    out[k] = v;
  }
  return out;
}

export async function crowdPageForm(storage: ObjectStorage, c: LocalChallenge): Promise<CrowdPageForm> {
  const columns = (await readCsvHeader(path.join(c.folder, c.test_file))) ?? [];
  const raw = crowdSectionOfFolder(c.folder);
  if (raw !== undefined) return { yaml: stringify(raw, { lineWidth: 0 }), source: 'challenge.yaml', columns, classes: c.classes };
  const display = await resolveCrowdDisplay(storage, c);
  return { yaml: stringify(compact(display.config), { lineWidth: 0 }), source: 'default', columns, classes: c.classes };
}

/** Checks and saves the section given as YAML text ('' removes it). Problems are listed as `crowd.<path>: …` or by line. */
export async function saveCrowdPage(db: Db, storage: ObjectStorage, c: LocalChallenge, text: string): Promise<{ removed: boolean }> {
  requireYamlFile(c);
  if (Buffer.byteLength(text) > CROWD_SECTION_MAX_BYTES) throw new UserError(413, 'too_large', `The crowd section is longer than ${CROWD_SECTION_MAX_BYTES / 1024} KB.`);
  let section: unknown = null;
  if (text.trim() !== '') {
    const doc = parseDocument(text, { prettyErrors: true });
    if (doc.errors.length) {
      const problems = doc.errors.map((e) => `line ${e.linePos?.[0].line ?? '?'}, column ${e.linePos?.[0].col ?? '?'}: ${e.message.split('\n')[0]}`);
      throw new UserError(400, 'bad_yaml', `The crowd section is not valid YAML: ${problems[0]}`, { problems });
    }
    section = doc.toJS();
    const parsed = parseCrowdConfig(section);
    if (!parsed.ok) throw new UserError(400, 'bad_crowd_section', `The crowd section has ${parsed.problems.length} problem${parsed.problems.length === 1 ? '' : 's'}: ${parsed.problems[0]}`, { problems: parsed.problems });
    const columns = (await readCsvHeader(path.join(c.folder, c.test_file))) ?? [];
    const problems = checkCrowdConfig(parsed.config, { columns, classes: c.classes });
    if (problems.length) throw new UserError(400, 'bad_crowd_section', `The crowd section has ${problems.length} problem${problems.length === 1 ? '' : 's'}: ${problems[0]}`, { problems });
  }
  writeCrowdSection(c.folder, section);
  await storage.publishLocalDir(c.folder_key);
  await clearCrowdDisplay(db, c.id);
  return { removed: section === null };
}
