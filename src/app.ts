import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import cookieParser from 'cookie-parser';
import helmet from 'helmet';
import { rateLimit } from 'express-rate-limit';
import type { Config } from './config.js';
import type { DbHandle } from './db/index.js';
import { domainRoutes } from './app-routes.js';
import { repoRoot } from './paths.js';
import { UserError, requestError, setRetryAfter } from './web/errors.js';
import { viewEngine } from './web/handlebars.js';
import { csrf, loadUser, wantsJson } from './web/middleware.js';
import { logger } from './log.js';
import type { UploadRuntime } from './submissions/upload-runtime.js';
import type { ObjectStorage } from './storage/index.js';

export interface AppContext {
  config: Config;
  db: DbHandle;
  /** Challenge files, accepted submissions and baselines (STORAGE_URL), shared by every process. */
  storage: ObjectStorage;
  /** Wakes a scoring worker right after a submission is queued. */
  nudgeWorkers(): void;
  secureCookies: boolean;
  /** Upload validation threads, limits and uploads in flight (src/submissions/upload-runtime.ts). */
  uploads: UploadRuntime;
}

export function buildApp(ctx: AppContext): express.Express {
  const app = express();
  const engine = viewEngine(path.join(repoRoot, 'views'));
  app.engine('.hbs', engine.engine);
  app.set('view engine', '.hbs');
  app.set('views', path.join(repoRoot, 'views'));
  // Behind no proxy by default: X-Forwarded-For is then ignored, so clients cannot choose their address.
  app.set('trust proxy', ctx.config.TRUST_PROXY);
  app.disable('x-powered-by');

  app.use(helmet({ contentSecurityPolicy: { directives: { 'script-src': ["'self'"], 'img-src': ["'self'", 'data:'], 'worker-src': ["'self'"] } } }));
  app.use('/static', express.static(path.join(repoRoot, 'views', 'static'), { maxAge: '1h' }));
  // Browsers and crawlers ask for /favicon.ico whatever the page links; the icon is an SVG.
  app.get('/favicon.ico', (_req, res) => res.redirect(301, '/static/favicon.svg'));
  app.use(cookieParser());
  app.use(express.urlencoded({ extended: false, limit: '100kb' }));
  app.use(express.json({ limit: '100kb' }));
  // Express 5 leaves req.body undefined when no parser read the request (no body, or multipart before
  // multer runs); routes read form fields off it, as under Express 4.
  app.use((req, _res, next) => {
    req.body ??= {};
    next();
  });
  app.use(
    ['/login', '/signup'],
    rateLimit({
      windowMs: 15 * 60_000,
      limit: ctx.config.LOGIN_RATE_LIMIT ?? (ctx.config.NODE_ENV === 'test' ? 10_000 : 50),
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      // Showing the forms is no attempt; only posting them counts.
      skip: (req) => req.method === 'GET' || req.method === 'HEAD',
      // Without TRUST_PROXY a forwarded header is ignored on purpose, not a misconfiguration to warn about.
      validate: { xForwardedForHeader: false },
    }),
  );
  app.use(loadUser(ctx.db.db, ctx.config.SESSION_CACHE_MS));
  app.use(csrf(ctx.secureCookies));
  app.use((req, res, next) => {
    res.locals.path = req.path;
    next();
  });

  for (const routes of domainRoutes) app.use(routes(ctx));

  app.use((req, _res, next) => next(new UserError(404, 'not_found', `Nothing at ${req.path}.`)));
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const known = requestError(err);
    const status = known?.status ?? 500;
    const code = known?.code ?? 'internal';
    const message = known?.message ?? 'Something went wrong on our side. It has been logged.';
    if (status >= 500) logger.error({ err, path: req.path }, 'request failed');
    const details = known?.details && typeof known.details === 'object' ? (known.details as Record<string, unknown>) : {};
    if (known) setRetryAfter(res, known);
    if (wantsJson(req)) return res.status(status).json({ error: { code, message, ...details } });
    if (status === 401) return res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
    res.status(status).render('error', { title: 'Error', status, message });
  });
  return app;
}
