import type { NextFunction, Request, Response } from 'express';
import { rateLimit, ipKeyGenerator } from 'express-rate-limit';
import type { Db } from '../db/index.js';
import { userForApiToken } from '../accounts/tokens.js';
import { UserError } from '../web/errors.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** The API token a request was authenticated with (API routes only). */
    apiToken?: { id: number; hash: string };
  }
}

/**
 * API authentication: `Authorization: Bearer <token>` only. The session cookie is ignored under
 * /api (so CSRF does not apply there); a header that is present but wrong is a 401 at once.
 */
export function bearerAuth(db: Db) {
  return async (req: Request, res: Response, next: NextFunction) => {
    req.user = undefined;
    req.apiToken = undefined;
    res.locals.user = undefined;
    const header = req.get('authorization');
    if (!header) return next();
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) return next(unauthorized(res, 'invalid_token', "The Authorization header must be 'Bearer <token>'."));
    const who = await userForApiToken(db, m[1]);
    if (!who) return next(unauthorized(res, 'invalid_token', 'The API token is unknown or has been revoked. Create a new one on your profile page.'));
    req.user = who.user;
    req.apiToken = { id: who.tokenId, hash: who.tokenHash };
    next();
  };
}

function unauthorized(res: Response, code: string, message: string): UserError {
  res.set('WWW-Authenticate', `Bearer realm="sift", error="${code === 'invalid_token' ? 'invalid_token' : 'invalid_request'}"`);
  return new UserError(401, code, message);
}

/** For endpoints that need a token. */
export function requireToken(req: Request, res: Response, next: NextFunction) {
  if (!req.user) return next(unauthorized(res, 'unauthorized', "This endpoint needs an API token: send 'Authorization: Bearer <token>' (create one on your profile page)."));
  next();
}

export interface ApiRateLimit {
  /** Requests per window and token (or per IP address without a token). */
  limit: number;
  windowSeconds: number;
}

/**
 * SIFT_API_RATE_LIMIT requests per SIFT_API_RATE_WINDOW_SECONDS (default 300 per 60 s; 100,000
 * under NODE_ENV=test), read when the app is built.
 */
export function apiRateLimitSettings(nodeEnv: string, env: NodeJS.ProcessEnv = process.env): ApiRateLimit {
  const n = (v: string | undefined, d: number) => (v && Number.isFinite(Number(v)) && Number(v) > 0 ? Number(v) : d);
  return { limit: n(env.SIFT_API_RATE_LIMIT, nodeEnv === 'test' ? 100_000 : 300), windowSeconds: n(env.SIFT_API_RATE_WINDOW_SECONDS, 60) };
}

/** Rate limit per API token (keyed on its hash), or per client address for anonymous reads. */
export function apiRateLimit(settings: ApiRateLimit) {
  return rateLimit({
    windowMs: settings.windowSeconds * 1000,
    limit: settings.limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: (req) => (req.apiToken ? `token:${req.apiToken.hash}` : `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`),
    handler: (req, _res, next, options) => {
      const info = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit;
      const retryAfterSeconds = info?.resetTime ? Math.max(1, Math.ceil((info.resetTime.getTime() - Date.now()) / 1000)) : settings.windowSeconds;
      next(new UserError(429, 'rate_limited', `Too many requests: at most ${options.limit} per ${settings.windowSeconds} s for each token. Retry in ${retryAfterSeconds} s.`, { retryAfterSeconds }));
    },
  });
}
