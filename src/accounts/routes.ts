import { Router, type Request } from 'express';
import { z } from 'zod';
import type { AppContext } from '../app.js';
import { SESSION_COOKIE, requireUser, wantsJson } from '../web/middleware.js';
import { UserError, setRetryAfter } from '../web/errors.js';
import { formText, parseBody } from '../web/validate.js';
import * as accounts from './service.js';

/** Only local paths, so a crafted ?next= cannot send users to another site. */
const safeNext = (v: unknown): string => (typeof v === 'string' && /^\/(?!\/)[\w\-./?=&%]*$/.test(v) ? v : '/');

// The services check each field's content; these only make sure every field is text.
const signUpForm = z.object({ email: formText(), name: formText(), password: formText(), next: formText() });
const logInForm = z.object({ email: formText(), password: formText(), next: formText() });

export function accountRoutes(ctx: AppContext): Router {
  const r = Router();
  const cookie = { httpOnly: true, sameSite: 'lax' as const, secure: ctx.secureCookies, path: '/', maxAge: ctx.config.SESSION_DAYS * 86400_000 };
  const loginPolicy = { maxFailures: ctx.config.LOGIN_MAX_FAILURES, windowMs: ctx.config.LOGIN_FAILURE_WINDOW_MINUTES * 60_000 };

  r.get('/signup', (req, res) => res.render('signup', { title: 'Sign up', next: safeNext(req.query.next) }));
  r.post('/signup', async (req, res) => {
    const form = parseBody(signUpForm, req.body);
    try {
      const user = await accounts.signUp(ctx.db.db, form);
      res.cookie(SESSION_COOKIE, await accounts.startSession(ctx.db.db, user.id, ctx.config.SESSION_DAYS), cookie);
      if (wantsJson(req)) return res.status(201).json({ user });
      res.redirect(303, safeNext(form.next));
    } catch (err) {
      if (!(err instanceof UserError) || wantsJson(req)) throw err;
      res.status(err.status).render('signup', { title: 'Sign up', error: err.message, email: form.email, name: form.name, next: safeNext(form.next) });
    }
  });

  r.get('/login', (req, res) => res.render('login', { title: 'Log in', next: safeNext(req.query.next) }));
  r.post('/login', async (req, res) => {
    const form = parseBody(logInForm, req.body);
    try {
      const user = await accounts.logIn(ctx.db.db, form, loginPolicy);
      res.cookie(SESSION_COOKIE, await accounts.startSession(ctx.db.db, user.id, ctx.config.SESSION_DAYS), cookie);
      if (wantsJson(req)) return res.json({ user });
      res.redirect(303, safeNext(form.next));
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      setRetryAfter(res, err);
      if (wantsJson(req)) throw err;
      res.status(err.status).render('login', { title: 'Log in', error: err.message, email: form.email, next: safeNext(form.next) });
    }
  });

  r.post('/logout', async (req, res) => {
    const token = req.cookies?.[SESSION_COOKIE];
    if (typeof token === 'string') await accounts.endSession(ctx.db.db, token);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.redirect(303, '/');
  });

  r.post('/logout/everywhere', requireUser, async (req: Request, res) => {
    const ended = await accounts.endAllSessions(ctx.db.db, req.user!.id);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    if (wantsJson(req)) return res.json({ sessionsEnded: ended });
    res.redirect(303, '/login');
  });
  return r;
}
