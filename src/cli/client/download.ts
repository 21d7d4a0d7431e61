import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { ApiClient, CliError, EXIT } from './http.js';
import { client, err, out, run, slugPath, usageExit } from './common.js';
import { humanSize } from '../../web/render.js';

/** One public data file as GET /api/v1/challenges/<slug>/data lists it (see src/api/openapi.ts). */
interface DataFile { name: string; role: string; sizeBytes: number; sha256: string; url: string }

/** Why a file could not be written, in words, for the usual system errors. */
function writeProblem(e: unknown, where: string): CliError {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'ENOSPC' ? 'the disk is full' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOTDIR' ? 'a part of the path is a file, not a folder' : code === 'EROFS' ? 'the file system is read-only' : (e as Error).message;
  return new CliError(`Could not write ${where}: ${why}.`, EXIT.usage);
}

/**
 * Streams one file to `<dir>/<name>`: into `<name>.part` first, hashing the bytes on their way,
 * and renamed only when its size and sha256 match the listing, so a broken download never looks
 * like a finished one.
 */
async function fetchOne(api: ApiClient, slug: string, f: DataFile, dir: string, showProgress: boolean): Promise<string> {
  // A name is only ever a file name: a server cannot make the client write outside the folder.
  if (!f.name || path.basename(f.name) !== f.name || f.name === '.' || f.name === '..') throw new CliError(`The server listed a file name that is not a plain file name: '${f.name}'; nothing was written.`, EXIT.network);
  const target = path.join(dir, f.name);
  const partial = `${target}.part`;
  const res = await api.download(f.url);
  const hash = createHash('sha256');
  let received = 0;
  const bar = showProgress
    ? new cliProgress.SingleBar({ format: `${f.name} [{bar}] {percentage}% | {value}/{total} kB`, stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic)
    : null;
  bar?.start(Math.max(1, Math.ceil(f.sizeBytes / 1000)), 0);
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      received += chunk.length;
      bar?.update(Math.ceil(received / 1000));
      done(null, chunk);
    },
  });
  const sink = fs.createWriteStream(partial);
  // A write error is the disk's, and said so; any other is the connection's.
  let writeError: unknown = null;
  sink.once('error', (e) => (writeError = e));
  try {
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), tap, sink);
  } catch (e) {
    bar?.stop();
    fs.rmSync(partial, { force: true });
    throw writeError ? writeProblem(writeError, partial) : new CliError(`The download of ${f.name} broke off: ${(e as Error).message}`, EXIT.network);
  }
  bar?.stop();
  const sha256 = hash.digest('hex');
  if (received !== f.sizeBytes || sha256 !== f.sha256) {
    fs.rmSync(partial, { force: true });
    throw new CliError(`${f.name} arrived damaged (${received} of ${f.sizeBytes} bytes, sha256 ${sha256.slice(0, 12)}… instead of ${f.sha256.slice(0, 12)}…); nothing was kept. Run \`sift download ${slug} -f ${f.name}\` again.`, EXIT.network);
  }
  try {
    fs.renameSync(partial, target);
  } catch (e) {
    throw writeProblem(e, target);
  }
  return target;
}

export function registerDownloadCommand(program: Command): void {
  program
    .command('download <challenge>')
    .description("download a challenge's public data files (training, test, sample submission), checking each one's sha256")
    .option('-p, --path <folder>', 'the folder to write into (created if missing)', '.')
    .option('-f, --file <name>', 'only this file (a name from the list)')
    .action(
      run(async (slug: string, opts: { path: string; file?: string }) => {
        const api = client();
        const { files } = await api.get<{ files: DataFile[] }>(`${slugPath(slug)}/data`);
        let wanted = files;
        if (opts.file) {
          wanted = files.filter((f) => f.name === opts.file);
          if (!wanted.length) throw new CliError(`No data file '${opts.file}' in challenge '${slug}'. Available: ${files.map((f) => f.name).join(', ')}.`, EXIT.usage);
        }
        try {
          fs.mkdirSync(opts.path, { recursive: true });
        } catch (e) {
          throw writeProblem(e, opts.path);
        }
        const showProgress = !!process.stdout.isTTY;
        for (const f of wanted) {
          const target = await fetchOne(api, slug, f, opts.path, showProgress);
          out(`Wrote ${target} (${humanSize(f.sizeBytes)}, sha256 ${f.sha256.slice(0, 12)}… verified)`);
        }
        if (wanted.length > 1) err(`${wanted.length} files of '${slug}' in ${path.resolve(opts.path)}.`);
      }),
    )
    .exitOverride(usageExit);
}
