/** Which crowd workflows a viewer may open: an active one for everyone, a paused one for its challenge's organizers only. */
import type { Db } from '../db/index.js';
import { canOrganize } from '../challenges/organizers.js';
import { UserError } from '../web/errors.js';
import type { User } from '../accounts/repo.js';
import { workflowBySlug, type Workflow } from './repo.js';

export async function viewableWorkflow(db: Db, wf: Workflow | undefined, slug: string, viewer: User | undefined): Promise<Workflow> {
  if (!wf || (!wf.active && !(await canOrganize(db, viewer, { id: wf.challengeId })))) throw new UserError(404, 'not_found', `No crowd workflow for '${slug}'.`);
  return wf;
}

/** The workflow of `slug` if this viewer may open it, else a 404 that says so. */
export async function workflowForViewer(db: Db, slug: string, viewer: User | undefined): Promise<Workflow> {
  return viewableWorkflow(db, await workflowBySlug(db, slug), slug, viewer);
}
