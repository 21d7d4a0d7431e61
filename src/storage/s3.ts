import { Readable } from 'node:stream';
import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { assertKey, assertPrefix, StorageNotFoundError, type ObjectStorage, type StoredObject } from './storage.js';

const isMissing = (err: unknown) => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
};

/**
 * Objects in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2), under an optional key prefix so one
 * bucket can hold several Sift installations. S3 writes are already all-or-nothing.
 */
export class S3Storage implements ObjectStorage {
  readonly kind = 's3';
  private readonly client: S3Client;

  constructor(
    readonly bucket: string,
    readonly keyPrefix: string,
    clientConfig: S3ClientConfig,
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
    const found: StoredObject[] = [];
    let token: string | undefined;
    do {
      const res = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${this.keyPrefix}${assertPrefix(prefix)}`, ContinuationToken: token }));
      for (const o of res.Contents ?? []) if (o.Key) found.push({ key: o.Key.slice(this.keyPrefix.length), size: Number(o.Size ?? 0) });
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  destroy(): void {
    this.client.destroy();
  }
}
