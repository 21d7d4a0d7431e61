import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { assertKey, assertPrefix, isLocalOnly, StorageNotFoundError, type ObjectStorage, type StoredObject } from './storage.js';

const isMissing = (err: unknown) => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
};

/** A listed object with its ETag, which changes whenever its bytes do. */
interface TaggedObject extends StoredObject {
  etag: string;
}

/**
 * Objects in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2), under an optional key prefix so one
 * bucket can hold several Sift installations. S3 writes are already all-or-nothing. Readers that
 * need files get copies in `localRoot`, which belongs to this process's machine (under its DATA_DIR).
 */
export class S3Storage implements ObjectStorage {
  readonly kind = 's3';
  private readonly client: S3Client;
  /** The ETag of each local copy in cacheDir, as fetched by this process. */
  private readonly copies = new Map<string, string>();
  /** Copies being fetched, by key and ETag: concurrent readers share one download. */
  private readonly fetching = new Map<string, Promise<string>>();

  constructor(
    readonly bucket: string,
    readonly keyPrefix: string,
    clientConfig: S3ClientConfig,
    readonly localRoot: string,
  ) {
    this.client = new S3Client(clientConfig);
  }

  private objectKey(key: string): string {
    return `${this.keyPrefix}${assertKey(key)}`;
  }

  async put(key: string, body: Readable | Buffer): Promise<StoredObject> {
    // lib-storage's Upload takes a stream of unknown length (multipart above 5 MB), which PutObject cannot.
    await new Upload({ client: this.client, params: { Bucket: this.bucket, Key: this.objectKey(key), Body: body } }).done();
    const stored = await this.stat(key);
    if (!stored) throw new Error(`the bucket did not keep '${key}'`);
    return stored;
  }

  async get(key: string): Promise<Readable> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return res.Body as Readable;
    } catch (err) {
      throw isMissing(err) ? new StorageNotFoundError(key) : err;
    }
  }

  async stat(key: string): Promise<StoredObject | null> {
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return { key, size: Number(res.ContentLength ?? 0) };
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async move(from: string, to: string): Promise<void> {
    // S3 has no rename: a server-side copy, then the delete.
    try {
      await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: this.objectKey(to), CopySource: `${this.bucket}/${encodeURI(this.objectKey(from))}` }));
    } catch (err) {
      throw isMissing(err) ? new StorageNotFoundError(from) : err;
    }
    await this.remove(from);
  }

  async remove(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
  }

  async list(prefix: string): Promise<StoredObject[]> {
    return (await this.listTagged(prefix)).map(({ key, size }) => ({ key, size }));
  }

  async putFile(key: string, file: string): Promise<StoredObject> {
    const stored = await this.put(key, fs.createReadStream(file));
    await fs.promises.rm(file, { force: true });
    return stored;
  }

  async localPath(key: string): Promise<string> {
    let etag: string;
    try {
      etag = (await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }))).ETag ?? '';
    } catch (err) {
      throw isMissing(err) ? new StorageNotFoundError(key) : err;
    }
    return this.fetchCopy(key, etag);
  }

  async localDir(prefix: string): Promise<string> {
    const dir = this.cachePathOf(prefix);
    const objects = await this.listTagged(`${prefix}/`);
    await fs.promises.mkdir(dir, { recursive: true });
    for (let i = 0; i < objects.length; i += 8) await Promise.all(objects.slice(i, i + 8).map((o) => this.fetchCopy(o.key, o.etag)));
    // Objects removed from the bucket leave the copy too, so readers never find a file that is gone.
    const wanted = new Set(objects.map((o) => this.cachePathOf(o.key)));
    const sweep = async (folder: string): Promise<void> => {
      for (const e of await fs.promises.readdir(folder, { withFileTypes: true })) {
        const file = path.join(folder, e.name);
        if (isLocalOnly(e.name)) continue;
        if (e.isDirectory()) await sweep(file);
        else if (!wanted.has(file)) await fs.promises.rm(file, { force: true });
      }
    };
    await sweep(dir);
    return dir;
  }

  async publishLocalDir(prefix: string): Promise<void> {
    const dir = this.cachePathOf(prefix);
    const files: string[] = [];
    const walk = async (relative: string): Promise<void> => {
      const entries = await fs.promises.readdir(path.join(dir, relative), { withFileTypes: true }).catch((err) => {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      });
      for (const e of entries) {
        if (isLocalOnly(e.name)) continue;
        const name = relative ? `${relative}/${e.name}` : e.name;
        if (e.isDirectory()) await walk(name);
        else if (e.isFile()) files.push(`${prefix}/${name}`);
      }
    };
    await walk('');
    for (const key of files) {
      await this.put(key, fs.createReadStream(this.cachePathOf(key)));
      // The local file is the stored object: localDir need not fetch it again.
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      this.copies.set(key, head.ETag ?? '');
    }
    const kept = new Set(files);
    for (const o of await this.listTagged(`${prefix}/`)) if (!kept.has(o.key)) await this.remove(o.key);
  }

  private cachePathOf(key: string): string {
    return path.join(this.localRoot, ...assertKey(key).split('/'));
  }

  private fetchCopy(key: string, etag: string): Promise<string> {
    const file = this.cachePathOf(key);
    if (this.copies.get(key) === etag && fs.existsSync(file)) return Promise.resolve(file);
    const id = `${key}\n${etag}`;
    const running = this.fetching.get(id);
    if (running) return running;
    const download = (async () => {
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      // Written beside the copy and renamed over it: readers see a whole copy, and localDir's sweep leaves it alone.
      const partial = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.part`);
      try {
        await pipeline(await this.get(key), fs.createWriteStream(partial));
        await fs.promises.rename(partial, file);
      } catch (err) {
        await fs.promises.rm(partial, { force: true });
        throw err;
      }
      this.copies.set(key, etag);
      return file;
    })().finally(() => this.fetching.delete(id));
    this.fetching.set(id, download);
    return download;
  }

  private async listTagged(prefix: string): Promise<TaggedObject[]> {
    const found: TaggedObject[] = [];
    let token: string | undefined;
    do {
      const res = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${this.keyPrefix}${assertPrefix(prefix)}`, ContinuationToken: token }));
      for (const o of res.Contents ?? []) if (o.Key) found.push({ key: o.Key.slice(this.keyPrefix.length), size: Number(o.Size ?? 0), etag: o.ETag ?? '' });
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  close(): void {
    this.client.destroy();
  }
}
