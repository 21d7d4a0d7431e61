import { metricHumanName } from '../challenges/metric-names.js';
import { Router } from 'express';
import type { AppContext } from '../app.js';
import { challengeFromParams, publicChallenge } from '../challenges/routes.js';
import type { Challenge } from '../challenges/repo.js';
import { wantsJson } from '../web/middleware.js';
import { UserError } from '../web/errors.js';
import { timeLeft } from '../web/render.js';
import { boardView, publicPlotData, type Board, type BoardRow } from './service.js';
import { bestSoFar, histogramSvg, historySvg, type TimedScore } from './plots.js';
import { boardLines, viewerEntrant } from './viewer-row.js';

export function leaderboardRoutes(ctx: AppContext): Router {
  const r = Router();
  const show = (which: Board) => async (req: import('express').Request, res: import('express').Response) => {
    const c = await challengeFromParams(ctx, req);
    let view: Awaited<ReturnType<typeof boardView>>;
    try {
      view = await boardView(ctx.db, c, which, req.user);
    } catch (err) {
      if (wantsJson(req) || !(err instanceof UserError) || err.code !== 'private_hidden') throw err;
      // A page in the challenge's frame saying when the board opens: the tab leads somewhere, and no row or score is in it.
      // JSON clients still get the 403.
      return res.render('leaderboard', { title: `Private leaderboard · ${c.title}`, challenge: publicChallenge(c), tab: 'private', hiddenUntil: c.closes_at, countdown: timeLeft(c.closes_at) });
    }
    if (wantsJson(req)) return res.json(view);
    const { rows, revealed, frozenAt } = view;
    const plots = which === 'public' ? await publicPlots(c, rows, req.user) : null;
    const lines = boardLines(rows, await viewerEntrant(ctx.db.db, c.id, req.user), { showAll: req.query.all === '1' });
    res.render('leaderboard', {
      title: `${which === 'public' ? 'Public' : 'Private'} leaderboard · ${c.title}`,
      challenge: publicChallenge(c),
      rows: lines,
      boardPath: `/challenges/${c.slug}/leaderboard${which === 'public' ? '' : '/private'}`,
      which,
      isPublic: which === 'public',
      revealed,
      frozenAt,
      plots,
      tab: which === 'public' ? 'leaderboard' : 'private',
    });
  };
  /** The public board's figures (public scores only), with the running best's steps as a table for those who cannot see the plot. */
  const publicPlots = async (c: Challenge, rows: BoardRow[], viewer: { id: number } | undefined) => {
    const data = await publicPlotData(ctx.db, c, rows, viewer);
    const o = { metric: metricHumanName(c.metric), higherIsBetter: c.higherIsBetter };
    const steps = (name: string, s: TimedScore[]) => bestSoFar(s, c.higherIsBetter).map((p) => ({ series: name, ...p }));
    const history = historySvg({ top: data.top, baseline: data.baseline }, { ...o, end: data.end });
    const histogram = histogramSvg(data.scores, { ...o, mine: data.mine });
    if (!history && !histogram) return null;
    return { history, histogram, steps: [...steps('Top score', data.top), ...steps('Baseline', data.baseline)], mine: data.mine };
  };
  r.get('/challenges/:slug/leaderboard', show('public'));
  r.get('/challenges/:slug/leaderboard/private', show('private'));
  return r;
}
