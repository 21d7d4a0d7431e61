/**
 * The HiggsML field guide in Chromium at 390 px and 1280 px: no horizontal overflow, the headings and
 * the link back to classifying visible. Screenshots go to $GUIDE_SCREENSHOTS when it is set, to look at.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { LAPTOP, openSignedIn, organizerSession, PHONE, serveToBrowser } from './serve.js';
import { createTestContext, type TestContext } from '../helpers.js';
import { createWorkflowForSlug } from '../../src/crowd/setup.js';
import { findChallengeBySlug } from '../../src/challenges/repo.js';

const SLUG = 'higgsml';

describe('browser: the HiggsML field guide', function () {
  this.timeout(120_000);
  let ctx: TestContext;
  let served: Awaited<ReturnType<typeof serveToBrowser>> | undefined;
  let browser: Browser;
  let base: string;
  let session: string;

  before(async function () {
    if (!process.env.CHROMIUM_PATH) return this.skip();
    ctx = await createTestContext({ challenges: [SLUG] });
    await createWorkflowForSlug(ctx.handle, ctx.storage, SLUG, { maxLive: 10, goldPerClass: 4 });
    session = await organizerSession(ctx.handle, (await findChallengeBySlug(ctx.handle.db, SLUG))!.id, 'gina@example.org');
    served = await serveToBrowser(ctx.app);
    ({ base, browser } = served);
  });
  after(async () => {
    await served?.close();
    await ctx?.close();
  });

  for (const vp of [PHONE, LAPTOP]) {
    const { width } = vp;
    it(`reads at ${width} px: no horizontal overflow, headings and the way back to classifying`, async () => {
      const page = await openSignedIn(browser, base, session, `/crowd/${SLUG}/guide`, vp);
      const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(scrollWidth <= width + 2, `page is ${scrollWidth}px wide on a ${width}px screen`);
      assert.equal(await page.locator('[data-testid="field-guide"] h2').count(), 5);
      const article = (await page.locator('[data-testid="field-guide"]').boundingBox())!;
      assert.ok(article.x >= 0 && article.x + article.width <= width, `guide spans ${article.x}..${article.x + article.width}`);
      const back = page.locator('[data-testid="back-to-classify"]');
      assert.ok(await back.isVisible());
      assert.equal(await back.getAttribute('href'), `/crowd/${SLUG}/classify`);
      const shots = process.env.GUIDE_SCREENSHOTS;
      if (shots) {
        await page.screenshot({ path: path.join(shots, `guide-${width}-top.png`) });
        await page.locator('h2', { hasText: 'The look-alikes' }).scrollIntoViewIfNeeded();
        await page.screenshot({ path: path.join(shots, `guide-${width}-backgrounds.png`) });
      }
      await page.context().close();
    });
  }
});
