/** What the console shows of a challenge's companions: its TF.js baseline and its crowd workflow. */
import { z } from 'zod';
import type { Db, DbHandle } from '../db/index.js';
import type { Challenge } from '../challenges/repo.js';
import { latestBaselineSubmission, latestRun } from '../baseline/service.js';
import { createWorkflow, type WorkflowOptions } from '../crowd/setup.js';
import { retirementField, wholeField } from '../crowd/settings.js';
import { workflowCounts } from '../crowd/repo.js';
import { UserError } from '../web/errors.js';
import { volunteerCount } from './repo.js';
import type { ObjectStorage } from '../storage/index.js';

export async function baselineSummary(db: Db, c: Challenge) {
  const run = await latestRun(db, c.id);
  const latest = await latestBaselineSubmission(db, c.id);
  const sub = latest && { id: latest.id, status: latest.status, public_score: latest.public_score, created_at: latest.created_at };
  return { page: `/challenges/${c.slug}/baseline`, run: run ? { id: run.id, status: run.status, startedAt: run.started_at, finishedAt: run.finished_at } : null, submission: sub ?? null };
}

export async function crowdSummary(db: Db, c: Challenge) {
  const wf = await db.selectFrom('crowd_workflows').select(['id', 'active']).where('challenge_id', '=', c.id).executeTakeFirst();
  if (!wf) return { enabled: false as const, canEnable: c.classes.length >= 2 };
  return { enabled: true as const, active: wf.active === 1, manage: `/crowd/${c.slug}/manage`, ...(await workflowCounts(db, wf.id)), volunteers: await volunteerCount(db, wf.id) };
}

/**
 * Live subjects when the form leaves the field blank: every test row up to this many; a larger test
 * set gives this many, sampled by id hash over the whole file (setup.ts liveLimit). The console's
 * form shows it as the field's value (test/crowd-higgs-demo.test.ts checks they agree).
 */
export const DEFAULT_LIVE_SUBJECTS = 20_000;
const MAX_LIVE_SUBJECTS = 1_000_000;

const liveSubjectsField = z.preprocess(
  (v) => (v === '' || v === null ? undefined : v),
  z.coerce
    .number({ message: 'live subjects: a number' })
    .int('live subjects: a whole number')
    .min(1, 'live subjects: at least 1')
    .max(MAX_LIVE_SUBJECTS, 'live subjects: at most 1,000,000')
    .default(DEFAULT_LIVE_SUBJECTS),
);

const crowdForm = z.object({
  retirement: retirementField.default('fixed'),
  retireCount: wholeField('retire after').default(20),
  goldPerClass: wholeField('gold per class').default(60),
  liveSubjects: liveSubjectsField,
});

/** The workflow options from the console's form; 400 naming every bad field. */
export function crowdFormOptions(body: unknown): WorkflowOptions {
  const parsed = crowdForm.safeParse(body ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => i.message);
    throw new UserError(400, 'bad_crowd_settings', `Crowd classification was not turned on: ${problems.join('; ')}.`, { problems });
  }
  const { liveSubjects, ...rest } = parsed.data;
  return { ...rest, liveLimit: liveSubjects };
}

/**
 * Turns on volunteer classification: the test rows become the subjects (shown without labels; up to
 * `liveSubjects` of them, sampled by id hash past that) and up to `goldPerClass` labelled training
 * rows per class the gold set. Returns the workflow id (the existing one when it is already on).
 */
export async function enableCrowd(handle: DbHandle, storage: ObjectStorage, c: Challenge, body: unknown): Promise<number> {
  if (c.classes.length < 2) throw new UserError(409, 'no_classes', 'Crowd classification needs a challenge with named classes (set them in the settings).');
  return createWorkflow(handle, storage, c, crowdFormOptions(body));
}
