import assert from 'node:assert/strict';
import request from 'supertest';
import { createTestContext, csrfFrom, listRoutes, signedInAgent, type TestContext } from './helpers.js';
import { ORGANIZER_ROUTES } from '../src/organizers/routes.js';
import { addOrganizer } from '../src/organizers/access.js';
import { createTeam } from '../src/teams/service.js';
import { findChallengeBySlug } from '../src/challenges/repo.js';
import { createXrayDraft, xraySettings } from './organizer-helpers.js';
import { createWorkflowForSlug } from '../src/crowd/setup.js';
import { flagAnomaly } from '../src/crowd/talk.js';
import { ensureVolunteer } from '../src/crowd/repo.js';

type Role = 'anonymous' | 'participant' | 'teamMember' | 'organizerOfThis' | 'organizerOfOther' | 'admin';
const ROLES: Role[] = ['anonymous', 'participant', 'teamMember', 'organizerOfOther', 'organizerOfThis', 'admin'];

type Agents = Record<Role, { agent: ReturnType<typeof request.agent>; csrf: string }>;

/** One signed-in agent per role; Olga and Otto get the organizer role (which challenges they organize is up to the caller). */
async function signInEveryRole(ctx: TestContext): Promise<Agents> {
  const anon = request.agent(ctx.app);
  const agents: Agents = {
    admin: await signedInAgent(ctx.app, 'admin@example.org', 'Admin'),
    organizerOfThis: await signedInAgent(ctx.app, 'olga@example.org', 'Olga'),
    organizerOfOther: await signedInAgent(ctx.app, 'otto@example.org', 'Otto'),
    participant: await signedInAgent(ctx.app, 'pat@example.org', 'Pat'),
    teamMember: await signedInAgent(ctx.app, 'tim@example.org', 'Tim'),
    anonymous: { agent: anon, csrf: csrfFrom((await anon.get('/login').expect(200)).text) },
  };
  await ctx.handle.db.updateTable('users').set({ role: 'organizer' }).where('email', 'in', ['olga@example.org', 'otto@example.org']).execute();
  return agents;
}

/** Who may use a route: admins only, anyone with the organizer role, or this challenge's organizers. */
type Audience = 'admin' | 'creators' | 'thisChallenge';
const allowedFor: Record<Audience, Role[]> = {
  admin: ['admin'],
  creators: ['organizerOfThis', 'organizerOfOther', 'admin'],
  thisChallenge: ['organizerOfThis', 'admin'],
};

interface Case {
  audience: Audience;
  /** Status for those allowed (the request is harmless: a validation error or an idempotent action). */
  ok: number;
  body?: Record<string, unknown>;
  query?: string;
  /** Runs before each request, so each role meets the same state. */
  setup?: () => Promise<void>;
}

