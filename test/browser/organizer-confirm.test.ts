/**
 * The organizer's confirmation pages in Chromium at 1280 px and 390 px: the console's buttons lead to
 * them, nothing widens the page past the viewport, and closing works by typing the slug (a wrong one
 * brings the page back with the reason). Then the closed challenge's Submit tab has no upload form.
 * Screenshots go to /tmp/organizer-confirm-shots/.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { LAPTOP, openSignedIn, organizerSession, PHONE, serveToBrowser } from './serve.js';
import { createTestContext, type TestContext } from '../helpers.js';
import { findChallengeBySlug } from '../../src/challenges/repo.js';
import { signUp, startSession } from '../../src/accounts/service.js';

const SHOTS = '/tmp/organizer-confirm-shots';
const SLUG = 'xray-sources';
const VIEWPORTS = [
  { name: 'desktop', ...LAPTOP },
  { name: 'phone', ...PHONE },
];

async function assertFits(page: Page, shot: string): Promise<void> {
  const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, viewport: window.innerWidth }));
  assert.ok(widths.page <= widths.viewport, `${shot}: page ${widths.page} px wide in a ${widths.viewport} px viewport`);
  await page.screenshot({ path: path.join(SHOTS, `${shot}.png`), fullPage: true });
}

describe('browser: organizer confirmation pages and a closed Submit tab', function () {
  this.timeout(120_000);
  let ctx: TestContext;
  let served: Awaited<ReturnType<typeof serveToBrowser>> | undefined;
  let browser: Browser;
  let base: string;
  let organizer: string;

  before(async function () {
    if (!process.env.CHROMIUM_PATH) return this.skip();
    fs.rmSync(SHOTS, { recursive: true, force: true });
    fs.mkdirSync(SHOTS, { recursive: true });
    ctx = await createTestContext({ challenges: [SLUG], workers: 0 });
    const c = (await findChallengeBySlug(ctx.handle.db, SLUG))!;
    organizer = await organizerSession(ctx.handle, c.id, 'olga@example.org');
    served = await serveToBrowser(ctx.app);
    ({ browser, base } = served);
  });
  after(async () => {
    await served?.close();
    await ctx?.close();
  });

  for (const vp of VIEWPORTS) {
    it(`leads from the console to each confirmation page, which fits at ${vp.width} px`, async () => {
      const page = await openSignedIn(browser, base, organizer, `/organize/${SLUG}`, vp);
      try {
        for (const action of ['freeze', 'close', 'rescore']) {
          await page.goto(`${base}/organize/${SLUG}`);
          await page.getByTestId(action).click();
          await page.waitForURL(new RegExp(`/organize/${SLUG}/confirm/${action}\\?`));
          assert.ok(((await page.getByTestId('confirm-effects').locator('li').count()) ?? 0) >= 2, `${action}: says what it does`);
          assert.match((await page.getByTestId('confirm-undo').textContent()) ?? '', /can(not)? be undone/i);
          await assertFits(page, `${vp.name}-confirm-${action}`);
          // Cancel goes back to the console and changes nothing.
          await page.getByTestId('cancel').click();
          await page.waitForURL(`${base}/organize/${SLUG}`);
        }
        const c = (await findChallengeBySlug(ctx.handle.db, SLUG))!;
        assert.deepEqual([c.state, c.public_frozen_at], ['published', null]);
      } finally {
        await page.context().close();
      }
    });
  }

  it('closes on a phone only once the slug is typed right; the Submit tab then has no form, at both widths', async () => {
    const page = await openSignedIn(browser, base, organizer, `/organize/${SLUG}/confirm/close`, VIEWPORTS[1]);
    try {
      await page.getByTestId('confirm-slug').fill('xray');
      await page.getByTestId('confirm').click();
      await page.waitForURL(`${base}/organize/${SLUG}/close`);
      assert.match((await page.getByTestId('confirm-error').textContent()) ?? '', /is not this challenge's/);
      await assertFits(page, 'phone-close-wrong-slug');
      assert.equal((await findChallengeBySlug(ctx.handle.db, SLUG))!.state, 'published');
      await page.getByTestId('confirm-slug').fill(SLUG);
      await page.getByTestId('confirm').click();
      await page.waitForURL(`${base}/organize/${SLUG}`);
      assert.equal((await page.getByTestId('state').textContent())?.trim(), 'closed');
      assert.equal(await page.getByTestId('unfreeze').count(), 0);
      assert.equal(await page.getByTestId('close').count(), 0);
      await assertFits(page, 'phone-console-closed');
    } finally {
      await page.context().close();
    }

    // Late submissions (issue 12) are off here: with them on, the form stays.
    await ctx.handle.db.updateTable('challenges').set({ late_submissions: 0 }).where('slug', '=', SLUG).execute();
    const pat = await signUp(ctx.handle.db, { email: 'pat@example.org', name: 'Pat', password: 'correct horse battery' });
    const session = await startSession(ctx.handle.db, pat.id, 1);
    for (const vp of VIEWPORTS) {
      const submit = await openSignedIn(browser, base, session, `/challenges/${SLUG}/submit`, vp);
      try {
        assert.equal(await submit.locator('input[type=file]').count(), 0);
        assert.match((await submit.getByTestId('submit-closed').textContent()) ?? '', /closed on .* no longer accepts submissions/);
        await assertFits(submit, `${vp.name}-submit-closed`);
      } finally {
        await submit.context().close();
      }
    }
  });
});
