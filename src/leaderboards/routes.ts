import { Router } from 'express';
import type { AppContext } from '../app.js';
import { challengeFromParams, publicChallenge } from '../challenges/routes.js';
import { privateRevealed } from '../challenges/service.js';
import { UserError } from '../web/errors.js';
import { wantsJson } from '../web/middleware.js';
import { board, type Board } from './service.js';
import { canOrganize } from '../organizers/access.js';

export function leaderboardRoutes(ctx: AppContext): Router {
  const r = Router();
  const show = (which: Board) => async (req: import('express').Request, res: import('express').Response) => {
    const c = await challengeFromParams(ctx, req);
    const revealed = privateRevealed(c);
    if (which === 'private' && !revealed && !(await canOrganize(ctx.db, req.user, c))) {
      throw new UserError(403, 'private_hidden', `The private leaderboard is revealed when the challenge closes (${c.closes_at}).`);
    }
    const rows = await board(ctx.db.db, c, which, revealed);
    const frozenAt = which === 'public' && !revealed ? c.public_frozen_at : null;
    if (wantsJson(req)) return res.json({ board: which, revealed, frozenAt, rows });
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
