import fs from 'node:fs';
import path from 'node:path';
import multer from 'multer';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../app.js';
import { findChallengeBySlug, type Challenge } from '../challenges/repo.js';
import { phase, privateRevealed } from '../challenges/service.js';
import { publicChallenge } from '../challenges/visibility.js';
import { findUserByEmail, listUsers, setUserRole } from '../accounts/repo.js';
import type { Role } from '../db/schema.js';
import { UserError } from '../web/errors.js';
import { checkDeferredCsrf, deferredCsrfFileFilter, requireUser, wantsJson } from '../web/middleware.js';
import { formFields, formScalar, formString, formText, idField, parseBody, parseInput } from '../web/validate.js';
import { listTeams } from '../teams/service.js';
import { canOrganize } from '../challenges/organizers.js';
import { addOrganizer, canCreateChallenges, organizedChallengeIds, organizersOf } from './access.js';
import { createDraft } from './create-draft.js';
import { configure, formDates, metricChoices, settingsForm } from './settings.js';
import { hasSolution, importedFromFolder, IMPORTED_NOTE } from './setup-status.js';
import { replaceFile } from './replace-file.js';
import { preview } from './preview.js';
import { closeNow, publish, setFrozen, setOpenData } from './publishing.js';
import { removeChallengeOrganizer } from './remove-organizer.js';
import { BOARD_COLUMNS, exportBoard, exportSubmissions, SUBMISSION_COLUMNS, toCsv } from './exports.js';
import { getRun, listRuns, startRescore } from './rescore.js';
import type { DataKind } from './setup.js';
import { forgetUserSessions } from '../accounts/session-cache.js';
import { baselineSummary, crowdSummary, enableCrowd } from './companions.js';
import { crowdPageForm, saveCrowdPage } from './crowd-page.js';
import { consoleOverview } from './overview.js';
import { consoleChallenges } from './repo.js';
import { clearCrowdDisplay } from '../crowd/display/store.js';
import { actionUnavailable, explainAction, actionFacts, isConfirmedAction, requireConfirmation, CONFIRMED_ACTIONS, type ConfirmedAction } from './confirm.js';
import { withLocalFolder, type LocalChallenge } from '../challenges/service.js';

declare module 'express-serve-static-core' {
  interface Request {
    challenge?: LocalChallenge;
  }
}

const KINDS: DataKind[] = ['train', 'test', 'solution', 'sample_submission'];

/** Every organizer console and admin route, as [method, path]; the role-matrix test walks this list. */
export const ORGANIZER_ROUTES = [
  ['GET', '/organize'],
  ['GET', '/organize/new'],
  ['POST', '/organize/new'],
  ['GET', '/organize/:slug'],
  ['GET', '/organize/:slug/confirm/:action'],
  ['GET', '/organize/:slug/settings'],
  ['POST', '/organize/:slug/settings'],
  ['POST', '/organize/:slug/files'],
  ['POST', '/organize/:slug/publish'],
  ['POST', '/organize/:slug/freeze'],
  ['POST', '/organize/:slug/unfreeze'],
  ['POST', '/organize/:slug/close'],
  ['POST', '/organize/:slug/open-data'],
  ['POST', '/organize/:slug/organizers'],
  ['POST', '/organize/:slug/crowd'],
  ['GET', '/organize/:slug/crowd-page'],
  ['POST', '/organize/:slug/crowd-page'],
  ['POST', '/organize/:slug/rescore'],
  ['GET', '/organize/:slug/rescore/:id'],
  ['GET', '/organize/:slug/export/leaderboard.csv'],
  ['GET', '/organize/:slug/export/leaderboard.json'],
  ['GET', '/organize/:slug/export/submissions.csv'],
  ['GET', '/organize/:slug/export/submissions.json'],
  ['GET', '/admin/users'],
  ['POST', '/admin/users/:id/role'],
] as const;

// Bodies of the console's forms. The services check what each field means; these make sure it is text.
const newChallengeForm = z.object({ slug: formText(200), title: formText(1000) });
const openDataForm = z.object({ publish: formScalar.optional(), doi: formString(200).optional() });
const crowdPageFormBody = z.object({ yaml: formString(200_000).optional(), reset: formScalar.optional() });
const organizersForm = z.object({ remove: idField('a user id').optional(), email: formText(200) });
const rescoreForm = z.object({ reason: formString(2000).optional() });
const roleForm = z.object({ role: formText(20) });
const confirmQuery = z.object({ reason: formString(2000).optional() });
const runParams = z.object({ id: idField('a re-score run id') });
const userParams = z.object({ id: idField('a user id') });

