import type { Challenge } from '../challenges/repo.js';
import { challengeScoringProblems, loadChallengeSolution } from '../challenges/service.js';
import { previewSolution } from './setup.js';
import { hasSolution } from './setup-status.js';
import type { ObjectStorage } from '../storage/index.js';

/** Rows per subset and class, and what would stop the challenge from being scored (problems). */
export async function preview(storage: ObjectStorage, c: Challenge) {
  if (!hasSolution(c)) return null;
  return { ...previewSolution(await loadChallengeSolution(storage, c)), problems: await challengeScoringProblems(storage, c) };
}
