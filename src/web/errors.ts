import type { Response } from 'express';

/** An error whose message is meant for the user, with its HTTP status and a stable code. */
export class UserError extends Error {
  constructor(
    public readonly status: number,
    public readonly code: string,
    message: string,
    public readonly details?: unknown,
  ) {
    super(message);
  }
}

/** A 429 whose details say when to come back carries that as the Retry-After header too. */
export function setRetryAfter(res: Response, err: UserError): void {
  const seconds = (err.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  if (err.status === 429 && typeof seconds === 'number' && !res.get('Retry-After')) res.set('Retry-After', String(seconds));
}

// Errors busboy raises on a malformed multipart or urlencoded upload; they carry no code of their own.
const MALFORMED_UPLOAD = /^(Malformed part header|Malformed urlencoded form|Multipart: Boundary not found|Unexpected end of (form|file)|Malformed content type|Missing Content-Type|Unsupported content type: .*|Request (aborted|closed))$/s;

/**
 * The UserError a parser's error means: a body that is not JSON or too big (body-parser's `entity.*`
 * and friends), a broken multipart upload (busboy, through multer), a path whose percent-encoding
 * does not decode (the router's URIError). Undefined for anything else, which is our fault.
 */
export function requestError(err: unknown): UserError | undefined {
  if (err instanceof UserError) return err;
  if (!(err instanceof Error)) return undefined;
  const { status, type } = err as Error & { status?: unknown; type?: unknown };
  if (err instanceof URIError) return new UserError(400, 'bad_path', `The address is not valid: ${err.message.replace(/^Failed to decode param/, 'cannot decode the percent-encoding of')}.`);
  if (MALFORMED_UPLOAD.test(err.message) && !(err as NodeJS.ErrnoException).code) return new UserError(400, 'bad_upload', `The upload is not valid multipart/form-data: ${err.message}.`);
  if (typeof type === 'string' && typeof status === 'number' && status >= 400 && status < 500) return new UserError(status, 'bad_request', `Bad request body: ${err.message}`);
  return undefined;
}
