/**
 * Volunteer computing's request handlers, shared by the session routes (src/compute/routes.ts, cookie
 * sign-in) and the token API (src/api/compute-routes.ts, /api/v1): each checks its input and access
 * and returns what the route sends, so both paths behave alike.
 */
import type { Request, Response } from 'express';
import zlib from 'node:zlib';
import type { AppContext } from '../app.js';
import { challengeFromParams } from '../challenges/visibility.js';
import { canOrganize } from '../challenges/organizers.js';
import { withLocalFolder } from '../challenges/service.js';
import { findChallengeBySlug } from '../challenges/repo.js';
import { UserError } from '../web/errors.js';
import { parseInput } from '../web/validate.js';
import { startTrainingThread } from '../baseline/threads.js';
import { myHosts, myUnits, reportResult, requestWork, searchList, startSearch } from './service.js';
import { searchSummary } from './search-summary.js';
import { promotionsOf, startPromotion } from './promote.js';
import { trainingData } from './training-data.js';
import { parseReport, promoteBody, resultParams, searchParams, slugParams, workBody } from './bodies.js';

/** Where a promotion's training thread starts: the baseline's own training script. */
const TRAINING_SCRIPT = new URL('../baseline/worker-thread.js', import.meta.url);

export type ComputeHandlers = ReturnType<typeof computeHandlers>;

export function computeHandlers(ctx: AppContext) {
  const challengeOf = async (req: Request) => {
    parseInput(slugParams.or(searchParams), req.params, 'path');
    return challengeFromParams(ctx, req);
  };
  const organizedChallenge = async (req: Request) => {
    const c = await challengeOf(req);
    if (!(await canOrganize(ctx.db.db, req.user, c))) throw new UserError(403, 'forbidden', `Only ${c.slug}'s organizers run its searches.`);
    return c;
  };
  const searchId = (req: Request) => parseInput(searchParams, req.params, 'path').id;

  return {
    organizedChallenge,

    /** The preprocessed training rows, gzipped, with a strong ETag (a 304 when the client has them). */
    async sendData(req: Request, res: Response): Promise<void> {
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
    },

    async work(req: Request) {
      const body = parseInput(workBody, req.body, 'body');
      const challenge = body.challenge ? await findChallengeBySlug(ctx.db.db, body.challenge) : null;
      if (body.challenge && (!challenge || challenge.state === 'draft')) throw new UserError(404, 'not_found', `No challenge '${body.challenge}' to compute for.`);
      return requestWork(ctx.db, req.user!.id, body.host, challenge ?? null);
    },

    async report(req: Request) {
      const { id } = parseInput(resultParams, req.params, 'path');
      return reportResult(ctx.db, req.user!.id, id, parseReport(req.body));
    },

    units: (req: Request) => myUnits(ctx.db.db, req.user!.id),
    hosts: (req: Request) => myHosts(ctx.db.db, req.user!.id),
    searches: async (req: Request) => searchList(ctx.db.db, await organizedChallenge(req)),

    async startSearch(req: Request) {
      const c = await organizedChallenge(req);
      const started = await startSearch(ctx.db.db, await withLocalFolder(ctx.storage, c), req.user!.id, ctx.config.datasetsDir);
      return { c, body: { search: { id: started.search.id, state: started.search.state }, configurations: started.configurations, units: started.units } };
    },

    async summary(req: Request) {
      const c = await organizedChallenge(req);
      const id = searchId(req);
      const summary = await searchSummary(ctx.db.db, await withLocalFolder(ctx.storage, c), id, ctx.config.datasetsDir);
      return { c, summary, promotions: await promotionsOf(ctx.db.db, id) };
    },

    /** Starts the promotion's training thread; the run's progress is on the baseline's status. */
    async promote(req: Request) {
      const c = await organizedChallenge(req);
      const id = searchId(req);
      const { configuration } = parseInput(promoteBody, req.body ?? {}, 'body');
      const p = await startPromotion(ctx.db.db, await withLocalFolder(ctx.storage, c), id, { configuration, userId: req.user!.id, datasetsDir: ctx.config.datasetsDir });
      startTrainingThread(ctx, p.run, true, TRAINING_SCRIPT, `promote-${p.run.id}`, { model: p.model, foundBy: p.foundBy });
      return { c, searchId: id, body: { run: { id: p.run.id, status: p.run.status, statusUrl: `/challenges/${c.slug}/baseline/status` }, configuration: p.foundBy.configuration, outOfFold: p.foundBy.outOfFold, model: p.model } };
    },
  };
}
