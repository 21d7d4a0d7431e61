import { Router } from 'express';
import type { AppContext } from '../app.js';
import { challengeFromParams, publicChallenge } from '../challenges/routes.js';
import { wantsJson } from '../web/middleware.js';
import { UserError } from '../web/errors.js';
import { timeLeft } from '../web/render.js';
import { boardView, type Board } from './service.js';

export function leaderboardRoutes(ctx: AppContext): Router {
  const r = Router();
  const show = (which: Board) => async (req: import('express').Request, res: import('express').Response) => {
    const c = await challengeFromParams(ctx, req);
    let view: Awaited<ReturnType<typeof boardView>>;
    try {
      view = await boardView(ctx.db, c, which, req.user);
    } catch (err) {
      if (wantsJson(req) || !(err instanceof UserError) || err.code !== 'private_hidden') throw err;
      // Inside the challenge's frame, with when it opens, rather than a bare error page.
      return res.status(403).render('leaderboard', { title: `Private leaderboard · ${c.title}`, challenge: publicChallenge(c), tab: 'private', hiddenUntil: c.closes_at, countdown: timeLeft(c.closes_at) });
    }
    if (wantsJson(req)) return res.json(view);
    const { rows, revealed, frozenAt } = view;
    res.render('leaderboard', {
      title: `${which === 'public' ? 'Public' : 'Private'} leaderboard · ${c.title}`,
      challenge: publicChallenge(c),
      rows,
      which,
      isPublic: which === 'public',
      revealed,
      frozenAt,
      tab: which === 'public' ? 'leaderboard' : 'private',
    });
  };
  r.get('/challenges/:slug/leaderboard', show('public'));
  r.get('/challenges/:slug/leaderboard/private', show('private'));
  return r;
}
