/**
 * The organizer opens the comparison page of a simulated crowd and finds, with numbers in them, the
 * two CLAXSON tables, the intervals, the paired differences, the heatmaps, the forest plot and the
 * disagreement list; at 1280 px and 390 px, where nothing may widen the page.
 *
 * The crowd is `sift crowd simulate`'s code on a test context (30 volunteers, 900 votes, seed 7, the
 * consensus job run), smaller than the demo seed's so the test stays short; the baseline is a
 * stand-in submission with an out-of-fold file, and one participant's entry is the best ML entry.
 * Screenshots go to /tmp/compare-shots/.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { openSignedIn, organizerSession, serveToBrowser } from './serve.js';
import { crowdContext } from '../crowd-helpers.js';
import { signedInAgent, waitForTerminal } from '../helpers.js';
import { findChallengeBySlug } from '../../src/challenges/repo.js';
import { loadChallengeSolution } from '../../src/challenges/service.js';
import { ensureBaselineUser } from '../../src/baseline/service.js';
import { baselineDir } from '../../src/baseline/train.js';
import { writeOutOfFold } from '../../src/baseline/oof.js';
import { accept } from '../../src/submissions/service.js';
import { loadCrowdConfig } from '../../src/crowd/config.js';
import { simulateCrowdVotes } from '../../src/crowd/simulate/service.js';
import { baselineFolderKey } from '../../src/storage/index.js';

const SHOTS = '/tmp/compare-shots';
const SLUG = 'xmm-sources';
/** "0.83 [0.71, 0.92]": a figure with its interval. */
const WITH_INTERVAL = /^\d\.\d\d \[\d\.\d\d, \d\.\d\d\]$/;

