import assert from 'node:assert/strict';
import request from 'supertest';
import { createTestContext, signedInAgent, type TestContext } from './helpers.js';

const JSON_ = 'application/json';
const BOUNDARY = 'sift-bad-input-boundary';

/** A multipart body whose one file part has a NUL byte in its filename. */
const nulFilenameBody = () =>
  Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="pred\u0000ictions.csv"\r\nContent-Type: text/csv\r\n\r\nname,Class\r\nx,AGN\r\n--${BOUNDARY}--\r\n`,
    'latin1',
  );

describe('bad input gets a 400 naming the problem, never a 500', function () {
  let ctx: TestContext;
  let participant: Awaited<ReturnType<typeof signedInAgent>>;
  let organizer: Awaited<ReturnType<typeof signedInAgent>>;
  before(async () => {
    ctx = await createTestContext({ workers: 0, challenges: ['xmm-sources'] });
    organizer = await signedInAgent(ctx.app, 'org@example.org');
    await ctx.handle.db.updateTable('users').set({ role: 'organizer' }).where('email', '=', 'org@example.org').execute();
    participant = await signedInAgent(ctx.app, 'player@example.org');
  });
  after(async () => ctx.close());

  describe('a multipart filename with a NUL byte', () => {
    for (const [who, path] of [
      ['participant', '/challenges/xmm-sources/submissions'],
      ['organizer', '/organize/new'],
    ] as const) {
      it(`is a 400 on ${path}`, async () => {
        const { agent, csrf } = who === 'organizer' ? organizer : participant;
        const res = await agent
          .post(`${path}?_csrf=${encodeURIComponent(csrf)}`)
          .set('Accept', JSON_)
          .set('Content-Type', `multipart/form-data; boundary=${BOUNDARY}`)
          .send(nulFilenameBody());
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.equal(res.body.error.code, 'bad_upload');
        assert.match(res.body.error.message, /not valid multipart\/form-data: Malformed part header/);
      });
    }
  });

  describe('a path whose percent-encoding does not decode', () => {
    it('is a 400 page for a browser and a 400 JSON error for the API', async () => {
      const page = await request(ctx.app).get('/challenges/%E0%A4%A').expect(400);
      assert.match(page.text, /cannot decode the percent-encoding of &#x27;%E0%A4%A&#x27;|cannot decode the percent-encoding of '%E0%A4%A'/);
      const api = await request(ctx.app).get('/api/v1/challenges/%E0%A4%A').expect(400);
      assert.equal(api.body.error.code, 'bad_path');
    });
  });

  describe('a body field that is not text', () => {
    it('is a 400 naming the field on the team routes', async () => {
      const { agent, csrf } = participant;
      const created = await agent.post('/challenges/xmm-sources/team').set('Accept', JSON_).send({ _csrf: csrf, name: { toString: 1 } });
      assert.equal(created.status, 400);
      assert.equal(created.body.error.code, 'invalid_request');
      assert.deepEqual(created.body.error.issues.map((i: { field: string }) => i.field), ['name']);
      const merge = await agent.post('/challenges/xmm-sources/team/merge').set('Accept', JSON_).send({ _csrf: csrf, from_team: { toString: 1 }, into_team: [1] });
      assert.equal(merge.status, 400);
      assert.deepEqual(merge.body.error.issues.map((i: { field: string }) => i.field).sort(), ['from_team', 'into_team']);
      assert.match(merge.body.error.message, /from_team: must be a team id/);
    });

    it('is a 400 naming the field for text holding a NUL character (PostgreSQL cannot store it)', async () => {
      const { agent, csrf } = participant;
      const team = await agent.post('/challenges/xmm-sources/team').set('Accept', JSON_).send({ _csrf: csrf, name: 'nul\u0000team' }).expect(400);
      assert.match(team.body.error.message, /name: must not contain NUL characters/);
      const token = await agent.post('/profile/tokens').type('form').send({ _csrf: csrf, name: 'lap\u0000top' }).expect(400);
      assert.match(token.text, /name: must not contain NUL characters/);
      const teams = await ctx.handle.db.selectFrom('teams').select('name').execute();
      assert.deepEqual(teams, []);
    });

    it('is a 400 naming the field on the log-in and sign-up forms, for browsers too', async () => {
      const agent = request.agent(ctx.app);
      const csrf = /name="_csrf" value="([^"]+)"/.exec((await agent.get('/login').expect(200)).text)![1];
      const login = await agent.post('/login').send({ _csrf: csrf, email: { toString: 1 }, password: 'x' }).expect(400);
      assert.match(login.text, /email: /);
      const signup = await agent.post('/signup').set('Accept', JSON_).send({ _csrf: csrf, email: 'a@example.org', name: ['x'], password: 'long enough pw' }).expect(400);
      assert.deepEqual(signup.body.error.issues.map((i: { field: string }) => i.field), ['name']);
    });

    it('is a 400 naming the field on the organizer console', async () => {
      const { agent, csrf } = organizer;
      const role = await agent.post('/admin/users/1/role').set('Accept', JSON_).send({ _csrf: csrf, role: { toString: 1 } });
      assert.equal(role.status, 403); // organizers are no admins: the role check comes first
      await ctx.handle.db.updateTable('users').set({ role: 'admin' }).where('email', '=', 'org@example.org').execute();
      const bad = await agent.post('/admin/users/1/role').set('Accept', JSON_).send({ _csrf: csrf, role: { toString: 1 } }).expect(400);
      assert.deepEqual(bad.body.error.issues.map((i: { field: string }) => i.field), ['role']);
      const settings = await agent.post('/organize/xmm-sources/settings').set('Accept', JSON_).send({ _csrf: csrf, metric: { toString: 1 } }).expect(400);
      assert.deepEqual(settings.body.error.issues.map((i: { field: string }) => i.field), ['metric']);
      const organizers = await agent.post('/organize/xmm-sources/organizers').set('Accept', JSON_).send({ _csrf: csrf, email: { toString: 1 } }).expect(400);
      assert.deepEqual(organizers.body.error.issues.map((i: { field: string }) => i.field), ['email']);
      await ctx.handle.db.updateTable('users').set({ role: 'organizer' }).where('email', '=', 'org@example.org').execute();
    });
  });
});
