import express, { Router } from 'express';
import type { AppContext } from '../app.js';
import { computeHandlers } from '../compute/handlers.js';
import { RESULT_CONTENT_TYPE } from '../compute/bodies.js';
import { requireToken } from './auth.js';

/**
 * Volunteer computing over the token API (/api/v1, described in openapi.ts): the same handlers as the
 * session routes, for clients that are not a signed-in browser (a command-line volunteer, a script
 * driving an organizer's search).
 */
export function computeApiRoutes(ctx: AppContext): Router {
  const r = Router();
  const h = computeHandlers(ctx);
  r.post('/compute/work', requireToken, async (req, res) => void res.json(await h.work(req)));
  r.post('/compute/results/:id', express.json({ type: RESULT_CONTENT_TYPE, limit: '24mb' }), requireToken, async (req, res) => void res.json(await h.report(req)));
  r.get('/compute/units', requireToken, async (req, res) => void res.json(await h.units(req)));
  r.get('/compute/hosts', requireToken, async (req, res) => void res.json(await h.hosts(req)));
  r.get('/challenges/:slug/compute/data', requireToken, h.sendData);
  r.get('/challenges/:slug/compute/searches', requireToken, async (req, res) => void res.json(await h.searches(req)));
  r.post('/challenges/:slug/compute/searches', requireToken, async (req, res) => void res.status(201).json((await h.startSearch(req)).body));
  r.get('/challenges/:slug/compute/searches/:id', requireToken, async (req, res) => {
    const { summary, promotions } = await h.summary(req);
    res.json({ ...summary, promotions });
  });
  r.post('/challenges/:slug/compute/searches/:id/promote', requireToken, async (req, res) => void res.status(202).json((await h.promote(req)).body));
  return r;
}
