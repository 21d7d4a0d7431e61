import { Router } from 'express';
import type { AppContext } from '../app.js';
import { challengeFromParams, publicChallenge } from '../challenges/routes.js';
import { wantsJson } from '../web/middleware.js';
import { boardView, type Board } from './service.js';

export function leaderboardRoutes(ctx: AppContext): Router {
  const r = Router();
  const show = (which: Board) => async (req: import('express').Request, res: import('express').Response) => {
    const c = await challengeFromParams(ctx, req);
    const view = await boardView(ctx.db, c, which, req.user);
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
