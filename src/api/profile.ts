import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../app.js';
import { createApiToken, listApiTokens, revokeApiToken } from '../accounts/tokens.js';
import { UserError } from '../web/errors.js';
import { requireUser, wantsJson } from '../web/middleware.js';
import { parseBody } from '../web/validate.js';
import { PROFILE_LINE_MAX, setVolunteerProfile, volunteerProfileFields, volunteerProfileForm } from '../compute/volunteer-profile.js';
import { countryChoices } from '../compute/world-map.js';

const tokenIdParam = z.object({ id: z.coerce.number().int().positive() });

/**
 * The profile page: what a volunteer says about themselves (country, a profile line), personal API
 * tokens (created, listed, revoked). Cookie sessions, CSRF-protected forms.
 */
export function profileRoutes(ctx: AppContext): Router {
  const r = Router();
  const page = async (userId: number, extra: Record<string, unknown> = {}) => ({
    title: 'Profile',
    tokens: await listApiTokens(ctx.db.db, userId),
    about: await volunteerProfileFields(ctx.db.db, userId),
    countries: countryChoices(),
    profileLineMax: PROFILE_LINE_MAX,
    ...extra,
  });

  r.get('/profile', requireUser, async (req, res) => {
    res.render('profile', await page(req.user!.id));
  });

  r.post('/profile/about', requireUser, async (req, res) => {
    await setVolunteerProfile(ctx.db.db, req.user!.id, parseBody(volunteerProfileForm, req.body ?? {}, 'bad_profile'));
    if (wantsJson(req)) return void res.json(await volunteerProfileFields(ctx.db.db, req.user!.id));
    res.redirect(303, '/profile');
  });

  r.post('/profile/tokens', requireUser, async (req, res) => {
    try {
      const { token, info } = await createApiToken(ctx.db.db, req.user!.id, { name: req.body?.name });
      // The raw token is shown this once; only its hash is stored.
      res.status(201).render('profile', await page(req.user!.id, { created: { token, name: info.name } }));
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      res.status(err.status).render('profile', await page(req.user!.id, { error: err.message }));
    }
  });

  r.post('/profile/tokens/:id/revoke', requireUser, async (req, res) => {
    const parsed = tokenIdParam.safeParse(req.params);
    if (!parsed.success) throw new UserError(404, 'not_found', 'No such token of yours.');
    await revokeApiToken(ctx.db.db, req.user!.id, parsed.data.id);
    res.redirect(303, '/profile');
  });
  return r;
}