export function organizerRoutes(ctx: AppContext): Router {
  const r = Router();
  const tmpDir = path.join(ctx.config.dataDir, 'uploads');
  fs.mkdirSync(tmpDir, { recursive: true });
  // Challenge data files are big: streamed to disk by multer, up to 4 GB each, whatever MAX_UPLOAD_MB says for submissions.
  const maxBytes = Math.max(ctx.config.MAX_UPLOAD_MB, 4096) * 1024 * 1024;
  const files = multer({ dest: tmpDir, limits: { fileSize: maxBytes, files: 4, fields: 20 }, fileFilter: deferredCsrfFileFilter }).fields(KINDS.map((name) => ({ name, maxCount: 1 })));
  const receive = (req: Request, res: Response, next: NextFunction) =>
    files(req, res, (err: unknown) => {
      if (err instanceof multer.MulterError) return next(new UserError(400, 'bad_upload', `Upload rejected: ${err.message} (field '${err.field ?? ''}').`));
      next(err ?? checkDeferredCsrf(req) ?? undefined);
    });
  const uploaded = (req: Request): Partial<Record<DataKind, string>> => {
    const f = (req.files ?? {}) as Record<string, Express.Multer.File[]>;
    const out: Partial<Record<DataKind, string>> = {};
    for (const k of KINDS) if (f[k]?.[0]?.size) out[k] = f[k][0].path;
    return out;
  };
  const cleanup = (req: Request) => {
    for (const list of Object.values((req.files ?? {}) as Record<string, Express.Multer.File[]>)) for (const f of list) fs.rmSync(f.path, { force: true });
  };

  /** Signed in with the organizer or admin role. */
  const creator = (req: Request, _res: Response, next: NextFunction) => {
    if (!req.user) return next(new UserError(401, 'login_required', 'Please log in first.'));
    if (!canCreateChallenges(req.user)) return next(new UserError(403, 'forbidden', 'Only organizers can create challenges. Ask an admin for the organizer role.'));
    next();
  };
  const admin = (req: Request, _res: Response, next: NextFunction) => {
    if (!req.user) return next(new UserError(401, 'login_required', 'Please log in first.'));
    if (req.user.role !== 'admin') return next(new UserError(403, 'forbidden', 'Admins only.'));
    next();
  };
  /** Loads :slug (drafts included) and lets only its organizers and admins through. */
  const organizes = async (req: Request, _res: Response, next: NextFunction) => {
    if (!req.user) return next(new UserError(401, 'login_required', 'Please log in first.'));
    const c = await findChallengeBySlug(ctx.db.db, String(req.params.slug));
    if (!c) return next(new UserError(404, 'not_found', `No challenge '${req.params.slug}'.`));
    if (!(await canOrganize(ctx.db.db, req.user, c))) return next(new UserError(403, 'forbidden', 'Only the organizers of this challenge can do this.'));
    req.challenge = await withLocalFolder(ctx.storage, c);
    next();
  };
  const done = (req: Request, res: Response, c: Challenge, body: Record<string, unknown> = {}, to = `/organize/${c.slug}`) =>
    wantsJson(req) ? res.json({ ok: true, challenge: publicChallenge(c), state: c.state, ...body }) : res.redirect(303, to);
  const reload = async (c: Challenge) => (await findChallengeBySlug(ctx.db.db, c.slug))!;

  r.get('/organize', requireUser, async (req, res) => {
    const ids = await organizedChallengeIds(ctx.db.db, req.user);
    if (!canCreateChallenges(req.user) && ids !== 'all' && ids.length === 0) throw new UserError(403, 'forbidden', 'You organize no challenge. Ask an admin for the organizer role.');
    const challenges = (await consoleChallenges(ctx.db.db, ids)).map((c) => ({ ...c, phase: c.state === 'draft' ? 'draft' : phase({ ...c }) }));
    if (wantsJson(req)) return res.json({ challenges });
    res.render('organizer', { title: 'Organize', challenges, canCreate: canCreateChallenges(req.user), isAdmin: req.user!.role === 'admin' });
  });

  r.get('/organize/new', creator, (_req, res) => res.render('organizer-new', { title: 'New challenge' }));
  r.post('/organize/new', creator, receive, async (req, res) => {
    try {
      const c = await createDraft(ctx.db.db, ctx.storage, req.user!.id, parseBody(newChallengeForm, req.body), uploaded(req));
      if (wantsJson(req)) return res.status(201).json({ ok: true, slug: c.slug, state: c.state });
      res.redirect(303, `/organize/${c.slug}/settings`);
    } catch (err) {
      cleanup(req);
      if (!(err instanceof UserError) || wantsJson(req)) throw err;
      const form = newChallengeForm.safeParse(req.body).data;
      res.status(err.status).render('organizer-new', { title: 'New challenge', error: err.message, problems: (err.details as { problems?: string[] })?.problems, slug: form?.slug, ctitle: form?.title });
    }
  });

  const dashboard = async (req: Request, res: Response) => {
    const c = req.challenge!;
    const pv = await preview(ctx.storage, c).catch((e: Error) => ({ error: e.message }));
    const data = {
      challenge: { ...publicChallenge(c), state: c.state, teamSize: c.team_size, mergeDeadline: c.merge_deadline, frozenAt: c.public_frozen_at, openData: c.open_data === 1, doi: c.doi, solutionSha256: c.solution_sha256 },
      configured: hasSolution(c),
      preview: pv,
      organizers: await organizersOf(ctx.db.db, c.id),
      teams: await listTeams(ctx.db.db, c.id),
      runs: await listRuns(ctx.db.db, c),
      revealed: privateRevealed(c),
      baseline: await baselineSummary(ctx.db.db, c),
      crowd: await crowdSummary(ctx.db.db, c),
    };
    const overview = await consoleOverview(ctx.db, c, data);
    if (wantsJson(req)) return res.json({ ...data, status: overview.status, participants: overview.participants, activity: overview.activity.days, scoreBins: overview.scores.bins, jobs: overview.jobs.counts, oldestQueuedJobAt: overview.jobs.oldestQueuedAt });
    res.render('organizer-challenge', { title: `Organize · ${c.title}`, ...data, overview, facts: await actionFacts(ctx.db.db, c), isDraft: c.state === 'draft', isClosed: phase(c) === 'closed', canRemoveOrganizers: data.organizers.length > 1, noOrganizers: data.organizers.length === 0 });
  };
  r.get('/organize/:slug', organizes, dashboard);

  const settingsPage = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    const c = req.challenge!;
    const form = await settingsForm(c);
    res.status(status).render('organizer-settings', {
      title: `Settings · ${c.title}`,
      c: { slug: c.slug, title: c.title, description: c.description_md, dailyLimit: c.daily_limit, finalSelections: c.final_selections, teamSize: c.team_size, citation: c.citation, doi: c.doi, state: c.state, lateSubmissions: c.late_submissions !== 0 },
      dates: formDates(c),
      form,
      metrics: metricChoices().map((m) => ({ name: m, selected: m === form.metric })),
      columns: form.columns,
      importedNote: importedFromFolder(c) ? IMPORTED_NOTE : null,
      ...extra,
    });
  };
  r.get('/organize/:slug/settings', organizes, (req, res) => settingsPage(req, res));
  r.post('/organize/:slug/settings', organizes, async (req, res) => {
    try {
      const c = await configure(ctx.db.db, ctx.storage, req.challenge!, parseBody(formFields, req.body));
      // Columns or classes may have changed: the volunteers' page is resolved again from the new files.
      await clearCrowdDisplay(ctx.db.db, c.id);
      done(req, res, c, { preview: await preview(ctx.storage, c) });
    } catch (err) {
      if (!(err instanceof UserError) || wantsJson(req)) throw err;
      await settingsPage(req, res, { error: err.message, problems: (err.details as { problems?: string[] })?.problems }, err.status);
    }
  });

  const crowdPage = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    const c = req.challenge!;
    const form = await crowdPageForm(ctx.storage, c);
    const crowd = await crowdSummary(ctx.db.db, c);
    res.status(status).render('organizer-crowd-page', { title: `Volunteers' page · ${c.title}`, c: { slug: c.slug, title: c.title }, form, crowdOn: crowd.enabled, ...extra });
  };
  r.get('/organize/:slug/crowd-page', organizes, async (req, res) => {
    if (wantsJson(req)) return res.json({ crowdPage: await crowdPageForm(ctx.storage, req.challenge!) });
    await crowdPage(req, res);
  });
  r.post('/organize/:slug/crowd-page', organizes, async (req, res) => {
    const { yaml, reset } = parseBody(crowdPageFormBody, req.body);
    if (yaml === undefined && !reset) throw new UserError(400, 'no_yaml', 'Send the crowd section as the field yaml (an empty text removes it), or reset=1 for the default page.');
    const text = reset ? '' : (yaml ?? '');
    try {
      const saved = await saveCrowdPage(ctx.db.db, ctx.storage, req.challenge!, text);
      if (wantsJson(req)) return res.json({ saved: true, removed: saved.removed });
      await crowdPage(req, res, { saved: saved.removed ? 'Removed: volunteers now see the default page.' : 'Saved: volunteers see this page from their next subject.' });
    } catch (err) {
      if (!(err instanceof UserError) || wantsJson(req)) throw err;
      const form = { ...(await crowdPageForm(ctx.storage, req.challenge!)), yaml: text };
      await crowdPage(req, res, { form, error: err.message, problems: (err.details as { problems?: string[] })?.problems }, err.status);
    }
  });

  r.post('/organize/:slug/files', organizes, receive, async (req, res) => {
    let c = req.challenge!;
    const got = uploaded(req);
    if (!Object.keys(got).length) throw new UserError(400, 'no_file', `Choose a file in one of the fields ${KINDS.join(', ')}.`);
    try {
      for (const [kind, tmp] of Object.entries(got) as Array<[DataKind, string]>) c = await replaceFile(ctx.db.db, ctx.storage, c, kind, tmp);
    } finally {
      cleanup(req);
    }
    done(req, res, c, { solutionSha256: c.solution_sha256 });
  });

  r.post('/organize/:slug/crowd', organizes, async (req, res) => {
    const c = req.challenge!;
    const id = await enableCrowd(ctx.db, ctx.storage, c, parseBody(formFields, req.body));
    if (wantsJson(req)) return res.json({ workflowId: id, manage: `/crowd/${c.slug}/manage` });
    res.redirect(303, `/crowd/${c.slug}/manage`);
  });
  // Publish, freeze, close and re-score ask first: the console's buttons lead to this page, whose form posts with confirm=1.
  const explanationOf = async (c: Challenge, action: ConfirmedAction) => explainAction(action, c, await actionFacts(ctx.db.db, c));
  const confirmPage = async (req: Request, res: Response, action: ConfirmedAction, extra: Record<string, unknown> = {}, status = 200) => {
    const c = req.challenge!;
    const explanation = await explanationOf(c, action);
    res.status(status).render('organizer-confirm', { title: `${explanation.heading} · ${c.title}`, challenge: { slug: c.slug, title: c.title }, action, ...explanation, ...extra });
  };
  r.get('/organize/:slug/confirm/:action', organizes, async (req, res) => {
    const action = String(req.params.action);
    if (!isConfirmedAction(action)) throw new UserError(404, 'unknown_action', `No action '${action}' to confirm: one of ${CONFIRMED_ACTIONS.join(', ')}.`);
    const unavailable = actionUnavailable(action, req.challenge!);
    if (unavailable) throw new UserError(409, 'action_unavailable', unavailable);
    if (wantsJson(req)) return res.json({ action, ...(await explanationOf(req.challenge!, action)), confirmWith: action === 'close' ? { confirm: 1, slug: req.challenge!.slug } : { confirm: 1 } });
    await confirmPage(req, res, action, { reason: parseInput(confirmQuery, req.query, 'query').reason });
  });
  /** Lets a confirmed request through; a browser's unconfirmed one gets the confirmation page again, with what was missing. */
  const confirmed = (action: ConfirmedAction) => async (req: Request, res: Response, next: NextFunction) => {
    try {
      requireConfirmation(action, req.challenge!, req.body);
    } catch (err) {
      if (!(err instanceof UserError) || wantsJson(req)) throw err;
      return confirmPage(req, res, action, { error: err.message, reason: rescoreForm.safeParse(req.body).data?.reason }, err.status);
    }
    next();
  };
  r.post('/organize/:slug/publish', organizes, confirmed('publish'), async (req, res) => {
    await publish(ctx.db.db, ctx.storage, req.challenge!);
    done(req, res, await reload(req.challenge!));
  });
  r.post('/organize/:slug/freeze', organizes, confirmed('freeze'), async (req, res) => {
    await setFrozen(ctx.db.db, req.challenge!, true);
    done(req, res, await reload(req.challenge!));
  });
  r.post('/organize/:slug/unfreeze', organizes, async (req, res) => {
    await setFrozen(ctx.db.db, req.challenge!, false);
    done(req, res, await reload(req.challenge!));
  });
  r.post('/organize/:slug/close', organizes, confirmed('close'), async (req, res) => {
    await closeNow(ctx.db.db, req.challenge!);
    done(req, res, await reload(req.challenge!));
  });
  r.post('/organize/:slug/open-data', organizes, async (req, res) => {
    const form = parseBody(openDataForm, req.body);
    const on = form.publish !== 'false';
    await setOpenData(ctx.db.db, req.challenge!, on, form.doi ?? req.challenge!.doi);
    done(req, res, await reload(req.challenge!));
  });
  // One form endpoint for the organizers list: `remove` (a user id) takes an organizer off, else `email` adds one.
  r.post('/organize/:slug/organizers', organizes, async (req, res) => {
    const form = parseBody(organizersForm, req.body);
    if (form.remove !== undefined) {
      await removeChallengeOrganizer(ctx.db, req.challenge!, form.remove);
      // Organizers who removed themselves no longer see the console of this challenge.
      const stillHere = await canOrganize(ctx.db.db, req.user, req.challenge!);
      return done(req, res, req.challenge!, { organizers: await organizersOf(ctx.db.db, req.challenge!.id) }, stillHere ? undefined : canCreateChallenges(req.user) ? '/organize' : '/');
    }
    const email = form.email.trim().toLowerCase();
    const u = email ? await findUserByEmail(ctx.db.db, email) : undefined;
    if (!u) throw new UserError(404, 'user_not_found', `No account with email '${email}'.`);
    await addOrganizer(ctx.db.db, req.challenge!.id, u.id);
    done(req, res, req.challenge!);
  });

  r.post('/organize/:slug/rescore', organizes, confirmed('rescore'), async (req, res) => {
    const id = await startRescore(ctx.db, req.challenge!, req.user!.id, parseBody(rescoreForm, req.body).reason ?? null);
    ctx.nudgeWorkers();
    if (wantsJson(req)) return res.status(202).json({ ok: true, runId: id });
    res.redirect(303, `/organize/${req.challenge!.slug}/rescore/${id}`);
  });
  r.get('/organize/:slug/rescore/:id', organizes, async (req, res) => {
    const run = await getRun(ctx.db.db, req.challenge!, parseInput(runParams, req.params, 'path').id);
    if (wantsJson(req)) return res.json({ run });
    res.render('organizer-rescore', { title: `Re-score #${run.id} · ${req.challenge!.title}`, challenge: publicChallenge(req.challenge!), run, pending: run.status === 'queued' || run.status === 'running' });
  });

  const send = (res: Response, name: string, type: 'csv' | 'json', rows: Array<Record<string, unknown>>, columns: string[], extra: Record<string, unknown> = {}) => {
    res.attachment(name);
    if (type === 'json') return res.type('application/json').send(JSON.stringify({ ...extra, rows }, null, 2));
    res.type('text/csv').send(toCsv(rows, columns));
  };
  for (const type of ['csv', 'json'] as const) {
    r.get(`/organize/:slug/export/leaderboard.${type}`, organizes, async (req, res) => {
      const board = req.query.board ?? 'public';
      if (board !== 'public' && board !== 'private') throw new UserError(400, 'bad_board', "board is 'public' or 'private'.");
      const which = board;
      const c = req.challenge!;
      send(res, `${c.slug}-${which}-leaderboard.${type}`, type, await exportBoard(ctx.db.db, c, which), BOARD_COLUMNS, { challenge: c.slug, board: which, exportedAt: new Date().toISOString() });
    });
    r.get(`/organize/:slug/export/submissions.${type}`, organizes, async (req, res) => {
      const c = req.challenge!;
      send(res, `${c.slug}-submissions.${type}`, type, await exportSubmissions(ctx.db.db, c), SUBMISSION_COLUMNS, { challenge: c.slug, exportedAt: new Date().toISOString() });
    });
  }

  r.get('/admin/users', admin, async (req, res) => {
    const users = await listUsers(ctx.db.db);
    if (wantsJson(req)) return res.json({ users });
    const roles: Role[] = ['participant', 'organizer', 'admin'];
    res.render('organizer-admin-users', { title: 'Users', users: users.map((u) => ({ ...u, roles: roles.map((r) => ({ role: r, selected: r === u.role })) })) });
  });
  r.post('/admin/users/:id/role', admin, async (req, res) => {
    const { role } = parseBody(roleForm, req.body);
    if (!['participant', 'organizer', 'admin'].includes(role)) throw new UserError(400, 'invalid_role', 'Role must be participant, organizer or admin.');
    const { id } = parseInput(userParams, req.params, 'path');
    if (id === req.user!.id && role !== 'admin') throw new UserError(409, 'own_role', 'You cannot take the admin role from yourself.');
    if (!(await setUserRole(ctx.db.db, id, role as Role))) throw new UserError(404, 'not_found', 'No such user.');
    forgetUserSessions(ctx.db.db, id);
    if (wantsJson(req)) return res.json({ ok: true });
    res.redirect(303, '/admin/users');
  });
  return r;
}
