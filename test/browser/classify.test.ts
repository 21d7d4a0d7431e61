/**
 * A volunteer classifies at 1280 px and at 390 px: a HiggsML collision event (event display,
 * derived quantities, Higgs signal / Background buttons) and a subject of a challenge created from
 * the web with columns x1..x4 (class histograms). On every page nothing widens the page past the
 * viewport, and the class buttons are on screen without scrolling (they stick to the bottom), so an
 * answer is one tap or one key away. Screenshots go to /tmp/classify-shots/.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { LAPTOP, openSignedIn, PHONE, serveToBrowser } from './serve.js';
import { createTestContext, signedInAgent, type TestContext } from '../helpers.js';
import { createGenericChallengeFromWeb } from '../generic-challenge.js';
import { createWorkflowForSlug } from '../../src/crowd/setup.js';
import { signUp, startSession } from '../../src/accounts/service.js';

const SHOTS = '/tmp/classify-shots';
const VIEWPORTS = [
  { name: 'desktop', ...LAPTOP },
  { name: 'phone', ...PHONE },
];

async function assertFitsAndButtonsReachable(page: Page, classes: string[], shot: string): Promise<void> {
  const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, viewport: document.documentElement.clientWidth }));
  assert.ok(widths.page <= widths.viewport, `${shot}: page ${widths.page} px wide in a ${widths.viewport} px viewport`);
  const height = page.viewportSize()!.height;
  for (const c of classes) {
    const box = await page.getByTestId(`answer-${c}`).boundingBox();
    assert.ok(box, `${shot}: no button for ${c}`);
    assert.ok(box.y >= 0 && box.y + box.height <= height && box.x >= 0 && box.x + box.width <= widths.viewport, `${shot}: the ${c} button is off screen at ${JSON.stringify(box)}`);
    assert.ok(box.height >= 40, `${shot}: the ${c} button is ${box.height} px tall, too small to tap`);
  }
  await page.screenshot({ path: path.join(SHOTS, `${shot}.png`), fullPage: true });
  await page.screenshot({ path: path.join(SHOTS, `${shot}-first-screen.png`) });
}

describe('browser: a volunteer classifies a HiggsML event and a generic subject', function () {
  this.timeout(240_000);
  let ctx: TestContext;
  let served: Awaited<ReturnType<typeof serveToBrowser>> | undefined;
  let browser: Browser;
  let base: string;
  let tmp: string;

  before(async function () {
    if (!process.env.CHROMIUM_PATH) return this.skip();
    fs.rmSync(SHOTS, { recursive: true, force: true });
    fs.mkdirSync(SHOTS, { recursive: true });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sift-classify-'));
    ctx = await createTestContext({ workers: 1, challenges: ['higgsml'] });
    await createWorkflowForSlug(ctx.handle, ctx.storage, 'higgsml', { maxLive: 30, goldPerClass: 5, knownPerClass: 0 });
    const admin = await signedInAgent(ctx.app, 'admin@example.org', 'Admin');
    const org = await signedInAgent(ctx.app, 'gina@example.org', 'Gina');
    const gina = await ctx.handle.db.selectFrom('users').select('id').where('email', '=', 'gina@example.org').executeTakeFirstOrThrow();
    await admin.agent.post(`/admin/users/${gina.id}/role`).type('form').send({ _csrf: admin.csrf, role: 'organizer' }).expect(303);
    await createGenericChallengeFromWeb(org, tmp);
    served = await serveToBrowser(ctx.app);
    ({ browser, base } = served);
  });
  after(async () => {
    await served?.close();
    await ctx?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  for (const vp of VIEWPORTS) {
    it(`classifies a HiggsML event at ${vp.width} px`, async () => {
      const user = await signUp(ctx.handle.db, { email: `higgs-${vp.name}@example.org`, name: `Higgs ${vp.name}`, password: 'correct horse battery' });
      const page = await openSignedIn(browser, base, await startSession(ctx.handle.db, user.id, 1), '/crowd/higgsml/classify', vp);
      // A first visit opens the tutorial; its button leads to the first event.
      await page.getByTestId('tutorial').waitFor();
      assert.match(await page.getByTestId('tutorial').innerText(), /Higgs/);
      await assertFitsAndButtonsReachable(page, [], `higgsml-${vp.name}-tutorial`);
      await page.getByTestId('start').click();
      await page.getByTestId('plot-event').waitFor();
      assert.equal(await page.locator('[data-testid="plot-event"] svg').count(), 2, 'transverse plane and η–φ views');
      assert.match(await page.getByTestId('derived-panel').innerText(), /Estimated Higgs-candidate mass \(MMC\)/);
      // The key is shown on wide screens only (phones have none to press).
      assert.equal((await page.getByTestId('answer-s').innerText()).trim(), vp.mobile ? 'Higgs signal' : 'Higgs signal s');
      assert.equal(await page.getByTestId('field-guide-link').getAttribute('href'), '/crowd/higgsml/guide');
      await assertFitsAndButtonsReachable(page, ['s', 'b'], `higgsml-${vp.name}`);
      // Answer with the key shown on the button: a new volunteer's first subject is a training event.
      await page.keyboard.press('s');
      await page.getByTestId('feedback').waitFor();
      assert.match(await page.getByTestId('true-class').innerText(), /^(s|b|Higgs signal|Background)$/);
      await assertFitsAndButtonsReachable(page, [], `higgsml-${vp.name}-feedback`);
      await page.getByTestId('next').click();
      await page.getByTestId('answers').waitFor();
      await page.context().close();
    });

    it(`classifies a subject of a web-created challenge at ${vp.width} px`, async () => {
      const user = await signUp(ctx.handle.db, { email: `generic-${vp.name}@example.org`, name: `Generic ${vp.name}`, password: 'correct horse battery' });
      const page = await openSignedIn(browser, base, await startSession(ctx.handle.db, user.id, 1), '/crowd/generic/classify', vp);
      await page.getByTestId('start').click();
      await page.getByTestId('answers').waitFor();
      assert.ok((await page.locator('svg.histogram').count()) >= 2, 'class histograms');
      await assertFitsAndButtonsReachable(page, ['alpha', 'beta', 'gamma'], `generic-${vp.name}`);
      await page.getByTestId('answer-beta').click();
      await page.getByTestId('feedback').waitFor();
      await assertFitsAndButtonsReachable(page, [], `generic-${vp.name}-feedback`);
      await page.context().close();
    });
  }
});
