/**
 * The storage backend chosen by configuration (STORAGE_URL):
 * - unset, or `file:///abs/path`: local disk (DATA_DIR by default);
 * - `s3://bucket/optional/prefix?endpoint=http://host:9000&region=us-east-1&path_style=1`: an
 *   S3-compatible bucket; credentials come from the AWS SDK's usual sources (AWS_ACCESS_KEY_ID and
 *   AWS_SECRET_ACCESS_KEY, a profile, or an instance role).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalStorage } from './local.js';
import { LazyS3Storage } from './lazy-s3.js';
import type { ObjectStorage } from './storage.js';

export type { ObjectStorage, StoredObject } from './storage.js';
export { StorageNotFoundError, assertKey } from './storage.js';
export * from './keys.js';

export function openStorage(storageUrl: string | undefined, dataDir: string): ObjectStorage {
  if (!storageUrl) return new LocalStorage(dataDir);
  let url: URL;
  try {
    url = new URL(storageUrl);
  } catch {
    throw new Error(`STORAGE_URL '${storageUrl}' is not a URL: use file:///path or s3://bucket/prefix?endpoint=…`);
  }
  if (url.protocol === 'file:') return new LocalStorage(fileURLToPath(url));
  if (url.protocol === 's3:') {
    if (!url.hostname) throw new Error('STORAGE_URL s3://… needs a bucket name: s3://bucket/prefix');
    const prefix = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '');
    const endpoint = url.searchParams.get('endpoint') ?? undefined;
    return new LazyS3Storage(url.hostname, prefix ? `${prefix}/` : '', {
      region: url.searchParams.get('region') ?? process.env.AWS_REGION ?? 'us-east-1',
      endpoint,
      // MinIO, Ceph and most self-hosted servers want path-style addressing; AWS accepts it too.
      forcePathStyle: url.searchParams.get('path_style') !== '0' && !!endpoint,
    }, path.join(dataDir, 'storage-cache'));
  }
  throw new Error(`STORAGE_URL '${storageUrl}': the scheme must be file: or s3:`);
}
