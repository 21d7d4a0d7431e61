import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../app.js';
import { challengeFromParams, publicChallenge } from '../challenges/visibility.js';
import type { Challenge } from '../challenges/repo.js';
import { listChallenges } from '../challenges/repo.js';
import { type Board } from '../leaderboards/service.js';
import { sendBoardJson } from '../leaderboards/http.js';
import * as teams from '../teams/service.js';
import { submissionView } from '../submissions/view.js';
import * as submissions from '../submissions/repo.js';
import { findViewableSubmission, mySubmissions, quota, setSelected, submit } from '../submissions/service.js';
import { canOrganize } from '../challenges/organizers.js';
import { admitUploads, discardUpload, idempotencyKeyHeader, receivePrediction, submissionFields } from '../submissions/upload.js';
import { UserError } from '../web/errors.js';
import { apiRateLimit, apiRateLimitSettings, bearerAuth, requireToken } from './auth.js';
import { formString, idField, parseInput } from '../web/validate.js';
import { docsRoutes } from './docs.js';
import { profileRoutes } from './profile.js';
import { dataRoutes } from './data-routes.js';
import { computeApiRoutes } from './compute-routes.js';
import { loadCrowdConfig } from '../crowd/config.js';
import { workflowBySlug } from '../crowd/repo.js';
import { comparisonView } from '../crowd/compare/service.js';
import { findPanel, panelNames, visiblePanel } from '../crowd/compare/panels.js';

