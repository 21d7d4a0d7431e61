import fs from 'node:fs';
import os from 'node:os';
import { Piscina } from 'piscina';
import type { Solution } from '../../scorers/types.js';
import type { Challenge } from '../challenges/repo.js';
// From solution.js, not service.js: a validation thread then loads a fraction of the modules (~25 MiB less).
import { getSolution, idLookup, solutionSpec } from '../challenges/solution.js';
import type { SubmissionFormat } from '../challenges/types.js';
import { parseSubmission, type ParseOutcome } from './parse.js';

/** One upload to check: everything a worker thread needs, as plain data. */
export interface ValidationTask {
  tmpPath: string;
  originalName: string;
  challenge: Challenge;
  /** The challenge's solution as a file on this machine (ObjectStorage.localPath). */
  solutionFile: string;
  maxUploadBytes: number;
  maxDecompressedBytes: number;
}

export interface ValidationResult {
  outcome: ParseOutcome;
  /** The solution the file was checked against, so the caller need not load it. */
  solutionSha256: string;
}

/** Where uploads are parsed and validated: a pool of worker threads, or (tools, tests) the calling thread. */
export interface UploadValidator {
  validate(task: ValidationTask): Promise<ValidationResult>;
  close(): Promise<void>;
}

/**
 * The most bytes a valid file could take for this solution, so that a decompression bomb stops
 * early even under a generous MAX_DECOMPRESSED_MB: every row at most the longest id plus 64 bytes a
 * column (far more than any number needs), the header and slack for blank lines.
 */
export function decompressedBound(format: SubmissionFormat, solution: Solution): number {
  const columns = format.kind === 'higgsml' ? 3 : 2 + format.classes.length;
  return (solution.label.length + 1) * (idLookup(solution).longest + 64 * columns + 8) + 64 * 1024;
}

/** Reads the upload once (sha256 in the same read), gunzips it up to the cap and validates it. */
export async function validateUpload(task: ValidationTask): Promise<ValidationResult> {
  const c = task.challenge;
  const solution = await getSolution(task.solutionFile, solutionSpec(c), { diskCache: true });
  const bound = decompressedBound(c.format, solution);
  const cap = Math.min(task.maxDecompressedBytes, bound);
  // One read into one buffer (the upload's size is already capped): a stream would hold its chunks and then a joined copy.
  const size = (await fs.promises.stat(task.tmpPath)).size;
  const source = size <= task.maxUploadBytes ? await fs.promises.readFile(task.tmpPath) : fs.createReadStream(task.tmpPath);
  const outcome = await parseSubmission(source, {
    filename: task.originalName,
    format: c.format,
    solution,
    maxBytes: task.maxUploadBytes,
    maxDecompressedBytes: cap,
    decompressedLimitReason:
      cap === bound ? `the most that ${solution.label.length.toLocaleString('en-US')} rows of this challenge can take` : 'MAX_DECOMPRESSED_MB',
    sha256: true,
  });
  return { outcome, solutionSha256: solution.sha256 };
}

export const inlineValidator: UploadValidator = { validate: validateUpload, close: async () => undefined };

export const defaultValidationThreads = (): number => Math.max(1, Math.min(2, os.availableParallelism() - 1));

/** A piscina pool of `threads` worker threads, so a big or hostile file never blocks the event loop. */
export function validationPool(threads: number): UploadValidator {
  const pool = new Piscina<ValidationTask, ValidationResult>({
    filename: new URL('./validation-entry.cjs', import.meta.url).href,
    minThreads: 1,
    maxThreads: threads,
    // An idle pool keeps one warm thread (with its cached solutions); the others go after a minute.
    idleTimeout: 60_000,
  });
  return {
    validate: (task) => pool.run(task),
    close: () => pool.close({ force: true }),
  };
}
