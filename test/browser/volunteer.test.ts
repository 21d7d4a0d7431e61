import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { crowdContext } from '../crowd-helpers.js';
import { serveToBrowser } from './serve.js';

describe('browser: a new volunteer trains, classifies, and sees the profile and leaderboard update', function () {
  this.timeout(120_000);
  let ctx: Awaited<ReturnType<typeof crowdContext>>;
  let served: Awaited<ReturnType<typeof serveToBrowser>> | undefined;
  let browser: Browser;
  let base: string;

  before(async function () {
    if (!process.env.CHROMIUM_PATH) return this.skip();
    ctx = await crowdContext({ trainingChances: [1, 1, 1, 0], maxLive: 20 });
    served = await serveToBrowser(ctx.app);
    ({ browser, base } = served);
  });
  after(async () => {
    await served?.close();
    await ctx?.close();
  });

  async function signUp(page: Page, email: string, name: string) {
    await page.goto(`${base}/signup`);
    await page.fill('input[name=email]', email);
    await page.fill('input[name=name]', name);
    await page.fill('input[name=password]', 'correct horse battery');
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/signup')), page.click('form button:not(.link)')]);
  }

  it('works on a phone-sized screen', async () => {
    // The first account becomes the admin; the volunteer signs up second.
    const first = await browser.newPage();
    await signUp(first, 'admin@example.org', 'Admin');
    await first.close();

    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await signUp(page, 'vera@example.org', 'Vera Rubin');
    await page.goto(`${base}/crowd`);
    await page.click('[data-testid="start-xmm-sources"]');
    // A first visit begins with the tutorial.
    await page.waitForSelector('[data-testid="tutorial"]');
    assert.ok((await page.locator('[data-testid="tutorial-step"]').count()) >= 2);
    await page.click('[data-testid="start"]');

    for (let i = 0; i < 3; i++) {
      await page.waitForSelector('[data-testid="training"]');
      assert.ok(await page.locator('svg.spectrum').isVisible());
      assert.ok(await page.locator('svg.skymap').isVisible());
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 392, `page is ${width}px wide on a 390px screen`);
      await page.click('[data-testid="answer-AGN"]');
      await page.waitForSelector('[data-testid="feedback"]');
      const truth = await page.textContent('[data-testid="true-class"]');
      assert.ok(['AGN', 'Star', 'XRB', 'CV', 'Other'].includes(truth!.trim()));
      assert.match((await page.textContent('.clues'))!, /Clues for/);
      await page.click('[data-testid="next"]');
    }
    for (let i = 0; i < 3; i++) {
      await page.waitForSelector('[data-testid="answers"]');
      assert.equal(await page.locator('[data-testid="training"]').count(), 0, 'live subjects after training');
      await page.click('[data-testid="answer-Star"]');
      await page.waitForSelector('[data-testid="thanks"]');
    }

    await page.goto(`${base}/crowd/profile`);
    assert.equal((await page.textContent('[data-testid="classifications"]'))!.trim(), '6');
    assert.equal(await page.locator('svg.skymap circle.marker').count(), 6);
    assert.match((await page.textContent('[data-testid="gold-per-class"]'))!, /AGN/);

    await page.goto(`${base}/crowd/leaderboard`);
    const weekly = (await page.textContent('[data-testid="weekly"]'))!;
    assert.match(weekly, /Vera Rubin/);
    assert.match((await page.textContent('[data-testid="all-time"]'))!, /Vera Rubin\s*\S+\s*6/);
    await context.close();
  });

  it('shows the training feedback beside the subject on a wide screen, and above it on a phone', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await signUp(page, 'wide@example.org', 'Wide Screen');
    await page.goto(`${base}/crowd/xmm-sources/tutorial`);
    await page.click('[data-testid="start"]');
    const answerAndMeasure = async () => {
      await page.waitForSelector('[data-testid="training"]');
      await page.click('[data-testid="answer-AGN"]');
      await page.waitForSelector('[data-testid="feedback-subject"]');
      const feedback = (await page.locator('[data-testid="feedback"]').boundingBox())!;
      const subject = (await page.locator('[data-testid="feedback-subject"]').boundingBox())!;
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(await page.locator('[data-testid="feedback-subject"] svg.spectrum').isVisible(), 'the subject is shown, not folded away');
      return { feedback, subject, width };
    };
    const wide = await answerAndMeasure();
    assert.ok(wide.subject.x >= wide.feedback.x + wide.feedback.width - 1, `side by side: feedback ends at ${wide.feedback.x + wide.feedback.width}, subject starts at ${wide.subject.x}`);
    assert.ok(wide.width <= 1282, `page is ${wide.width}px wide`);
    await page.click('[data-testid="next"]');
    await page.setViewportSize({ width: 390, height: 844 });
    const narrow = await answerAndMeasure();
    assert.ok(narrow.subject.y >= narrow.feedback.y + narrow.feedback.height - 1, 'stacked on a phone');
    assert.ok(narrow.width <= 392, `page is ${narrow.width}px wide on a 390px screen`);
    await context.close();
  });
});
