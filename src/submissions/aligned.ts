/**
 * The prediction arrays of an accepted upload, kept beside its stored file until it is scored, so the
 * scoring worker need not parse the CSV a second time (most of the time between "accepted" and
 * "scored" on a 550,000-row file). Valid only for the solution it was aligned to: the worker checks
 * the solution's sha256 and falls back to parsing the stored file on any mismatch or damage.
 */
import fs from 'node:fs';
import type { Prediction } from '../../scorers/types.js';

const MAGIC = 'sift-aligned/1';

interface Header {
  magic: string;
  solutionSha256: string;
  rows: number;
  arrays: Array<{ name: 'label' | 'rank' | 'proba'; bytes: number }>;
}

export const alignedPathOf = (storedFile: string): string => `${storedFile}.aligned`;

export async function writeAligned(file: string, solutionSha256: string, p: Prediction): Promise<void> {
  const parts = (['label', 'rank', 'proba'] as const).flatMap((name) => {
    const a = p[name];
    return a ? [{ name, buf: Buffer.from(a.buffer, a.byteOffset, a.byteLength) }] : [];
  });
  const header: Header = { magic: MAGIC, solutionSha256, rows: p.label.length, arrays: parts.map((x) => ({ name: x.name, bytes: x.buf.length })) };
  const head = Buffer.from(JSON.stringify(header) + '\n');
  // Written from the arrays themselves, without a joined copy (a 550,000-row prediction is 4 MiB).
  const out = await fs.promises.open(file, 'w');
  try {
    await out.writev([head, ...parts.map((x) => x.buf)]);
  } finally {
    await out.close();
  }
}

/** The arrays, or null when the file is missing, damaged or aligned to another solution. */
export async function readAligned(file: string, solutionSha256: string, rows: number): Promise<Prediction | null> {
  let buf: Buffer;
  try {
    buf = await fs.promises.readFile(file);
  } catch {
    return null;
  }
  const nl = buf.indexOf(10);
  if (nl < 0) return null;
  let header: Header;
  try {
    header = JSON.parse(buf.subarray(0, nl).toString());
  } catch {
    return null;
  }
  if (header.magic !== MAGIC || header.solutionSha256 !== solutionSha256 || header.rows !== rows) return null;
  if (nl + 1 + header.arrays.reduce((n, a) => n + a.bytes, 0) !== buf.length) return null;
  const out: Partial<Prediction> = {};
  let at = nl + 1;
  for (const a of header.arrays) {
    // Copy into fresh, aligned memory: a Buffer slice may start at an odd offset.
    const bytes = new Uint8Array(buf.subarray(at, at + a.bytes));
    at += a.bytes;
    if (a.name === 'proba') out.proba = new Float64Array(bytes.buffer);
    else out[a.name] = new Int32Array(bytes.buffer);
  }
  if (!out.label || out.label.length !== rows) return null;
  return out as Prediction;
}
