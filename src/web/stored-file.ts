import type { Response } from 'express';
import { pipeline } from 'node:stream/promises';
import type { ObjectStorage } from '../storage/index.js';
import { UserError } from './errors.js';

/** Sends a stored object as a download named `name`, streamed from storage (local disk or a bucket). */
export async function sendStoredFile(res: Response, storage: ObjectStorage, key: string, name: string): Promise<void> {
  const stored = await storage.stat(key);
  if (!stored) throw new UserError(404, 'not_found', `The file '${name}' is not in storage.`);
  const body = await storage.get(key);
  res.attachment(name);
  res.setHeader('Content-Length', String(stored.size));
  await pipeline(body, res);
}
