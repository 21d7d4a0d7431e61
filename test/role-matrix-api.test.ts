import assert from 'node:assert/strict';
import fs from 'node:fs';
import request from 'supertest';
import { insertUser } from '../src/accounts/repo.js';
import { createApiToken } from '../src/accounts/tokens.js';
import { findChallengeBySlug, type Challenge } from '../src/challenges/repo.js';
import { nowIso } from '../src/db/index.js';
import type { Role } from '../src/db/schema.js';
import { openApiDocument } from '../src/api/openapi.js';
import { addOrganizer } from '../src/organizers/access.js';
import { acceptInvite, createInvite, createTeam } from '../src/teams/service.js';
import { accept } from '../src/submissions/service.js';
import { createWorkflowForSlug } from '../src/crowd/setup.js';
import { createTestContext, datasetFile, waitForTerminal, type TestContext } from './helpers.js';

/**
 * Who may call each API endpoint. Every cell runs with a fresh actor of that kind, so mutations
 * in one cell never change another's outcome:
 *   anon: no token; part: a participant alone; member: a member of team T (which owns submission S);
 *   orgHere: organizer of higgsml (and of the draft xmm-sources); orgOther: organizer of xray-sources only; admin.
 */
const ACTORS = ['anon', 'part', 'member', 'orgHere', 'orgOther', 'admin'] as const;
type Actor = (typeof ACTORS)[number];

interface Row {
  method: 'get' | 'post' | 'put';
  /** The OpenAPI path this row exercises. */
  doc: string;
  /** The concrete URL; {S} {T} {U} {INVITE} {NAME} are filled in. */
  url: string;
  body?: Record<string, unknown> | 'sample';
  expect: [anon: number, part: number, member: number, orgHere: number, orgOther: number, admin: number];
}

