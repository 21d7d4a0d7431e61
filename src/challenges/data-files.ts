import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { fileKeyIn, type ObjectStorage } from '../storage/index.js';
import type { Challenge } from './repo.js';

/** What a public data file is for: training rows (with labels), test rows (without), or an example upload. */
export type DataFileRole = 'train' | 'test' | 'sample_submission';

export interface DataFile {
  name: string;
  role: DataFileRole;
  /** Its storage key, in the challenge's folder. */
  key: string;
}

/**
 * The files every participant may read: training, test and sample submission. Never the solution:
 * it is not in this list, so no page, API answer or download built from it can name or serve it.
 */
export function publicDataFiles(c: Pick<Challenge, 'folder_key' | 'train_file' | 'test_file' | 'sample_file'>): DataFile[] {
  const files: Array<[string | null, DataFileRole]> = [
    [c.train_file, 'train'],
    [c.test_file, 'test'],
    [c.sample_file, 'sample_submission'],
  ];
  return files.filter((f): f is [string, DataFileRole] => !!f[0]).map(([name, role]) => ({ name, role, key: fileKeyIn(c.folder_key, name) }));
}

/**
 * Wraps a computation over a whole file so that it runs once per version of the file (its path,
 * mtime and size): page views and API calls then never re-read a large file, and calls that
 * arrive while it runs share the one read. A replaced file is a new version; its older answer is
 * dropped. A failed computation is not kept, so the next call tries again.
 */
export function cachedPerFileVersion<T>(compute: (file: string, version: string) => Promise<T>): (file: string) => Promise<T> {
  const byFile = new Map<string, { version: string; answer: Promise<T> }>();
  return async (file: string) => {
    const st = await fs.promises.stat(file);
    const version = `${st.mtimeMs}:${st.size}`;
    const known = byFile.get(file);
    if (known?.version === version) return known.answer;
    const answer = compute(file, version);
    byFile.set(file, { version, answer });
    answer.catch(() => {
      if (byFile.get(file)?.answer === answer) byFile.delete(file);
    });
    return answer;
  };
}

/** The sha256 of a file's bytes (as stored, so of the gzip for a .csv.gz), read as a stream. */
export const fileSha256 = cachedPerFileVersion(async (file: string): Promise<string> => {
  const hash = createHash('sha256');
  await pipeline(fs.createReadStream(file, { highWaterMark: 1 << 20 }), hash);
  return hash.digest('hex');
});

export interface DataFileInfo {
  name: string;
  role: DataFileRole;
  sizeBytes: number;
  sha256: string;
}

/** Name, role, size and sha256 of each public data file (what `sift download` checks its copies against). */
export async function publicDataFileInfo(storage: ObjectStorage, c: Challenge): Promise<DataFileInfo[]> {
  return Promise.all(
    publicDataFiles(c).map(async (f) => {
      const file = await storage.localPath(f.key);
      return { name: f.name, role: f.role, sizeBytes: (await fs.promises.stat(file)).size, sha256: await fileSha256(file) };
    }),
  );
}
