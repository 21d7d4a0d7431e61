/** The first-visit tutorial of a workflow: GET /crowd/:slug/tutorial (a plain page; no JavaScript needed). */
import { Router } from 'express';
import type { AppContext } from '../../app.js';
import { wantsJson } from '../../web/middleware.js';
import { workflowForViewer } from '../access.js';
import { crowdDisplayOf } from '../display/store.js';
import { tutorialSeen } from './service.js';
import { TUTORIAL_COOKIE, tutorialSteps, withSeenWorkflow } from './tutorial.js';

export function trainingRoutes(ctx: AppContext): Router {
  const r = Router();
  const cookieOpts = { httpOnly: true, sameSite: 'lax' as const, secure: ctx.secureCookies, path: '/', maxAge: 365 * 86400_000 };

  r.get('/crowd/:slug/tutorial', async (req, res) => {
    const slug = String(req.params.slug);
    const wf = await workflowForViewer(ctx.db.db, slug, req.user);
    const { config } = await crowdDisplayOf(ctx.db.db, ctx.storage, wf);
    const steps = tutorialSteps(config, wf);
    // Seen once shown: the classify page then stops sending this visitor here.
    if (req.user) await tutorialSeen(ctx.db.db, wf, req.user.id);
    else res.cookie(TUTORIAL_COOKIE, withSeenWorkflow(req.cookies?.[TUTORIAL_COOKIE], wf.id), cookieOpts);
    if (wantsJson(req)) return res.json({ steps });
    res.render('crowd/tutorial', { title: `How to classify · ${wf.title}`, wf, steps });
  });
  return r;
}
