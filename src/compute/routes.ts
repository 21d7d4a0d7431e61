import express, { Router } from 'express';
import type { AppContext } from '../app.js';
import { publicChallenge } from '../challenges/visibility.js';
import { withLocalFolder } from '../challenges/service.js';
import { requireUser, wantsJson } from '../web/middleware.js';
import { computeCommunity, contributorMap } from './community.js';
import { computeHandlers } from './handlers.js';
import { trainingData } from './training-data.js';
import { computeAssetRoutes } from './assets.js';
import { computePageRoutes } from './page-routes.js';
import { RESULT_CONTENT_TYPE } from './bodies.js';

export { errorBody, hostBody, parseReport, RESULT_CONTENT_TYPE, resultBody, workBody } from './bodies.js';

/**
 * Volunteer computing's HTTP side for signed-in users: request work, report results, one's units and
 * hosts (JSON; /api/v1 serves the same to a token); the organizer's search pages and promotion; the
 * training data units need; the community block and the contributors' map.
 */
export function computeRoutes(ctx: AppContext): Router {
  const r = Router();
  r.use(computeAssetRoutes(), computePageRoutes(ctx));
  const h = computeHandlers(ctx);

  r.get('/challenges/:slug/compute/data', requireUser, h.sendData);
  r.post('/compute/work', requireUser, async (req, res) => void res.json(await h.work(req)));
  r.post('/compute/results/:id', express.json({ type: RESULT_CONTENT_TYPE, limit: '24mb' }), requireUser, async (req, res) => void res.json(await h.report(req)));
  r.get('/compute/units', requireUser, async (req, res) => void res.json(await h.units(req)));
  r.get('/compute/hosts', requireUser, async (req, res) => void res.json(await h.hosts(req)));

  // The map alone (for the Compute page and anyone embedding it): public, the same for everyone, cached a few minutes.
  r.get('/compute/map.svg', async (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300');
    res.type('image/svg+xml').send(await contributorMap(ctx.db.db));
  });

  r.get('/compute/community', async (req, res) => {
    const community = await computeCommunity(ctx.db.db);
    if (wantsJson(req)) return void res.json({ ...community, mapSvg: undefined });
    res.render('compute/community', { title: 'Volunteer computing community', community });
  });

  // The organizer's pages: the challenge's searches, one search, and its promotion.
  r.get('/challenges/:slug/compute', requireUser, async (req, res) => {
    const list = await h.searches(req);
    if (wantsJson(req)) return void res.json(list);
    const c = await h.organizedChallenge(req);
    let spaceError: string | null = null;
    let hasSpace = false;
    try {
      hasSpace = !!trainingData(await withLocalFolder(ctx.storage, c), ctx.config.datasetsDir).search;
    } catch (err) {
      spaceError = (err as Error).message;
    }
    res.render('compute/searches', { title: `Volunteer computing · ${c.title}`, challenge: publicChallenge(c), searches: list.searches, hasSpace, spaceError, running: list.searches.some((s) => s.state === 'running') });
  });

  r.post('/challenges/:slug/compute/searches', requireUser, async (req, res) => {
    const { c, body } = await h.startSearch(req);
    if (!wantsJson(req)) return void res.redirect(303, `/challenges/${c.slug}/compute/searches/${body.search.id}`);
    res.status(201).json(body);
  });

  r.get('/challenges/:slug/compute/searches', requireUser, async (req, res) => void res.json(await h.searches(req)));

  r.get('/challenges/:slug/compute/searches/:id', requireUser, async (req, res) => {
    const { c, summary, promotions } = await h.summary(req);
    if (wantsJson(req)) return void res.json({ ...summary, promotions });
    res.render('compute/search', {
      title: `Search #${summary.search.id} · ${c.title}`,
      challenge: publicChallenge(c),
      s: summary,
      promotions,
      promoting: promotions.some((p) => p.status === 'running'),
      metricLabel: summary.metric === 'ams' ? 'AMS' : 'macro-F1',
      community: await computeCommunity(ctx.db.db),
    });
  });

  r.post('/challenges/:slug/compute/searches/:id/promote', requireUser, async (req, res) => {
    const { c, searchId, body } = await h.promote(req);
    if (!wantsJson(req)) return void res.redirect(303, `/challenges/${c.slug}/compute/searches/${searchId}`);
    res.status(202).json(body);
  });
  return r;
}
