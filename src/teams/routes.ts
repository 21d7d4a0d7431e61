import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../app.js';
import { challengeFromParams, publicChallenge } from '../challenges/visibility.js';
import { findChallengeById } from '../challenges/repo.js';
import { UserError } from '../web/errors.js';
import { requireUser, wantsJson } from '../web/middleware.js';
import { formText, idField, parseBody } from '../web/validate.js';
import { mergeDeadline } from './service.js';
import * as teams from './service.js';

const teamForm = z.object({ name: formText(200) });
const mergeForm = z.object({ from_team: idField('a team id'), into_team: idField('a team id') });

export function teamRoutes(ctx: AppContext): Router {
  const r = Router();
  const base = (req: Request) => `${req.protocol}://${req.get('host')}`;

  const page = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    const c = await challengeFromParams(ctx, req);
    const team = await teams.teamOf(ctx.db.db, c.id, req.user!.id);
    const others = (await teams.listTeams(ctx.db.db, c.id)).filter((t) => t.id !== team?.id);
    const requests = team ? (await teams.mergeRequests(ctx.db.db, team.id)).map((m) => ({ ...m, mine: m.requested_by_team_id === team.id })) : [];
    const data = { team, teams: others, mergeRequests: requests, teamSize: c.team_size, mergeDeadline: mergeDeadline(c), ...extra };
    if (wantsJson(req)) return res.status(status).json(data);
    res.status(status).render('team', { title: `Team · ${c.title}`, challenge: publicChallenge(c), tab: 'team', ...data });
  };
  /** Runs a team action; a UserError is shown on the team page (or as JSON). */
  const act = (fn: (req: Request, res: Response) => Promise<Record<string, unknown> | void>) => async (req: Request, res: Response) => {
    try {
      const extra = await fn(req, res);
      if (res.headersSent) return;
      if (extra) return page(req, res, extra);
      if (wantsJson(req)) return page(req, res);
      res.redirect(303, `/challenges/${req.params.slug}/team`);
    } catch (err) {
      if (!(err instanceof UserError) || wantsJson(req)) throw err;
      await page(req, res, { error: err.message }, err.status);
    }
  };

  r.get('/challenges/:slug/team', requireUser, (req, res) => page(req, res));
  r.post('/challenges/:slug/team', requireUser, act(async (req) => {
    const { name } = parseBody(teamForm, req.body);
    await teams.createTeam(ctx.db, await challengeFromParams(ctx, req), req.user!.id, name);
  }));
  r.post('/challenges/:slug/team/invite', requireUser, act(async (req) => {
    const c = await challengeFromParams(ctx, req);
    const team = await teams.teamOf(ctx.db.db, c.id, req.user!.id);
    if (!team) throw new UserError(404, 'not_in_team', 'Create a team first.');
    const { token } = await teams.createInvite(ctx.db.db, team.id, req.user!.id);
    return { inviteUrl: `${base(req)}/teams/join/${token}`, inviteToken: token };
  }));
  r.post('/challenges/:slug/team/leave', requireUser, act(async (req) => {
    await teams.leaveTeam(ctx.db, await challengeFromParams(ctx, req), req.user!.id);
  }));
  r.post('/challenges/:slug/team/merge', requireUser, act(async (req) => {
    const c = await challengeFromParams(ctx, req);
    const { from_team, into_team } = parseBody(mergeForm, req.body);
    const result = await teams.mergeTeams(ctx.db, c, from_team, into_team, req.user!.id);
    return { notice: result.status === 'merged' ? `Merged into team ${result.team.name}.` : 'Merge requested: it happens when a member of the other team asks for the same merge.', mergeStatus: result.status };
  }));
  r.post('/challenges/:slug/team/merge/cancel', requireUser, act(async (req) => {
    const c = await challengeFromParams(ctx, req);
    const { from_team, into_team } = parseBody(mergeForm, req.body);
    await teams.cancelMerge(ctx.db, c, from_team, into_team, req.user!.id);
    return { notice: 'Merge request withdrawn.', mergeStatus: 'cancelled' };
  }));

  r.get('/teams/join/:token', requireUser, async (req, res) => {
    const { team, challenge, expiresAt } = await teams.inviteTeam(ctx.db.db, String(req.params.token));
    if (wantsJson(req)) return res.json({ team, challenge: challenge.slug, expiresAt });
    res.render('team-join', { title: `Join ${team.name}`, team, challenge: publicChallenge(challenge), expiresAt, token: req.params.token });
  });
  r.post('/teams/join/:token', requireUser, async (req, res) => {
    try {
      const team = await teams.acceptInvite(ctx.db, String(req.params.token), req.user!.id);
      if (wantsJson(req)) return res.json({ team });
      const c = (await findChallengeById(ctx.db.db, team.challengeId))!;
      res.redirect(303, `/challenges/${c.slug}/team`);
    } catch (err) {
      if (!(err instanceof UserError) || wantsJson(req) || err.code === 'invite_not_found' || err.code === 'invite_expired') throw err;
      const { team, challenge, expiresAt } = await teams.inviteTeam(ctx.db.db, String(req.params.token));
      res.status(err.status).render('team-join', { title: `Join ${team.name}`, team, challenge: publicChallenge(challenge), expiresAt, token: req.params.token, error: err.message });
    }
  });
  return r;
}
