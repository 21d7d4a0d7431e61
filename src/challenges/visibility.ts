/** What a viewer may see of a challenge: drafts only for its organizers, and never the solution's location. */
import type { Request } from 'express';
import type { AppContext } from '../app.js';
import { UserError } from '../web/errors.js';
import { findChallengeBySlug, type Challenge } from './repo.js';
import { phase, privateRevealed } from './service.js';
import { canOrganize } from './organizers.js';
import { publicDataFiles } from './data-files.js';
import { metricHumanName } from './metric-names.js';

export async function challengeFromParams(ctx: AppContext, req: Request): Promise<Challenge> {
  const c = await findChallengeBySlug(ctx.db.db, String(req.params.slug));
  // Drafts exist only for their organizers (and admins).
  if (!c || (c.state === 'draft' && !(await canOrganize(ctx.db.db, req.user, c)))) throw new UserError(404, 'not_found', `No challenge '${req.params.slug}'.`);
  return c;
}

/** What a participant may see of a challenge: never the solution file or its location. */
export function publicChallenge(c: Challenge) {
  return {
    slug: c.slug,
    title: c.title,
    metric: c.metric,
    metricName: metricHumanName(c.metric),
    higherIsBetter: c.higherIsBetter,
    format: c.format,
    classes: c.classes,
    opensAt: c.opens_at,
    closesAt: c.closes_at,
    phase: phase(c),
    dailyLimit: c.daily_limit,
    finalSelections: c.final_selections,
    privateLeaderboardVisible: privateRevealed(c),
    downloads: downloadNames(c).map((name) => `/challenges/${c.slug}/data/${name}`),
  };
}

/** The only files that can be downloaded, by their public names. */
export function downloadNames(c: Challenge): string[] {
  return [...publicDataFiles(c).map((f) => f.name), ...(openData(c) ? [c.solution_file] : [])];
}

/** After the close, organizers may publish the full solution as open data. */
export const openData = (c: Challenge): boolean => c.open_data === 1 && phase(c) === 'closed';