const H = '/api/v1/challenges/higgsml';
const MATRIX: Row[] = [
  { method: 'get', doc: '/api/v1/me', url: '/api/v1/me', expect: [401, 200, 200, 200, 200, 200] },
  { method: 'get', doc: '/api/v1/challenges', url: '/api/v1/challenges', expect: [200, 200, 200, 200, 200, 200] },
  { method: 'get', doc: '/api/v1/challenges/{slug}', url: H, expect: [200, 200, 200, 200, 200, 200] },
  // A draft exists only for its organizers and admins.
  { method: 'get', doc: '/api/v1/challenges/{slug}', url: '/api/v1/challenges/xmm-sources', expect: [404, 404, 404, 200, 404, 200] },
  { method: 'get', doc: '/api/v1/challenges/{slug}/quota', url: `${H}/quota`, expect: [401, 200, 200, 200, 200, 200] },
  // Public data files: as the web's download links, whoever sees the challenge; never the solution, not even for organizers.
  { method: 'get', doc: '/api/v1/challenges/{slug}/data', url: `${H}/data`, expect: [200, 200, 200, 200, 200, 200] },
  { method: 'get', doc: '/api/v1/challenges/{slug}/data', url: '/api/v1/challenges/xmm-sources/data', expect: [404, 404, 404, 200, 404, 200] },
  { method: 'get', doc: '/api/v1/challenges/{slug}/data/{file}', url: `${H}/data/train.csv.gz`, expect: [200, 200, 200, 200, 200, 200] },
  { method: 'get', doc: '/api/v1/challenges/{slug}/data/{file}', url: `${H}/data/solution.csv.gz`, expect: [404, 404, 404, 404, 404, 404] },
  { method: 'get', doc: '/api/v1/challenges/{slug}/submissions', url: `${H}/submissions`, expect: [401, 200, 200, 200, 200, 200] },
  { method: 'post', doc: '/api/v1/challenges/{slug}/submissions', url: `${H}/submissions`, body: 'sample', expect: [401, 202, 202, 202, 202, 202] },
  // Submissions are seen and selected by their entrant only (the team T here), not by organizers or admins.
  // The challenge's organizers may open any of its submissions (with every score detail).
  { method: 'get', doc: '/api/v1/challenges/{slug}/submissions/{id}', url: `${H}/submissions/{S}`, expect: [401, 404, 200, 200, 404, 200] },
  { method: 'put', doc: '/api/v1/challenges/{slug}/submissions/{id}/selection', url: `${H}/submissions/{S}/selection`, body: { selected: true }, expect: [401, 404, 200, 404, 404, 404] },
  { method: 'get', doc: '/api/v1/challenges/{slug}/leaderboard', url: `${H}/leaderboard`, expect: [200, 200, 200, 200, 200, 200] },
  // Before the close, the private board is for the challenge's own organizers and admins.
  { method: 'get', doc: '/api/v1/challenges/{slug}/leaderboard/private', url: `${H}/leaderboard/private`, expect: [403, 403, 403, 200, 403, 200] },
  { method: 'get', doc: '/api/v1/challenges/{slug}/leaderboard/private', url: '/api/v1/challenges/xray-sources/leaderboard/private', expect: [403, 403, 403, 403, 200, 200] },
  { method: 'get', doc: '/api/v1/challenges/{slug}/teams', url: `${H}/teams`, expect: [200, 200, 200, 200, 200, 200] },
  { method: 'get', doc: '/api/v1/challenges/{slug}/team', url: `${H}/team`, expect: [401, 200, 200, 200, 200, 200] },
  { method: 'post', doc: '/api/v1/challenges/{slug}/team', url: `${H}/team`, body: { name: '{NAME}' }, expect: [401, 201, 409, 201, 201, 201] },
  { method: 'post', doc: '/api/v1/challenges/{slug}/team/invites', url: `${H}/team/invites`, expect: [401, 404, 201, 404, 404, 404] },
  { method: 'post', doc: '/api/v1/challenges/{slug}/team/leave', url: `${H}/team/leave`, expect: [401, 404, 200, 404, 404, 404] },
  { method: 'post', doc: '/api/v1/challenges/{slug}/team/merges', url: `${H}/team/merges`, body: { fromTeamId: '{U}', intoTeamId: '{T}' }, expect: [401, 403, 200, 403, 403, 403] },
  { method: 'post', doc: '/api/v1/challenges/{slug}/team/merges/cancel', url: `${H}/team/merges/cancel`, body: { fromTeamId: '{U}', intoTeamId: '{T}' }, expect: [401, 403, 200, 403, 403, 403] },
  { method: 'get', doc: '/api/v1/invites/{token}', url: '/api/v1/invites/{INVITE}', expect: [401, 200, 200, 200, 200, 200] },
  { method: 'post', doc: '/api/v1/invites/{token}/accept', url: '/api/v1/invites/{INVITE}/accept', expect: [401, 200, 200, 200, 200, 200] },
  // The comparison: known-source panels for everyone; test-row panels for the challenge's organizers until it closes.
  { method: 'get', doc: '/api/v1/crowd/{slug}/compare/{panel}', url: '/api/v1/crowd/xray-sources/compare/tables', expect: [200, 200, 200, 200, 200, 200] },
  { method: 'get', doc: '/api/v1/crowd/{slug}/compare/{panel}', url: '/api/v1/crowd/xray-sources/compare/disagreements', expect: [403, 403, 403, 403, 200, 200] },
  { method: 'get', doc: '/api/v1/crowd/{slug}/compare/{panel}', url: '/api/v1/crowd/higgsml/compare/tables', expect: [404, 404, 404, 404, 404, 404] },
  // A draft's comparison exists only for its organizers and admins, like the draft itself.
  { method: 'get', doc: '/api/v1/crowd/{slug}/compare/{panel}', url: '/api/v1/crowd/xmm-sources/compare/tables', expect: [404, 404, 404, 200, 404, 200] },
  // Volunteer computing: any token runs units; a challenge's searches are its organizers' (and admins').
  { method: 'post', doc: '/api/v1/compute/work', url: '/api/v1/compute/work', body: { host: { key: 'matrix-host', platform: 'test', backend: 'cpu' } }, expect: [401, 200, 200, 200, 200, 200] },
  { method: 'post', doc: '/api/v1/compute/results/{id}', url: '/api/v1/compute/results/999999', body: { error: 'no such unit here' }, expect: [401, 404, 404, 404, 404, 404] },
  { method: 'get', doc: '/api/v1/compute/units', url: '/api/v1/compute/units', expect: [401, 200, 200, 200, 200, 200] },
  { method: 'get', doc: '/api/v1/compute/hosts', url: '/api/v1/compute/hosts', expect: [401, 200, 200, 200, 200, 200] },
  { method: 'get', doc: '/api/v1/challenges/{slug}/compute/data', url: `${H}/compute/data`, expect: [401, 200, 200, 200, 200, 200] },
  { method: 'get', doc: '/api/v1/challenges/{slug}/compute/data', url: '/api/v1/challenges/xmm-sources/compute/data', expect: [401, 404, 404, 200, 404, 200] },
  { method: 'get', doc: '/api/v1/challenges/{slug}/compute/searches', url: `${H}/compute/searches`, expect: [401, 403, 403, 200, 403, 200] },
  // The first organizer starts search 1; the admin after them finds it running (409 search_running).
  { method: 'post', doc: '/api/v1/challenges/{slug}/compute/searches', url: `${H}/compute/searches`, expect: [401, 403, 403, 201, 403, 409] },
  { method: 'get', doc: '/api/v1/challenges/{slug}/compute/searches/{id}', url: `${H}/compute/searches/1`, expect: [401, 403, 403, 200, 403, 200] },
  { method: 'post', doc: '/api/v1/challenges/{slug}/compute/searches/{id}/promote', url: `${H}/compute/searches/1/promote`, body: {}, expect: [401, 403, 403, 409, 403, 409] },
  { method: 'get', doc: '/api/openapi.json', url: '/api/openapi.json', expect: [200, 200, 200, 200, 200, 200] },
  { method: 'get', doc: '/api/docs', url: '/api/docs', expect: [200, 200, 200, 200, 200, 200] },
];

