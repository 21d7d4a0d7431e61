import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';

/** The `sift` client's exit codes. */
export const EXIT = { ok: 0, usage: 2, auth: 3, rejected: 4, network: 5, limit: 6 } as const;

/** An error that ends the command with a message and an exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    public readonly exitCode: number,
    public readonly status?: number,
    public readonly code?: string,
    public readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function exitCodeForStatus(status: number): number {
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 413 || status === 422) return EXIT.rejected;
  if (status === 429) return EXIT.limit;
  if (status === 400 || status === 404 || status === 409) return EXIT.usage;
  return EXIT.network;
}

/** Whether a request may be sent again: the server was not reached, the connection dropped, or it answered 502/503/504. */
export function isRetryable(err: unknown): boolean {
  return err instanceof CliError && err.exitCode === EXIT.network && (err.status === undefined || err.status === 502 || err.status === 503 || err.status === 504);
}

/** A body as JSON, or undefined when it is empty or not JSON. */
function parseJson(text: string): any {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

export class ApiClient {
  constructor(
    public readonly server: string,
    private readonly token?: string,
  ) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { Accept: 'application/json', 'User-Agent': 'sift-cli', ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}), ...extra };
  }

  requireToken(): this {
    if (!this.token) throw new CliError('Not logged in: run `sift login` (or set SIFT_TOKEN).', EXIT.auth);
    return this;
  }

  /** Sends a request; a server that cannot be reached is a CliError (network). */
  private async send(method: string, urlPath: string, init: { body?: unknown; headers?: Record<string, string>; stream?: ReadableStream } = {}): Promise<Response> {
    try {
      const body = init.stream ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
      const headers = this.headers({ ...(init.body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...init.headers });
      return await fetch(`${this.server}${urlPath}`, { method, headers, body, ...(init.stream ? { duplex: 'half' } : {}) } as RequestInit);
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(`Could not reach ${this.server}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, EXIT.network);
    }
  }

  /** The CliError of an answer that is not 2xx: the server's JSON error (code, message, details) when it sent one. */
  private failure(method: string, urlPath: string, res: Response, text: string, data: any): CliError {
    const e = data?.error;
    const { code, message, ...details } = e && typeof e === 'object' ? e : ({} as Record<string, unknown>);
    return new CliError(
      typeof message === 'string' ? message : `${method} ${urlPath} answered ${res.status} ${res.statusText}${data === undefined && text ? ' (not JSON: is this a Sift server?)' : ''}`,
      exitCodeForStatus(res.status),
      res.status,
      typeof code === 'string' ? code : undefined,
      details,
    );
  }

  async request<T>(method: string, urlPath: string, init: { body?: unknown; headers?: Record<string, string>; stream?: ReadableStream } = {}): Promise<T> {
    const res = await this.send(method, urlPath, init);
    const text = await res.text().catch(() => '');
    const data = parseJson(text);
    if (!res.ok) throw this.failure(method, urlPath, res, text, data);
    if (data === undefined) throw new CliError(`${method} ${urlPath} did not answer JSON: is ${this.server} a Sift server?`, EXIT.network, res.status);
    return data as T;
  }

  /** A GET whose answer is a file: the response, its body unread, once the server answered 2xx. */
  async download(urlPath: string): Promise<Response> {
    const res = await this.send('GET', urlPath, { headers: { Accept: '*/*' } });
    if (res.ok && res.body) return res;
    const text = await res.text().catch(() => '');
    const data = parseJson(text);
    throw this.failure('GET', urlPath, res, text, data);
  }

  get<T>(urlPath: string): Promise<T> {
    return this.request<T>('GET', urlPath);
  }

  /**
   * Streams a file as multipart/form-data (field `file`, plus text fields), calling onProgress
   * with the bytes of the file read so far: the file is never held in memory.
   */
  async upload<T>(urlPath: string, file: string, fields: Record<string, string>, onProgress: (sent: number, total: number) => void, headers: Record<string, string> = {}): Promise<T> {
    const size = fs.statSync(file).size;
    const boundary = `----sift${crypto.randomBytes(12).toString('hex')}`;
    const clean = (s: string) => s.replace(/["\r\n]/g, '_');
    let head = '';
    for (const [name, value] of Object.entries(fields)) head += `--${boundary}\r\nContent-Disposition: form-data; name="${clean(name)}"\r\n\r\n${value}\r\n`;
    head += `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${clean(path.basename(file))}"\r\nContent-Type: ${file.endsWith('.gz') ? 'application/gzip' : 'text/csv'}\r\n\r\n`;
    const headBuf = Buffer.from(head, 'utf8');
    const tailBuf = Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8');
    async function* parts() {
      yield headBuf;
      let sent = 0;
      onProgress(0, size);
      for await (const chunk of fs.createReadStream(file, { highWaterMark: 256 * 1024 })) {
        sent += (chunk as Buffer).length;
        onProgress(sent, size);
        yield chunk as Buffer;
      }
      yield tailBuf;
    }
    const stream = Readable.toWeb(Readable.from(parts())) as unknown as ReadableStream;
    return this.request<T>('POST', urlPath, {
      stream,
      headers: { ...headers, 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': String(headBuf.length + size + tailBuf.length) },
    });
  }
}
