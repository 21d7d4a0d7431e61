/**
 * The API reference in Chromium at a phone's and a laptop's width: nothing widens the page, the
 * contents sit beside the text on the laptop, and each contents link scrolls its section into view.
 * Screenshots go to /tmp/api-docs-shots.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { openApiDocument } from '../../src/api/openapi.js';
import { createTestContext, type TestContext } from '../helpers.js';
import { serveToBrowser, watchedPage, watchOf } from './serve.js';

const SHOTS = '/tmp/api-docs-shots';
const VIEWPORTS = [
  { name: 'phone', width: 390, height: 844, mobile: true },
  { name: 'laptop', width: 1280, height: 800, mobile: false },
];

/** Widths of the page and of whatever sticks out past the viewport's right edge. */
const overflow = (page: Page) =>
  page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    height: document.documentElement.scrollHeight,
    wide: [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1 && !el.closest('.table-wrap, pre'))
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}.${el.className}`),
  }));

describe('API docs in the browser (Chromium)', function () {
  this.timeout(120_000);
  let ctx: TestContext | undefined;
  let served: Awaited<ReturnType<typeof serveToBrowser>> | undefined;

  before(async function () {
    if (!process.env.CHROMIUM_PATH) return this.skip(); // test/run.ts prints the notice
    fs.mkdirSync(SHOTS, { recursive: true });
    ctx = await createTestContext();
    served = await serveToBrowser(ctx.app);
  });
  after(async () => {
    await served?.close();
    await ctx?.close();
  });

  for (const vp of VIEWPORTS) {
    it(`at ${vp.width} px: no horizontal overflow, and every contents link scrolls to its section`, async () => {
      const page = await watchedPage(served!.browser, served!.base, vp);
      try {
        await page.goto(`${served!.base}/api/docs`);
        await page.screenshot({ path: path.join(SHOTS, `${vp.name}-top.png`) });

        const size = await overflow(page);
        assert.ok(size.scrollWidth <= size.innerWidth, `the page is ${size.scrollWidth} px wide at ${size.innerWidth} px: ${size.wide.join(', ')}`);
        assert.deepEqual(size.wide, []);

        // Beside the text on a laptop, above it on a phone.
        const toc = (await page.getByTestId('api-toc').boundingBox())!;
        const heading = (await page.locator('.api-content h1').boundingBox())!;
        if (vp.width >= 1000) assert.ok(toc.x + toc.width <= heading.x && toc.y < heading.y + heading.height, `contents ${JSON.stringify(toc)} not beside ${JSON.stringify(heading)}`);
        else assert.ok(toc.y + toc.height <= heading.y, 'the contents come before the text on a phone');

        const links = await page.getByTestId('api-toc').locator('a[href^="#"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
        const operations = Object.values(openApiDocument.paths).flatMap((item) => Object.values(item as Record<string, { operationId?: string }>).map((op) => op.operationId));
        assert.ok(links.length >= operations.length, `only ${links.length} contents links`);
        for (const href of links) {
          // Follow the link as a reader would: from the top, clicking it in the contents (scrolled there on a phone).
          await page.evaluate(() => window.scrollTo(0, 0));
          await page.getByTestId('api-toc').locator(`a[href="${href}"]`).click();
          await page.waitForFunction((h) => location.hash === h, href);
          const box = await page.locator(href).evaluate((el) => {
            const r = el.getBoundingClientRect();
            return { top: r.top, visible: r.height > 0 };
          });
          assert.ok(box.visible, `${href} is not shown`);
          assert.ok(box.top >= -2 && box.top < vp.height / 2, `${href} is at ${box.top} px after its link, not near the top`);
        }

        await page.getByTestId('api-toc').locator('a[href="#submit"]').click();
        await page.screenshot({ path: path.join(SHOTS, `${vp.name}-submit.png`) });
        // The submit section's code (long path, curl line, JSON) stays inside the viewport too.
        const after = await overflow(page);
        assert.ok(after.scrollWidth <= after.innerWidth);
        console.log(`      ${vp.width} px: page ${after.scrollWidth} px wide, ${after.height} px long; ${links.length} contents links followed`);
        const watch = watchOf(page);
        assert.deepEqual([...watch.pageErrors, ...watch.answers.map((a) => a.line)], []);
      } finally {
        await page.context().close();
      }
    });
  }

  it('links and assets all answer 2xx or 3xx', async () => {
    const context = await served!.browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const page = await context.newPage();
      await page.goto(`${served!.base}/api/docs`);
      const urls = await page.evaluate(() => [...new Set([...document.querySelectorAll<HTMLAnchorElement | HTMLLinkElement>('a[href], link[href]')].map((a) => a.href.split('#')[0]).concat([...document.querySelectorAll('script[src]')].map((s) => (s as HTMLScriptElement).src)))]);
      assert.ok(urls.some((u) => u.endsWith('/static/api-docs.css')), 'the page links its stylesheet');
      const failed: string[] = [];
      for (const url of urls) {
        const res = await page.request.get(url, { maxRedirects: 0 });
        if (res.status() >= 400) failed.push(`${res.status()} ${url}`);
      }
      assert.deepEqual(failed, []);
    } finally {
      await context.close();
    }
  });

  it('folds a group without JavaScript', async () => {
    const context = await served!.browser.newContext({ viewport: { width: 1280, height: 800 }, javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      await page.goto(`${served!.base}/api/docs`);
      const teams = page.locator('#tag-teams > details');
      assert.equal(await teams.getAttribute('open'), '', 'groups start open');
      assert.ok(await page.locator('#createTeam').isVisible());
      await page.locator('#tag-teams > details > summary').click();
      assert.equal(await teams.getAttribute('open'), null);
      assert.equal(await page.locator('#createTeam').isVisible(), false, 'a folded group hides its operations');
    } finally {
      await context.close();
    }
  });
});
