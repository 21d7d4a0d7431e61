/** Gzip detection by the two magic bytes, the one check every reader of `.csv` / `.csv.gz` files shares. */
import fs from 'node:fs';
import zlib from 'node:zlib';

export const isGzipBytes = (b: Uint8Array): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

export async function isGzipFile(file: string): Promise<boolean> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(2), 0, 2, 0);
    return isGzipBytes(buffer.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/** A whole file's bytes, gunzipped when they are gzip. */
export function readMaybeGzipped(file: string): Buffer {
  const buf = fs.readFileSync(file);
  return isGzipBytes(buf) ? zlib.gunzipSync(buf) : buf;
}
