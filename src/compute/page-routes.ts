import fs from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import type { AppContext } from '../app.js';
import { repoRoot } from '../paths.js';
import { computeAssetUrls } from './assets.js';
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

/** The community section (volunteer of the day, world map) is another part's partial; shown once it exists. */
const COMMUNITY_PARTIAL = path.join(repoRoot, 'views', 'partials', 'compute-community.hbs');

/** The Compute page: volunteers start and stop computing, and see their units, hosts and credit. */
export function computePageRoutes(ctx: AppContext): Router {
  const r = Router();
  r.get('/compute', async (req, res) => {
    const hasCommunityPartial = fs.existsSync(COMMUNITY_PARTIAL);
    if (!req.user) return res.render('compute', { title: 'Compute', hasCommunityPartial, community: null });
    const [mine, hosts] = await Promise.all([myUnits(ctx.db, req.user.id), myHosts(ctx.db, req.user.id)]);
    res.render('compute', {
      title: 'Compute',
      hasCommunityPartial,
      community: null,
      assets: computeAssetUrls(),
      credit: { total: creditText(mine.credit.total), rac: creditText(mine.credit.rac) },
      units: mine.units.map((u) => ({ ...u, configurationNumber: u.configuration + 1, foldNumber: u.fold + 1, statusText: RESULT_STATUS_TEXT[u.status] ?? u.status, creditText: creditText(u.credit) })),
      hosts: hosts.hosts.map((h) => ({ ...h, creditText: creditText(h.credit) })),
    });
  });
  return r;
}
