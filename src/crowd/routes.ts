import { Router, type NextFunction, type Request, type Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { AppContext } from '../app.js';
import { UserError } from '../web/errors.js';
import { requireUser, wantsJson } from '../web/middleware.js';
import { enqueue } from '../jobs/queue.js';
import { loadCrowdConfig } from './config.js';
import { expertSubjectNames, featuresOf, listWorkflows, recentJobsOfKind, routedSubjectCount, setVolunteerExpert, subjectById, updateWorkflowSettings, workflowBySlug, workflowCounts, type SubjectRow, type Workflow } from './repo.js';
import { anonVoter, castVote, newAnonId, serveNext, userVoter, type Voter } from './service.js';
import { computeProfile, volunteerProfileFields } from '../compute/volunteer-profile.js';
import { computeBadgeExplanations } from '../compute/badges.js';
import { badgeExplanations, leaderboard, profile, weekAgo } from './stats.js';
import { addComment, addTag, comments, flagAnomaly, flagCount, reviewFlag, reviewQueue, tags } from './talk.js';
import { hashIp, tokenSecret, verifyServe } from './token.js';
import { crowdDisplayOf, type CrowdDisplay } from './display/store.js';
import { viewableWorkflow } from './access.js';
import { classButtonsOf, classDisplayName, renderSubject, visibleFeatures } from './display/render.js';
import { canOrganize } from '../challenges/organizers.js';
import { organizedChallengeIds } from '../organizers/access.js';
import { baselineUnsure, setExpertSet } from './expert.js';
import { workflowSettings } from './settings.js';
import { trainingFeedback } from './training/feedback.js';
import { shouldShowTutorial, trainingStatus } from './training/service.js';
import { TUTORIAL_COOKIE } from './training/tutorial.js';
import { refreshRoutingEntropy } from './routing-entropy.js';
import { CROWD_CONSENSUS_JOB, classificationsCsv, commentsCsv, consensusCsv } from './consensus.js';
import { comparisonView, pageModel } from './compare/service.js';
import { findPanel, panelCsv, panelNames, visiblePanel } from './compare/panels.js';
import { calibrationPanel, calibrationView } from './calibration.js';
import { fastVoteQueue, heldVolunteerQueue, releaseVolunteer, restoreVote } from './weights.js';
import { bodies, idParam } from './validate.js';
import { parseBody } from '../web/validate.js';
import { pinnedLines } from '../web/pinned-rows.js';

/** The volunteer leaderboard page shows this many rows, then the viewer's own. */
const CROWD_BOARD_TOP = 25;

export const ANON_COOKIE = 'sift_crowd_anon';


/** Subject as sent to volunteers: its plots and features as the workflow's configuration shows them, never its class. */
function subjectView(display: CrowdDisplay, wf: Workflow, s: SubjectRow) {
  return { ...renderSubject(display, { id: s.id, name: s.external_id, values: featuresOf(s) }), talk: `/crowd/${wf.slug}/subjects/${s.id}` };
}

export function crowdRoutes(ctx: AppContext): Router {
  const r = Router();
  const cfg = loadCrowdConfig();
  let secretPromise: Promise<Buffer> | null = null;
  const secret = () => (secretPromise ??= tokenSecret(ctx.db.db, cfg.CROWD_SECRET));
  const cookieOpts = { httpOnly: true, sameSite: 'lax' as const, secure: ctx.secureCookies, path: '/', maxAge: 365 * 86400_000 };

  const anonCookieOf = (req: Request): string | null => {
    const anon = req.cookies?.[ANON_COOKIE];
    return typeof anon === 'string' && /^[\w-]{16,40}$/.test(anon) ? anon : null;
  };

  /** The voter: the signed-in user, else the anonymous cookie (created on first serve). */
  function voterOf(req: Request, res: Response, create: boolean): Voter | null {
    if (req.user) return userVoter(req.user.id);
    let anon = anonCookieOf(req);
    if (!anon) {
      if (!create) return null;
      anon = newAnonId();
      res.cookie(ANON_COOKIE, anon, cookieOpts);
    }
    return anonVoter(anon);
  }

  /**
   * The classify and vote routes read workflows from a short cache (settings changes here clear it;
   * other processes see them within CROWD_WORKFLOW_CACHE_MS): on PostgreSQL the lookup was one of the
   * eight statements of a serve and vote, each a round trip.
   */
  const wfCache = new Map<string, { wf: Workflow | undefined; at: number }>();
  async function workflowOf(req: Request, cached = false): Promise<Workflow> {
    const slug = String(req.params.slug);
    let wf: Workflow | undefined;
    const hit = cached ? wfCache.get(slug) : undefined;
    if (hit && Date.now() - hit.at < cfg.CROWD_WORKFLOW_CACHE_MS) wf = hit.wf;
    else {
      wf = await workflowBySlug(ctx.db.db, slug);
      if (wfCache.size > 1000) wfCache.clear();
      wfCache.set(slug, { wf, at: Date.now() });
    }
    return viewableWorkflow(ctx.db.db, wf, slug, req.user);
  }

  /** The workflow of the URL, for its challenge's organizers (and admins) only. */
  async function organizedWorkflow(req: Request): Promise<Workflow> {
    const wf = await workflowOf(req);
    if (!(await canOrganize(ctx.db.db, req.user, { id: wf.challengeId }))) throw new UserError(403, 'forbidden', "Only this challenge's organizers can do this.");
    return wf;
  }

  /** Challenges whose flags the user reviews; 403 for someone who organizes none. */
  async function reviewScope(req: Request): Promise<number[] | 'all'> {
    const scope = await organizedChallengeIds(ctx.db.db, req.user);
    if (scope !== 'all' && scope.length === 0) throw new UserError(403, 'forbidden', 'Only organizers can review flagged subjects.');
    return scope;
  }

  const limited = (req: Request, res: Response, next: NextFunction) => next(new UserError(429, 'rate_limited', `You are classifying faster than allowed; try again in ${res.get('Retry-After') ?? 60} seconds.`));
  const perIp = rateLimit({ windowMs: 60_000, limit: cfg.CROWD_VOTES_PER_MINUTE_IP, standardHeaders: 'draft-7', legacyHeaders: false, handler: limited });
  const perIpServes = rateLimit({ windowMs: 60_000, limit: cfg.CROWD_SERVES_PER_MINUTE_IP, standardHeaders: 'draft-7', legacyHeaders: false, handler: limited });
  const perVoter = rateLimit({
    windowMs: 60_000,
    limit: cfg.CROWD_VOTES_PER_MINUTE_USER,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: limited,
    keyGenerator: (req, res) => voterOf(req, res, false)?.key ?? ipKeyGenerator(req.ip ?? ''),
  });

  r.get('/crowd', async (req, res) => {
    const wfs = await listWorkflows(ctx.db.db);
    const scope = await organizedChallengeIds(ctx.db.db, req.user);
    const organizes = (w: Workflow) => scope === 'all' || scope.includes(w.challengeId);
    const workflows = await Promise.all(wfs.filter((w) => w.active || organizes(w)).map(async (w) => ({ slug: w.slug, title: w.title, classes: w.classes, retirement: w.retirement, ...(await workflowCounts(ctx.db.db, w.id)), organizer: organizes(w) })));
    if (wantsJson(req)) return res.json({ workflows });
    res.render('crowd/index', { title: 'Classify', workflows, organizer: scope === 'all' || scope.length > 0 });
  });

  r.get('/crowd/:slug/classify', perIpServes, async (req, res) => {
    const wf = await workflowOf(req, true);
    // A first visit starts with the tutorial (which then says "seen": by the volunteer's row, or a cookie).
    if (!wantsJson(req) && req.query.tutorial !== 'seen' && (await shouldShowTutorial(ctx.db.db, wf, voterOf(req, res, false), req.cookies?.[TUTORIAL_COOKIE]))) return res.redirect(303, `/crowd/${wf.slug}/tutorial`);
    // A serve is stored once the browser shows it keeps the anonymous cookie, so one that keeps none adds no rows.
    const store = !!req.user || anonCookieOf(req) !== null;
    const voter = voterOf(req, res, true)!;
    const display = await crowdDisplayOf(ctx.db.db, ctx.storage, wf);
    const served = await serveNext(ctx.db, wf, voter, await secret(), { reserveMinutes: cfg.CROWD_RESERVE_MINUTES, store, knownShare: cfg.CROWD_KNOWN_SHARE, displayName: classDisplayName(display) });
    const classes = classButtonsOf(display);
    if (wantsJson(req)) {
      if (!served) return res.json({ subject: null, done: true });
      const s = served.subject;
      // The JSON sends no plots: drawing their SVG only to drop it was a good share of a serve's CPU.
      const { plots: _plots, ...view } = subjectView({ ...display, config: { ...display.config, plots: [] } }, wf, s);
      return res.json({ subject: { ...view, features: visibleFeatures(display, featuresOf(s)) }, token: served.token, training: served.training, experience: served.experience, classes, status: served.status });
    }
    res.render('crowd/classify', {
      title: `Classify · ${wf.title}`,
      wf,
      subject: served && subjectView(display, wf, served.subject),
      token: served?.token,
      training: served?.training,
      experience: served?.experience ?? 0,
      trainingStatus: served?.status,
      anonymous: !req.user,
      thanks: req.query.thanks === '1',
      classes,
      fieldGuide: display.config.field_guide ? `/crowd/${wf.slug}/guide` : null,
    });
  });

  r.post('/crowd/:slug/votes', perIp, perVoter, async (req, res) => {
    const wf = await workflowOf(req, true);
    const voter = voterOf(req, res, false);
    const key = await secret();
    if (!voter) throw new UserError(403, 'not_served', 'This subject was not served to you.');
    const body = parseBody(bodies.vote, req.body, 'bad_vote');
    const { vote: result, subject } = await castVote(ctx.db, wf, voter, { claim: verifyServe(key, body.token), answer: body.answer, ipHash: hashIp(key, req.ip) }, { minVoteMs: cfg.CROWD_MIN_VOTE_MS, tokenHours: cfg.CROWD_TOKEN_HOURS, fastShare: cfg.CROWD_FAST_SHARE, fastMinVotes: cfg.CROWD_FAST_MIN_VOTES });
    // A training answer teaches: the clues in this subject's own values (training/feedback.ts), and where the voter now stands.
    const display = await crowdDisplayOf(ctx.db.db, ctx.storage, wf);
    const feedback = result.feedback && trainingFeedback(display.config, featuresOf(subject), result.feedback.trueClass, result.answer, wf.clues);
    const training = result.feedback ? await trainingStatus(ctx.db.db, wf, voter, { displayName: classDisplayName(display) }) : undefined;
    if (wantsJson(req)) return res.status(201).json({ vote: feedback ? { ...result, feedback: { ...result.feedback, ...feedback } } : result, ...(training && { training }) });
    if (!result.feedback) return res.redirect(303, `/crowd/${wf.slug}/classify?thanks=1`);
    res.render('crowd/feedback', { title: 'Training feedback', wf, result, feedback, training, subject: subjectView(display, wf, subject) });
  });

  r.get('/crowd/leaderboard', async (req, res) => {
    if (wantsJson(req)) {
      const [allTime, weekly] = await Promise.all([leaderboard(ctx.db.db, null), leaderboard(ctx.db.db, weekAgo())]);
      return res.json({ allTime, weekly });
    }
    // The page ranks everyone, shows the top rows and keeps the viewer's own row in view below them.
    const [allTime, weekly] = await Promise.all([leaderboard(ctx.db.db, null, Infinity), leaderboard(ctx.db.db, weekAgo(), Infinity)]);
    const lines = (rows: typeof allTime) => pinnedLines(rows, (r) => r.userId === req.user?.id, { top: CROWD_BOARD_TOP, showAll: req.query.all === '1' });
    res.render('crowd/leaderboard', { title: 'Volunteer leaderboard', allTime: lines(allTime), weekly: lines(weekly) });
  });

  const showProfile = async (req: Request, res: Response, userId: number) => {
    const p = await profile(ctx.db.db, userId, cfg, { showLiveAnswers: req.user?.id === userId });
    if (!p) throw new UserError(404, 'not_found', 'No such volunteer.');
    // One profile for both kinds of volunteering (issue 14): the crowd's figures and volunteer computing's.
    const [compute, about] = await Promise.all([computeProfile(ctx.db.db, userId), volunteerProfileFields(ctx.db.db, userId)]);
    if (wantsJson(req)) {
      const { skyMap: _sky, ...rest } = p;
      return res.json({ profile: { ...rest, country: about.country, profileLine: about.profileLine, compute } });
    }
    res.render('crowd/profile', { title: `${p.name} · volunteer`, p, compute, about, own: req.user?.id === userId, badgeHelp: badgeExplanations(cfg), computeBadgeHelp: computeBadgeExplanations(), cfg });
  };
  r.get('/crowd/profile', requireUser, (req, res) => showProfile(req, res, req.user!.id));
  r.get('/crowd/users/:id', (req, res) => showProfile(req, res, idParam(req, 'id', 'volunteer')));

  r.post('/crowd/:slug/expert', requireUser, async (req, res) => {
    const wf = await workflowOf(req);
    const p = await profile(ctx.db.db, req.user!.id, cfg);
    if (!p || p.level < 2) throw new UserError(403, 'level_required', `Expert subject sets open at level 2: gold accuracy of at least ${cfg.CROWD_LEVEL2_ACCURACY} in every class, with ${cfg.CROWD_LEVEL2_MIN_GOLD} gold answers in each (or every gold subject of a class that has fewer). Your profile shows where you stand.`);
    const { join: joinField } = parseBody(bodies.expert, req.body);
    const join = joinField === undefined || joinField === true || joinField === '1' || joinField === 'true';
    await setVolunteerExpert(ctx.db.db, wf.id, req.user!.id, wf.classes.length, join);
    if (wantsJson(req)) return res.json({ expert: join });
    res.redirect(303, '/crowd/profile');
  });

  // --- Talk ---
  async function subjectOf(req: Request) {
    const wf = await workflowOf(req);
    const s = await subjectById(ctx.db.db, wf.id, idParam(req, 'id', 'subject'));
    if (!s) throw new UserError(404, 'not_found', 'No such subject.');
    return { wf, s };
  }
  r.get('/crowd/:slug/subjects/:id', async (req, res) => {
    const { wf, s } = await subjectOf(req);
    const [list, tagList, flags] = await Promise.all([comments(ctx.db.db, s.id), tags(ctx.db.db, s.id), flagCount(ctx.db.db, s.id)]);
    if (wantsJson(req)) return res.json({ subject: { id: s.id, name: s.external_id }, comments: list, tags: tagList, flags });
    res.render('crowd/talk', { title: `Talk · ${s.external_id}`, wf, subject: subjectView(await crowdDisplayOf(ctx.db.db, ctx.storage, wf), wf, s), comments: list, tags: tagList, flags });
  });
  r.post('/crowd/:slug/subjects/:id/comments', requireUser, async (req, res) => {
    const { wf, s } = await subjectOf(req);
    await addComment(ctx.db.db, s.id, req.user!.id, parseBody(bodies.comment, req.body).body);
    if (wantsJson(req)) return res.status(201).json({ ok: true });
    res.redirect(303, `/crowd/${wf.slug}/subjects/${s.id}#comments`);
  });
  r.post('/crowd/:slug/subjects/:id/tags', requireUser, async (req, res) => {
    const { wf, s } = await subjectOf(req);
    const tag = await addTag(ctx.db.db, s.id, req.user!.id, parseBody(bodies.tag, req.body).tag);
    if (wantsJson(req)) return res.status(201).json({ tag });
    res.redirect(303, `/crowd/${wf.slug}/subjects/${s.id}`);
  });
  r.post('/crowd/:slug/subjects/:id/flag', requireUser, async (req, res) => {
    const { wf, s } = await subjectOf(req);
    await flagAnomaly(ctx.db.db, s.id, req.user!.id, parseBody(bodies.flag, req.body).note);
    if (wantsJson(req)) return res.status(201).json({ flagged: true });
    res.redirect(303, `/crowd/${wf.slug}/subjects/${s.id}?flagged=1`);
  });
  r.get('/crowd/review', requireUser, async (req, res) => {
    const status = ['open', 'interesting', 'resolved', 'all'].includes(String(req.query.status)) ? (String(req.query.status) as 'open') : 'open';
    const scope = await reviewScope(req);
    const [flags, fastVotes, heldVolunteers] = await Promise.all([reviewQueue(ctx.db.db, status, scope), fastVoteQueue(ctx.db.db, scope), heldVolunteerQueue(ctx.db.db, scope)]);
    if (wantsJson(req)) return res.json({ flags, fastVotes, heldVolunteers });
    res.render('crowd/review', { title: 'Review queue', flags, status, fastVotes, heldVolunteers });
  });
  r.post('/crowd/:slug/votes/:id/restore', requireUser, async (req, res) => {
    const wf = await organizedWorkflow(req);
    const { weight } = await restoreVote(ctx.db, wf, idParam(req, 'id', 'vote'), req.user!.id);
    if (wantsJson(req)) return res.json({ restored: true, weight });
    res.redirect(303, '/crowd/review');
  });
  r.post('/crowd/:slug/volunteers/:userId/release', requireUser, async (req, res) => {
    const wf = await organizedWorkflow(req);
    await releaseVolunteer(ctx.db, wf, idParam(req, 'userId', 'volunteer'), req.user!.id);
    if (wantsJson(req)) return res.json({ released: true });
    res.redirect(303, '/crowd/review');
  });
  r.post('/crowd/flags/:id', requireUser, async (req, res) => {
    const scope = await reviewScope(req);
    await reviewFlag(ctx.db.db, idParam(req, 'id', 'flag'), req.user!.id, parseBody(bodies.flagReview, req.body, 'bad_status').status, scope);
    if (wantsJson(req)) return res.json({ ok: true });
    res.redirect(303, '/crowd/review');
  });

  // --- Organizers: settings, consensus, exports, comparison ---
  r.get('/crowd/:slug/manage', requireUser, async (req, res) => {
    const wf = await organizedWorkflow(req);
    const counts = await workflowCounts(ctx.db.db, wf.id);
    const jobs = await recentJobsOfKind(ctx.db.db, CROWD_CONSENSUS_JOB, 5);
    const experts = await expertSubjectNames(ctx.db.db, wf.id);
    const routed = await routedSubjectCount(ctx.db.db, wf.id);
    res.render('crowd/manage', { title: `Manage crowd · ${wf.title}`, wf, counts, routed, jobs, experts: experts.join('\n'), chances: wf.trainingChances.join(', ') });
  });
  r.post('/crowd/:slug/settings', requireUser, async (req, res) => {
    const wf = await organizedWorkflow(req);
    const set = workflowSettings(req.body, wf);
    await updateWorkflowSettings(ctx.db.db, wf.id, set);
    wfCache.clear();
    if (wantsJson(req)) return res.json({ workflow: await workflowBySlug(ctx.db.db, wf.slug) });
    res.redirect(303, `/crowd/${wf.slug}/manage`);
  });
  r.post('/crowd/:slug/expert-set', requireUser, async (req, res) => {
    const wf = await organizedWorkflow(req);
    const names = parseBody(bodies.expertSet, req.body).names.split(/[\n,]+/).map((s) => s.trim()).filter(Boolean);
    const matched = await setExpertSet(ctx.db.db, wf, names);
    if (wantsJson(req)) return res.json({ expert: matched, unknown: names.length - matched });
    res.redirect(303, `/crowd/${wf.slug}/manage`);
  });
  r.post('/crowd/:slug/expert-set/baseline', requireUser, async (req, res) => {
    const wf = await organizedWorkflow(req);
    const { count } = parseBody(bodies.baselineSet, req.body, 'bad_count');
    const picked = await baselineUnsure(ctx.db.db, wf, ctx.storage, count);
    await setExpertSet(ctx.db.db, wf, picked.map((p) => p.name));
    if (wantsJson(req)) return res.json({ expert: picked });
    res.redirect(303, `/crowd/${wf.slug}/manage`);
  });
  r.post('/crowd/:slug/routing/refresh', requireUser, async (req, res) => {
    const wf = await organizedWorkflow(req);
    const subjects = await refreshRoutingEntropy(ctx.db, wf, ctx.storage);
    if (wantsJson(req)) return res.json({ subjects });
    res.redirect(303, `/crowd/${wf.slug}/manage`);
  });
  r.post('/crowd/:slug/consensus', requireUser, async (req, res) => {
    const wf = await organizedWorkflow(req);
    const jobId = await enqueue(ctx.db.db, CROWD_CONSENSUS_JOB, { workflowId: wf.id });
    ctx.nudgeWorkers();
    if (wantsJson(req)) return res.status(202).json({ job: jobId });
    res.redirect(303, `/crowd/${wf.slug}/manage`);
  });
  const stream = async (res: Response, name: string, gen: AsyncGenerator<string>) => {
    res.type('text/csv; charset=utf-8').attachment(name);
    for await (const chunk of gen) res.write(chunk);
    res.end();
  };
  r.get('/crowd/:slug/export/classifications.csv', requireUser, async (req, res) => {
    const wf = await organizedWorkflow(req);
    await stream(res, `${wf.slug}-classifications.csv`, classificationsCsv(ctx.db.db, wf));
  });
  r.get('/crowd/:slug/export/comments.csv', requireUser, async (req, res) => {
    const wf = await organizedWorkflow(req);
    await stream(res, `${wf.slug}-comments.csv`, commentsCsv(ctx.db.db, wf));
  });
  r.get('/crowd/:slug/export/consensus.csv', requireUser, async (req, res) => {
    const wf = await organizedWorkflow(req);
    await stream(res, `${wf.slug}-consensus.csv`, consensusCsv(ctx.db.db, wf, cfg.CROWD_MIN_CONSENSUS_VOTES));
  });
  // The comparison is for everyone; what is scored against the hidden solution is filtered per viewer (compare/visibility.ts).
  const viewOf = async (req: Request) => {
    const wf = await workflowOf(req);
    return { wf, view: await comparisonView(ctx.db.db, wf, ctx.storage, req.user, cfg.CROWD_MIN_CONSENSUS_VOTES) };
  };
  r.get('/crowd/:slug/compare', async (req, res) => {
    const { wf, view } = await viewOf(req);
    if (wantsJson(req)) return res.json(view);
    res.render('crowd/compare', { title: `Crowd versus ML · ${wf.title}`, wf, ...pageModel(view, wf), calibration: calibrationView(await calibrationPanel(ctx.db.db, wf, cfg)) });
  });
  r.get('/crowd/:slug/compare/:file', async (req, res) => {
    const file = /^([a-z_]+)\.(csv|json)$/.exec(String(req.params.file));
    const panel = file && findPanel(file[1]);
    if (!panel) throw new UserError(404, 'no_such_panel', `No comparison export '${req.params.file}': use <panel>.csv or <panel>.json, with a panel among ${panelNames().join(', ')}.`);
    const { wf, view } = await viewOf(req);
    visiblePanel(panel, view);
    const context = { handle: ctx.db, wf, storage: ctx.storage, crowd: cfg };
    if (file[2] === 'json') return res.json(await panel.json(view, context));
    res.type('text/csv; charset=utf-8').attachment(`${wf.slug}-compare-${panel.name}.csv`).send(await panelCsv(panel, view, context));
  });

  return r;
}
