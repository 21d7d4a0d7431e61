import { Router } from 'express';
import type { AppContext } from '../app.js';
import { SESSION_COOKIE, wantsJson } from '../web/middleware.js';
import { UserError } from '../web/errors.js';
import * as accounts from './service.js';

/** Only local paths, so a crafted ?next= cannot send users to another site. */
const safeNext = (v: unknown): string => (typeof v === 'string' && /^\/(?!\/)[\w\-./?=&%]*$/.test(v) ? v : '/');

export function accountRoutes(ctx: AppContext): Router {
  const r = Router();
  const cookie = { httpOnly: true, sameSite: 'lax' as const, secure: ctx.secureCookies, path: '/', maxAge: ctx.config.SESSION_DAYS * 86400_000 };

  r.get('/signup', (req, res) => res.render('signup', { title: 'Sign up', next: safeNext(req.query.next) }));
  r.post('/signup', async (req, res) => {
    try {
      const user = await accounts.signUp(ctx.db.db, req.body);
      res.cookie(SESSION_COOKIE, await accounts.startSession(ctx.db.db, user.id, ctx.config.SESSION_DAYS), cookie);
      if (wantsJson(req)) return res.status(201).json({ user });
      res.redirect(303, safeNext(req.body.next));
    } catch (err) {
      if (!(err instanceof UserError) || wantsJson(req)) throw err;
      res.status(err.status).render('signup', { title: 'Sign up', error: err.message, email: req.body.email, name: req.body.name, next: safeNext(req.body.next) });
    }
  });

  r.get('/login', (req, res) => res.render('login', { title: 'Log in', next: safeNext(req.query.next) }));
  r.post('/login', async (req, res) => {
    try {
      const user = await accounts.logIn(ctx.db.db, req.body.email, req.body.password);
      res.cookie(SESSION_COOKIE, await accounts.startSession(ctx.db.db, user.id, ctx.config.SESSION_DAYS), cookie);
      if (wantsJson(req)) return res.json({ user });
      res.redirect(303, safeNext(req.body.next));
    } catch (err) {
      if (!(err instanceof UserError) || wantsJson(req)) throw err;
      res.status(err.status).render('login', { title: 'Log in', error: err.message, email: req.body.email, next: safeNext(req.body.next) });
    }
  });

  r.post('/logout', async (req, res) => {
    const token = req.cookies?.[SESSION_COOKIE];
    if (typeof token === 'string') await accounts.endSession(ctx.db.db, token);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.redirect(303, '/');
  });
  return r;
}
