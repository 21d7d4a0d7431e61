import type { Challenge } from '../challenges/repo.js';
import { challengeScoringProblems, loadChallengeSolution } from '../challenges/service.js';
import { previewSolution } from './setup.js';
import { hasSolution } from './setup-status.js';

/** Rows per subset and class, and what would stop the challenge from being scored (problems). */
export async function preview(c: Challenge) {
  if (!hasSolution(c)) return null;
  return { ...previewSolution(await loadChallengeSolution(c)), problems: await challengeScoringProblems(c) };
}
