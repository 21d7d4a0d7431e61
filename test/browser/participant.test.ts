/**
 * A participant's whole path in a real browser (Debian's Chromium via playwright-core):
 * home page -> challenge -> sign up -> submit the sample -> My submissions (auto-refresh until
 * scored) -> public leaderboard; then a broken file and its table of problems.
 * A screenshot of every step goes to test-results/browser/ (gitignored).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Page } from 'playwright-core';
import { repoRoot } from '../../src/paths.js';
import { ensureAdmin } from '../../src/accounts/service.js';
import { createTestContext, datasetFile, type TestContext } from '../helpers.js';
import { LAPTOP, serveToBrowser, watchedPage, watchOf } from './serve.js';

const SHOTS = path.join(repoRoot, 'test-results', 'browser');
const NAME = 'Ada Lovelace';

describe('participant in the browser (Chromium)', function () {
  this.timeout(120_000);
  let ctx: TestContext | undefined;
  let served: Awaited<ReturnType<typeof serveToBrowser>> | undefined;
  let page: Page;
  let base: string;
  let step = 0;

  async function shot(name: string): Promise<void> {
    step++;
    await page.screenshot({ path: path.join(SHOTS, `${String(step).padStart(2, '0')}-${name}.png`), fullPage: true });
  }

  before(async function () {
    if (!process.env.CHROMIUM_PATH) return this.skip(); // test/run.ts prints the notice
    fs.rmSync(SHOTS, { recursive: true, force: true });
    fs.mkdirSync(SHOTS, { recursive: true });
    ctx = await createTestContext({ challenges: ['higgsml'] });
    // As `npm start` does on an empty database, so the participant below is not the first (admin) account.
    await ensureAdmin(ctx.handle.db);
    served = await serveToBrowser(ctx.app);
    base = served.base;
    page = await watchedPage(served.browser, base, LAPTOP);
  });

  after(async () => {
    await served?.close();
    await ctx?.close();
  });

  it('opens the home page and the HiggsML challenge', async () => {
    const res = await page.goto('/');
    assert.equal(res?.status(), 200);
    assert.equal(await page.locator('h1').first().textContent(), 'Challenges');
    await shot('home');
    await page.getByRole('link', { name: 'HiggsML: find the Higgs boson' }).click();
    await page.waitForURL(`${base}/challenges/higgsml`);
    assert.match((await page.locator('h1').first().textContent()) ?? '', /HiggsML/);
    assert.ok(await page.getByRole('link', { name: 'sample_submission.csv.gz' }).isVisible(), 'the sample submission is offered for download');
    await shot('challenge');
  });

  it('signs up through the form and lands on Submit', async () => {
    await page.getByRole('link', { name: 'Sign up to submit' }).click();
    await page.waitForURL(/\/signup\?next=/);
    await page.getByLabel('Name').fill(NAME);
    await page.getByLabel('Email').fill('ada@example.org');
    await page.getByLabel(/^Password/).fill('correct horse battery');
    await shot('signup');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${base}/challenges/higgsml/submit`);
    assert.equal(await page.locator('header.site .who').textContent(), NAME);
    await page.locator('nav.tabs').getByRole('link', { name: 'Submit' }).click();
    await page.waitForURL(`${base}/challenges/higgsml/submit`);
    assert.match((await page.getByTestId('quota').textContent()) ?? '', /Submissions left today:\s*5\s*of 5/);
    await shot('submit');
  });

  it('uploads the sample submission and sees it scored on My submissions', async () => {
    await page.locator('input[type=file][name=file]').setInputFiles(datasetFile('higgsml', 'sample_submission.csv.gz'));
    await page.getByLabel('Message (optional)').fill('simple window benchmark');
    await page.getByRole('button', { name: 'Upload and score' }).click();
    await page.waitForURL(/\/challenges\/higgsml\/submissions#s\d+$/);
    const id = /#s(\d+)$/.exec(page.url())![1];
    const row = page.locator(`tr#s${id}`);
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /sample_submission\.csv\.gz/);
    await shot('submitted');

    // The page reloads itself every two seconds while scoring; don't reload it here.
    const deadline = Date.now() + 20_000;
    let status = '';
    for (;;) {
      status = ((await row.locator('.status').textContent({ timeout: 5_000 }).catch(() => '')) ?? '').trim();
      if (status === 'scored' || status === 'failed' || Date.now() > deadline) break;
      await page.waitForTimeout(250);
    }
    assert.equal(status, 'scored', `status still "${status}" after 20 s`);
    const cells = await row.locator('td').allTextContents();
    assert.match(cells[4].trim(), /^1\.59\d{3}$/, `public score cell: ${cells[4]}`);
    assert.match(cells[5], /hidden until close/);
    assert.equal(await page.getByTestId('pending').count(), 0, 'the "scoring in progress" note is gone');
    await shot('scored');
  });

  it('shows the participant with the AMS on the public leaderboard', async () => {
    await page.locator('nav.tabs').getByRole('link', { name: 'Public leaderboard' }).click();
    await page.waitForURL(`${base}/challenges/higgsml/leaderboard`);
    const rows = page.getByTestId('leaderboard').locator('tbody tr');
    assert.equal(await rows.count(), 1);
    const cells = (await rows.first().locator('td').allTextContents()).map((c) => c.trim());
    assert.equal(cells[0], '1');
    // Before the close there is no Move column: rank, participant, score.
    // The participant's own row, marked "You".
    assert.equal(cells[1], `${NAME} You`);
    assert.equal(await rows.first().getAttribute('aria-current'), 'true');
    assert.match(cells[2], /^1\.59\d{3}$/);
    const db = await ctx!.handle.db.selectFrom('submissions').select('public_score').executeTakeFirstOrThrow();
    assert.equal(cells[2], db.public_score!.toFixed(5));
    await shot('leaderboard');
  });

  it('uploads a broken file and sees the table of problems', async () => {
    await page.locator('nav.tabs').getByRole('link', { name: 'Submit' }).click();
    await page.waitForURL(`${base}/challenges/higgsml/submit`);
    const lines = zlib.gunzipSync(fs.readFileSync(datasetFile('higgsml', 'sample_submission.csv.gz'))).toString('utf8').split('\n');
    lines[2] = lines[2].replace(/,[sb]$/, ',S'); // line 3: a class outside {b, s}
    lines[4] = lines[4].replace(/^(\d+),\d+,/, '$1,NaN,'); // line 5: RankOrder NaN
    await page.locator('input[type=file][name=file]').setInputFiles({ name: 'broken.csv', mimeType: 'text/csv', buffer: Buffer.from(lines.join('\n')) });
    const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Upload and score' }).click()]);
    assert.equal(response.status(), 422);
    await page.waitForLoadState();
    const alert = page.getByTestId('upload-error');
    await alert.waitFor();
    assert.match((await alert.locator('strong').first().textContent()) ?? '', /The file has 3 problems; nothing was stored\./);
    const headers = (await alert.locator('table.errors thead th').allTextContents()).map((h) => h.trim());
    for (const h of ['Line', 'Column', 'Problem']) assert.ok(headers.includes(h), `no ${h} column in ${headers.join(', ')}`);
    const rows = await alert.locator('table.errors tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? '')));
    const at = (name: string) => headers.indexOf(name);
    const line3 = rows.find((r) => r[at('Line')] === '3');
    assert.ok(line3, JSON.stringify(rows));
    assert.equal(line3[at('Column')], 'Class');
    assert.match(line3[at('Problem')], /"S" is not an allowed class/);
    const line5 = rows.find((r) => r[at('Line')] === '5');
    assert.ok(line5, JSON.stringify(rows));
    assert.equal(line5[at('Column')], 'RankOrder');
    assert.match(line5[at('Problem')], /"NaN" is not a number/);
    // A rejected file uses no slot: still one used, four left.
    assert.match((await page.getByTestId('quota').textContent()) ?? '', /Submissions left today:\s*4\s*of 5/);
    assert.ok(await page.locator('input[type=file][name=file]').isVisible(), 'the form is there to try again');
    await shot('upload-error');
    const n = await ctx!.handle.db.selectFrom('submissions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(n.n), 1);
  });

  it('logged no script errors and no failed requests but the rejected upload', () => {
    const watch = watchOf(page);
    const consoleErrors = [...watch.consoleErrors, ...watch.pageErrors];
    const failedRequests = [...watch.answers.map((a) => a.line), ...watch.unanswered];
    assert.deepEqual(consoleErrors, []);
    assert.deepEqual(failedRequests, ['422 POST /challenges/higgsml/submissions']);
  });
});
