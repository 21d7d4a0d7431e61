/** What the console shows of a challenge's companions: its TF.js baseline and its crowd workflow. */
import { z } from 'zod';
import type { Db, DbHandle } from '../db/index.js';
import type { Challenge } from '../challenges/repo.js';
import { latestBaselineSubmission, latestRun } from '../baseline/service.js';
import { createWorkflow } from '../crowd/setup.js';
import { retirementField, wholeField } from '../crowd/settings.js';
import { workflowCounts } from '../crowd/repo.js';
import { UserError } from '../web/errors.js';

export async function baselineSummary(db: Db, c: Challenge) {
  const run = await latestRun(db, c.id);
  const latest = await latestBaselineSubmission(db, c.id);
  const sub = latest && { id: latest.id, status: latest.status, public_score: latest.public_score };
  return { page: `/challenges/${c.slug}/baseline`, run: run ? { id: run.id, status: run.status, startedAt: run.started_at, finishedAt: run.finished_at } : null, submission: sub ?? null };
}

export async function crowdSummary(db: Db, c: Challenge) {
  const wf = await db.selectFrom('crowd_workflows').select(['id', 'active']).where('challenge_id', '=', c.id).executeTakeFirst();
  if (!wf) return { enabled: false as const, canEnable: c.classes.length >= 2 };
  return { enabled: true as const, active: wf.active === 1, manage: `/crowd/${c.slug}/manage`, ...(await workflowCounts(db, wf.id)) };
}

const crowdForm = z.object({
  retirement: retirementField.default('fixed'),
  retireCount: wholeField('retire after').default(20),
  goldPerClass: wholeField('gold per class').default(60),
});

/**
 * Turns on volunteer classification: the test rows become the subjects (shown without labels) and up
 * to `goldPerClass` labelled training rows per class the gold set. Returns the workflow id (the
 * existing one when it is already on).
 */
export async function enableCrowd(handle: DbHandle, c: Challenge, body: unknown): Promise<number> {
  if (c.classes.length < 2) throw new UserError(409, 'no_classes', 'Crowd classification needs a challenge with named classes (set them in the settings).');
  const parsed = crowdForm.safeParse(body);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => i.message);
    throw new UserError(400, 'bad_crowd_settings', `Crowd classification was not turned on: ${problems.join('; ')}.`, { problems });
  }
  return createWorkflow(handle, c, parsed.data);
}
