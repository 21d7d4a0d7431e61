/**
 * Issue 11's acceptance test for the generic crowd: a challenge created from the web with arbitrary
 * numeric columns, crowd turned on from the console, gets a working subject page from the default
 * configuration (class histograms, every feature, one button per class) in no X-ray words.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createTestContext, signedInAgent, type TestContext } from './helpers.js';
import { JSON_, type Agent } from './organizer-helpers.js';
import { CLASSES, createGenericChallengeFromWeb } from './generic-challenge.js';

const X_RAY_WORDS = /X-ray|spectrum|flux|keV|\bsources?\b|AGN|Gaia|sky/i;

/** Fails with the words around the first X-ray word on the page's visible text and attributes. */
function assertNoXrayWords(html: string): void {
  const text = html.replace(/<link[^>]*>|<script[^>]*>[\s\S]*?<\/script>/g, '');
  const m = X_RAY_WORDS.exec(text);
  assert.equal(m, null, m ? `X-ray wording: …${text.slice(Math.max(0, m.index - 80), m.index + 40)}…` : '');
}

describe('crowd: any challenge gets a working subject page', function () {
  let ctx: TestContext;
  let org: Agent;
  let tmp: string;

  before(async () => {
    ctx = await createTestContext({ workers: 1 });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sift-generic-'));
    const admin = await signedInAgent(ctx.app, 'admin@example.org', 'Admin');
    org = await signedInAgent(ctx.app, 'gina@example.org', 'Gina');
    const gina = await ctx.handle.db.selectFrom('users').select('id').where('email', '=', 'gina@example.org').executeTakeFirstOrThrow();
    await admin.agent.post(`/admin/users/${gina.id}/role`).type('form').send({ _csrf: admin.csrf, role: 'organizer' }).expect(303);
  });
  after(async () => {
    await ctx.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('from upload to a classified subject, with histograms and in no X-ray words', async () => {
    await createGenericChallengeFromWeb(org, tmp);

    const listed = await request(ctx.app).get('/crowd').set('Accept', JSON_).expect(200);
    assert.deepEqual(listed.body.workflows.map((w: { slug: string; classes: string[] }) => [w.slug, w.classes]), [['generic', CLASSES]]);

    const volunteer = await signedInAgent(ctx.app, 'vera@example.org', 'Vera');
    // A first visit starts with the tutorial, in the challenge's own words too.
    await volunteer.agent.get('/crowd/generic/classify').expect(303).expect('Location', '/crowd/generic/tutorial');
    const tutorial = await volunteer.agent.get('/crowd/generic/tutorial').expect(200);
    assertNoXrayWords(tutorial.text);
    const page = await volunteer.agent.get('/crowd/generic/classify').expect(200);
    assertNoXrayWords(page.text);
    assert.match(page.text, /data-testid="plot-histograms"/);
    // The default histograms: the columns that separate the classes best, each with this subject's value marked.
    const histogramColumns = [...page.text.matchAll(/class="plot histogram"[^>]*data-column="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(histogramColumns.includes('x1') && histogramColumns.includes('x2'), `histograms of ${histogramColumns}`);
    assert.equal((page.text.match(/data-testid="subject-value"/g) ?? []).length, histogramColumns.length);
    for (const c of ['x1', 'x2', 'x3', 'x4']) assert.match(page.text, new RegExp(`<th scope="row">${c}</th><td class="num">[−\\d.]+</td>`), `the feature table shows ${c}`);
    assert.doesNotMatch(page.text, /<th scope="row">(id|label|Usage)</, 'neither the id nor the answer is a feature');
    for (const [i, c] of CLASSES.entries()) assert.match(page.text, new RegExp(`data-testid="answer-${c}" data-key="${i + 1}"`));

    // The JSON API serves the same page model, and a vote on it counts.
    const served = await volunteer.agent.get('/crowd/generic/classify').set('Accept', JSON_).expect(200);
    assert.deepEqual(served.body.classes.map((k: { name: string }) => k.name), CLASSES);
    assert.deepEqual(served.body.subject.groups[0].rows.map((r: { column: string }) => r.column), ['x1', 'x2', 'x3', 'x4']);
    // Ids like "tr10" and "te10" would tell a known source (a training row served live) from a test row: the default hides them.
    assert.match(served.body.subject.name, /^Subject \d+$/);
    assert.equal(served.body.subject.features.id, undefined);
    assert.doesNotMatch(JSON.stringify(served.body), /"t[re]\d+"/);
    const voted = await volunteer.agent.post('/crowd/generic/votes').set('Accept', JSON_).set('X-CSRF-Token', volunteer.csrf).send({ token: served.body.token, answer: 'beta' }).expect(201);
    assert.equal(voted.body.vote.answer, 'beta');

    // A training answer's feedback shows the subject again, in the same words.
    const next = await volunteer.agent.get('/crowd/generic/classify').set('Accept', JSON_).expect(200);
    const feedback = await volunteer.agent.post('/crowd/generic/votes').type('form').send({ _csrf: volunteer.csrf, token: next.body.token, answer: 'gamma' });
    assert.ok([200, 303].includes(feedback.status), `feedback status ${feedback.status}`);
    if (feedback.status === 200) {
      assert.match(feedback.text, /data-testid="plot-histograms"/);
      assertNoXrayWords(feedback.text);
    }
  });

  it("edits the volunteers' page from the console: checked like an import, applied at the next serve, reset to the default", async () => {
    const form = await org.agent.get('/organize/generic/crowd-page').expect(200);
    assert.match(form.text, /has no <code>crowd:<\/code> section/);
    assert.match(form.text, /kind: histograms/, 'the default is shown as YAML to start from');

    const broken = await org.agent.post('/organize/generic/crowd-page').set('Accept', JSON_).send({ _csrf: org.csrf, yaml: 'features:\n  - label: [unclosed' }).expect(400);
    assert.equal(broken.body.error.code, 'bad_yaml');
    assert.match(broken.body.error.problems[0], /^line \d+, column \d+: /);

    const wrong = await org.agent
      .post('/organize/generic/crowd-page')
      .set('Accept', JSON_)
      .send({ _csrf: org.csrf, yaml: 'features:\n  - label: Shape\n    columns:\n      - { column: x9 }\nclasses:\n  - { name: delta }\n' })
      .expect(400);
    assert.equal(wrong.body.error.code, 'bad_crowd_section');
    assert.deepEqual(wrong.body.error.problems, ['crowd.features[0].columns[0].column: no column "x9" in the challenge\'s test data', 'crowd.classes[0].name: "delta" is not one of the challenge\'s classes (alpha, beta, gamma)']);
    const page = await org.agent.post('/organize/generic/crowd-page').type('form').send({ _csrf: org.csrf, yaml: 'features: oops' }).expect(400);
    assert.match(page.text, /data-testid="crowd-page-error"/);
    assert.match(page.text, /features: oops/, 'the text is kept for the organizer to fix');

    const custom = ['features:', '  - label: Shape', '    columns:', '      - { column: x1, label: Length, unit: cm, format: "fixed:1" }', 'classes:', '  - { name: beta, display: Beta things, colour: "#123456", key: b }', 'clues:', '  alpha:', '    - { column: x1, below: 1, text: alphas are short }'].join('\n');
    await org.agent.post('/organize/generic/crowd-page').set('Accept', JSON_).send({ _csrf: org.csrf, yaml: custom }).expect(200);
    const volunteer = await signedInAgent(ctx.app, 'walt@example.org', 'Walt');
    const shown = await volunteer.agent.get('/crowd/generic/classify?tutorial=seen').expect(200);
    assert.match(shown.text, /<caption>Shape<\/caption>\s*<tr><th scope="row">Length<\/th><td class="num">[−\d.]+ cm<\/td>/);
    assert.doesNotMatch(shown.text, /data-testid="plot-histograms"/, 'no plots declared, none drawn');
    assert.match(shown.text, /data-testid="answer-beta" data-key="b"[^>]*>Beta things <kbd>b<\/kbd>/);
    assert.match(shown.text, /data-testid="answer-alpha" data-key="1"/, 'an unstyled class keeps its default key');

    await org.agent.post('/organize/generic/crowd-page').set('Accept', JSON_).send({ _csrf: org.csrf, reset: '1' }).expect(200);
    const again = await volunteer.agent.get('/crowd/generic/classify?tutorial=seen').expect(200);
    assert.match(again.text, /data-testid="plot-histograms"/);
    await request(ctx.app).get('/organize/generic/crowd-page').expect((r) => assert.ok([302, 303, 401, 403].includes(r.status), `anonymous got ${r.status}`));
  });
});
