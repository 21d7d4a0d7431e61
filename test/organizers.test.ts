import assert from 'node:assert/strict';
import fs from 'node:fs';
import zlib from 'node:zlib';
import request from 'supertest';
import { createTestContext, datasetFile, signedInAgent, waitForTerminal, type TestContext } from './helpers.js';
import { createXrayDraft, JSON_, rowsOf, xraySettings, type Agent } from './organizer-helpers.js';
import { findChallengeBySlug } from '../src/challenges/repo.js';
import { fileKeyIn } from '../src/storage/index.js';

describe('organizer console', function () {
  let ctx: TestContext;
  let admin: Agent;
  let org: Agent;
  let pat: Agent;
  let quinn: Agent;

  before(async () => {
    ctx = await createTestContext({ workers: 1 });
    admin = await signedInAgent(ctx.app, 'admin@example.org', 'Admin');
    org = await signedInAgent(ctx.app, 'olga@example.org', 'Olga');
    pat = await signedInAgent(ctx.app, 'pat@example.org', 'Pat');
    quinn = await signedInAgent(ctx.app, 'quinn@example.org', 'Quinn');
    const olga = await ctx.handle.db.selectFrom('users').select('id').where('email', '=', 'olga@example.org').executeTakeFirstOrThrow();
    await admin.agent.post(`/admin/users/${olga.id}/role`).type('form').send({ _csrf: admin.csrf, role: 'organizer' }).expect(303);
  });
  after(async () => ctx.close());

  it('lets participants not create challenges', async () => {
    // (Without files: the server refuses before reading an upload, which would cut a big request short.)
    const res = await pat.agent.post(`/organize/new?_csrf=${pat.csrf}`).set('Accept', JSON_).send({ slug: 'nope', title: 'Nope' });
    assert.equal(res.status, 403);
    assert.equal(res.body.error.code, 'forbidden');
  });

  it('creates a draft from uploads, maps columns, previews the solution, and publishes', async () => {
    await createXrayDraft(org, 'xr').expect(201);
    const draft = (await findChallengeBySlug(ctx.handle.db, 'xr'))!;
    assert.equal(draft.state, 'draft');
    // The creator is its organizer; drafts are invisible to others.
    await request(ctx.app).get('/challenges/xr').set('Accept', JSON_).expect(404);
    await org.agent.get('/challenges/xr').set('Accept', JSON_).expect(200);
    // The form offers the solution's columns and detected classes.
    const form = await org.agent.get('/organize/xr/settings').expect(200);
    assert.match(form.text, /<option selected>name<\/option>/);
    assert.match(form.text, /<option selected>Usage<\/option>/);
    // Publishing before the settings are saved is refused.
    const early = await org.agent.post('/organize/xr/publish').set('Accept', JSON_).send({ _csrf: org.csrf, confirm: 1 }).expect(409);
    assert.equal(early.body.error.code, 'not_configured');
    // A bad mapping lists the problems (as a folder import would).
    const bad = await org.agent.post('/organize/xr/settings').set('Accept', JSON_).send({ _csrf: org.csrf, ...xraySettings({ classes: 'AGN, Star' }) }).expect(400);
    assert.ok(bad.body.error.problems.some((p: string) => /line \d+: unknown class "XRB" in column "Class"/.test(p)), bad.body.error.message);

    const ok = await org.agent.post('/organize/xr/settings').set('Accept', JSON_).send({ _csrf: org.csrf, ...xraySettings() }).expect(200);
    const subsets = Object.fromEntries(ok.body.preview.subsets.map((s: { usage: string; rows: number }) => [s.usage, s.rows]));
    assert.deepEqual(subsets, { Public: 292, Private: 972, Ignored: 0 });
    const perClass = ok.body.preview.subsets[0].perClass.reduce((n: number, k: { rows: number }) => n + k.rows, 0);
    assert.equal(perClass, 292);
    const dash = await org.agent.get('/organize/xr').expect(200);
    assert.match(dash.text, /data-testid="preview"/);

    await org.agent.post('/organize/xr/publish').set('Accept', JSON_).send({ _csrf: org.csrf, confirm: 1 }).expect(200);
    const c = (await findChallengeBySlug(ctx.handle.db, 'xr'))!;
    assert.equal(c.state, 'published');
    assert.equal(c.team_size, 3);
    assert.equal(c.metric, 'macro_f1');
    // The console wrote a folder that the importer accepts: same rules, same files.
    assert.ok(await ctx.storage.stat(fileKeyIn(c.folder_key, 'challenge.yaml')));
    await request(ctx.app).get('/challenges/xr/data/train.csv.gz').expect(200);
    await request(ctx.app).get('/challenges/xr/data/solution.csv').expect(404);
    await request(ctx.app).get('/challenges/xr/data/solution.source.csv.gz').expect(404);
  });

  let patSub: number;
  let quinnSub: number;
  it('scores participants against the mapped solution', async () => {
    const sample = fs.readFileSync(datasetFile('xray-sources', 'sample_submission.csv.gz'));
    patSub = (await pat.agent.post(`/challenges/xr/submissions?_csrf=${pat.csrf}`).set('Accept', JSON_).attach('file', sample, 'sample.csv.gz').expect(202)).body.submission.id;
    // Quinn submits the true labels of the test rows.
    const truth = rowsOf(datasetFile('xray-sources', 'solution.csv.gz'));
    const perfect = truth.map((r) => `${r[0]},${r[1]}`).join('\n') + '\n';
    quinnSub = (await quinn.agent.post(`/challenges/xr/submissions?_csrf=${quinn.csrf}`).set('Accept', JSON_).attach('file', Buffer.from(perfect), 'truth.csv').expect(202)).body.submission.id;
    const p = await waitForTerminal(ctx.handle, patSub);
    const q = await waitForTerminal(ctx.handle, quinnSub);
    assert.equal(p.status, 'scored');
    assert.equal(q.public_score, 1);
    assert.ok(Math.abs(p.public_score! - 0.372) < 0.01, String(p.public_score));
  });

  it('re-scores every submission after a solution change, recording the new hash and the rank changes', async () => {
    const before = (await findChallengeBySlug(ctx.handle.db, 'xr'))!;
    const oldSub = await ctx.handle.db.selectFrom('submissions').selectAll().where('id', '=', patSub).executeTakeFirstOrThrow();
    assert.equal(oldSub.solution_sha256, before.solution_sha256);
    // New answer key: the sample submission's labels become the truth.
    const sample = new Map(rowsOf(datasetFile('xray-sources', 'sample_submission.csv.gz')).slice(1).map((r) => [r[0], r[1]]));
    const sol = rowsOf(datasetFile('xray-sources', 'solution.csv.gz'));
    const changed = [sol[0].join(','), ...sol.slice(1).map((r) => `${r[0]},${sample.get(r[0])},${r[2]}`)].join('\n') + '\n';
    const up = await org.agent.post(`/organize/xr/files?_csrf=${org.csrf}`).set('Accept', JSON_).attach('solution', Buffer.from(changed), 'solution-v2.csv').expect(200);
    assert.notEqual(up.body.solutionSha256, before.solution_sha256);

    const start = await org.agent.post('/organize/xr/rescore').set('Accept', JSON_).send({ _csrf: org.csrf, confirm: 1, reason: 'new labels' }).expect(202);
    const runId = start.body.runId;
    let run;
    for (let i = 0; i < 400; i++) {
      run = (await org.agent.get(`/organize/xr/rescore/${runId}`).set('Accept', JSON_).expect(200)).body.run;
      if (run.status === 'done' || run.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(run.status, 'done', JSON.stringify(run));
    assert.equal(run.done, 2);
    assert.equal(run.percent, 100);
    const after = (await findChallengeBySlug(ctx.handle.db, 'xr'))!;
    const p = await ctx.handle.db.selectFrom('submissions').selectAll().where('id', '=', patSub).executeTakeFirstOrThrow();
    const q = await ctx.handle.db.selectFrom('submissions').selectAll().where('id', '=', quinnSub).executeTakeFirstOrThrow();
    assert.equal(p.solution_sha256, after.solution_sha256);
    assert.notEqual(p.solution_sha256, oldSub.solution_sha256);
    assert.equal(p.scorer_version, 'macro_f1@1');
    assert.equal(p.public_score, 1);
    assert.ok(q.public_score! < 1);
    // Pat moved from 2nd to 1st on the public board.
    const patRow = run.public.find((r: { name: string }) => r.name === 'Pat');
    assert.deepEqual([patRow.before.rank, patRow.after.rank, patRow.moved, patRow.changed], [2, 1, 1, true]);
    const html = await org.agent.get(`/organize/xr/rescore/${runId}`).expect(200);
    assert.match(html.text, /data-testid="rescore-public"/);
  });

  it('turns on crowd classification from the console: test rows become subjects, labelled training rows the gold set', async () => {
    const before = (await org.agent.get('/organize/xr').set('Accept', JSON_).expect(200)).body;
    assert.deepEqual(before.crowd, { enabled: false, canEnable: true });
    assert.equal(before.baseline.page, '/challenges/xr/baseline');
    const bad = await org.agent.post('/organize/xr/crowd').set('Accept', JSON_).send({ _csrf: org.csrf, retireCount: '0', goldPerClass: 'many' }).expect(400);
    assert.deepEqual(bad.body.error.problems.sort(), ['gold per class: a number', 'retire after: at least 1']);
    assert.equal((await ctx.handle.db.selectFrom('crowd_workflows').select('id').execute()).length, 0);
    const on = await org.agent.post('/organize/xr/crowd').set('Accept', JSON_).send({ _csrf: org.csrf, retirement: 'fixed', retireCount: '7', goldPerClass: '3' }).expect(200);
    const again = await org.agent.post('/organize/xr/crowd').set('Accept', JSON_).send({ _csrf: org.csrf }).expect(200);
    assert.equal(again.body.workflowId, on.body.workflowId);
    const after = (await org.agent.get('/organize/xr').set('Accept', JSON_).expect(200)).body.crowd;
    const c = (await findChallengeBySlug(ctx.handle.db, 'xr'))!;
    const testRows = zlib.gunzipSync(fs.readFileSync(datasetFile('xray-sources', 'test.csv.gz'))).toString().trim().split('\n').length - 1;
    assert.deepEqual([after.enabled, after.live, after.gold, after.retired, after.votes], [true, testRows, 3 * c.classes.length, 0, 0]);
    const wf = await ctx.handle.db.selectFrom('crowd_workflows').selectAll().where('id', '=', on.body.workflowId).executeTakeFirstOrThrow();
    assert.equal(wf.retire_count, 7);
    const list = await pat.agent.get('/crowd').set('Accept', JSON_).expect(200);
    assert.ok(list.body.workflows.some((w: { slug: string }) => w.slug === 'xr'));
  });

  it('freezes the public board: later submissions do not show until unfrozen', async () => {
    await org.agent.post('/organize/xr/freeze').set('Accept', JSON_).send({ _csrf: org.csrf, confirm: 1 }).expect(200);
    await new Promise((r) => setTimeout(r, 5));
    const late = await signedInAgent(ctx.app, 'late@example.org', 'Late');
    const sample = fs.readFileSync(datasetFile('xray-sources', 'sample_submission.csv.gz'));
    const id = (await late.agent.post(`/challenges/xr/submissions?_csrf=${late.csrf}`).set('Accept', JSON_).attach('file', sample, 's.csv.gz').expect(202)).body.submission.id;
    await waitForTerminal(ctx.handle, id);
    const frozen = await request(ctx.app).get('/challenges/xr/leaderboard').set('Accept', JSON_).expect(200);
    assert.ok(frozen.body.frozenAt);
    assert.deepEqual(frozen.body.rows.map((r: { name: string }) => r.name).sort(), ['Pat', 'Quinn']);
    const html = await request(ctx.app).get('/challenges/xr/leaderboard').expect(200);
    assert.match(html.text, /data-testid="frozen"/);
    // The submitter cannot read the public score of a post-freeze submission either (no probing).
    const mine = await late.agent.get('/challenges/xr/submissions').set('Accept', JSON_).expect(200);
    assert.deepEqual([mine.body.submissions[0].status, mine.body.submissions[0].publicScore, mine.body.submissions[0].publicHidden], ['scored', null, true]);
    assert.equal(mine.body.submissions[0].details, null);
    assert.match((await late.agent.get(`/challenges/xr/submissions/${id}`).expect(200)).text, /data-testid="frozen-score"/);
    // Submissions made before the freeze keep their public score.
    const patView = (await pat.agent.get('/challenges/xr/submissions').set('Accept', JSON_).expect(200)).body.submissions.find((x: { id: number }) => x.id === patSub);
    assert.equal(patView.publicHidden, false);
    assert.equal(patView.publicScore, 1);
    await org.agent.post('/organize/xr/unfreeze').set('Accept', JSON_).send({ _csrf: org.csrf }).expect(200);
    const live = await request(ctx.app).get('/challenges/xr/leaderboard').set('Accept', JSON_).expect(200);
    assert.equal(live.body.rows.length, 3);
    const unfrozen = await late.agent.get('/challenges/xr/submissions').set('Accept', JSON_).expect(200);
    assert.equal(unfrozen.body.submissions[0].publicHidden, false);
    assert.ok(unfrozen.body.submissions[0].publicScore > 0);
  });

  it('exports leaderboards and all submissions as CSV and JSON', async () => {
    const csv = await org.agent.get('/organize/xr/export/submissions.csv').expect(200);
    assert.match(csv.headers['content-type'], /text\/csv/);
    const lines = csv.text.trim().split('\n');
    assert.equal(lines.length, 4);
    assert.match(lines[0], /^id,user_id,user_name,user_email,team_id,team_name,created_at,status,public_score,private_score,scorer_version,solution_sha256/);
    const json = await org.agent.get('/organize/xr/export/submissions.json').expect(200);
    const body = JSON.parse(json.text);
    assert.equal(body.rows.length, 3);
    assert.ok(body.rows.every((r: { private_score: number | null }) => typeof r.private_score === 'number'));
    const board = JSON.parse((await org.agent.get('/organize/xr/export/leaderboard.json?board=private').expect(200)).text);
    assert.equal(board.board, 'private');
    assert.equal(board.rows.length, 3);
    const boardCsv = await org.agent.get('/organize/xr/export/leaderboard.csv').expect(200);
    assert.match(boardCsv.text.split('\n')[0], /^rank,name,team_id,members/);
  });

  it('reveals the private board with the close button, then publishes the solution as open data', async () => {
    await pat.agent.get('/challenges/xr/leaderboard/private').set('Accept', JSON_).expect(403);
    await org.agent.post('/organize/xr/open-data').set('Accept', JSON_).send({ _csrf: org.csrf }).expect(409);
    await org.agent.post('/organize/xr/close').set('Accept', JSON_).send({ _csrf: org.csrf, confirm: 1, slug: 'xr' }).expect(200);
    const priv = await pat.agent.get('/challenges/xr/leaderboard/private').set('Accept', JSON_).expect(200);
    assert.equal(priv.body.revealed, true);
    await request(ctx.app).get('/challenges/xr/data/solution.csv').expect(404);
    await org.agent.post('/organize/xr/open-data').set('Accept', JSON_).send({ _csrf: org.csrf, doi: '10.5281/zenodo.123' }).expect(200);
    const sol = await request(ctx.app).get('/challenges/xr/data/solution.csv').expect(200);
    assert.match(sol.text, /^name,Class,Usage\n/);
    const page = await request(ctx.app).get('/challenges/xr').expect(200);
    assert.match(page.text, /data-testid="open-data"/);
    // Handlebars escapes "=" in the citation block.
    assert.match(page.text, /doi &#x3D; \{10\.5281\/zenodo\.123\}/);
    assert.match(page.text, /author &#x3D; \{Olga\}/);
  });

  it('splits public/private by a seeded random fraction, the same on every save', async () => {
    await createXrayDraft(org, 'xr-random').expect(201);
    const save = () => org.agent.post('/organize/xr-random/settings').set('Accept', JSON_).send({ _csrf: org.csrf, ...xraySettings({ split: 'random', public_fraction: '0.3', seed: 's1' }) }).expect(200);
    const a = (await save()).body.preview.subsets.map((s: { rows: number }) => s.rows);
    const b = (await save()).body.preview.subsets.map((s: { rows: number }) => s.rows);
    assert.deepEqual(a, b);
    assert.equal(a[0] + a[1], 1264);
    assert.equal(a[2], 0);
    assert.ok(Math.abs(a[0] / 1264 - 0.3) < 0.05, String(a));
  });

  it('removes an organizer from the console, but never the last one', async () => {
    const idOf = async (email: string) => (await ctx.handle.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
    const [olgaId, patId, quinnId] = [await idOf('olga@example.org'), await idOf('pat@example.org'), await idOf('quinn@example.org')];
    const organizers = async () => (await ctx.handle.db.selectFrom('challenge_organizers').innerJoin('users', 'users.id', 'user_id').select('users.name').where('challenge_id', '=', (await findChallengeBySlug(ctx.handle.db, 'xr'))!.id).orderBy('users.name').execute()).map((o) => o.name);
    const remove = (who: Agent, userId: number) => who.agent.post('/organize/xr/organizers').type('form').send({ _csrf: who.csrf, remove: String(userId) });

    // Alone, Olga has no remove button, and removing her is refused with a clear message.
    let page = await org.agent.get('/organize/xr').expect(200);
    assert.doesNotMatch(page.text, /data-testid="remove-organizer"/);
    assert.match(page.text, /A challenge keeps at least one organizer/);
    const last = await org.agent.post('/organize/xr/organizers').set('Accept', JSON_).send({ _csrf: org.csrf, remove: olgaId }).expect(400);
    assert.equal(last.body.error.code, 'last_organizer');
    assert.match(last.body.error.message, /at least one organizer: add another organizer before removing this one/);
    const lastHtml = await remove(org, olgaId).expect(400);
    assert.match(lastHtml.text, /A challenge keeps at least one organizer/);

    await org.agent.post('/organize/xr/organizers').type('form').send({ _csrf: org.csrf, email: 'pat@example.org' }).expect(303);
    assert.deepEqual(await organizers(), ['Olga', 'Pat']);
    await pat.agent.get('/organize/xr').expect(200);
    page = await org.agent.get('/organize/xr').expect(200);
    const buttons = [...page.text.matchAll(/<form method="post" action="\/organize\/xr\/organizers" class="inline"><input type="hidden" name="_csrf" value="([^"]+)"><input type="hidden" name="remove" value="(\d+)"><button class="small" data-testid="remove-organizer">Remove<\/button><\/form>/g)];
    assert.deepEqual(buttons.map((b) => [b[1], Number(b[2])]), [[org.csrf, olgaId], [org.csrf, patId]]);

    // Only this challenge's organizers may remove, with a CSRF token, and only organizers can be removed.
    await remove(quinn, patId).expect(403);
    await org.agent.post('/organize/xr/organizers').type('form').send({ remove: String(patId) }).expect(403);
    const notOne = await org.agent.post('/organize/xr/organizers').set('Accept', JSON_).send({ _csrf: org.csrf, remove: quinnId }).expect(404);
    assert.equal(notOne.body.error.code, 'not_an_organizer');
    await org.agent.post('/organize/xr/organizers').set('Accept', JSON_).send({ _csrf: org.csrf, remove: 'pat' }).expect(400);
    assert.deepEqual(await organizers(), ['Olga', 'Pat']);

    const removed = await remove(org, patId).expect(303);
    assert.equal(removed.headers.location, '/organize/xr');
    assert.deepEqual(await organizers(), ['Olga']);
    await pat.agent.get('/organize/xr').set('Accept', JSON_).expect(403);

    // An organizer may step down while another remains; a participant then lands on the home page.
    await org.agent.post('/organize/xr/organizers').type('form').send({ _csrf: org.csrf, email: 'pat@example.org' }).expect(303);
    const selfRemoved = await remove(pat, patId).expect(303);
    assert.equal(selfRemoved.headers.location, '/');
    assert.deepEqual(await organizers(), ['Olga']);
  });

  it('lets an admin grant the organizer role from the users page', async () => {
    const page = await admin.agent.get('/admin/users').expect(200);
    assert.match(page.text, /olga@example\.org/);
    const role = await ctx.handle.db.selectFrom('users').select('role').where('email', '=', 'olga@example.org').executeTakeFirstOrThrow();
    assert.equal(role.role, 'organizer');
  });
});

describe('organizer console of a challenge imported from a folder', function () {
  let ctx: TestContext;
  let admin: Agent;
  before(async () => {
    ctx = await createTestContext({ challenges: ['xmm-sources'], workers: 0 });
    admin = await signedInAgent(ctx.app, 'admin@example.org', 'Admin');
  });
  after(async () => ctx.close());

  it('counts it as set up (challenge.yaml maps the solution) and previews the subsets', async () => {
    const res = await admin.agent.get('/organize/xmm-sources').set('Accept', 'application/json').expect(200);
    assert.equal(res.body.configured, true);
    assert.deepEqual(res.body.preview.subsets.map((s: { usage: string; rows: number }) => [s.usage, s.rows]).sort(), [['Ignored', 0], ['Private', 298], ['Public', 95]]);
    assert.deepEqual(res.body.organizers, []);
    const html = await admin.agent.get('/organize/xmm-sources').expect(200);
    assert.doesNotMatch(html.text, /Map the solution's columns/);
    assert.match(html.text, /No organizer is listed yet/);
    // Its settings come from challenge.yaml: the form says so, and saving it explains instead of failing vaguely.
    assert.match((await admin.agent.get('/organize/xmm-sources/settings').expect(200)).text, /data-testid="imported-note"/);
    const save = await admin.agent.post('/organize/xmm-sources/settings').set('Accept', 'application/json').send({ _csrf: admin.csrf, daily_limit: '3' }).expect(409);
    assert.equal(save.body.error.code, 'imported_challenge');
    await admin.agent.get('/organize/xmm-sources/export/leaderboard.csv?board=weird').set('Accept', 'application/json').expect(400);
    assert.match(save.body.error.message, /challenge\.yaml/);
  });

  it('shows "Organize" in the menu to a participant once they organize a challenge', async () => {
    const pia = await signedInAgent(ctx.app, 'pia@example.org', 'Pia');
    const menu = async () => /<nav>[\s\S]*href="\/organize">Organize<\/a>[\s\S]*<\/nav>/.test((await pia.agent.get('/').expect(200)).text);
    assert.equal(await menu(), false);
    await pia.agent.get('/organize').set('Accept', 'application/json').expect(403);
    await admin.agent.post('/organize/xmm-sources/organizers').set('Accept', 'application/json').send({ _csrf: admin.csrf, email: 'pia@example.org' }).expect(200);
    assert.equal(await menu(), true);
    const list = await pia.agent.get('/organize').set('Accept', 'application/json').expect(200);
    assert.deepEqual(list.body.challenges.map((c: { slug: string }) => c.slug), ['xmm-sources']);
  });
});
