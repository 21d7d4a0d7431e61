/** Where a challenge stands in its setup from the console: mapped, configured, or imported from a folder. */
import type { Challenge } from '../challenges/repo.js';
import { sourceSolution, type ChallengeSetup } from './setup.js';
import type { LocalChallenge } from '../challenges/service.js';

export const setupOf = (c: Challenge): ChallengeSetup | null => (c.setup_json ? (JSON.parse(c.setup_json) as ChallengeSetup) : null);
export const isConfigured = (c: Challenge): boolean => !!c.setup_json && !!c.solution_sha256;
/** Has a mapped solution: saved from the console, or imported from a challenge folder (its challenge.yaml maps it). */
export const hasSolution = (c: Challenge): boolean => !!c.solution_sha256;
/** Imported from a challenge folder: challenge.yaml maps it, and no solution was uploaded through the console. */
export const importedFromFolder = (c: LocalChallenge): boolean => hasSolution(c) && !c.setup_json && !sourceSolution(c.folder);
export const IMPORTED_NOTE =
  "This challenge was imported from a challenge folder: its challenge.yaml sets the columns, metric, dates and limits. Upload a solution file under Replace files on the console to manage these settings from here (the console's other actions work either way).";