describe('API role matrix', function () {
  this.timeout(180_000);
  let ctx: TestContext;
  let higgs: Challenge;
  let fixed: Record<string, string>;
  let n = 0;

  const user = async (role: Role) => {
    n += 1;
    return insertUser(ctx.handle.db, { email: `u${n}@example.org`, name: `User ${n}`, password_hash: 'x', role, created_at: nowIso() });
  };

  /** A fresh actor of a kind: its Authorization header (none for anonymous). */
  async function actor(kind: Actor): Promise<string | undefined> {
    if (kind === 'anon') return undefined;
    const u = await user(kind === 'admin' ? 'admin' : kind.startsWith('org') ? 'organizer' : 'participant');
    if (kind === 'member') await acceptInvite(ctx.handle, fixed.INVITE, u.id);
    if (kind === 'orgHere') {
      await addOrganizer(ctx.handle.db, higgs.id, u.id);
      await addOrganizer(ctx.handle.db, (await findChallengeBySlug(ctx.handle.db, 'xmm-sources'))!.id, u.id);
    }
    if (kind === 'orgOther') await addOrganizer(ctx.handle.db, (await findChallengeBySlug(ctx.handle.db, 'xray-sources'))!.id, u.id);
    return `Bearer ${(await createApiToken(ctx.handle.db, u.id, { name: kind })).token}`;
  }

  before(async () => {
    ctx = await createTestContext({ challenges: ['higgsml', 'xray-sources', 'xmm-sources'] });
    await user('admin');
    await ctx.handle.db.updateTable('challenges').set({ state: 'draft' }).where('slug', '=', 'xmm-sources').execute();
    await ctx.handle.db.updateTable('challenges').set({ team_size: 100, daily_limit: 50 }).where('slug', '=', 'higgsml').execute();
    higgs = (await findChallengeBySlug(ctx.handle.db, 'higgsml'))!;
    // Team T: its founder made submission S (scored); team U belongs to someone else.
    const founder = await user('participant');
    const t = await createTeam(ctx.handle, higgs, founder.id, 'Team T');
    const tmp = `${ctx.config.dataDir}/uploads/fixture.csv.gz`;
    fs.mkdirSync(`${ctx.config.dataDir}/uploads`, { recursive: true });
    fs.copyFileSync(datasetFile('higgsml', 'sample_submission.csv.gz'), tmp);
    const s = await accept(ctx.handle, ctx.storage, higgs, founder.id, { tmpPath: tmp, originalName: 's.csv.gz', size: fs.statSync(tmp).size }, null);
    ctx.workers.nudge();
    assert.equal((await waitForTerminal(ctx.handle, s.id)).status, 'scored');
    const other = await user('participant');
    const u = await createTeam(ctx.handle, higgs, other.id, 'Team U');
    for (const slug of ['xray-sources', 'xmm-sources']) await createWorkflowForSlug(ctx.handle, ctx.storage, slug, { maxLive: 10, goldPerClass: 4, knownPerClass: 2 });
    fixed = { S: String(s.id), T: String(t.id), U: String(u.id), INVITE: (await createInvite(ctx.handle.db, t.id, founder.id)).token };
  });
  after(async () => ctx.close());

  it('covers every operation of the OpenAPI document', () => {
    const documented = new Set<string>();
    for (const [p, item] of Object.entries(openApiDocument.paths)) for (const m of Object.keys(item)) documented.add(`${m} ${p}`);
    const covered = new Set(MATRIX.map((r) => `${r.method} ${r.doc}`));
    assert.deepEqual([...documented].filter((d) => !covered.has(d)), []);
    assert.deepEqual([...covered].filter((c) => !documented.has(c)), []);
  });

  it('gives each actor exactly the access it should', async () => {
    const sample = fs.readFileSync(datasetFile('higgsml', 'sample_submission.csv.gz'));
    const fill = (s: string) => s.replace(/\{(S|T|U|INVITE)\}/g, (_m, k: string) => fixed[k]).replace('{NAME}', `Team ${n}`);
    const failures: string[] = [];
    for (const row of MATRIX) {
      for (const [i, kind] of ACTORS.entries()) {
        const auth = await actor(kind);
        let req = request(ctx.app)[row.method](fill(row.url));
        if (auth) req = req.set('Authorization', auth);
        if (row.body === 'sample') req = req.attach('file', sample, 'sample.csv.gz');
        else if (row.body) req = req.send(JSON.parse(fill(JSON.stringify(row.body)).replace(/"(\d+)"/g, '$1')));
        const res = await req;
        if (res.status !== row.expect[i]) failures.push(`${row.method.toUpperCase()} ${row.url} as ${kind}: ${res.status} (expected ${row.expect[i]}) ${res.body?.error ? JSON.stringify(res.body.error).slice(0, 160) : ''}`);
        else if (res.status >= 400 && row.url.startsWith('/api/v1')) assert.equal(typeof res.body.error?.code, 'string', `${row.url} as ${kind}: JSON error with a code`);
      }
    }
    assert.deepEqual(failures, []);
  });
});
