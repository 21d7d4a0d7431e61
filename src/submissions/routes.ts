import { metricHumanName } from '../challenges/metric-names.js';
import crypto from 'node:crypto';
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { AppContext } from '../app.js';
import { challengeFromParams, publicChallenge } from '../challenges/visibility.js';
import { phase, privateRevealed } from '../challenges/service.js';
import type { Challenge } from '../challenges/repo.js';
import { UserError, setRetryAfter } from '../web/errors.js';
import { requireUser, wantsJson } from '../web/middleware.js';
import { parseInput } from '../web/validate.js';
import { admitUploads, discardUpload, receivePrediction, submissionFields } from './upload.js';
import { findViewableSubmission, lateSubmissionsAllowed, mySubmissions, publicBoardBest, quota, setSelected, submit } from './service.js';
import { submissionView } from './view.js';
import { myScoresSvg, subsetFiguresSvg } from './plots.js';
import { canOrganize } from '../challenges/organizers.js';

export function submissionRoutes(ctx: AppContext): Router {
  const r = Router();
  const receive = receivePrediction(ctx, { deferErrors: true });
  const admit = admitUploads(ctx);
  // The challenge is looked up before the body is read, so an unknown or draft one costs no upload.
  const challengeFirst = async (req: Request, res: Response, next: NextFunction) => {
    res.locals.challenge = await challengeFromParams(ctx, req);
    next();
  };
  const submitPage = async (c: Challenge, userId: number) => {
    const closed = phase(c) === 'closed';
    // After the close the form stays only for late submissions; without them the Submit tab says when it closed and what is still there.
    const late = closed && lateSubmissionsAllowed(c);
    return {
      title: `Submit · ${c.title}`,
      challenge: publicChallenge(c),
      closed,
      late,
      showForm: !closed || late,
      openData: c.open_data === 1,
      // The daily limit still applies to late submissions.
      quota: closed && !late ? null : await quota(ctx.db.db, c, userId),
      // A fresh key per page: a retried post of this form returns its first submission instead of a second one.
      idempotencyKey: crypto.randomUUID(),
      tab: 'submit',
    };
  };

  r.get('/challenges/:slug/submit', requireUser, async (req, res) => {
    const c = await challengeFromParams(ctx, req);
    res.render('submit', await submitPage(c, req.user!.id));
  });

  r.post('/challenges/:slug/submissions', requireUser, challengeFirst, admit, receive, async (req, res) => {
    const c = res.locals.challenge as Challenge;
    try {
      if (res.locals.uploadError) throw res.locals.uploadError;
      const fields = parseInput(submissionFields, req.body, 'body');
      if (!req.file) throw new UserError(400, 'no_file', "No file was uploaded: choose a CSV file (.csv or .csv.gz) in the field 'file'.");
      const { submission: sub } = await submit(ctx.db, ctx.storage, c, req.user!.id, { tmpPath: req.file.path, originalName: req.file.originalname, size: req.file.size }, fields.message ?? null, {
        runtime: ctx.uploads,
        idempotencyKey: fields.idempotency_key,
      });
      ctx.nudgeWorkers();
      if (wantsJson(req)) return res.status(202).json({ submission: submissionView(sub, c), quota: await quota(ctx.db.db, c, req.user!.id, sub.team_id) });
      res.redirect(303, `/challenges/${c.slug}/submissions#s${sub.id}`);
    } catch (err) {
      if (!(err instanceof UserError) || wantsJson(req)) throw err;
      // The page is rendered here rather than by the error handler, so the 429's Retry-After is set here too.
      setRetryAfter(res, err);
      const details = (err.details ?? {}) as { errors?: unknown[]; totalErrors?: number; warnings?: unknown[] };
      res.status(err.status).render('submit', {
        ...(await submitPage(c, req.user!.id)),
        error: err.message,
        errors: details.errors,
        totalErrors: details.totalErrors,
        shownErrors: details.errors?.length,
        truncated: (details.errors?.length ?? 0) < (details.totalErrors ?? 0),
        fileName: req.file?.originalname,
      });
    } finally {
      await discardUpload(req);
    }
  });

  r.get('/challenges/:slug/submissions', requireUser, async (req, res) => {
    const c = await challengeFromParams(ctx, req);
    const revealed = privateRevealed(c);
    const mine = await mySubmissions(ctx.db.db, c, req.user!.id);
    const audience = { organizer: await canOrganize(ctx.db.db, req.user, c) };
    const submissions = mine.rows.map((s) => submissionView(s, c, audience));
    const q = mine.quota;
    if (wantsJson(req)) return res.json({ submissions, quota: q });
    const boardBest = await publicBoardBest(ctx.db.db, c);
    const plot = myScoresSvg(
      submissions.filter((s) => s.status === 'scored' && s.publicScore !== null).map((s) => ({ id: s.id, at: s.createdAt, publicScore: Number(s.publicScore) })),
      { boardBest, metric: metricHumanName(c.metric), higherIsBetter: c.higherIsBetter },
    );
    res.render('submissions', { title: `My submissions · ${c.title}`, challenge: publicChallenge(c), submissions, quota: q, revealed, plot, boardBest: boardBest !== null, hiddenAfterFreeze: submissions.some((s) => s.publicHidden), anyLate: submissions.some((s) => s.late), pending: submissions.some((s) => s.status === 'queued' || s.status === 'scoring'), tab: 'submissions' });
  });

  r.get('/challenges/:slug/submissions/:id', requireUser, async (req, res) => {
    const c = await challengeFromParams(ctx, req);
    const { row: s, audience } = await findViewableSubmission(ctx.db.db, c, Number(req.params.id), req.user!);
    const revealed = privateRevealed(c);
    const submission = submissionView(s, c, audience);
    if (wantsJson(req)) return res.json({ submission });
    // Figures come from the details, so a participant gets none before the close.
    const figures = { public: subsetFiguresSvg(submission.details?.public, c.metric, 'public'), private: subsetFiguresSvg(submission.details?.private, c.metric, 'private') };
    res.render('submission', { title: `Submission #${s.id} · ${c.title}`, challenge: publicChallenge(c), submission, revealed, figures, showPrivate: revealed || audience.organizer, tab: 'submissions' });
  });

  r.post('/challenges/:slug/submissions/:id/select', requireUser, async (req, res) => {
    const c = await challengeFromParams(ctx, req);
    await setSelected(ctx.db, c, req.user!.id, Number(req.params.id), req.body.selected === 'true' || req.body.selected === true || req.body.selected === '1');
    if (wantsJson(req)) return res.json({ ok: true });
    res.redirect(303, `/challenges/${c.slug}/submissions`);
  });
  return r;
}
