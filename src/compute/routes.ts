import express, { Router, type Request } from 'express';
import { z } from 'zod';
import zlib from 'node:zlib';
import type { AppContext } from '../app.js';
import { challengeFromParams } from '../challenges/visibility.js';
import { canOrganize } from '../challenges/organizers.js';
import { withLocalFolder } from '../challenges/service.js';
import { findChallengeBySlug } from '../challenges/repo.js';
import { requireUser } from '../web/middleware.js';
import { UserError } from '../web/errors.js';
import { formString, idField, parseInput } from '../web/validate.js';
import { myHosts, myUnits, reportResult, requestWork, searchList, searchSummary, startSearch, type Report } from './service.js';
import { trainingData } from './training-data.js';
import { computeAssetRoutes } from './assets.js';
import { computePageRoutes } from './page-routes.js';

const slug = z.string().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be a challenge slug');
const slugParams = z.object({ slug });
const searchParams = z.object({ slug, id: idField('a search id') });
const resultParams = z.object({ id: idField('a result id') });

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

/**
 * Volunteer computing's HTTP side, for signed-in users (JSON): request work, report results, one's
 * units and hosts; the organizer's searches; the training data units need. Not yet under /api/v1:
 * every route there must first be described in src/api/openapi.ts.
 */
export function computeRoutes(ctx: AppContext): Router {
  const r = Router();
  r.use(computeAssetRoutes(), computePageRoutes(ctx));
  const challengeOf = async (req: Request) => {
    parseInput(slugParams.or(searchParams), req.params, 'path');
    return challengeFromParams(ctx, req);
  };
  const organizedChallenge = async (req: Request) => {
    const c = await challengeOf(req);
    if (!(await canOrganize(ctx.db.db, req.user, c))) throw new UserError(403, 'forbidden', `Only ${c.slug}'s organizers run its searches.`);
    return c;
  };

  r.get('/challenges/:slug/compute/data', requireUser, async (req, res) => {
    const c = await challengeOf(req);
    const data = trainingData(await withLocalFolder(ctx.storage, c), ctx.config.datasetsDir);
    res.set('ETag', data.etag);
    // The rows change only with train.csv or baseline.yaml; the ETag tells the browser when.
    res.set('Cache-Control', 'private, max-age=3600');
    res.set('Vary', 'Accept-Encoding');
    if (req.fresh) return void res.status(304).end();
    res.type('application/json');
    if (req.acceptsEncodings('gzip')) {
      res.set('Content-Encoding', 'gzip');
      return void res.send(data.gzipped);
    }
    res.send(zlib.gunzipSync(data.gzipped));
  });

  r.post('/compute/work', requireUser, async (req, res) => {
    const body = parseInput(workBody, req.body, 'body');
    const challenge = body.challenge ? await findChallengeBySlug(ctx.db.db, body.challenge) : null;
    if (body.challenge && (!challenge || challenge.state === 'draft')) throw new UserError(404, 'not_found', `No challenge '${body.challenge}' to compute for.`);
    res.json(await requestWork(ctx.db, req.user!.id, body.host, challenge ?? null));
  });

  r.post('/compute/results/:id', express.json({ type: RESULT_CONTENT_TYPE, limit: '24mb' }), requireUser, async (req, res) => {
    const { id } = parseInput(resultParams, req.params, 'path');
    res.json(await reportResult(ctx.db, req.user!.id, id, parseReport(req.body)));
  });

  r.get('/compute/units', requireUser, async (req, res) => {
    res.json(await myUnits(ctx.db, req.user!.id));
  });

  r.get('/compute/hosts', requireUser, async (req, res) => {
    res.json(await myHosts(ctx.db, req.user!.id));
  });

  r.post('/challenges/:slug/compute/searches', requireUser, async (req, res) => {
    const c = await organizedChallenge(req);
    const started = await startSearch(ctx.db, await withLocalFolder(ctx.storage, c), req.user!.id, ctx.config.datasetsDir);
    res.status(201).json({ search: { id: started.search.id, state: started.search.state }, configurations: started.configurations, units: started.units });
  });

  r.get('/challenges/:slug/compute/searches', requireUser, async (req, res) => {
    res.json(await searchList(ctx.db, await organizedChallenge(req)));
  });

  r.get('/challenges/:slug/compute/searches/:id', requireUser, async (req, res) => {
    const c = await organizedChallenge(req);
    const { id } = parseInput(searchParams, req.params, 'path');
    res.json(await searchSummary(ctx.db, c, id));
  });
  return r;
}
