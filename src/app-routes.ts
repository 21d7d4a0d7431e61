import type { Router } from 'express';
import type { AppContext } from './app.js';
import { accountRoutes } from './accounts/routes.js';
import { challengeRoutes } from './challenges/routes.js';
import { submissionRoutes } from './submissions/routes.js';
import { leaderboardRoutes } from './leaderboards/routes.js';

/** Every domain's routes, in mounting order. Later domains add one line here. */
export const domainRoutes: Array<(ctx: AppContext) => Router> = [accountRoutes, challengeRoutes, submissionRoutes, leaderboardRoutes];