describe('role matrix: every organizer console and admin route', function () {
  let ctx: TestContext;
  const agents = {} as Agents;
  let runId = 0;
  let spareUser = 0;

  before(async () => {
    ctx = await createTestContext({ challenges: ['xray-sources'], workers: 0 });
    Object.assign(agents, await signInEveryRole(ctx));
    // Olga creates and publishes 'xr'; Otto organizes another challenge.
    await createXrayDraft(agents.organizerOfThis, 'xr').expect(201);
    await agents.organizerOfThis.agent.post('/organize/xr/settings').set('Accept', 'application/json').send({ _csrf: agents.organizerOfThis.csrf, ...xraySettings() }).expect(200);
    await agents.organizerOfThis.agent.post('/organize/xr/publish').set('Accept', 'application/json').send({ _csrf: agents.organizerOfThis.csrf, confirm: 1 }).expect(200);
    const other = (await findChallengeBySlug(ctx.handle.db, 'xray-sources'))!;
    const otto = await ctx.handle.db.selectFrom('users').select('id').where('email', '=', 'otto@example.org').executeTakeFirstOrThrow();
    await addOrganizer(ctx.handle.db, other.id, otto.id);
    // Tim is in a team of 'xr'.
    const xr = (await findChallengeBySlug(ctx.handle.db, 'xr'))!;
    const tim = await ctx.handle.db.selectFrom('users').select('id').where('email', '=', 'tim@example.org').executeTakeFirstOrThrow();
    await createTeam(ctx.handle, xr, tim.id, 'Tim team');
    spareUser = (await ctx.handle.db.insertInto('users').values({ email: 'spare@example.org', name: 'Spare', password_hash: 'x', role: 'participant', created_at: new Date().toISOString() }).returning('id').executeTakeFirstOrThrow()).id;
  });
  after(async () => ctx.close());

  const resetRuns = async () => {
    await ctx.handle.db.deleteFrom('rescore_runs').execute();
    await ctx.handle.db.deleteFrom('jobs').execute();
  };
  const cases: Record<(typeof ORGANIZER_ROUTES)[number][1], Case> = {
    '/organize': { audience: 'creators', ok: 200 },
    '/organize/new': { audience: 'creators', ok: 200 },
    '/organize/:slug': { audience: 'thisChallenge', ok: 200 },
    '/organize/:slug/confirm/:action': { audience: 'thisChallenge', ok: 200 },
    '/organize/:slug/settings': { audience: 'thisChallenge', ok: 200 },
    '/organize/:slug/files': { audience: 'thisChallenge', ok: 400 },
    '/organize/:slug/publish': { audience: 'thisChallenge', ok: 200, body: { confirm: 1 } },
    '/organize/:slug/freeze': { audience: 'thisChallenge', ok: 200, body: { confirm: 1 } },
    '/organize/:slug/unfreeze': { audience: 'thisChallenge', ok: 200 },
    '/organize/:slug/close': {
      audience: 'thisChallenge',
      ok: 200,
      body: { confirm: 1, slug: 'xr' },
      setup: async () => void (await ctx.handle.db.updateTable('challenges').set({ state: 'published', closes_at: new Date(Date.now() + 86_400_000).toISOString() }).where('slug', '=', 'xr').execute()),
    },
    '/organize/:slug/open-data': { audience: 'thisChallenge', ok: 200, setup: async () => void (await ctx.handle.db.updateTable('challenges').set({ state: 'closed' }).where('slug', '=', 'xr').execute()) },
    '/organize/:slug/organizers': { audience: 'thisChallenge', ok: 404, body: { email: 'nobody@example.org' } },
    '/organize/:slug/crowd': { audience: 'thisChallenge', ok: 200 },
    '/organize/:slug/crowd-page': { audience: 'thisChallenge', ok: 200 },
    '/organize/:slug/rescore': { audience: 'thisChallenge', ok: 202, body: { confirm: 1 }, setup: resetRuns },
    '/organize/:slug/rescore/:id': { audience: 'thisChallenge', ok: 200 },
    '/organize/:slug/export/leaderboard.csv': { audience: 'thisChallenge', ok: 200, query: 'board=private' },
    '/organize/:slug/export/leaderboard.json': { audience: 'thisChallenge', ok: 200 },
    '/organize/:slug/export/submissions.csv': { audience: 'thisChallenge', ok: 200 },
    '/organize/:slug/export/submissions.json': { audience: 'thisChallenge', ok: 200 },
    '/admin/users': { audience: 'admin', ok: 200 },
    '/admin/users/:id/role': { audience: 'admin', ok: 200, body: { role: 'participant' } },
  };
  // POST /organize/new with an empty form: allowed roles get the validation error.
  const postOk: Partial<Record<string, number>> = { '/organize/new': 400, '/organize/:slug/settings': 400, '/organize/:slug/crowd-page': 400 };

  it('lists a case for every route, and the list is exactly the app\'s /organize and /admin routes', () => {
    for (const [, path] of ORGANIZER_ROUTES) assert.ok(cases[path], `no role-matrix case for ${path}`);
    const served = new Set(listRoutes(ctx.app).map((r) => `${r.method.toUpperCase()} ${r.path}`));
    const ours = [...served].filter((r) => /^\w+ \/(organize|admin)(\/|$)/.test(r)).sort();
    assert.deepEqual(ours, ORGANIZER_ROUTES.map(([m, p]) => `${m} ${p}`).sort());
  });

  for (const [method, path] of ORGANIZER_ROUTES) {
    it(`${method} ${path}`, async () => {
      const cs = cases[path];
      const ok = method === 'POST' ? (postOk[path] ?? cs.ok) : cs.ok;
      const got: Record<string, number> = {};
      const want: Record<string, number> = {};
      for (const role of ROLES) {
        await cs.setup?.();
        if (path === '/organize/:slug/rescore/:id') {
          await resetRuns();
          const xr = (await findChallengeBySlug(ctx.handle.db, 'xr'))!;
          runId = (await ctx.handle.db.insertInto('rescore_runs').values({ challenge_id: xr.id, status: 'queued', total: 0, done: 0, before_json: '{"public":[],"private":[]}', after_json: null, reason: null, error: null, created_by: null, created_at: new Date().toISOString(), finished_at: null }).returning('id').executeTakeFirstOrThrow()).id;
        }
        const url = path.replace(':slug', 'xr').replace(':id', String(path.startsWith('/admin') ? spareUser : runId)).replace(':action', 'rescore');
        const { agent, csrf } = agents[role];
        const full = `${url}?_csrf=${csrf}${cs.query ? `&${cs.query}` : ''}`;
        const res = method === 'GET' ? await agent.get(full).set('Accept', 'application/json') : await agent.post(full).set('Accept', 'application/json').send({ _csrf: csrf, ...cs.body });
        got[role] = res.status;
        want[role] = role === 'anonymous' ? 401 : allowedFor[cs.audience].includes(role) ? ok : 403;
      }
      assert.deepEqual(got, want);
    });
  }

  it('sends anonymous browsers to the login page', async () => {
    const res = await request(ctx.app).get('/organize/xr').expect(303);
    assert.equal(res.headers.location, '/login?next=%2Forganize%2Fxr');
  });

  it('lets the private board be seen before the close by this challenge\'s organizers and admins only', async () => {
    await ctx.handle.db.updateTable('challenges').set({ state: 'published', closes_at: new Date(Date.now() + 86_400_000).toISOString() }).where('slug', '=', 'xr').execute();
    const got: Record<string, number> = {};
    for (const role of ROLES) got[role] = (await agents[role].agent.get('/challenges/xr/leaderboard/private').set('Accept', 'application/json')).status;
    assert.deepEqual(got, { anonymous: 403, participant: 403, teamMember: 403, organizerOfOther: 403, organizerOfThis: 200, admin: 200 });
  });
});

