import type { Readable } from 'node:stream';

/** What a stored object is, without reading it. */
export interface StoredObject {
  key: string;
  size: number;
}

/**
 * Where Sift keeps files: uploads, accepted submissions, challenge files and baselines. One small
 * interface so the web and worker processes can share local disk on one machine or an S3-compatible
 * bucket across several. Keys are relative, '/'-separated and checked by `assertKey`; the database
 * stores keys, never absolute paths.
 */
export interface ObjectStorage {
  /** 'local' or 's3', for logs and the admin page. */
  readonly kind: string;
  /**
   * This process's local folder for the storage's keys, where localPath and localDir answer (the
   * root itself on local disk). Readers may keep derived files there, named as isLocalOnly says:
   * they never travel to other machines.
   */
  readonly localRoot: string;
  /** Writes the object whole or not at all (a reader never sees half of it); returns its size. */
  put(key: string, body: Readable | Buffer): Promise<StoredObject>;
  /** The object's bytes as a stream; rejects with StorageNotFoundError when there is none. */
  get(key: string): Promise<Readable>;
  /** The object's size, or null when there is none. */
  stat(key: string): Promise<StoredObject | null>;
  /** Renames an object (replacing any at `to`); rejects with StorageNotFoundError when `from` is missing. */
  move(from: string, to: string): Promise<void>;
  /** Removes the object; removing a missing object is not an error. */
  remove(key: string): Promise<void>;
  /** Every object whose key starts with `prefix`, sorted by key. */
  list(prefix: string): Promise<StoredObject[]>;
  /** Stores a local file under `key` and takes it: the file is gone afterwards. */
  putFile(key: string, file: string): Promise<StoredObject>;
  /**
   * A local file with the object's bytes, for readers that need a path (parsers, training, the
   * solution's binary cache): local disk answers its own file; a bucket, a copy in this process's
   * cache folder, fetched again when the object changed. Rejects with StorageNotFoundError.
   */
  localPath(key: string): Promise<string>;
  /**
   * A local folder holding every object under `prefix` (a key, without the trailing '/') as files
   * named by the rest of their keys, as localPath does per object. Files that isLocalOnly names are
   * the readers' own derived caches: they are left in place.
   */
  localDir(prefix: string): Promise<string>;
  /**
   * Stores what this process wrote into localDir(prefix)'s folder (all but isLocalOnly files), and
   * removes stored objects under `prefix` that have no file there: a folder written in place, such
   * as a trained model, then reaches the other machines. Local disk: the folder already is the storage.
   */
  publishLocalDir(prefix: string): Promise<void>;
  /** Releases connections (S3); local disk has none. */
  close(): void;
}

/**
 * Files that belong to one machine, never stored: a reader's derived cache beside an object (the
 * solution's binary cache `.….sift-cache`, a data file's summary `.….summary.json`, a submission's
 * aligned arrays `….aligned`) and a write in progress (`….part`).
 */
export const isLocalOnly = (name: string): boolean =>
  name.endsWith('.sift-cache') || name.endsWith('.part') || name.endsWith('.aligned') || (name.startsWith('.') && name.endsWith('.summary.json'));

export class StorageNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`no stored object '${key}'`);
  }
}

const SEGMENT = /^[A-Za-z0-9._-]+$/;

/**
 * A key is 1 to 512 characters of '/'-separated segments of letters, digits, '.', '_' and '-', none
 * of them '.' or '..': the same key then names the same object on disk and in a bucket, and can never
 * climb out of the storage root.
 */
export function assertKey(key: string): string {
  const segments = key.split('/');
  if (key.length === 0 || key.length > 512 || segments.some((s) => !SEGMENT.test(s) || s === '.' || s === '..')) {
    throw new Error(`invalid storage key '${key}': use '/'-separated names of letters, digits, '.', '_' and '-'`);
  }
  return key;
}

/** A prefix for `list`: empty (everything) or a key, optionally ending in '/'. */
export function assertPrefix(prefix: string): string {
  if (prefix === '') return prefix;
  assertKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
  return prefix;
}
