import assert from 'node:assert/strict';
import request from 'supertest';
import { createTestContext, csrfFrom, type TestContext } from './helpers.js';
import { addOrganizer } from '../src/organizers/access.js';
import { createWorkflowForSlug, type WorkflowOptions } from '../src/crowd/setup.js';
import { signUp, startSession } from '../src/accounts/service.js';
import { SESSION_COOKIE } from '../src/web/middleware.js';

export type Agent = ReturnType<typeof request.agent>;

/** A promotion rule from training to live subjects (crowd_workflows.promote_*). */
export interface PromotionRule {
  correct: number;
  window: number;
  eachClass?: boolean;
}

/** Window 0: no training gate, every volunteer is served as before earned promotion (tests not about training). */
export const NO_TRAINING_GATE: PromotionRule = { correct: 0, window: 0 };

export async function setPromotion(ctx: TestContext, workflowId: number, rule: PromotionRule) {
  await ctx.handle.db.updateTable('crowd_workflows').set({ promote_correct: rule.correct, promote_window: rule.window, promote_each_class: rule.eachClass === false ? 0 : 1 }).where('id', '=', workflowId).execute();
}

/**
 * A test app with the xmm-sources crowd workflow; CROWD_* variables apply while the app is built.
 * Tests vote at machine speed, so no vote is too fast unless a test sets CROWD_MIN_VOTE_MS. The
 * workflow has no training gate unless `promotion` gives one.
 */
export async function crowdContext(opts: WorkflowOptions & { promotion?: PromotionRule } = {}, env: Record<string, string> = {}): Promise<TestContext & { workflowId: number }> {
  const { promotion = NO_TRAINING_GATE, ...workflowOpts } = opts;
  env = { CROWD_VOTES_PER_MINUTE_USER: '100000', CROWD_VOTES_PER_MINUTE_IP: '100000', CROWD_SERVES_PER_MINUTE_IP: '100000', CROWD_MIN_VOTE_MS: '0', ...env };
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    const ctx = await createTestContext({ challenges: ['xmm-sources'] });
    const workflowId = await createWorkflowForSlug(ctx.handle, ctx.storage, 'xmm-sources', { maxLive: 40, goldPerClass: 8, knownPerClass: 0, ...workflowOpts });
    await setPromotion(ctx, workflowId, promotion);
    return { ...ctx, workflowId };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

export async function serve(agent: Agent, slug = 'xmm-sources') {
  const res = await agent.get(`/crowd/${slug}/classify`).set('Accept', 'application/json').expect(200);
  return res.body as { subject: { id: number; name: string; features: Record<string, unknown> } | null; token: string; training: boolean; experience: number };
}

export function vote(agent: Agent, csrf: string, token: string, answer: string, slug = 'xmm-sources') {
  return agent.post(`/crowd/${slug}/votes`).set('Accept', 'application/json').set('X-CSRF-Token', csrf).send({ token, answer });
}

/** The gold class of a subject (tests only read it from the database). */
export async function goldClass(ctx: TestContext, subjectId: number): Promise<string | null> {
  const s = await ctx.handle.db.selectFrom('crowd_subjects').select(['gold_class']).where('id', '=', subjectId).executeTakeFirstOrThrow();
  return s.gold_class === null ? null : ['AGN', 'Star', 'XRB', 'CV', 'Other'][s.gold_class];
}

export async function setChances(ctx: TestContext & { workflowId: number }, chances: number[]) {
  await ctx.handle.db.updateTable('crowd_workflows').set({ training_chances_json: JSON.stringify(chances) }).where('id', '=', ctx.workflowId).execute();
}

/** A signed-in organizer of the challenge (crowd organizer pages belong to that challenge's organizers). */
export async function organizerAgent(ctx: TestContext, email = 'org@example.org', slug = 'xmm-sources') {
  const user = await signUp(ctx.handle.db, { email, name: 'Org', password: 'correct horse battery' }, 'organizer');
  const challenge = await ctx.handle.db.selectFrom('challenges').select('id').where('slug', '=', slug).executeTakeFirstOrThrow();
  await addOrganizer(ctx.handle.db, challenge.id, user.id);
  const token = await startSession(ctx.handle.db, user.id, 1);
  const agent = request.agent(ctx.app);
  agent.set('Cookie', `${SESSION_COOKIE}=${token}`);
  const page = await agent.get('/crowd').expect(200);
  return { agent, csrf: csrfFrom(page.text) };
}

/** Queues the consensus job through the organizer route and waits until it is done. */
export async function runConsensusJob(ctx: TestContext, org: { agent: Agent; csrf: string }, slug = 'xmm-sources') {
  const job = await org.agent.post(`/crowd/${slug}/consensus`).set('Accept', 'application/json').set('X-CSRF-Token', org.csrf).expect(202);
  const start = Date.now();
  for (;;) {
    const j = await ctx.handle.db.selectFrom('jobs').selectAll().where('id', '=', job.body.job).executeTakeFirstOrThrow();
    if (j.status === 'done') return;
    assert.notEqual(j.status, 'failed', j.last_error ?? '');
    assert.ok(Date.now() - start < 20_000, 'consensus job did not finish');
    await new Promise((r) => setTimeout(r, 50));
  }
}
