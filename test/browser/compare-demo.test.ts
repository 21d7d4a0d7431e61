/**
 * The seeded demo's comparison page, as a new organizer of xray-sources finds it after `npm start`:
 * the demo seed itself (its crowd workflow, its simulated crowd of 60 volunteers and 2,000 votes with
 * the consensus job, and the shipped baseline with its out-of-fold file) on a test context, then the
 * page in Chromium. Every panel the issue names must be there with numbers in it: the two CLAXSON
 * tables with intervals, the heatmaps, the reliability diagram and the disagreement list.
 */
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { openSignedIn, organizerSession, serveToBrowser } from './serve.js';
import { createTestContext, waitForTerminal, type TestContext } from '../helpers.js';
import { seedCrowd } from '../../seeds/crowd.js';
import { seedBaselines } from '../../seeds/baselines.js';
import { findChallengeBySlug } from '../../src/challenges/repo.js';
import { latestBaselineSubmission } from '../../src/baseline/service.js';

const SLUG = 'xray-sources';
/** "0.83 [0.71, 0.92]": a figure with its interval. */
const WITH_INTERVAL = /^\d\.\d\d \[\d\.\d\d, \d\.\d\d\]$/;

describe('browser: the seeded demo comparison page (xray-sources)', function () {
  this.timeout(240_000);
  let ctx: TestContext;
  let served: Awaited<ReturnType<typeof serveToBrowser>> | undefined;
  let browser: Browser;
  let base: string;
  let session: string;

  before(async function () {
    if (!process.env.CHROMIUM_PATH) return this.skip();
    ctx = await createTestContext({ challenges: [SLUG] });
    const quiet = () => {};
    await seedCrowd(ctx.handle, ctx.storage, quiet);
    await seedBaselines(ctx.handle, ctx.storage, quiet);
    const challenge = (await findChallengeBySlug(ctx.handle.db, SLUG))!;
    const baseline = await latestBaselineSubmission(ctx.handle.db, challenge.id);
    assert.ok(baseline, 'the demo seed submits the shipped baseline');
    assert.equal((await waitForTerminal(ctx.handle, baseline.id)).status, 'scored');
    session = await organizerSession(ctx.handle, challenge.id, 'orla@example.org');
    served = await serveToBrowser(ctx.app);
    ({ base, browser } = served);
  });
  after(async () => {
    await served?.close();
    await ctx?.close();
  });

  it('shows every panel with numbers in it', async () => {
    const page = await openSignedIn(browser, base, session, `/crowd/${SLUG}/compare`, { width: 1280, height: 900 });

    for (const source of ['known', 'unknown']) {
      assert.ok(Number(await page.textContent(`[data-testid="source-${source}-subjects"]`)) >= 20, `${source} sources scored`);
      for (const method of ['dawid_skene', 'baseline']) {
        const table = `[data-testid="claxson-${source}-${method}"]`;
        const counts = await page.locator(`${table} [data-testid="claxson-table"] tbody td`).allTextContents();
        assert.ok(counts.some((c) => /^[1-9]\d*$/.test(c.trim())), `${source} ${method}: ${counts.slice(0, 6).join(' | ')}`);
        assert.match((await page.textContent(`${table} [data-testid="macro-f1"]`))!.trim(), WITH_INTERVAL);
        assert.ok(await page.locator(`${table} svg.heatmap`).isVisible(), `${source} ${method} heatmap`);
      }
    }
    // The baseline on known sources is scored from its shipped out-of-fold predictions.
    assert.match((await page.textContent('[data-testid="claxson-known-baseline"] [data-testid="accuracy"]'))!.trim(), WITH_INTERVAL);

    assert.ok(await page.locator('[data-testid="forest"] svg.forest').isVisible());
    assert.ok(await page.locator('[data-testid="calibration"] svg[data-testid="reliability-diagram"]').isVisible());
    const ece = await page.locator('[data-testid="calibration-table"] [data-testid="ece"]').allTextContents();
    assert.ok(ece.some((e) => /^\d\.\d{3}$/.test(e.trim())), ece.join(' | '));

    // No competitor has an entry in the demo: the crowd is set against the baseline.
    const rows = page.locator('[data-testid="crowd-ml-disagreements"] tbody tr');
    assert.ok((await rows.count()) > 0);
    const first = (await rows.first().locator('td').allTextContents()).map((t) => t.trim());
    assert.match(first[0], /^2CXO J/);
    assert.match(first[6], /^\d+$/, 'votes');
    assert.match((await page.textContent('[data-testid="agreement"]'))!, /against the baseline/);
    await page.context().close();
  });
});
