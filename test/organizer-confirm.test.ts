import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createTestContext, datasetFile, signedInAgent, type TestContext } from './helpers.js';
import { createXrayDraft, JSON_, xraySettings, type Agent } from './organizer-helpers.js';
import { findChallengeBySlug } from '../src/challenges/repo.js';

/**
 * Publish, freeze, close-and-reveal and re-score-all ask for a second step (a confirmation page that
 * works without script, and the same fields from API clients); close asks for the slug; nothing is
 * offered or done after the close that the close has ended (unfreeze), and a closed challenge's
 * Submit tab says so instead of showing the upload form.
 */
describe('organizer confirmations and closed challenges', function () {
  let ctx: TestContext;
  let admin: Agent;
  let pat: Agent;
  const SLUG = 'xray-sources';

  before(async () => {
    ctx = await createTestContext({ challenges: [SLUG], workers: 0 });
    admin = await signedInAgent(ctx.app, 'admin@example.org', 'Admin'); // first account: admin, organizes every challenge
    pat = await signedInAgent(ctx.app, 'pat@example.org', 'Pat');
  });
  after(async () => ctx.close());

  const challenge = async (slug = SLUG) => (await findChallengeBySlug(ctx.handle.db, slug))!;
  const runCount = async () => Number((await ctx.handle.db.selectFrom('rescore_runs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const postJson = (path: string, body: Record<string, unknown>) => admin.agent.post(path).set('Accept', JSON_).send({ _csrf: admin.csrf, ...body });
  const postForm = (path: string, body: Record<string, string>) => admin.agent.post(path).type('form').send({ _csrf: admin.csrf, ...body });

  it('refuses publish without confirm=1, leaving the draft a draft; publishes with it', async () => {
    await createXrayDraft(admin, 'xd').expect(201);
    await postJson('/organize/xd/settings', xraySettings()).expect(200);
    const refused = await postJson('/organize/xd/publish', {}).expect(400);
    assert.equal(refused.body.error.code, 'confirmation_required');
    assert.match(refused.body.error.message, /confirm=1/);
    assert.equal((await challenge('xd')).state, 'draft');
    // A value that is not a yes does not confirm either.
    await postJson('/organize/xd/publish', { confirm: 'no' }).expect(400);
    assert.equal((await challenge('xd')).state, 'draft');

    const page = (await admin.agent.get('/organize/xd/confirm/publish').expect(200)).text;
    assert.match(page, /<form method="post" action="\/organize\/xd\/publish"/);
    assert.match(page, /<input type="hidden" name="confirm" value="1">/);
    assert.match(page, /This cannot be undone/);
    assert.match(page, /stay hidden from participants until the challenge closes/);
    // The form as the page sends it.
    await postForm('/organize/xd/publish', { confirm: '1' }).expect(303).expect('Location', '/organize/xd');
    assert.equal((await challenge('xd')).state, 'published');
    // Published: the confirmation page says there is nothing left to confirm.
    const again = await admin.agent.get('/organize/xd/confirm/publish').set('Accept', JSON_).expect(409);
    assert.match(again.body.error.message, /already published/);
  });

  it('leads from the console buttons to confirmation pages, without script', async () => {
    const console_ = (await admin.agent.get(`/organize/${SLUG}`).expect(200)).text;
    for (const action of ['freeze', 'close', 'rescore']) assert.match(console_, new RegExp(`<form method="get" action="/organize/${SLUG}/confirm/${action}"`), action);
    // No button on the console posts these actions directly.
    for (const action of ['freeze', 'close', 'rescore', 'publish']) assert.doesNotMatch(console_, new RegExp(`method="post" action="/organize/${SLUG}/${action}"`), action);
    // The console's other lasting actions say what they do next to their buttons.
    assert.match(console_, /data-testid="replace-note"[^>]*>An upload replaces the current file for good/);
    assert.match(console_, /data-testid="organizers-note"[^>]*>[^<]*loses this console at once/);
    await admin.agent.get(`/organize/${SLUG}/confirm/delete`).set('Accept', JSON_).expect(404);
    // Participants get no confirmation page.
    await pat.agent.get(`/organize/${SLUG}/confirm/close`).set('Accept', JSON_).expect(403);
  });

  it('refuses freeze without confirmation (the board stays live), and freezes with it', async () => {
    const refused = await postJson(`/organize/${SLUG}/freeze`, {}).expect(400);
    assert.equal(refused.body.error.code, 'confirmation_required');
    assert.equal((await challenge()).public_frozen_at, null);
    // A browser's unconfirmed form gets the confirmation page back, saying what was missing.
    const html = await postForm(`/organize/${SLUG}/freeze`, {}).expect(400);
    assert.match(html.text, /data-testid="confirm-error"/);
    assert.match(html.text, /needs confirming/);
    assert.match(html.text, /This can be undone/);
    assert.equal((await challenge()).public_frozen_at, null);

    await postJson(`/organize/${SLUG}/freeze`, { confirm: true }).expect(200);
    assert.ok((await challenge()).public_frozen_at);
    // Frozen: the console offers Unfreeze (one step: it only shows more) and no second freeze.
    const console_ = (await admin.agent.get(`/organize/${SLUG}`).expect(200)).text;
    assert.match(console_, /data-testid="unfreeze"/);
    assert.doesNotMatch(console_, /data-testid="freeze"/);
  });

  it('refuses re-score without confirmation (no run is queued); with it, queues one with the reason', async () => {
    const before = await runCount();
    const refused = await postJson(`/organize/${SLUG}/rescore`, { reason: 'typo' }).expect(400);
    assert.equal(refused.body.error.code, 'confirmation_required');
    assert.equal(await runCount(), before);
    // The console's reason travels to the confirmation page and its form.
    const page = (await admin.agent.get(`/organize/${SLUG}/confirm/rescore?reason=new+labels`).expect(200)).text;
    assert.match(page, /name="reason" value="new labels"/);
    assert.match(page, /Every finished submission \(0 so far\)/);
    const started = await postJson(`/organize/${SLUG}/rescore`, { confirm: '1', reason: 'new labels' }).expect(202);
    const run = await ctx.handle.db.selectFrom('rescore_runs').selectAll().where('id', '=', started.body.runId).executeTakeFirstOrThrow();
    assert.equal(run.reason, 'new labels');
    assert.equal(await runCount(), before + 1);
  });

  it('refuses close without confirmation, without the slug and with a wrong one; closes with the slug typed', async () => {
    const open = await challenge();
    const missing = await postJson(`/organize/${SLUG}/close`, {}).expect(400);
    assert.equal(missing.body.error.code, 'confirmation_required');
    const noSlug = await postJson(`/organize/${SLUG}/close`, { confirm: 1 }).expect(400);
    assert.equal(noSlug.body.error.code, 'slug_required');
    assert.match(noSlug.body.error.message, /field slug/);
    const wrong = await postJson(`/organize/${SLUG}/close`, { confirm: 1, slug: 'xray-source' }).expect(400);
    assert.equal(wrong.body.error.code, 'slug_mismatch');
    assert.match(wrong.body.error.message, /'xray-source'.*'xray-sources'/);
    // The browser form with a mistyped slug: the page again, still asking for it.
    const html = await postForm(`/organize/${SLUG}/close`, { confirm: '1', slug: 'XRAY' }).expect(400);
    assert.match(html.text, /data-testid="confirm-slug"/);
    assert.match(html.text, /is not this challenge&#x27;s/);
    const still = await challenge();
    assert.deepEqual([still.state, still.closes_at], [open.state, open.closes_at]);

    const page = (await admin.agent.get(`/organize/${SLUG}/confirm/close`).expect(200)).text;
    assert.match(page, /<input name="slug" required/);
    assert.match(page, /Everyone sees the private leaderboard/);
    assert.match(page, /cannot be reopened/);
    assert.match(page, /Uploads from this moment are late submissions: scored and shown to their submitters, marked late, never ranked/);
    await ctx.handle.db.updateTable('challenges').set({ late_submissions: 0 }).where('slug', '=', SLUG).execute();
    assert.match((await admin.agent.get(`/organize/${SLUG}/confirm/close`).expect(200)).text, /Uploads are refused from this moment \(late submissions are off in the settings\)/);
    await ctx.handle.db.updateTable('challenges').set({ late_submissions: 1 }).where('slug', '=', SLUG).execute();
    await postForm(`/organize/${SLUG}/close`, { confirm: '1', slug: ` ${SLUG} ` }).expect(303);
    const closed = await challenge();
    assert.equal(closed.state, 'closed');
    assert.ok(closed.closes_at <= new Date().toISOString());
  });

  it('offers no Unfreeze, Freeze or Close after the close, and refuses them', async () => {
    const frozenAt = (await challenge()).public_frozen_at;
    assert.ok(frozenAt, 'frozen before the close (previous test)');
    const console_ = (await admin.agent.get(`/organize/${SLUG}`).expect(200)).text;
    assert.doesNotMatch(console_, /data-testid="unfreeze"|\/unfreeze"/);
    assert.doesNotMatch(console_, /data-testid="(freeze|close)"/);
    assert.match(console_, /data-testid="closed-note"[^>]*>[^<]*the private leaderboard is revealed, and the freeze/);
    const unfreeze = await postJson(`/organize/${SLUG}/unfreeze`, {}).expect(409);
    assert.equal(unfreeze.body.error.code, 'challenge_closed');
    await postJson(`/organize/${SLUG}/freeze`, { confirm: 1 }).expect(409);
    assert.equal((await challenge()).public_frozen_at, frozenAt);
    await admin.agent.get(`/organize/${SLUG}/confirm/close`).set('Accept', JSON_).expect(409);
    await admin.agent.get(`/organize/${SLUG}/confirm/freeze`).set('Accept', JSON_).expect(409);
    assert.match(console_, /data-testid="open-data-note"[^>]*>Publishing lets anyone download the full solution/);
    // Re-scoring stays possible after the close (a late fix of the solution), with its confirmation.
    await admin.agent.get(`/organize/${SLUG}/confirm/rescore`).expect(200);
  });

  it('shows no upload form on the Submit tab of a closed challenge, and says when it closed and what remains', async () => {
    // Late submissions (issue 12) are off here: with them on, the form stays.
    await ctx.handle.db.updateTable('challenges').set({ late_submissions: 0 }).where('slug', '=', SLUG).execute();
    const page = (await pat.agent.get(`/challenges/${SLUG}/submit`).expect(200)).text;
    assert.doesNotMatch(page, /type="file"/);
    assert.doesNotMatch(page, /data-testid="quota"/);
    const closedAt = (await challenge()).closes_at;
    assert.match(page, new RegExp(`data-testid="submit-closed"[\\s\\S]*closed on <time datetime="${closedAt.replace(/\./g, '\\.')}">`));
    assert.match(page, /no longer accepts submissions/);
    assert.match(page, new RegExp(`href="/challenges/${SLUG}/leaderboard/private"`));
    assert.match(page, new RegExp(`href="/challenges/${SLUG}/submissions"`));
    // An upload sent anyway is refused, and the page it gets back has no form either.
    const sample = fs.readFileSync(datasetFile(SLUG, 'sample_submission.csv.gz'));
    const refused = await pat.agent.post(`/challenges/${SLUG}/submissions`).field('_csrf', pat.csrf).attach('file', sample, 's.csv.gz').expect(403);
    assert.doesNotMatch(refused.text, /type="file"/);
    assert.match(refused.text, /data-testid="submit-closed"/);
    // An open challenge keeps its form.
    const open = (await pat.agent.get('/challenges/xd/submit').expect(200)).text;
    assert.match(open, /<input type="file" name="file"/);
    assert.doesNotMatch(open, /data-testid="submit-closed"/);
  });
});