describe('role matrix: baseline and crowd organizer routes belong to this challenge\'s organizers', function () {
  let ctx: TestContext;
  const agents = {} as Agents;
  let flagId = 0;
  let fastVoteId = 0;
  let volunteerId = 0;

  before(async () => {
    ctx = await createTestContext({ challenges: ['xray-sources', 'xmm-sources'], workers: 0 });
    Object.assign(agents, await signInEveryRole(ctx));
    const ids = Object.fromEntries((await ctx.handle.db.selectFrom('users').select(['id', 'email']).execute()).map((u) => [u.email, u.id]));
    const xmm = (await findChallengeBySlug(ctx.handle.db, 'xmm-sources'))!;
    await addOrganizer(ctx.handle.db, xmm.id, ids['olga@example.org']);
    await addOrganizer(ctx.handle.db, (await findChallengeBySlug(ctx.handle.db, 'xray-sources'))!.id, ids['otto@example.org']);
    await createTeam(ctx.handle, xmm, ids['tim@example.org'], 'Tim team');
    const wf = await createWorkflowForSlug(ctx.handle, ctx.storage, 'xmm-sources', { maxLive: 5, goldPerClass: 2 });
    const subject = await ctx.handle.db.selectFrom('crowd_subjects').select('id').where('workflow_id', '=', wf).limit(1).executeTakeFirstOrThrow();
    await flagAnomaly(ctx.handle.db, subject.id, ids['pat@example.org'], 'odd');
    flagId = (await ctx.handle.db.selectFrom('crowd_flags').select('id').executeTakeFirstOrThrow()).id;
    // A too-fast vote waiting in the review queue (restoring is idempotent, so every permitted role gets 200).
    const now = new Date().toISOString();
    fastVoteId = (await ctx.handle.db
      .insertInto('crowd_votes')
      .values({ workflow_id: wf, subject_id: subject.id, voter: `u:${ids['pat@example.org']}`, user_id: ids['pat@example.org'], anon_id: null, answer: 0, is_gold: 0, correct: null, counted: 0, flagged: 1, weight: 0, info_bits: 0, time_ms: 9, ip_hash: 'test', served_at: now, created_at: now, day: now.slice(0, 10) })
      .returning('id')
      .executeTakeFirstOrThrow()).id;
    volunteerId = ids['pat@example.org'];
    await ensureVolunteer(ctx.handle.db, wf, volunteerId, 5);
    // A training already running, so a permitted "retrain" answers 409 instead of training for real.
    await ctx.handle.db.insertInto('baseline_runs').values({ challenge_id: xmm.id, status: 'running', started_by: null, seed: 1, progress_json: '{}', started_at: new Date().toISOString(), heartbeat_at: new Date().toISOString() }).execute();
  });
  after(async () => ctx.close());

  const routes: Array<[method: 'GET' | 'POST', url: string, ok: number, audience?: Role[]]> = [
    ['GET', '/challenges/xmm-sources/baseline/status', 200],
    ['POST', '/challenges/xmm-sources/baseline/train', 409],
    ['POST', '/challenges/xmm-sources/baseline/submit', 409],
    // Volunteer computing's search pages: xmm-sources' baseline.yaml has no search: section, so a permitted start is refused.
    ['GET', '/challenges/xmm-sources/compute', 200],
    ['GET', '/challenges/xmm-sources/compute/searches', 200],
    ['POST', '/challenges/xmm-sources/compute/searches', 409],
    ['GET', '/challenges/xmm-sources/compute/searches/999', 404],
    // Permitted, then refused for the matrix's body: a `status` field the promote form does not take.
    ['POST', '/challenges/xmm-sources/compute/searches/999/promote', 400],
    ['GET', '/crowd/xmm-sources/manage', 200],
    ['POST', '/crowd/xmm-sources/settings', 200],
    ['POST', '/crowd/xmm-sources/expert-set', 200],
    ['POST', '/crowd/xmm-sources/expert-set/baseline', 409],
    ['POST', '/crowd/xmm-sources/consensus', 202],
    ['GET', '/crowd/xmm-sources/export/classifications.csv', 200],
    ['GET', '/crowd/xmm-sources/export/consensus.csv', 200],
    ['GET', '/crowd/xmm-sources/export/comments.csv', 200],
    // Anyone who organizes some challenge may open the review queue; it lists only their challenges' flags.
    ['GET', '/crowd/review', 200, ['organizerOfThis', 'organizerOfOther', 'admin']],
    ['POST', '/crowd/flags/:flag', 200],
    ['POST', '/crowd/xmm-sources/votes/:vote/restore', 200],
    // Permitted, then refused because this volunteer is not held.
    ['POST', '/crowd/xmm-sources/volunteers/:volunteer/release', 409],
  ];
  for (const [method, path, ok, audience] of routes) {
    it(`${method} ${path}`, async () => {
      const got: Record<string, number> = {};
      const want: Record<string, number> = {};
      for (const role of ROLES) {
        const { agent, csrf } = agents[role];
        const url = `${path.replace(':flag', String(flagId)).replace(':vote', String(fastVoteId)).replace(':volunteer', String(volunteerId))}?_csrf=${csrf}`;
        const res = method === 'GET' ? await agent.get(url).set('Accept', 'application/json') : await agent.post(url).set('Accept', 'application/json').send({ _csrf: csrf, status: 'interesting' });
        got[role] = res.status;
        want[role] = role === 'anonymous' ? 401 : (audience ?? ['organizerOfThis', 'admin']).includes(role) ? ok : 403;
      }
      assert.deepEqual(got, want);
    });
  }

  it('shows everyone the baseline model card, and the training controls to this challenge\'s organizers only', async () => {
    const got: Record<string, [number, boolean]> = {};
    const want: Record<string, [number, boolean]> = {};
    for (const role of ROLES) {
      const res = await agents[role].agent.get('/challenges/xmm-sources/baseline').set('Accept', 'application/json');
      got[role] = [res.status, 'state' in res.body];
      want[role] = [200, ['organizerOfThis', 'admin'].includes(role)];
    }
    assert.deepEqual(got, want);
  });

  it('opens the comparison to everyone, with the test-row results for this challenge\'s organizers only while it is open', async () => {
    const got: Record<string, [number, boolean | null, number]> = {};
    const want: Record<string, [number, boolean | null, number]> = {};
    for (const role of ROLES) {
      const { agent } = agents[role];
      const page = await agent.get('/crowd/xmm-sources/compare').set('Accept', 'application/json');
      const hidden = await agent.get('/crowd/xmm-sources/compare/disagreements.json').set('Accept', 'application/json');
      got[role] = [page.status, page.body.hiddenShown ?? null, hidden.status];
      const sees = ['organizerOfThis', 'admin'].includes(role);
      want[role] = [200, sees, sees ? 200 : 403];
    }
    assert.deepEqual(got, want);
  });

  it('shows each organizer only the flags of the challenges they organize', async () => {
    const mine = await agents.organizerOfThis.agent.get('/crowd/review?status=all').set('Accept', 'application/json').expect(200);
    assert.deepEqual(mine.body.flags.map((f: { id: number }) => f.id), [flagId]);
    const other = await agents.organizerOfOther.agent.get('/crowd/review?status=all').set('Accept', 'application/json').expect(200);
    assert.deepEqual(other.body.flags, []);
    assert.deepEqual(other.body.fastVotes, []);
    assert.deepEqual(other.body.heldVolunteers, []);
  });
});