describe('browser: the organizer reads the crowd-versus-ML comparison', function () {
  this.timeout(180_000);
  let ctx: Awaited<ReturnType<typeof crowdContext>>;
  let served: Awaited<ReturnType<typeof serveToBrowser>> | undefined;
  let browser: Browser;
  let base: string;
  let session: string;

  before(async function () {
    if (!process.env.CHROMIUM_PATH) return this.skip();
    fs.rmSync(SHOTS, { recursive: true, force: true });
    fs.mkdirSync(SHOTS, { recursive: true });
    ctx = await crowdContext({ maxLive: 80, goldPerClass: 8, knownPerClass: 8, retirement: 'fixed', retireCount: 7 });
    await simulateCrowdVotes(ctx.handle, ctx.storage, SLUG, { volunteers: 30, votes: 900, profile: 'mixed', seed: 7, days: 3, consensus: true }, loadCrowdConfig());

    const challenge = (await findChallengeBySlug(ctx.handle.db, SLUG))!;
    const sol = await loadChallengeSolution(ctx.storage, challenge);
    // Every tenth test row wrong: the baseline says AGN, the participant's entry Star.
    const file = (wrongAs: string) => Buffer.from(`name,Class\n${sol.ids.map((id, i) => `${id},${i % 10 === 3 ? wrongAs : sol.classes[sol.label[i]]}`).join('\n')}\n`);
    const tmpPath = path.join(os.tmpdir(), `sift-browser-compare-${process.pid}.csv`);
    fs.writeFileSync(tmpPath, file('AGN'));
    const b = await accept(ctx.handle, ctx.storage, challenge, (await ensureBaselineUser(ctx.handle.db)).id, { tmpPath, originalName: 'baseline.csv', size: fs.statSync(tmpPath).size }, 'baseline stand-in', { isBaseline: true });
    assert.equal((await waitForTerminal(ctx.handle, b.id)).status, 'scored');
    const known = await ctx.handle.db.selectFrom('crowd_subjects').select(['external_id', 'gold_class']).where('workflow_id', '=', ctx.workflowId).where('is_gold', '=', 0).where('gold_class', 'is not', null).execute();
    const classes = ['AGN', 'Star', 'XRB', 'CV', 'Other'];
    fs.mkdirSync(baselineDir(ctx.storage.localRoot, SLUG), { recursive: true });
    writeOutOfFold(baselineDir(ctx.storage.localRoot, SLUG), known.map((k) => k.external_id), known.map((k, i) => (i % 4 === 0 ? 'AGN' : classes[k.gold_class!])));
    await ctx.storage.publishLocalDir(baselineFolderKey(SLUG));
    const { agent, csrf } = await signedInAgent(ctx.app, 'ml@example.org');
    const res = await agent.post(`/challenges/${SLUG}/submissions?_csrf=${csrf}`).set('Accept', 'application/json').attach('file', file('Star'), 'p.csv').expect(202);
    assert.equal((await waitForTerminal(ctx.handle, res.body.submission.id)).status, 'scored');

    session = await organizerSession(ctx.handle, challenge.id, 'olga@example.org');
    served = await serveToBrowser(ctx.app);
    ({ base, browser } = served);
  });
  after(async () => {
    await served?.close();
    await ctx?.close();
  });

  const organizerPage = (width: number, height: number, mobile: boolean): Promise<Page> => openSignedIn(browser, base, session, `/crowd/${SLUG}/compare`, { width, height, mobile });

  const texts = (page: Page, selector: string) => page.locator(selector).allTextContents();

  it('shows both CLAXSON tables with intervals, the heatmaps, the forest plot and the disagreements at 1280 px', async () => {
    const page = await organizerPage(1280, 900, false);
    for (const source of ['known', 'unknown']) {
      const subjects = Number(await page.textContent(`[data-testid="source-${source}-subjects"]`));
      assert.ok(subjects > 0, `${source} sources scored: ${subjects}`);
      const table = page.locator(`[data-testid="source-${source}"] [data-testid="claxson-${source}-dawid_skene"] [data-testid="claxson-table"]`);
      assert.ok(await table.isVisible(), `${source} CLAXSON table of Dawid–Skene`);
      const counts = (await table.locator('tbody tr:first-child td').allTextContents()).map((t) => t.trim());
      assert.ok(counts.slice(0, 5).every((c) => /^\d+$/.test(c)), counts.join(' | '));
      // Recall and F1 margins, and at least one precision, read "0.83 [0.71, 0.92]".
      const recall = await texts(page, `[data-testid="claxson-${source}-dawid_skene"] [data-testid="recall"]`);
      assert.equal(recall.length, 5);
      assert.ok(recall.some((r) => WITH_INTERVAL.test(r.trim())), recall.join(' | '));
      assert.match((await page.textContent(`[data-testid="claxson-${source}-dawid_skene"] [data-testid="accuracy"]`))!.trim(), WITH_INTERVAL);
      assert.match((await page.textContent(`[data-testid="claxson-${source}-baseline"] [data-testid="macro-f1"]`))!.trim(), WITH_INTERVAL);
      // The heatmap beside the table writes its counts in the cells.
      const heatmap = page.locator(`[data-testid="claxson-${source}-dawid_skene"] svg.heatmap`);
      assert.ok(await heatmap.isVisible());
      const cells = await heatmap.locator('text.count').allTextContents();
      assert.equal(cells.length, 25);
      assert.equal(cells.reduce((a, c) => a + Number(c), 0) > 0, true);
      // Paired differences, worded as the issue asks.
      const differences = await texts(page, `[data-testid="differences-${source}"] td`);
      assert.ok(differences.some((d) => /^crowd \w+ recall − baseline \w+ recall = [+−]?\d\.\d\d \[−?\d\.\d\d, −?\d\.\d\d\]$/.test(d)), differences.slice(0, 3).join(' | '));
    }
    assert.match((await page.textContent('[data-testid="claxson-known-best-ML"] [data-testid="missing"]'))!, /Not applicable/);

    const forest = page.locator('[data-testid="forest"] svg.forest');
    assert.ok(await forest.isVisible());
    const estimates = await forest.locator('.estimate title').allTextContents();
    assert.ok(estimates.some((t) => /· known: \d\.\d\d \[\d\.\d\d, \d\.\d\d\]/.test(t)), estimates.slice(0, 3).join(' | '));
    assert.ok(estimates.some((t) => /best ML · unknown: \d\.\d\d/.test(t)));

    const rows = page.locator('[data-testid="crowd-ml-disagreements"] tbody tr');
    assert.ok((await rows.count()) > 0);
    const first = (await rows.first().locator('td').allTextContents()).map((t) => t.trim());
    assert.match(first[0], /^4XMM J/);
    assert.match(first[5], /^\d\.\d{3}$/, 'crowd confidence');
    assert.match(first[6], /^\d+$/, 'votes');
    assert.match((await page.textContent('[data-testid="volunteers"]'))!, /30 with a counted vote, 30 of them simulated/);
    assert.match((await page.textContent('[data-testid="bootstrap"]'))!, /seed 20261010, 1000 resamples/);

    // The reliability diagram of the crowd's confidence on known sources, with an ECE per aggregator.
    assert.ok(await page.locator('[data-testid="calibration"] svg[data-testid="reliability-diagram"]').isVisible());
    const ece = await texts(page, '[data-testid="calibration-table"] [data-testid="ece"]');
    assert.ok(ece.length >= 4 && ece.some((e) => /^\d\.\d{3}$/.test(e.trim())), ece.join(' | '));
    assert.match((await page.textContent('[data-testid="prior-strength"]'))!, /Prior strength: \d+ pseudo-votes per class/);
    await page.screenshot({ path: path.join(SHOTS, 'compare-1280.png'), fullPage: true });
  });

  it('fits a 390 px phone: wide tables scroll inside their box', async () => {
    const page = await organizerPage(390, 844, true);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 392, `page is ${width}px wide on a 390px screen`);
    assert.ok(await page.locator('[data-testid="forest"] svg').isVisible());
    const box = await page.locator('[data-testid="forest"] svg').boundingBox();
    assert.ok(box && box.width <= 390, `forest plot ${box?.width}px wide`);
    await page.screenshot({ path: path.join(SHOTS, 'compare-390.png'), fullPage: true });
  });
});
