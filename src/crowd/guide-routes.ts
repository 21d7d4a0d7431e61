/** GET /crowd/:slug/guide: the workflow's field guide (guide.ts), in the site layout, with a link back to classifying. */
import { Router } from 'express';
import type { AppContext } from '../app.js';
import { findChallengeById } from '../challenges/repo.js';
import { canOrganize } from '../organizers/access.js';
import { UserError } from '../web/errors.js';
import { wantsJson } from '../web/middleware.js';
import { renderMarkdown } from '../web/render.js';
import { fieldGuideMarkdown } from './guide.js';
import { workflowBySlug } from './repo.js';

export function crowdGuideRoutes(ctx: AppContext): Router {
  const r = Router();
  r.get('/crowd/:slug/guide', async (req, res) => {
    const slug = String(req.params.slug);
    const wf = await workflowBySlug(ctx.db.db, slug);
    // As crowdRoutes' workflowOf: a paused workflow exists only for its organizers.
    if (!wf || (!wf.active && !(await canOrganize(ctx.db, req.user, { id: wf.challengeId })))) throw new UserError(404, 'not_found', `No crowd workflow for '${slug}'.`);
    const challenge = await findChallengeById(ctx.db.db, wf.challengeId);
    const markdown = challenge ? await fieldGuideMarkdown(challenge) : null;
    if (markdown === null) throw new UserError(404, 'no_field_guide', `The crowd workflow '${slug}' has no field guide (its challenge.yaml crowd: section names no field_guide file).`);
    const html = renderMarkdown(markdown);
    if (wantsJson(req)) return res.json({ slug, title: wf.title, html, classify: `/crowd/${slug}/classify` });
    res.render('crowd/guide', { title: `Field guide · ${wf.title}`, wf, html });
  });
  return r;
}
