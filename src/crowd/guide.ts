/**
 * A crowd workflow's field guide: the markdown file that its challenge.yaml `crowd:` section names
 * (`field_guide`, a bare file name checked on import to exist in the challenge folder, which the
 * import puts with challenge.yaml into storage under challenges/<slug>/).
 */
import { text } from 'node:stream/consumers';
import { fileKeyIn, type ObjectStorage } from '../storage/index.js';
import type { Challenge } from '../challenges/repo.js';

/** The field guide's markdown, or null when the crowd: section names none (`fieldGuide`) or its file is gone. */
export async function fieldGuideMarkdown(storage: ObjectStorage, challenge: Challenge, fieldGuide: string | undefined): Promise<string | null> {
  if (!fieldGuide) return null;
  return text(await storage.get(fileKeyIn(challenge.folder_key, fieldGuide))).catch(() => null);
}
