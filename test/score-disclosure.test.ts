import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createApiToken } from '../src/accounts/tokens.js';
import { addOrganizer } from '../src/organizers/access.js';
import { findChallengeBySlug } from '../src/challenges/repo.js';
import { createTestContext, datasetFile, runCli, signedInAgent, waitForTerminal, type TestContext } from './helpers.js';

const JSON_ = 'application/json';

/** What the API and pages may say of a participant's own submission before the reveal. */
const PUBLIC_FIELDS = ['id', 'status', 'fileName', 'rows', 'message', 'error', 'warnings', 'publicScore', 'publicHidden', 'privateScore', 'details', 'scorerVersion', 'selected', 'isBaseline', 'late', 'createdAt', 'scoredAt'];

/**
 * A HiggsML submission that selects exactly one test event: its public AMS details (s, b, the
 * selected count) would tell whether that event is public, its label and its hidden weight.
 */
function oneEventSelection(): { csv: string; eventId: string } {
  const ids = zlib.gunzipSync(fs.readFileSync(datasetFile('higgsml', 'test.csv.gz'))).toString('utf8').trim().split('\n').slice(1).map((l) => l.slice(0, l.indexOf(',')));
  const eventId = ids[7];
  const others = ids.filter((id) => id !== eventId);
  const lines = ['EventId,RankOrder,Class', ...others.map((id, i) => `${id},${i + 1},b`), `${eventId},${ids.length},s`];
  return { csv: lines.join('\n') + '\n', eventId };
}

