import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertKey, assertPrefix, isLocalOnly, StorageNotFoundError, type ObjectStorage, type StoredObject } from './storage.js';

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException)?.code === 'ENOENT';

/** Objects as files under one root folder (DATA_DIR by default): the key is the relative path. */
export class LocalStorage implements ObjectStorage {
  readonly kind = 'local';

  constructor(readonly root: string) {}

  get localRoot(): string {
    return this.root;
  }

  pathOf(key: string): string {
    return path.join(this.root, ...assertKey(key).split('/'));
  }

  async put(key: string, body: Readable | Buffer): Promise<StoredObject> {
    const target = this.pathOf(key);
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    // Written beside the target and renamed over it: a reader sees the old object or the new one, never a part.
    const partial = `${target}.${randomBytes(6).toString('hex')}.part`;
    try {
      await pipeline(Buffer.isBuffer(body) ? Readable.from([body]) : body, fs.createWriteStream(partial));
      await fs.promises.rename(partial, target);
    } catch (err) {
      await fs.promises.rm(partial, { force: true });
      throw err;
    }
    return { key, size: (await fs.promises.stat(target)).size };
  }

  async putFile(key: string, file: string): Promise<StoredObject> {
    const target = this.pathOf(key);
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    try {
      await fs.promises.rename(file, target);
    } catch (err) {
      // Another file system (STORAGE_URL elsewhere than DATA_DIR): copied, then the file is removed.
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      await this.put(key, fs.createReadStream(file));
      await fs.promises.rm(file, { force: true });
    }
    return { key, size: (await fs.promises.stat(target)).size };
  }

  async localPath(key: string): Promise<string> {
    const file = this.pathOf(key);
    if (!(await this.stat(key))) throw new StorageNotFoundError(key);
    return file;
  }

  async localDir(prefix: string): Promise<string> {
    const dir = this.pathOf(prefix);
    await fs.promises.mkdir(dir, { recursive: true });
    return dir;
  }

  async publishLocalDir(prefix: string): Promise<void> {
    assertKey(prefix);
  }

  close(): void {}

  async get(key: string): Promise<Readable> {
    const file = this.pathOf(key);
    // Opened before returning, so a missing object rejects here rather than as a stream error later.
    const handle = await fs.promises.open(file, 'r').catch((err) => {
      throw isMissing(err) ? new StorageNotFoundError(key) : err;
    });
    return handle.createReadStream();
  }

  async stat(key: string): Promise<StoredObject | null> {
    try {
      const s = await fs.promises.stat(this.pathOf(key));
      return s.isFile() ? { key, size: s.size } : null;
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async move(from: string, to: string): Promise<void> {
    const target = this.pathOf(to);
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    await fs.promises.rename(this.pathOf(from), target).catch((err) => {
      throw isMissing(err) ? new StorageNotFoundError(from) : err;
    });
  }

  async remove(key: string): Promise<void> {
    await fs.promises.rm(this.pathOf(key), { force: true });
  }

  async list(prefix: string): Promise<StoredObject[]> {
    assertPrefix(prefix);
    // Walk only the deepest folder the prefix names; the rest of the prefix filters names in it.
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const found: StoredObject[] = [];
    const walk = async (relative: string) => {
      let entries: fs.Dirent[];
      try {
        entries = await fs.promises.readdir(relative ? path.join(this.root, ...relative.split('/')) : this.root, { withFileTypes: true });
      } catch (err) {
        if (isMissing(err)) return;
        throw err;
      }
      for (const e of entries) {
        const key = relative ? `${relative}/${e.name}` : e.name;
        if (e.isDirectory()) {
          if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) await walk(key);
        } else if (e.isFile() && key.startsWith(prefix) && !isLocalOnly(e.name)) {
          found.push({ key, size: (await fs.promises.stat(path.join(this.root, ...key.split('/')))).size });
        }
      }
    };
    await walk(folder);
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}
