import { metricHumanName } from '../challenges/metric-names.js';
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../app.js';
import { challengeFromParams, publicChallenge } from '../challenges/visibility.js';
import type { Challenge } from '../challenges/repo.js';
import { wantsJson } from '../web/middleware.js';
import { UserError } from '../web/errors.js';
import { timeLeft } from '../web/render.js';
import { privateRevealed } from '../challenges/service.js';
import { entrantKey } from '../teams/entrant.js';
import { board, publicHistory, type Board, type BoardRow } from './service.js';
import { boardEtag, type BoardSnapshot } from './cache.js';
import { boardRead, notModified, sendBoardJson } from './http.js';
import { bestSoFar, histogramSvg, historySvg, type TimedScore } from './plots.js';
import { boardLines, viewerEntrant } from './viewer-row.js';

/** The history plot runs to now while the challenge is open: pages are the same bytes for a minute. */
const thisMinute = () => `${new Date().toISOString().slice(0, 16)}:00.000Z`;

export function leaderboardRoutes(ctx: AppContext): Router {
  const r = Router();
  const show = (which: Board) => async (req: Request, res: Response) => {
    const c = await challengeFromParams(ctx, req);
    if (wantsJson(req)) return sendBoardJson(ctx, req, res, c, which, 'Cookie, Accept');
    let snapshot: BoardSnapshot;
    try {
      snapshot = await boardRead(ctx, req, c, which);
    } catch (err) {
      if (!(err instanceof UserError) || err.code !== 'private_hidden') throw err;
      // A page in the challenge's frame saying when the board opens: the tab leads somewhere, and no row or score is in it.
      // JSON clients still get the 403.
      return res.render('leaderboard', { title: `Private leaderboard · ${c.title}`, challenge: publicChallenge(c), tab: 'private', hiddenUntil: c.closes_at, countdown: timeLeft(c.closes_at) });
    }
    // Team changes bump the board's version, so whose row is the viewer's holds for the snapshot.
    const entrant = req.user ? await snapshot.memo(`entrant:${req.user.id}`, () => viewerEntrant(ctx.db.db, c.id, req.user), { bounded: true }) : null;
    const showAll = req.query.all === '1';
    const minute = thisMinute();
    // Everything the page's bytes depend on besides the board: who is signed in (the header, its log-out form), their row, the minute.
    const viewerKey = JSON.stringify([req.user ?? null, req.user ? [res.locals.organizes, req.csrfToken] : null, entrant, showAll, minute]);
    if (notModified(req, res, boardEtag(snapshot.stamp, `page:${which}:${viewerKey}`), 'Cookie, Accept')) return;
    const render = async () => {
      const revealed = privateRevealed(c);
      const rows = await board(ctx.db.db, c, which, revealed, { snapshot });
      const plots = which === 'public' ? await publicPlots(snapshot, c, rows, entrant, minute) : null;
      return new Promise<Buffer>((resolve, reject) =>
        res.render(
          'leaderboard',
          {
            title: `${which === 'public' ? 'Public' : 'Private'} leaderboard · ${c.title}`,
            challenge: publicChallenge(c),
            rows: boardLines(rows, entrant, { showAll }),
            boardPath: `/challenges/${c.slug}/leaderboard${which === 'public' ? '' : '/private'}`,
            which,
            isPublic: which === 'public',
            revealed,
            frozenAt: which === 'public' && !revealed ? (c.public_frozen_at ?? null) : null,
            plots,
            tab: which === 'public' ? 'leaderboard' : 'private',
          },
          (err, html) => (err ? reject(err) : resolve(Buffer.from(html))),
        ),
      );
    };
    // Rendered once per board change, minute and viewer: visitors all share one page, and an entrant refreshing gets theirs again.
    res.type('html').send(await snapshot.memo(`page:${which}:${viewerKey}`, render, { bounded: true }));
  };
  /**
   * The public board's figures (public scores only), with the running best's steps as a table for those
   * who cannot see the plot. Computed once per board change and minute; the histogram once per marked score.
   */
  const publicPlots = async (snapshot: BoardSnapshot, c: Challenge, rows: BoardRow[], entrant: string | null, minute: string) => {
    const own = entrant === null ? undefined : rows.find((r) => !r.isBaseline && entrantKey(r.userId, r.teamId) === entrant);
    const mine = own ? own.score : null;
    return snapshot.memo(`plots:${minute}:${mine}`, async () => {
      const data = await snapshot.memo(`history:${minute}`, () => publicHistory(ctx.db.db, c, minute), { bounded: true });
      const o = { metric: metricHumanName(c.metric), higherIsBetter: c.higherIsBetter };
      const steps = (name: string, s: TimedScore[]) => bestSoFar(s, c.higherIsBetter).map((p) => ({ series: name, ...p }));
      const history = historySvg({ top: data.top, baseline: data.baseline }, { ...o, end: data.end });
      const histogram = histogramSvg(rows.filter((r) => !r.isBaseline).map((r) => r.score), { ...o, mine });
      if (!history && !histogram) return null;
      return { history, histogram, steps: [...steps('Top score', data.top), ...steps('Baseline', data.baseline)], mine };
    }, { bounded: true });
  };
  r.get('/challenges/:slug/leaderboard', show('public'));
  r.get('/challenges/:slug/leaderboard/private', show('private'));
  return r;
}