describe('score details before and after the reveal (no labelling oracle)', function () {
  this.timeout(120_000);
  let ctx: TestContext;
  let server: Server;
  let url: string;
  let home: string;
  let patToken: string;
  let pat: Awaited<ReturnType<typeof signedInAgent>>;
  let olga: Awaited<ReturnType<typeof signedInAgent>>;
  let subId: number;
  let stored: { public: Record<string, unknown>; private: Record<string, unknown> };

  const cli = (args: string[]) => runCli(args, { PATH: process.env.PATH, HOME: home, SIFT_SERVER: url, SIFT_TOKEN: patToken });

  /** The hidden figures of the stored details, as they would be printed. */
  const hiddenFigures = () => [stored.public.s, stored.public.b, stored.private.s, stored.private.b].filter((v) => typeof v === 'number' && v !== 0).map((v) => String(v));

  before(async () => {
    ctx = await createTestContext({ challenges: ['higgsml'] });
    await signedInAgent(ctx.app, 'admin@example.org', 'Admin'); // first account: admin
    pat = await signedInAgent(ctx.app, 'pat@example.org', 'Pat');
    olga = await signedInAgent(ctx.app, 'olga@example.org', 'Olga');
    const c = (await findChallengeBySlug(ctx.handle.db, 'higgsml'))!;
    const olgaRow = await ctx.handle.db.selectFrom('users').select('id').where('email', '=', 'olga@example.org').executeTakeFirstOrThrow();
    await addOrganizer(ctx.handle.db, c.id, olgaRow.id);
    const patRow = await ctx.handle.db.selectFrom('users').select('id').where('email', '=', 'pat@example.org').executeTakeFirstOrThrow();
    patToken = (await createApiToken(ctx.handle.db, patRow.id, { name: 'cli' })).token;

    const { csv } = oneEventSelection();
    subId = (await pat.agent.post(`/challenges/higgsml/submissions?_csrf=${pat.csrf}`).set('Accept', JSON_).attach('file', Buffer.from(csv), 'one.csv').expect(202)).body.submission.id;
    const row = await waitForTerminal(ctx.handle, subId);
    assert.equal(row.status, 'scored', row.error ?? '');
    stored = JSON.parse(row.details_json!);
    assert.equal(stored.public.selected! as number + (stored.private.selected as number), 1, 'one event selected in all');

    server = ctx.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'sift-disclosure-home-'));
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    await ctx.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('shows the submitter only the public score and warnings before the reveal: web, API and CLI', async () => {
    const row = await ctx.handle.db.selectFrom('submissions').selectAll().where('id', '=', subId).executeTakeFirstOrThrow();
    // The web pages (list and detail) and their JSON.
    const list = await pat.agent.get('/challenges/higgsml/submissions').set('Accept', JSON_).expect(200);
    const one = await pat.agent.get(`/challenges/higgsml/submissions/${subId}`).set('Accept', JSON_).expect(200);
    for (const s of [list.body.submissions[0], one.body.submission]) {
      assert.deepEqual(Object.keys(s).sort(), [...PUBLIC_FIELDS].sort());
      assert.equal(s.details, null);
      assert.equal(s.publicScore, row.public_score);
      assert.equal(s.privateScore, null);
    }
    for (const page of [`/challenges/higgsml/submissions/${subId}`, '/challenges/higgsml/submissions']) {
      const html = (await pat.agent.get(page).expect(200)).text;
      assert.doesNotMatch(html, /selected signal weight|selected background weight|events selected|data-testid="per-class"|data-testid="confusion"/, page);
      for (const figure of hiddenFigures()) assert.ok(!html.includes(figure.slice(0, 8)), `${page} shows ${figure}`);
    }
    // The token API.
    const api = await request(ctx.app).get(`/api/v1/challenges/higgsml/submissions/${subId}`).set('Authorization', `Bearer ${patToken}`).expect(200);
    const apiList = await request(ctx.app).get('/api/v1/challenges/higgsml/submissions').set('Authorization', `Bearer ${patToken}`).expect(200);
    for (const s of [api.body.submission, apiList.body.submissions[0]]) {
      assert.deepEqual(Object.keys(s).sort(), [...PUBLIC_FIELDS].sort());
      assert.equal(s.details, null);
    }
    const apiText = JSON.stringify([api.body, apiList.body]);
    assert.doesNotMatch(apiText, /"s"|"b"|"selected":\d|signal_weight|background_weight/);
    for (const figure of hiddenFigures()) assert.ok(!apiText.includes(figure), `API shows ${figure}`);
    // The CLI, in its table and its --json output.
    for (const args of [['submissions', 'higgsml'], ['submissions', 'higgsml', '--json']]) {
      const r = await cli(args);
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stdout, /"details":\s*\{|signal_weight|background_weight|"s":/, args.join(' '));
      for (const figure of hiddenFigures()) assert.ok(!r.stdout.includes(figure.slice(0, 8)), `CLI ${args.join(' ')} shows ${figure}`);
    }
  });

  it("shows the challenge's organizers every detail of a participant's submission", async () => {
    const res = await olga.agent.get(`/challenges/higgsml/submissions/${subId}`).set('Accept', JSON_).expect(200);
    assert.deepEqual(res.body.submission.details.public, stored.public);
    assert.deepEqual(res.body.submission.details.private, stored.private);
    const html = (await olga.agent.get(`/challenges/higgsml/submissions/${subId}`).expect(200)).text;
    assert.match(html, /selected signal weight/);
    // Another participant still cannot open it.
    const other = await signedInAgent(ctx.app, 'quinn@example.org', 'Quinn');
    await other.agent.get(`/challenges/higgsml/submissions/${subId}`).set('Accept', JSON_).expect(404);
  });

  it('shows the submitter both subsets\' details once the private board is revealed', async () => {
    await ctx.handle.db.updateTable('challenges').set({ closes_at: new Date(Date.now() - 1000).toISOString() }).where('slug', '=', 'higgsml').execute();
    const res = await pat.agent.get(`/challenges/higgsml/submissions/${subId}`).set('Accept', JSON_).expect(200);
    assert.deepEqual(res.body.submission.details, stored);
    const api = await request(ctx.app).get(`/api/v1/challenges/higgsml/submissions/${subId}`).set('Authorization', `Bearer ${patToken}`).expect(200);
    assert.deepEqual(api.body.submission.details, stored);
    const html = (await pat.agent.get(`/challenges/higgsml/submissions/${subId}`).expect(200)).text;
    assert.match(html, /selected signal weight/);
  });
});
