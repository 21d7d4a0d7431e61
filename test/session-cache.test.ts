import assert from 'node:assert/strict';
import { createTestContext, signedInAgent, type TestContext } from './helpers.js';
import { addOrganizer } from '../src/organizers/access.js';
import { removeChallengeOrganizer } from '../src/organizers/remove-organizer.js';

const JSON_ = 'application/json';

describe('session cache (SESSION_CACHE_MS)', function () {
  let ctx: TestContext;
  before(async () => {
    ctx = await createTestContext({ challenges: ['xmm-sources'], workers: 0, configOverrides: { SESSION_CACHE_MS: 400 } });
  });
  after(async () => ctx.close());

  const role = async (agent: Awaited<ReturnType<typeof signedInAgent>>['agent']) => (await agent.get('/organize').set('Accept', JSON_)).status;

  it('ends a session at once on logout, even while its lookup is cached', async () => {
    const { agent, csrf } = await signedInAgent(ctx.app, 'leaver@example.org', 'Leaver');
    await agent.get('/profile').expect(200);
    await agent.post('/logout').type('form').send({ _csrf: csrf }).expect(303);
    const after = await agent.get('/profile');
    assert.equal(after.status, 303);
    assert.match(after.headers.location, /^\/login/);
  });

  it('applies a role change made through this app at once', async () => {
    const admin = await signedInAgent(ctx.app, 'boss@example.org', 'Boss');
    await ctx.handle.db.updateTable('users').set({ role: 'admin' }).where('email', '=', 'boss@example.org').execute();
    const u = await signedInAgent(ctx.app, 'promoted@example.org', 'Promoted');
    assert.equal(await role(u.agent), 403);
    const id = (await ctx.handle.db.selectFrom('users').select('id').where('email', '=', 'promoted@example.org').executeTakeFirstOrThrow()).id;
    await new Promise((r) => setTimeout(r, 450)); // the admin's own lookup, cached as participant, expires
    await admin.agent.post(`/admin/users/${id}/role`).set('Accept', JSON_).send({ _csrf: admin.csrf, role: 'organizer' }).expect(200);
    assert.equal(await role(u.agent), 200);
  });

  it('shows "Organize" at once to someone this app makes (or stops making) an organizer of a challenge', async () => {
    const u = await signedInAgent(ctx.app, 'helper@example.org', 'Helper');
    const menu = async () => /href="\/organize">Organize</.test((await u.agent.get('/').expect(200)).text);
    assert.equal(await menu(), false);
    const id = (await ctx.handle.db.selectFrom('users').select('id').where('email', '=', 'helper@example.org').executeTakeFirstOrThrow()).id;
    const c = (await ctx.handle.db.selectFrom('challenges').select('id').where('slug', '=', 'xmm-sources').executeTakeFirstOrThrow()).id;
    await addOrganizer(ctx.handle.db, c, id);
    assert.equal(await menu(), true, 'cached lookup dropped on add');
    await addOrganizer(ctx.handle.db, c, (await ctx.handle.db.selectFrom('users').select('id').where('email', '=', 'boss@example.org').executeTakeFirstOrThrow()).id);
    await removeChallengeOrganizer(ctx.handle, { id: c }, id);
    assert.equal(await menu(), false, 'cached lookup dropped on removal');
  });

  it('sees a change made by another process (straight in the database) once the cached lookup expires', async () => {
    const u = await signedInAgent(ctx.app, 'elsewhere@example.org', 'Elsewhere');
    assert.equal(await role(u.agent), 403);
    await ctx.handle.db.updateTable('users').set({ role: 'organizer' }).where('email', '=', 'elsewhere@example.org').execute();
    assert.equal(await role(u.agent), 403, 'still the cached lookup');
    await new Promise((r) => setTimeout(r, 450));
    assert.equal(await role(u.agent), 200);
  });
});
