import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { signedInAgent, type TestContext } from './helpers.js';
import { crowdContext, organizerAgent } from './crowd-helpers.js';

/**
 * The classify and vote routes reuse a workflow's settings for CROWD_WORKFLOW_CACHE_MS (issue 13 §2:
 * the lookup was one of a serve's round trips to PostgreSQL). A change through this process shows at
 * once; one made elsewhere (here straight in the database, as another web process would) within the window.
 */
describe('the crowd workflow cache', function () {
  this.timeout(60_000);
  const WINDOW_MS = 1500;
  let ctx: TestContext & { workflowId: number };

  before(async () => {
    ctx = await crowdContext({}, { CROWD_WORKFLOW_CACHE_MS: String(WINDOW_MS) });
  });
  after(() => ctx?.close());

  it('shows a settings change made here at once, and one made elsewhere within the window', async () => {
    const org = await organizerAgent(ctx); // first: the first account is an admin, who sees paused workflows
    const volunteer = await signedInAgent(ctx.app, 'cached@example.org');
    const classify = () => volunteer.agent.get('/crowd/xmm-sources/classify').set('Accept', 'application/json');
    const settings = (body: Record<string, string>) => org.agent.post('/crowd/xmm-sources/settings').set('Accept', 'application/json').set('X-CSRF-Token', org.csrf).send(body).expect(200);

    assert.equal((await classify()).status, 200);
    await settings({ active: '0' });
    const paused = await classify();
    assert.equal(paused.status, 404, `a pause saved through this process applies to the next serve: ${paused.status} ${paused.text.slice(0, 200)}`);
    await settings({ active: '1' });
    const cachedAt = Date.now(); // the copy is read after this
    assert.equal((await classify()).status, 200, 'and so does the reopening');

    // Another process pauses the workflow: this one serves from its copy until the copy is WINDOW_MS old.
    await ctx.handle.db.updateTable('crowd_workflows').set({ active: 0 }).where('id', '=', ctx.workflowId).execute();
    const stale = await classify();
    if (Date.now() - cachedAt < WINDOW_MS) assert.equal(stale.status, 200, 'the cached copy is used inside the window');
    await sleep(WINDOW_MS + 100);
    assert.equal((await classify()).status, 404, 'the change shows once the window has passed');
  });
});