export const slugParam = z.object({ slug: z.string().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be a challenge slug') });
export const submissionParams = slugParam.extend({ id: idField('a submission id') });
export const submitBody = submissionFields.omit({ idempotency_key: true });
export const selectionBody = z.object({ selected: z.boolean() });
export const teamBody = z.object({ name: formString(60).trim().min(1, 'is required') });
export const mergeBody = z.object({ fromTeamId: idField('a team id'), intoTeamId: idField('a team id') });
export const comparePanelParams = slugParam.extend({ panel: z.string().max(40).refine((p) => findPanel(p) !== undefined, { message: `must be a comparison panel: ${panelNames().join(', ')}` }) });
export const inviteParam = z.object({ token: z.string().min(16).max(100).regex(/^[A-Za-z0-9_-]+$/, 'must be an invitation token') });

async function challengeOf(ctx: AppContext, req: Request): Promise<Challenge> {
  parseInput(slugParam, req.params, 'path');
  return challengeFromParams(ctx, req);
}

/** The JSON REST API, version 1. */
export function v1Routes(ctx: AppContext): Router {
  const r = Router();
  r.use(bearerAuth(ctx.db.db));
  r.use(apiRateLimit(apiRateLimitSettings(ctx.config.NODE_ENV)));

  const receive = receivePrediction(ctx);
  const admit = admitUploads(ctx);

  r.get('/me', requireToken, (req, res) => {
    res.json({ user: req.user, tokenId: req.apiToken!.id });
  });

  r.get('/challenges', async (_req, res) => {
    res.json({ challenges: (await listChallenges(ctx.db.db)).map(publicChallenge) });
  });

  r.get('/challenges/:slug', async (req, res) => {
    const c = await challengeOf(ctx, req);
    res.json({ challenge: publicChallenge(c), quota: req.user ? await quota(ctx.db.db, c, req.user.id) : null });
  });

  r.get('/challenges/:slug/quota', requireToken, async (req, res) => {
    const c = await challengeOf(ctx, req);
    res.json({ quota: await quota(ctx.db.db, c, req.user!.id) });
  });

  r.post('/challenges/:slug/submissions', requireToken, async (req, res, next) => {
    // The challenge and the key are checked before the upload is read, so a wrong slug or key costs no upload.
    res.locals.challenge = await challengeOf(ctx, req);
    res.locals.idempotencyKey = idempotencyKeyHeader(req);
    next();
  }, admit, receive, async (req, res) => {
    const c = res.locals.challenge as Challenge;
    try {
      const body = parseInput(submitBody, req.body, 'body');
      if (!req.file) throw new UserError(400, 'no_file', "No file was uploaded: send a CSV file (.csv or .csv.gz) in the multipart field 'file'.");
      const { submission: sub, replayed } = await submit(ctx.db, ctx.storage, c, req.user!.id, { tmpPath: req.file.path, originalName: req.file.originalname, size: req.file.size }, body.message ?? null, {
        runtime: ctx.uploads,
        idempotencyKey: res.locals.idempotencyKey as string | undefined,
      });
      if (!replayed) ctx.nudgeWorkers();
      if (replayed) res.set('Idempotent-Replayed', 'true');
      res.status(replayed ? 200 : 202).location(`/api/v1/challenges/${c.slug}/submissions/${sub.id}`).json({ submission: submissionView(sub, c), quota: await quota(ctx.db.db, c, req.user!.id, sub.team_id) });
    } finally {
      await discardUpload(req);
    }
  });

  r.get('/challenges/:slug/submissions', requireToken, async (req, res) => {
    const c = await challengeOf(ctx, req);
    const mine = await mySubmissions(ctx.db.db, c, req.user!.id);
    const audience = { organizer: await canOrganize(ctx.db.db, req.user, c) };
    res.json({ submissions: mine.rows.map((s) => submissionView(s, c, audience)), quota: mine.quota });
  });

  r.get('/challenges/:slug/submissions/:id', requireToken, async (req, res) => {
    const { id } = parseInput(submissionParams, req.params, 'path');
    const c = await challengeOf(ctx, req);
    const { row, audience } = await findViewableSubmission(ctx.db.db, c, id, req.user!);
    res.json({ submission: submissionView(row, c, audience) });
  });

  r.put('/challenges/:slug/submissions/:id/selection', requireToken, async (req, res) => {
    const { id } = parseInput(submissionParams, req.params, 'path');
    const { selected } = parseInput(selectionBody, req.body, 'body');
    const c = await challengeOf(ctx, req);
    await setSelected(ctx.db, c, req.user!.id, id, selected);
    const s = (await submissions.findSubmission(ctx.db.db, id))!;
    res.json({ submission: submissionView(s, c, { organizer: await canOrganize(ctx.db.db, req.user, c) }) });
  });

  const showBoard = (which: Board) => async (req: Request, res: Response) => {
    await sendBoardJson(ctx, req, res, await challengeOf(ctx, req), which, 'Authorization');
  };
  r.get('/challenges/:slug/leaderboard', showBoard('public'));
  r.get('/challenges/:slug/leaderboard/private', showBoard('private'));

  // Teams: the teams service holds every rule (size cap, merge deadline and submission count).
  const myTeam = async (c: Challenge, userId: number) => {
    const team = await teams.teamOf(ctx.db.db, c.id, userId);
    if (!team) throw new UserError(404, 'not_in_team', 'You are not in a team in this challenge.');
    return team;
  };

  r.get('/challenges/:slug/teams', async (req, res) => {
    const c = await challengeOf(ctx, req);
    res.json({ teams: await teams.listTeams(ctx.db.db, c.id) });
  });

  r.get('/challenges/:slug/team', requireToken, async (req, res) => {
    const c = await challengeOf(ctx, req);
    const team = await teams.teamOf(ctx.db.db, c.id, req.user!.id);
    const blocked = team ? teams.inviteProblem(c, team.members.length) : null;
    res.json({
      team,
      mergeRequests: team ? await teams.mergeRequests(ctx.db.db, team.id) : [],
      teamSize: c.team_size,
      mergeDeadline: teams.mergeDeadline(c),
      invites: team ? { open: blocked === null, reason: blocked } : null,
    });
  });

  r.post('/challenges/:slug/team', requireToken, async (req, res) => {
    const c = await challengeOf(ctx, req);
    const { name } = parseInput(teamBody, req.body, 'body');
    res.status(201).json({ team: await teams.createTeam(ctx.db, c, req.user!.id, name) });
  });

  r.post('/challenges/:slug/team/invites', requireToken, async (req, res) => {
    const c = await challengeOf(ctx, req);
    const team = await myTeam(c, req.user!.id);
    const { token, expiresAt } = await teams.createInvite(ctx.db.db, team.id, req.user!.id);
    res.status(201).json({ token, expiresAt, acceptPath: `/api/v1/invites/${token}/accept` });
  });

  r.post('/challenges/:slug/team/leave', requireToken, async (req, res) => {
    const c = await challengeOf(ctx, req);
    await teams.leaveTeam(ctx.db, c, req.user!.id);
    res.json({ team: null });
  });

  r.post('/challenges/:slug/team/merges', requireToken, async (req, res) => {
    const c = await challengeOf(ctx, req);
    const { fromTeamId, intoTeamId } = parseInput(mergeBody, req.body, 'body');
    res.json(await teams.mergeTeams(ctx.db, c, fromTeamId, intoTeamId, req.user!.id));
  });

  r.post('/challenges/:slug/team/merges/cancel', requireToken, async (req, res) => {
    const c = await challengeOf(ctx, req);
    const { fromTeamId, intoTeamId } = parseInput(mergeBody, req.body, 'body');
    res.json(await teams.cancelMerge(ctx.db, c, fromTeamId, intoTeamId, req.user!.id));
  });

  // The crowd-versus-ML comparison, one endpoint per panel, under the page's visibility rule.
  const crowdConfig = loadCrowdConfig();
  r.get('/crowd/:slug/compare/:panel', async (req, res) => {
    const { slug, panel: name } = parseInput(comparePanelParams, req.params, 'path');
    const wf = await workflowBySlug(ctx.db.db, slug);
    if (!wf || (!wf.active && !(await canOrganize(ctx.db.db, req.user, { id: wf.challengeId })))) throw new UserError(404, 'not_found', `No crowd workflow for '${slug}'.`);
    const view = await comparisonView(ctx.db.db, wf, ctx.storage, req.user, crowdConfig.CROWD_MIN_CONSENSUS_VOTES);
    res.json(await visiblePanel(findPanel(name)!, view).json(view, { handle: ctx.db, wf, storage: ctx.storage, crowd: crowdConfig }));
  });

  r.get('/invites/:token', requireToken, async (req, res) => {
    const { token } = parseInput(inviteParam, req.params, 'path');
    const { team, challenge, expiresAt } = await teams.inviteTeam(ctx.db.db, token);
    res.json({ team, challenge: publicChallenge(challenge), expiresAt });
  });

  r.post('/invites/:token/accept', requireToken, async (req, res) => {
    const { token } = parseInput(inviteParam, req.params, 'path');
    res.json({ team: await teams.acceptInvite(ctx.db, token, req.user!.id) });
  });
  r.use(dataRoutes(ctx.storage, (req) => challengeOf(ctx, req)));
  r.use(computeApiRoutes(ctx));
  return r;
}

/** Everything of the token API: the profile page (tokens), /api/v1, the OpenAPI document and its page. */
export function apiRoutes(ctx: AppContext): Router {
  const r = Router();
  r.use(profileRoutes(ctx));
  r.use('/api/v1', v1Routes(ctx));
  r.use('/api', docsRoutes());
  return r;
}
