/** GET /crowd/:slug/guide: the workflow's field guide (guide.ts), in the site layout, with a link back to classifying. */
import { Router } from 'express';
import type { AppContext } from '../app.js';
import { findChallengeById } from '../challenges/repo.js';
import { UserError } from '../web/errors.js';
import { wantsJson } from '../web/middleware.js';
import { renderMarkdown } from '../web/render.js';
import { fieldGuideMarkdown } from './guide.js';
import { workflowForViewer } from './access.js';
import { crowdDisplayOf } from './display/store.js';

export function crowdGuideRoutes(ctx: AppContext): Router {
  const r = Router();
  r.get('/crowd/:slug/guide', async (req, res) => {
    const slug = String(req.params.slug);
    const wf = await workflowForViewer(ctx.db.db, slug, req.user);
    const challenge = await findChallengeById(ctx.db.db, wf.challengeId);
    const { config } = await crowdDisplayOf(ctx.db.db, ctx.storage, wf);
    const markdown = challenge ? await fieldGuideMarkdown(ctx.storage, challenge, config.field_guide) : null;
    if (markdown === null) throw new UserError(404, 'no_field_guide', `The crowd workflow '${slug}' has no field guide (its challenge.yaml crowd: section names no field_guide file).`);
    const html = renderMarkdown(markdown);
    if (wantsJson(req)) return res.json({ slug, title: wf.title, html, classify: `/crowd/${slug}/classify` });
    res.render('crowd/guide', { title: `Field guide · ${wf.title}`, wf, html });
  });
  return r;
}
