import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createTestContext, signedInAgent, type TestContext } from '../helpers.js';
import { writeComputeChallenge } from '../compute-helpers.js';
import { importChallengeFolder } from '../../src/challenges/service.js';
import { addOrganizer } from '../../src/organizers/access.js';
import { signUp, startSession } from '../../src/accounts/service.js';
import { RESULT_CONTENT_TYPE } from '../../src/compute/routes.js';
import { decodeTrainingData, runUnit } from '../../src/compute/unit-runner.js';
import { compareResults } from '../../src/compute/validator.js';
import { loadTf } from '../../src/baseline/backend.js';
import { brokenOf, checkPageStandard, LAPTOP, PHONE, serveToBrowser, watchedPage, type Viewport } from './serve.js';

const SLUG = 'xray-compute';
const JSON_ = 'application/json';

/**
 * Issue 14's browser test: two volunteers in headless Chromium open /compute and start; each page's
 * Web Worker loads TensorFlow.js and its wasm backend from Sift, runs units of a tiny search
 * (2 configurations × 2 folds on a thinned xray-sources) and reports them. Every unit validates,
 * both volunteers earn credit, and a third client that returns a tampered copy of a real result
 * gets its result marked invalid and no credit.
 */
describe('browser: volunteers compute units in Web Workers; results validate; a tampered result earns nothing', function () {
  this.timeout(300_000);
  let ctx: TestContext;
  let served: Awaited<ReturnType<typeof serveToBrowser>> | undefined;
  let browser: Browser;
  let base: string;
  let datasets: string;
  let searchId: number;

  before(async function () {
    if (!process.env.CHROMIUM_PATH) return this.skip();
    datasets = fs.mkdtempSync(path.join(os.tmpdir(), 'sift-compute-datasets-'));
    const dir = writeComputeChallenge(datasets, { slug: SLUG, everyNthRow: 8, model: { folds: 2, max_epochs: 3, patience: 2 }, search: { hidden: [[16], [8, 8]], delay_bound_seconds: 600 } });
    ctx = await createTestContext({ configOverrides: { DATASETS_DIR: datasets } });
    const challenge = await importChallengeFolder(ctx.handle.db, ctx.storage, dir);
    const org = await signedInAgent(ctx.app, 'org@example.org', 'Organizer');
    const orgId = (await ctx.handle.db.selectFrom('users').select('id').where('email', '=', 'org@example.org').executeTakeFirstOrThrow()).id;
    await addOrganizer(ctx.handle.db, challenge.id, orgId);
    const started = await org.agent.post(`/challenges/${SLUG}/compute/searches`).set('x-csrf-token', org.csrf).set('Accept', JSON_).expect(201);
    assert.equal(started.body.units, 4, '2 configurations × 2 folds');
    searchId = started.body.search.id;
    served = await serveToBrowser(ctx.app);
    ({ browser, base } = served);
  });
  after(async () => {
    await served?.close();
    await ctx?.close();
    if (datasets) fs.rmSync(datasets, { recursive: true, force: true });
  });

  const volunteerSession = async (email: string, name: string) => {
    const user = await signUp(ctx.handle.db, { email, name, password: 'correct horse battery' }, 'participant');
    return { id: user.id, session: await startSession(ctx.handle.db, user.id, 1) };
  };
  const creditOf = async (userId: number) => (await ctx.handle.db.selectFrom('compute_credit').selectAll().where('user_id', '=', userId).executeTakeFirst())?.total ?? 0;

  async function openCompute(session: string | undefined, viewport: Viewport): Promise<Page> {
    const page = await watchedPage(browser, base, viewport, session);
    await page.goto(`${base}/compute`);
    assert.deepEqual(brokenOf(page), []);
    return page;
  }

  it('tells signed-out visitors what computing is, with a sign-in link, and meets the page standard at both widths', async () => {
    for (const viewport of [LAPTOP, PHONE]) {
      const page = await openCompute(undefined, viewport);
      assert.match((await page.getByTestId('compute-signed-out').textContent())!, /Log in/);
      assert.equal(await page.locator('#community').count(), 1, 'the community section has its place');
      assert.deepEqual(await checkPageStandard(page), []);
      await page.context().close();
    }
  });

  it('two volunteers run the units in their Web Workers; every unit validates and both earn credit; a tampered copy is invalid', async () => {
    // The cheater takes a unit first and returns a real result with its predictions and metric shifted.
    const cheater = await signedInAgent(ctx.app, 'mallory@example.org', 'Mallory');
    const taken = await cheater.agent.post('/compute/work').set('x-csrf-token', cheater.csrf).set('Accept', JSON_).send({ host: { key: 'mallory-host', platform: 'curl', backend: 'wasm' } }).expect(200);
    const unit = taken.body.unit;
    const doc = (await cheater.agent.get(unit.dataUrl).expect(200)).body;
    const { tf } = await loadTf();
    const honest = await runUnit(tf, decodeTrainingData(doc), unit);
    const shifted = honest.predictions.map((p) => Math.min(1, p + 0.05));
    const tampered = { metric: honest.metric + 0.1, predictions: Buffer.from(shifted.buffer).toString('base64'), weightsHash: honest.weightsHash };
    const cheat = await cheater.agent.post(`/compute/results/${unit.resultId}`).set('x-csrf-token', cheater.csrf).set('Content-Type', RESULT_CONTENT_TYPE).set('Accept', JSON_).send(JSON.stringify(tampered)).expect(200);
    assert.equal(cheat.body.state, 'pending_validation');

    // Each browser fetches the training data once; its HTTP cache answers for the later units.
    const dataRequests: string[] = [];
    served!.server.on('request', (req: { url?: string; headers: Record<string, unknown> }) => req.url?.endsWith('/compute/data') && dataRequests.push(String(req.headers['if-none-match'] ?? 'fresh')));
    const ada = await volunteerSession('ada@example.org', 'Ada');
    const grace = await volunteerSession('grace@example.org', 'Grace');
    const pages = [await openCompute(ada.session, LAPTOP), await openCompute(grace.session, PHONE)];
    for (const page of pages) {
      await page.fill('#compute-pause', '0');
      await page.getByTestId('compute-start').click();
      assert.equal(await page.locator('#compute').getAttribute('data-state'), 'running');
    }
    // A unit's progress shows while it runs.
    await pages[0].locator('[data-testid="compute-slot"] progress').first().waitFor();

    const deadline = Date.now() + 240_000;
    let units: Array<{ state: string }> = [];
    while (Date.now() < deadline) {
      units = await ctx.handle.db.selectFrom('compute_units').select('state').where('search_id', '=', searchId).execute();
      if (units.every((u) => u.state !== 'open')) break;
      const said = await Promise.all(pages.map((p) => p.getByTestId('compute-slots').textContent()));
      if (said.some((t) => /stopped:/.test(t ?? ''))) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const slots = await Promise.all(pages.map((p) => p.getByTestId('compute-slots').textContent()));
    assert.deepEqual(units.map((u) => u.state), ['valid', 'valid', 'valid', 'valid'], `every unit validates (the pages said: ${slots.join(' | ')})`);

    const results = await ctx.handle.db.selectFrom('compute_results').selectAll().execute();
    for (const who of [ada, grace]) {
      const mine = results.filter((r) => r.user_id === who.id);
      assert.ok(mine.length >= 1 && mine.every((r) => r.state === 'valid' && r.credit > 0), `every result of user ${who.id} is valid with credit: ${mine.map((r) => `${r.state} ${r.credit}`).join(', ')}`);
      assert.ok((await creditOf(who.id)) > 0);
    }
    assert.equal(dataRequests.length, 2, `one data request per browser, not one per unit (${dataRequests.join(', ')})`);
    // The browsers' canonical result of the cheated unit agrees with the honest run made here in Node.
    const canonical = results.find((r) => r.unit_id === unit.unitId && r.state === 'valid')!;
    const browserPredictions = new Float32Array(Uint8Array.from(Buffer.from(canonical.predictions_b64!, 'base64')).buffer);
    assert.deepEqual(compareResults({ volunteerId: 1, metric: canonical.metric!, predictions: browserPredictions }, { volunteerId: 2, ...honest }), { agree: true }, 'Chromium and Node agree');
    const cheated = results.find((r) => r.id === unit.resultId)!;
    assert.equal(cheated.state, 'invalid');
    assert.equal(cheated.credit, 0);
    const mallory = (await ctx.handle.db.selectFrom('users').select('id').where('email', '=', 'mallory@example.org').executeTakeFirstOrThrow()).id;
    assert.equal(await creditOf(mallory), 0);
    const hosts = await ctx.handle.db.selectFrom('compute_hosts').selectAll().where('user_id', 'in', [ada.id, grace.id]).execute();
    assert.ok(hosts.length === 2 && hosts.every((h) => h.backend === 'wasm' && h.valid_results > 0), 'one wasm host per browser');

    // The page shows the volunteer's history and credit once refreshed.
    for (const page of pages) {
      await page.getByTestId('compute-stop').click();
      await page.reload();
      assert.ok((await page.locator('[data-testid="compute-units"] tbody tr[data-status="valid"]').count()) >= 1);
      assert.ok(Number(await page.getByTestId('compute-total').textContent()) > 0);
      assert.deepEqual(await checkPageStandard(page), []);
      await page.context().close();
    }
  });
});
