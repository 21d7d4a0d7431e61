/**
 * A crowd workflow's field guide: the markdown file that its challenge.yaml `crowd:` section names
 * (`field_guide`, a bare file name checked on import to exist in the challenge folder, which the
 * import copies with challenge.yaml into DATA_DIR/challenges/<slug>/).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Challenge } from '../challenges/repo.js';

/** The field guide's markdown, or null when the crowd: section names none (`fieldGuide`) or its file is gone. */
export async function fieldGuideMarkdown(challenge: Challenge, fieldGuide: string | undefined): Promise<string | null> {
  if (!fieldGuide) return null;
  return fs.promises.readFile(path.join(challenge.folder, fieldGuide), 'utf8').catch(() => null);
}
