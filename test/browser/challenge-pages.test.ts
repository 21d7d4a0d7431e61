/**
 * The challenge list and a challenge's overview (with its data dictionary) in Chromium at a phone's
 * width (390 px) and a laptop's (1280 px): cards reflow, wide tables scroll inside their own box, the
 * page is never wider than the viewport, and axe finds no serious accessibility problem.
 * Screenshots go to /tmp/challenge-pages-shots.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { signUp, startSession } from '../../src/accounts/service.js';
import { findChallengeBySlug } from '../../src/challenges/repo.js';
import { dataDictionary } from '../../src/challenges/data-dictionary.js';
import { createWorkflow } from '../../src/crowd/setup.js';
import { createTestContext, type TestContext } from '../helpers.js';
import { openSignedIn, serveToBrowser } from './serve.js';

const SHOTS = '/tmp/challenge-pages-shots';
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** Violations of axe's serious and critical rules on the page, as "rule: target" lines. */
async function axeProblems(page: Page): Promise<string[]> {
  // Evaluated rather than added as a <script>: the pages' Content-Security-Policy allows no inline script.
  await page.evaluate(fs.readFileSync(AXE, 'utf8'));
  const result = await page.evaluate(async () => (window as unknown as { axe: { run: (o: unknown) => Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> }> } }).axe.run({ resultTypes: ['violations'] }));
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}`));
}

describe('challenge list and overview in the browser (Chromium)', function () {
  this.timeout(120_000);
  let ctx: TestContext | undefined;
  let served: Awaited<ReturnType<typeof serveToBrowser>> | undefined;
  let session: string;

  before(async function () {
    if (!process.env.CHROMIUM_PATH) return this.skip();
    fs.rmSync(SHOTS, { recursive: true, force: true });
    fs.mkdirSync(SHOTS, { recursive: true });
    ctx = await createTestContext({ challenges: ['higgsml', 'xray-sources', 'xmm-sources'], workers: 0 });
    const db = ctx.handle.db;
    await db.updateTable('challenges').set({ closes_at: '2026-03-05T17:00:00.000Z' }).where('slug', '=', 'xmm-sources').execute();
    await createWorkflow(ctx.handle, ctx.storage, (await findChallengeBySlug(db, 'xray-sources'))!, { maxLive: 5, goldPerClass: 2, knownPerClass: 1 });
    // The summaries are read before the pages are opened, so every page shows them (none "being computed").
    for (const slug of ['higgsml', 'xray-sources']) await dataDictionary(ctx.storage, (await findChallengeBySlug(db, slug))!);
    const pat = await signUp(db, { email: 'pat@example.org', name: 'pat', password: 'correct horse battery' });
    session = await startSession(db, pat.id, 1);
    served = await serveToBrowser(ctx.app);
  });
  after(async () => {
    await served?.close();
    await ctx?.close();
  });

  for (const width of [390, 1280]) {
    const viewport = { width, height: 900, mobile: width < 600 };
    const fits = async (page: Page) => {
      const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(scrollWidth <= width, `the page is ${scrollWidth} px wide in a ${width} px viewport`);
    };

    it(`challenge list at ${width} px: one card per challenge, side by side only when there is room, within the viewport`, async () => {
      const page = await openSignedIn(served!.browser, served!.base, session, '/', viewport);
      const cards = page.getByTestId('challenge-card');
      assert.equal(await cards.count(), 3);
      const boxes = await Promise.all([0, 1, 2].map(async (i) => (await cards.nth(i).boundingBox())!));
      for (const b of boxes) assert.ok(b.x >= 0 && b.x + b.width <= width + 0.5, `a card stays inside (${b.x}+${b.width})`);
      const columns = new Set(boxes.map((b) => Math.round(b.x))).size;
      assert.ok(width < 600 ? columns === 1 : columns > 1, `${columns} column(s) of cards at ${width} px`);
      assert.match((await page.locator('[data-slug="xray-sources"] [data-testid="volunteers"]').textContent())!, /Volunteers can join: classify by eye/);
      assert.match((await page.locator('[data-slug="xmm-sources"] .meta').textContent())!, /closed 5 Mar 2026/);
      assert.equal((await page.locator('[data-slug="higgsml"] [data-testid="metric"]').textContent())!.trim().split(' ')[0], 'AMS');
      await fits(page);
      assert.deepEqual(await axeProblems(page), []);
      await page.screenshot({ path: path.join(SHOTS, `list-${width}.png`), fullPage: true });
      await page.context().close();
    });

    for (const slug of ['higgsml', 'xray-sources']) {
      it(`${slug} overview at ${width} px: the data dictionary and its wide preview scroll inside their boxes`, async () => {
        const page = await openSignedIn(served!.browser, served!.base, session, `/challenges/${slug}`, viewport);
        const files = page.getByTestId('data-file');
        assert.deepEqual(await files.evaluateAll((els) => els.map((e) => e.getAttribute('data-file'))), ['train.csv.gz', 'test.csv.gz', 'sample_submission.csv.gz']);
        // The training file is open; its preview is wider than the page and scrolls by itself.
        const preview = page.getByTestId('preview').first();
        await preview.waitFor();
        const box = await preview.evaluate((t) => {
          const scroller = t.parentElement!;
          return { scrollWidth: scroller.scrollWidth, clientWidth: scroller.clientWidth, right: scroller.getBoundingClientRect().right };
        });
        assert.ok(box.right <= width + 0.5, `the preview's box ends inside the viewport (${box.right})`);
        assert.ok(box.scrollWidth > box.clientWidth, 'the preview scrolls sideways inside its box');
        await files.nth(1).locator('summary').click();
        await page.getByTestId('preview').nth(1).waitFor();
        const wide = await page.evaluate((w) => [...document.querySelectorAll('main *')].filter((e) => e.getBoundingClientRect().right > w + 0.5 && !e.closest('.table-scroll')).slice(0, 5).map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`), width);
        assert.deepEqual(wide, [], 'nothing outside a scroll box reaches past the viewport');
        await fits(page);
        assert.deepEqual(await axeProblems(page), []);
        await page.screenshot({ path: path.join(SHOTS, `${slug}-${width}.png`), fullPage: true });
        await page.context().close();
      });
    }
  }
});
