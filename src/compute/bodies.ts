/** Volunteer computing's request bodies and path parameters, shared by the session routes and /api/v1. */
import { z } from 'zod';
import { UserError } from '../web/errors.js';
import { formString, idField, parseInput } from '../web/validate.js';
import type { Report } from './service.js';

export const slug = z.string().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be a challenge slug');
export const slugParams = z.object({ slug });
export const searchParams = z.object({ slug, id: idField('a search id') });
export const resultParams = z.object({ id: idField('a result id') });

export const hostBody = z.strictObject({
  /** A random key the client keeps (e.g. in localStorage), so one browser is one host. */
  key: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8 to 64 letters, digits, _ or -'),
  platform: formString(200).min(1, 'is required'),
  backend: z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, 'must be a backend name (e.g. wasm, webgl, cpu)'),
});
export const workBody = z.strictObject({ host: hostBody, challenge: slug.optional() });

/** Out-of-fold predictions of a unit: at most 4 million float32 values, base64. */
const MAX_PREDICTIONS_B64 = Math.ceil((4_000_000 * 4) / 3) + 4;
export const resultBody = z.strictObject({
  metric: z.number({ error: 'must be a finite number' }),
  predictions: z
    .string({ error: 'must be base64 of little-endian float32 values' })
    .max(MAX_PREDICTIONS_B64, 'is too long: at most 4,000,000 values')
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64 of little-endian float32 values'),
  weightsHash: z.string({ error: 'must be the sha256 of the final weights, 64 hex digits' }).regex(/^[0-9a-f]{64}$/, 'must be the sha256 of the final weights, 64 hex digits'),
});
export const errorBody = z.strictObject({ error: formString(2000).min(1, 'must say what went wrong') });

/** The body of a report, checked field by field: predictions must be probabilities. */
export function parseReport(body: unknown): Report {
  if (body && typeof body === 'object' && 'error' in body) return { kind: 'error', error: parseInput(errorBody, body, 'body').error };
  const r = parseInput(resultBody, body, 'body');
  const bytes = Buffer.from(r.predictions, 'base64');
  const bad = (message: string) => new UserError(400, 'invalid_request', `Invalid body: predictions: ${message}`, { issues: [{ in: 'body', field: 'predictions', message }] });
  if (bytes.byteLength % 4 !== 0) throw bad(`must be base64 of float32 values (4 bytes each), not ${bytes.byteLength} bytes`);
  const predictions = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const outside = predictions.findIndex((p) => !(p >= 0 && p <= 1));
  if (outside >= 0) throw bad(`value ${outside} is ${predictions[outside]}; probabilities lie in [0, 1]`);
  return { kind: 'result', metric: r.metric, predictions, weightsHash: r.weightsHash };
}

/** Results above the app's 100 kB JSON limit (large folds) come under their own type. */
export const RESULT_CONTENT_TYPE = 'application/vnd.sift.compute-result+json';

/** Promote: a configuration of the search, or (none given) the one with the best out-of-fold metric. */
export const promoteBody = z.strictObject({
  _csrf: z.string().optional(),
  configuration: z.preprocess((v) => (v === '' || v === undefined ? undefined : typeof v === 'string' ? Number(v) : v), z.int({ error: 'must be a configuration number' }).min(0, 'must be a configuration number').optional()),
});
