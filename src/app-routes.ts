import type { Router } from 'express';
import type { AppContext } from './app.js';
import { accountRoutes } from './accounts/routes.js';
import { challengeRoutes } from './challenges/routes.js';
import { submissionRoutes } from './submissions/routes.js';
import { leaderboardRoutes } from './leaderboards/routes.js';
import { baselineRoutes } from './baseline/routes.js';
import { crowdRoutes } from './crowd/routes.js';
import { trainingRoutes } from './crowd/training/routes.js';
import { crowdGuideRoutes } from './crowd/guide-routes.js';
import { apiRoutes } from './api/routes.js';
import { teamRoutes } from './teams/routes.js';
import { organizerRoutes } from './organizers/routes.js';
import { computeRoutes } from './compute/routes.js';

/**
 * Every domain's routes, in mounting order. Later domains add one line here. The API comes first: its
 * paths (/api/..., /profile...) are its own, and an API request then skips matching every web route.
 */
export const domainRoutes: Array<(ctx: AppContext) => Router> = [apiRoutes, accountRoutes, challengeRoutes, submissionRoutes, leaderboardRoutes, crowdRoutes, trainingRoutes, crowdGuideRoutes, teamRoutes, organizerRoutes, baselineRoutes, computeRoutes];
