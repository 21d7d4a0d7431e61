/**
 * An organizer sets up a challenge from the browser alone (upload the demo files, map the columns,
 * preview the solution, publish), then a participant submits the sample submission and is scored.
 * Screenshots go to test-results/browser-organizer/ (gitignored).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { repoRoot } from '../../src/paths.js';
import { ensureAdmin } from '../../src/accounts/service.js';
import { createTestContext, datasetFile, type TestContext } from '../helpers.js';
import { brokenOf, LAPTOP, serveToBrowser, watchedPage } from './serve.js';

const SHOTS = path.join(repoRoot, 'test-results', 'browser-organizer');

describe('organizer in the browser (Chromium)', function () {
  this.timeout(120_000);
  let ctx: TestContext | undefined;
  let served: Awaited<ReturnType<typeof serveToBrowser>> | undefined;
  let base: string;
  const opened: Page[] = [];

  async function newPage(): Promise<Page> {
    const page = await watchedPage(served!.browser, base, LAPTOP);
    opened.push(page);
    return page;
  }
  async function signUp(page: Page, name: string, email: string) {
    await page.goto('/signup');
    await page.getByLabel('Name').fill(name);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel(/^Password/).fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${base}/`);
  }

  before(async function () {
    if (!process.env.CHROMIUM_PATH) return this.skip(); // test/run.ts prints the notice
    fs.rmSync(SHOTS, { recursive: true, force: true });
    fs.mkdirSync(SHOTS, { recursive: true });
    ctx = await createTestContext({});
    await ensureAdmin(ctx.handle.db);
    served = await serveToBrowser(ctx.app);
    base = served.base;
  });

  after(async () => {
    await served?.close();
    await ctx?.close();
  });

  it('creates a challenge from the form with the demo files, previews it and publishes it', async () => {
    const page = await newPage();
    await signUp(page, 'Olga Organizer', 'olga@example.org');
    // The admin grants the organizer role (the users page is covered by the integration tests).
    await ctx!.handle.db.updateTable('users').set({ role: 'organizer' }).where('email', '=', 'olga@example.org').execute();

    await page.goto('/organize');
    await page.getByTestId('new-challenge').click();
    await page.waitForURL(`${base}/organize/new`);
    const form = page.getByTestId('new-challenge-form');
    await form.locator('input[name=slug]').fill('xray-browser');
    await form.locator('input[name=title]').fill('X-ray sources, set up in the browser');
    await form.locator('input[name=train]').setInputFiles(datasetFile('xray-sources', 'train.csv.gz'));
    await form.locator('input[name=test]').setInputFiles(datasetFile('xray-sources', 'test.csv.gz'));
    await form.locator('input[name=solution]').setInputFiles(datasetFile('xray-sources', 'solution.csv.gz'));
    await form.locator('input[name=sample_submission]').setInputFiles(datasetFile('xray-sources', 'sample_submission.csv.gz'));
    await page.screenshot({ path: path.join(SHOTS, '01-new.png'), fullPage: true });
    await form.getByRole('button', { name: 'Upload and continue' }).click();
    await page.waitForURL(`${base}/organize/xray-browser/settings`);

    // The columns were read from the solution's header; the classes from its target column.
    const settings = page.getByTestId('settings-form');
    assert.equal(await settings.locator('select[name=id_column]').inputValue(), 'name');
    assert.equal(await settings.locator('select[name=target_column]').inputValue(), 'Class');
    assert.equal(await settings.locator('select[name=usage_column]').inputValue(), 'Usage');
    assert.deepEqual((await settings.locator('input[name=classes]').inputValue()).split(/,\s*/).sort(), ['AGN', 'CV', 'Other', 'Star', 'XRB']);
    await settings.locator('select[name=metric]').selectOption('macro_f1');
    await settings.locator('input[name=team_size]').fill('4');
    await page.screenshot({ path: path.join(SHOTS, '02-settings.png'), fullPage: true });
    // Keyboard submit (a mouse click on this button is flaky in headless Chromium here).
    await page.getByTestId('save-settings').press('Enter');
    await page.waitForURL(`${base}/organize/xray-browser`).catch(async (e) => {
      throw new Error(`${e}\n${await page.locator('main').textContent()}`);
    });

    const preview = await page.getByTestId('preview').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? '')));
    assert.deepEqual(preview.map((r) => r.slice(0, 2)), [['Public', '292'], ['Private', '972'], ['Ignored', '0']]);
    assert.match(preview[0][2], /AGN 155/);
    assert.equal((await page.getByTestId('state').textContent())?.trim(), 'draft');
    await page.screenshot({ path: path.join(SHOTS, '03-preview.png'), fullPage: true });
    // Publishing asks first, on a page that says what it will do; the console then shows the new state.
    await page.getByTestId('publish').click();
    await page.waitForURL(`${base}/organize/xray-browser/confirm/publish?`);
    assert.match((await page.getByTestId('confirm-undo').textContent()) ?? '', /cannot be undone/i);
    await page.getByTestId('confirm').click();
    await page.waitForURL(`${base}/organize/xray-browser`);
    assert.equal((await page.getByTestId('state').textContent())?.trim(), 'published');
    await page.screenshot({ path: path.join(SHOTS, '04-published.png'), fullPage: true });
    // Only one page open at a time: Chromium throttles the timers of background pages (the auto-refresh below).
    await page.context().close();
  });

  it('lets a participant submit the sample submission and be scored', async () => {
    const page = await newPage();
    await page.bringToFront();
    await signUp(page, 'Pat Participant', 'pat@example.org');
    await page.goto('/');
    await page.getByRole('link', { name: 'X-ray sources, set up in the browser' }).click();
    await page.locator('nav.tabs').getByRole('link', { name: 'Submit' }).click();
    await page.waitForURL(`${base}/challenges/xray-browser/submit`);
    await page.locator('input[type=file][name=file]').setInputFiles(datasetFile('xray-sources', 'sample_submission.csv.gz'));
    await page.getByRole('button', { name: 'Upload and score' }).click();
    await page.waitForURL(/\/challenges\/xray-browser\/submissions#s\d+$/);
    const id = /#s(\d+)$/.exec(page.url())![1];
    const row = page.locator(`tr#s${id}`);
    const deadline = Date.now() + 20_000;
    let status = '';
    for (;;) {
      status = ((await row.locator('.status').textContent({ timeout: 5_000 }).catch(() => '')) ?? '').trim();
      if (status === 'scored' || status === 'failed' || Date.now() > deadline) break;
      await page.waitForTimeout(500);
      // The page refreshes itself (covered by the participant test); reloading here keeps this test about the organizer flow.
      await page.reload();
    }
    const dbRow = await ctx!.handle.db.selectFrom('submissions').select(['status', 'error']).where('id', '=', Number(id)).executeTakeFirst();
    const jobs = await ctx!.handle.db.selectFrom('jobs').select(['status', 'last_error', 'attempts']).execute();
    assert.equal(status, 'scored', JSON.stringify({ dbRow, jobs }));
    const cells = await row.locator('td').allTextContents();
    assert.match(cells[4].trim(), /^0\.3\d{4}$/, `public macro-F1: ${cells[4]}`);
    await page.screenshot({ path: path.join(SHOTS, '05-scored.png'), fullPage: true });
    assert.deepEqual(opened.flatMap(brokenOf), []);
  });
});
