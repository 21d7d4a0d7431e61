import type { Readable } from 'node:stream';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { ObjectStorage, StoredObject } from './storage.js';
import type { S3Storage } from './s3.js';

/**
 * The S3 backend, loaded on first use: the AWS SDK costs about 280 ms and 25 MiB to import, in every
 * process and worker thread that opens storage, which local-disk installs must not pay.
 */
export class LazyS3Storage implements ObjectStorage {
  readonly kind = 's3';
  private inner: Promise<S3Storage> | null = null;
  private loaded: S3Storage | null = null;

  constructor(
    readonly bucket: string,
    readonly keyPrefix: string,
    private readonly clientConfig: S3ClientConfig,
    readonly localRoot: string,
  ) {}

  private s3(): Promise<S3Storage> {
    this.inner ??= import('./s3.js').then(({ S3Storage }) => (this.loaded = new S3Storage(this.bucket, this.keyPrefix, this.clientConfig, this.localRoot)));
    return this.inner;
  }

  async put(key: string, body: Readable | Buffer): Promise<StoredObject> {
    return (await this.s3()).put(key, body);
  }
  async get(key: string): Promise<Readable> {
    return (await this.s3()).get(key);
  }
  async stat(key: string): Promise<StoredObject | null> {
    return (await this.s3()).stat(key);
  }
  async move(from: string, to: string): Promise<void> {
    return (await this.s3()).move(from, to);
  }
  async remove(key: string): Promise<void> {
    return (await this.s3()).remove(key);
  }
  async list(prefix: string): Promise<StoredObject[]> {
    return (await this.s3()).list(prefix);
  }
  async putFile(key: string, file: string): Promise<StoredObject> {
    return (await this.s3()).putFile(key, file);
  }
  async localPath(key: string): Promise<string> {
    return (await this.s3()).localPath(key);
  }
  async localDir(prefix: string): Promise<string> {
    return (await this.s3()).localDir(prefix);
  }
  async publishLocalDir(prefix: string): Promise<void> {
    return (await this.s3()).publishLocalDir(prefix);
  }
  close(): void {
    if (this.loaded) this.loaded.close();
    else void this.inner?.then((s) => s.close());
  }
}
