import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createTestContext, datasetFile, signedInAgent, type TestContext } from './helpers.js';
import { findChallengeBySlug, type Challenge } from '../src/challenges/repo.js';
import request from 'supertest';
import { acceptInvite, cancelMerge, createInvite, createTeam, leaveTeam, mergeProblem, mergeTeams, teamOf } from '../src/teams/service.js';
import { createApiToken } from '../src/accounts/tokens.js';
import { UserError } from '../src/web/errors.js';
import { board } from '../src/leaderboards/service.js';
import { quota } from '../src/submissions/service.js';

const DAY = 86_400_000;
const rules = (over: Partial<Challenge> = {}) =>
  ({ opens_at: new Date(Date.now() - 2.5 * DAY).toISOString(), closes_at: new Date(Date.now() + 30 * DAY).toISOString(), merge_deadline: null, daily_limit: 2, team_size: 3, state: 'published', ...over }) as Challenge;

describe('team merge rules (pure)', () => {
  it('allows a merge within size, count and deadline', () => {
    // 2.5 days open: 3 started days × 2 a day = 6 submissions allowed.
    assert.equal(mergeProblem(rules(), { members: 3, submissions: 6 }), null);
  });
  it('refuses when the combined count exceeds daily_limit × days elapsed', () => {
    assert.match(mergeProblem(rules(), { members: 2, submissions: 7 })!, /7 submissions, more than the 6 allowed so far \(2 a day × 3 days/);
  });
  it('refuses above the team size cap', () => {
    assert.match(mergeProblem(rules(), { members: 4, submissions: 0 })!, /at most 3 members/);
  });
  it('refuses after the merge deadline, which defaults to the close', () => {
    assert.match(mergeProblem(rules({ merge_deadline: new Date(Date.now() - 1000).toISOString() }), { members: 2, submissions: 0 })!, /merger deadline .* has passed/);
    assert.match(mergeProblem(rules({ closes_at: new Date(Date.now() - 1000).toISOString() }), { members: 2, submissions: 0 })!, /closed/);
  });
});

describe('teams', function () {
  let ctx: TestContext;
  let c: Challenge;
  const ids: Record<string, number> = {};
  const agents: Record<string, Awaited<ReturnType<typeof signedInAgent>>> = {};
  const sample = fs.readFileSync(datasetFile('xray-sources', 'sample_submission.csv.gz'));
  const submit = (who: string) => agents[who].agent.post(`/challenges/xray-sources/submissions?_csrf=${agents[who].csrf}`).set('Accept', 'application/json').attach('file', sample, 's.csv.gz');
  const refresh = async () => (c = (await findChallengeBySlug(ctx.handle.db, 'xray-sources'))!);
  const rejects = async (p: Promise<unknown>, code: string, re?: RegExp) => {
    await assert.rejects(p, (e: unknown) => e instanceof UserError && e.code === code && (!re || re.test(e.message)));
  };

  before(async () => {
    ctx = await createTestContext({ challenges: ['xray-sources'], workers: 0 });
    await signedInAgent(ctx.app, 'admin@example.org', 'Admin');
    for (const n of ['ann', 'ben', 'cat', 'dan', 'eve', 'fay']) {
      agents[n] = await signedInAgent(ctx.app, `${n}@example.org`, n);
      ids[n] = (await ctx.handle.db.selectFrom('users').select('id').where('email', '=', `${n}@example.org`).executeTakeFirstOrThrow()).id;
    }
    // Opened 1.5 days ago: 2 started days × daily_limit 2 = 4 submissions allowed in a merge.
    await ctx.handle.db.updateTable('challenges').set({ team_size: 3, daily_limit: 2, opens_at: new Date(Date.now() - 1.5 * DAY).toISOString() }).execute();
    await refresh();
  });
  after(async () => ctx.close());

  it('creates a team, whose submissions and daily limit are shared, moving earlier submissions in', async () => {
    await submit('ann').expect(202);
    const team = await createTeam(ctx.handle, c, ids.ann, 'Aurora');
    assert.deepEqual(team.members.map((m) => m.name), ['ann']);
    assert.equal(team.submissions, 1);
    const rows = await ctx.handle.db.selectFrom('submissions').select(['team_id']).where('user_id', '=', ids.ann).execute();
    assert.deepEqual(rows.map((r) => r.team_id), [team.id]);
    // Today's quota came along: one slot used of two.
    assert.equal((await quota(ctx.handle.db, c, ids.ann)).used, 1);
    await rejects(createTeam(ctx.handle, c, ids.ann, 'Another'), 'already_in_team');
    await rejects(createTeam(ctx.handle, c, ids.ben, 'Aurora'), 'team_name_taken');
  });

  it('invites by link; the invitee joins with their submissions, and the team shares one daily limit', async () => {
    const team = (await teamOf(ctx.handle.db, c.id, ids.ann))!;
    const { token } = await createInvite(ctx.handle.db, team.id, ids.ann);
    await rejects(createInvite(ctx.handle.db, team.id, ids.ben), 'not_a_member');
    // Through the web: the link page, then accepting it.
    await submit('ben').expect(202);
    const page = await agents.ben.agent.get(`/teams/join/${token}`).expect(200);
    assert.match(page.text, /Join team Aurora/);
    await agents.ben.agent.post(`/teams/join/${token}`).type('form').send({ _csrf: agents.ben.csrf }).expect(303);
    const joined = (await teamOf(ctx.handle.db, c.id, ids.ben))!;
    assert.equal(joined.id, team.id);
    assert.equal(joined.submissions, 2);
    // Both used one slot today; the team has 2 of 2 used now.
    assert.equal((await quota(ctx.handle.db, c, ids.ben)).left, 0);
    const refused = await submit('ann').expect(429);
    assert.equal(refused.body.error.code, 'daily_limit');
    // Each member sees the team's submissions.
    const mine = await agents.ann.agent.get('/challenges/xray-sources/submissions').set('Accept', 'application/json').expect(200);
    assert.equal(mine.body.submissions.length, 2);
    await rejects(acceptInvite(ctx.handle, 'not-a-token', ids.cat), 'invite_not_found');
  });

  it('submissions carry the team, and the leaderboard shows one row per team with its members', async () => {
    await ctx.handle.db.updateTable('submissions').set({ status: 'scored', public_score: 0.5, private_score: 0.4 }).execute();
    const rows = await board(ctx.handle.db, c, 'public', false);
    assert.deepEqual(rows.map((r) => [r.name, r.members, r.entries]), [['Aurora', ['ann', 'ben'], 2]]);
    const html = await agents.cat.agent.get('/challenges/xray-sources/leaderboard').expect(200);
    assert.match(html.text, /Aurora.*<small class="members">ann, ben<\/small>/s);
  });

  it('enforces the size cap when accepting', async () => {
    const team = (await teamOf(ctx.handle.db, c.id, ids.ann))!;
    const { token } = await createInvite(ctx.handle.db, team.id, ids.ben);
    await acceptInvite(ctx.handle, token, ids.cat); // 3 of 3
    await rejects(acceptInvite(ctx.handle, token, ids.dan), 'merge_not_allowed', /at most 3 members/);
    await rejects(createInvite(ctx.handle.db, team.id, ids.ann), 'team_locked', /at most 3 members/);
  });

  it('lets a member who has not submitted leave, but not one who has', async () => {
    await leaveTeam(ctx.handle, c, ids.cat);
    assert.equal(await teamOf(ctx.handle.db, c.id, ids.cat), null);
    await rejects(leaveTeam(ctx.handle, c, ids.ann), 'cannot_leave');
  });

  it('merges two teams only when both ask, within the submission count rule', async () => {
    const aurora = (await teamOf(ctx.handle.db, c.id, ids.ann))!;
    const dawn = await createTeam(ctx.handle, c, ids.dan, 'Dawn');
    // Dawn has 3 submissions: with Aurora's 2 that is 5 > 2 a day × 2 days.
    const insert = (n: number) =>
      ctx.handle.db
        .insertInto('submissions')
        .values(Array.from({ length: n }, () => ({
          challenge_id: c.id, user_id: ids.dan, team_id: dawn.id, file_path: 'x', original_name: 'x.csv', sha256: 'x', size_bytes: 1, row_count: 1, message: null,
          status: 'scored' as const, error: null, warnings_json: null, public_score: 0.6, private_score: 0.3, details_json: null, scorer_version: 'macro_f1@1',
          solution_sha256: 'x', selected: 0, is_baseline: 0, created_at: new Date().toISOString(), scored_at: null,
        })))
        .execute();
    await insert(3);
    await rejects(mergeTeams(ctx.handle, c, dawn.id, aurora.id, ids.dan), 'merge_not_allowed', /5 submissions, more than the 4 allowed so far \(2 a day × 2 days/);
    await ctx.handle.db.deleteFrom('submissions').where('team_id', '=', dawn.id).where('id', 'in', ctx.handle.db.selectFrom('submissions').select('id').where('team_id', '=', dawn.id).limit(1)).execute();
    // 4 combined: allowed, once both sides ask.
    await rejects(mergeTeams(ctx.handle, c, dawn.id, aurora.id, ids.eve), 'not_a_member');
    const asked = await mergeTeams(ctx.handle, c, dawn.id, aurora.id, ids.dan);
    assert.equal(asked.status, 'requested');
    assert.equal((await mergeTeams(ctx.handle, c, dawn.id, aurora.id, ids.dan)).status, 'requested');
    const merged = await mergeTeams(ctx.handle, c, dawn.id, aurora.id, ids.ben);
    assert.equal(merged.status, 'merged');
    assert.deepEqual(merged.team.members.map((m) => m.name).sort(), ['ann', 'ben', 'dan']);
    assert.equal(merged.team.submissions, 4);
    assert.equal(await ctx.handle.db.selectFrom('teams').select('id').where('id', '=', dawn.id).executeTakeFirst(), undefined);
    const rows = await board(ctx.handle.db, c, 'public', false);
    assert.deepEqual(rows.map((r) => [r.name, r.entries, r.score]), [['Aurora', 4, 0.6]]);
  });

  it('lets the team that asked withdraw a merge request (web, API and service); the other team then cannot accept it', async () => {
    const catTeam = await createTeam(ctx.handle, c, ids.cat, 'Cat team');
    const fayTeam = await createTeam(ctx.handle, c, ids.fay, 'Fay solo');
    const pending = () => ctx.handle.db.selectFrom('team_merge_requests').select(['from_team_id', 'into_team_id', 'requested_by_team_id']).execute();
    assert.equal((await mergeTeams(ctx.handle, c, fayTeam.id, catTeam.id, ids.cat)).status, 'requested');
    assert.deepEqual(await pending(), [{ from_team_id: fayTeam.id, into_team_id: catTeam.id, requested_by_team_id: catTeam.id }]);

    // Only a member of the requesting team can withdraw it: not the other team, not an outsider.
    await rejects(cancelMerge(ctx.handle, c, fayTeam.id, catTeam.id, ids.fay), 'not_a_member', /team that asked/);
    await rejects(cancelMerge(ctx.handle, c, fayTeam.id, catTeam.id, ids.eve), 'not_a_member');
    await rejects(cancelMerge(ctx.handle, c, catTeam.id, fayTeam.id, ids.cat), 'merge_request_not_found');
    await rejects(cancelMerge(ctx.handle, c, Number('x'), catTeam.id, ids.cat), 'merge_request_not_found');

    // The team page offers the button to the team that asked only.
    const catPage = await agents.cat.agent.get('/challenges/xray-sources/team').expect(200);
    assert.match(catPage.text, /Fay solo → Cat team \(asked by your team\)/);
    assert.match(catPage.text, new RegExp(`action="/challenges/xray-sources/team/merge/cancel".*name="_csrf" value="${agents.cat.csrf}".*name="from_team" value="${fayTeam.id}".*name="into_team" value="${catTeam.id}".*data-testid="cancel-merge"`, 's'));
    const fayPage = await agents.fay.agent.get('/challenges/xray-sources/team').expect(200);
    assert.match(fayPage.text, /Fay solo → Cat team \(asked by the other team\)/);
    assert.doesNotMatch(fayPage.text, /cancel-merge/);
    const form = { from_team: String(fayTeam.id), into_team: String(catTeam.id) };
    const refused = await agents.fay.agent.post('/challenges/xray-sources/team/merge/cancel').type('form').send({ _csrf: agents.fay.csrf, ...form }).expect(403);
    assert.match(refused.text, /Only members of the team that asked for the merge can withdraw it/);
    await agents.cat.agent.post('/challenges/xray-sources/team/merge/cancel').type('form').send(form).expect(403); // no CSRF token
    assert.equal((await pending()).length, 1);
    const withdrawn = await agents.cat.agent.post('/challenges/xray-sources/team/merge/cancel').type('form').send({ _csrf: agents.cat.csrf, ...form }).expect(200);
    assert.match(withdrawn.text, /Merge request withdrawn\./);
    assert.deepEqual(await pending(), []);

    // Withdrawn: the other team's same call records its own request instead of merging.
    assert.equal((await mergeTeams(ctx.handle, c, fayTeam.id, catTeam.id, ids.fay)).status, 'requested');
    assert.equal((await teamOf(ctx.handle.db, c.id, ids.fay))!.id, fayTeam.id);
    assert.equal((await teamOf(ctx.handle.db, c.id, ids.cat))!.id, catTeam.id);

    // Through the API: the team that asked now is Fay's.
    const bearer = async (id: number) => `Bearer ${(await createApiToken(ctx.handle.db, id, { name: 't' })).token}`;
    const url = '/api/v1/challenges/xray-sources/team/merges/cancel';
    const body = { fromTeamId: fayTeam.id, intoTeamId: catTeam.id };
    const asCat = await request(ctx.app).post(url).set('Authorization', await bearer(ids.cat)).send(body).expect(403);
    assert.equal(asCat.body.error.code, 'not_a_member');
    await request(ctx.app).post(url).send(body).expect(401);
    await request(ctx.app).post(url).set('Authorization', await bearer(ids.fay)).send({ fromTeamId: 'x' }).expect(400);
    const state = await request(ctx.app).get('/api/v1/challenges/xray-sources/team').set('Authorization', await bearer(ids.fay)).expect(200);
    assert.deepEqual(state.body.mergeRequests.map((r: { requested_by_team_id: number }) => r.requested_by_team_id), [fayTeam.id]);
    assert.deepEqual([state.body.teamSize, state.body.invites], [3, { open: true, reason: null }]);
    const asFay = await request(ctx.app).post(url).set('Authorization', await bearer(ids.fay)).send(body).expect(200);
    assert.equal(asFay.body.status, 'cancelled');
    assert.equal(asFay.body.team.name, 'Fay solo');
    const gone = await request(ctx.app).post(url).set('Authorization', await bearer(ids.fay)).send(body).expect(404);
    assert.equal(gone.body.error.code, 'merge_request_not_found');
    assert.deepEqual(await pending(), []);
    // A full team cannot invite, and says why.
    const full = await request(ctx.app).get('/api/v1/challenges/xray-sources/team').set('Authorization', await bearer(ids.ann)).expect(200);
    assert.equal(full.body.invites.open, false);
    assert.match(full.body.invites.reason, /at most 3 members/);

    await leaveTeam(ctx.handle, c, ids.cat);
    await leaveTeam(ctx.handle, c, ids.fay);
  });

  it('refuses merges and joins after the merge deadline', async () => {
    const eveTeam = await createTeam(ctx.handle, c, ids.eve, 'Eve alone');
    const { token } = await createInvite(ctx.handle.db, eveTeam.id, ids.eve);
    await ctx.handle.db.updateTable('challenges').set({ merge_deadline: new Date(Date.now() - 1000).toISOString() }).execute();
    await refresh();
    await rejects(acceptInvite(ctx.handle, token, ids.fay), 'merge_not_allowed', /merger deadline/);
    const aurora = (await teamOf(ctx.handle.db, c.id, ids.ann))!;
    await rejects(mergeTeams(ctx.handle, c, eveTeam.id, aurora.id, ids.eve), 'merge_not_allowed', /merger deadline/);
  });

  it('serves the team page and its forms', async () => {
    const page = await agents.fay.agent.get('/challenges/xray-sources/team').expect(200);
    assert.match(page.text, /Create team/);
    await agents.fay.agent.post('/challenges/xray-sources/team').type('form').send({ _csrf: agents.fay.csrf, name: 'Fay team' }).expect(303);
    const invite = await agents.fay.agent.post('/challenges/xray-sources/team/invite').type('form').send({ _csrf: agents.fay.csrf }).expect(409);
    assert.match(invite.text, /merger deadline/);
    await agents.fay.agent.post('/challenges/xray-sources/team/leave').type('form').send({ _csrf: agents.fay.csrf }).expect(303);
    const json = await agents.fay.agent.get('/challenges/xray-sources/team').set('Accept', 'application/json').expect(200);
    assert.equal(json.body.team, null);
  });
});
