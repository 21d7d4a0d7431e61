import { Router } from 'express';
import type { AppContext } from '../app.js';
import { computeAssetUrls } from './assets.js';
import { computeCommunity } from './community.js';
import { myHosts, myUnits } from './service.js';

/** How the history names each result state. */
export const RESULT_STATUS_TEXT: Record<string, string> = {
  in_progress: 'in progress',
  pending_validation: 'pending validation',
  valid: 'valid',
  invalid: 'invalid',
  error: 'error',
  timed_out: 'timed out',
};

/** Credit as people read it: small units earn tiny amounts, which two decimals would show as 0.00. */
export const creditText = (v: number): string => (v === 0 ? '0' : v >= 100 ? v.toFixed(0) : v >= 0.01 ? v.toFixed(2) : v.toPrecision(3));

/** The Compute page: volunteers start and stop computing, and see their units, hosts and credit. */
export function computePageRoutes(ctx: AppContext): Router {
  const r = Router();
  r.get('/compute', async (req, res) => {
    // The volunteer of the day and the contributors' map, for everyone: what the page is about.
    const community = await computeCommunity(ctx.db.db);
    if (!req.user) return res.render('compute', { title: 'Compute', community });
    const [mine, hosts] = await Promise.all([myUnits(ctx.db.db, req.user.id), myHosts(ctx.db.db, req.user.id)]);
    res.render('compute', {
      title: 'Compute',
      community,
      assets: computeAssetUrls(),
      credit: { total: creditText(mine.credit.total), rac: creditText(mine.credit.rac) },
      units: mine.units.map((u) => ({ ...u, configurationNumber: u.configuration + 1, foldNumber: u.fold + 1, statusText: RESULT_STATUS_TEXT[u.status] ?? u.status, creditText: creditText(u.credit) })),
      hosts: hosts.hosts.map((h) => ({ ...h, creditText: creditText(h.credit) })),
    });
  });
  return r;
}
