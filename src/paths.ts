import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout's root (this file runs from dist/src/), where datasets/, views/ and seeds live. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
