import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Db } from '../db/index.js';
import { sessionUser } from '../accounts/service.js';
import type { User } from '../accounts/repo.js';
import { UserError } from './errors.js';

export const SESSION_COOKIE = 'sift_session';
export const CSRF_COOKIE = 'sift_csrf';

declare module 'express-serve-static-core' {
  interface Request {
    user?: User;
    csrfToken?: string;
    /** The CSRF token is in the multipart body, checked by the upload parser (checkDeferredCsrf). */
    csrfDeferred?: boolean;
  }
}

/** Loads the signed-in user from the session cookie. */
export function loadUser(db: Db, cacheMs = 0) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const token = req.cookies?.[SESSION_COOKIE];
    if (typeof token === 'string' && token) {
      const row = await sessionUser(db, token, cacheMs);
      if (row) {
        const { csrf_token, expires_at: _expires, organizes, ...user } = row;
        res.locals.organizes = user.role !== 'participant' || !!organizes;
        req.user = user;
        req.csrfToken = csrf_token;
      }
    }
    res.locals.user = req.user;
    next();
  };
}

/**
 * Upload forms whose CSRF token travels in the multipart body, ahead of the file fields: it is
 * checked by the upload's own parser (checkDeferredCsrf) when the first file part arrives, before
 * a byte of it is stored, so no URL carries the token and no cross-site form can make us store a file.
 * Only these routes may defer: any other multipart request needs its token in the query or header.
 */
const UPLOAD_PATHS = [/^\/challenges\/[^/]+\/submissions$/, /^\/organize\/new$/, /^\/organize\/[^/]+\/files$/];

function tokenMatches(sent: unknown, expected: string): boolean {
  return typeof sent === 'string' && sent.length === expected.length && crypto.timingSafeEqual(Buffer.from(sent), Buffer.from(expected));
}

const CSRF_FAILED = () => new UserError(403, 'csrf', 'The form expired or came from another site. Reload the page and try again.');

/**
 * CSRF protection for forms. Signed-in users carry their session's token; anonymous forms
 * (sign-up, log-in) use a double-submit cookie. The token comes in the body, the X-CSRF-Token
 * header or the query string; on the upload routes, in the multipart body (see UPLOAD_PATHS).
 */
export function csrf(secureCookies: boolean) {
  return (req: Request, res: Response, next: NextFunction) => {
    // The JSON API under /api/ authenticates only by `Authorization: Bearer` (it ignores the session
    // cookie), which a cross-site form cannot send, so CSRF tokens do not apply there, nor their cookie
    // (the docs page's log-out form still gets a signed-in reader's session token).
    if (req.path.startsWith('/api/')) {
      res.locals.csrfToken = req.csrfToken;
      return next();
    }
    if (!req.csrfToken) {
      let anon = req.cookies?.[CSRF_COOKIE];
      if (typeof anon !== 'string' || anon.length < 16) {
        anon = crypto.randomBytes(18).toString('base64url');
        res.cookie(CSRF_COOKIE, anon, { httpOnly: true, sameSite: 'lax', secure: secureCookies, path: '/' });
      }
      req.csrfToken = anon;
    }
    res.locals.csrfToken = req.csrfToken;
    if (['GET', 'HEAD', 'OPTIONS'].includes(req.method)) return next();
    const sent = req.body?._csrf ?? req.query?._csrf ?? req.get('x-csrf-token');
    if (sent === undefined && req.is('multipart/form-data') && UPLOAD_PATHS.some((p) => p.test(req.path))) {
      req.csrfDeferred = true;
      return next();
    }
    if (!tokenMatches(sent, req.csrfToken!)) return next(CSRF_FAILED());
    next();
  };
}

/**
 * For an upload parser: the deferred token, from the body fields read so far. Called by multer's
 * fileFilter at the first file part and again when the body is read (a form with no file).
 */
export function checkDeferredCsrf(req: Request): UserError | null {
  if (!req.csrfDeferred) return null;
  if (!tokenMatches((req.body as Record<string, unknown> | undefined)?._csrf, req.csrfToken!)) return CSRF_FAILED();
  req.csrfDeferred = false;
  return null;
}

/** Multer's fileFilter: refuses the first file of a form whose deferred token is wrong or missing. */
export const deferredCsrfFileFilter = (req: Request, _file: unknown, cb: (error: Error | null, accept?: boolean) => void): void => {
  const failed = checkDeferredCsrf(req);
  if (failed) cb(failed);
  else cb(null, true);
};

export function requireUser(req: Request, _res: Response, next: NextFunction) {
  if (!req.user) return next(new UserError(401, 'login_required', 'Please log in first.'));
  next();
}

/** Clients asking for JSON get JSON; browsers get pages. */
export const wantsJson = (req: Request): boolean => req.path.startsWith('/api/') || (!!req.get('accept')?.includes('application/json') && !req.accepts('html'));
