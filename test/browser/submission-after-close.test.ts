/**
 * The submission page of a closed HiggsML challenge in Chromium at a phone's width (390 px) and a
 * laptop's (1280 px): the confusion heatmaps and AMS curves of a real submission file render, fit the
 * viewport and keep their text alternative; a late submission wears its badge. Screenshots go to
 * /tmp/submission-after-close-shots.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { signUp, startSession } from '../../src/accounts/service.js';
import { findChallengeBySlug } from '../../src/challenges/repo.js';
import { submit } from '../../src/submissions/service.js';
import { createTestContext, datasetFile, waitForTerminal, type TestContext } from '../helpers.js';
import { assertFigureFits, openSignedIn, serveToBrowser } from './serve.js';

const SHOTS = '/tmp/submission-after-close-shots';
const SLUG = 'higgsml';
const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

describe('browser: the submission page after the close (Chromium)', function () {
  this.timeout(120_000);
  let ctx: TestContext | undefined;
  let served: Awaited<ReturnType<typeof serveToBrowser>> | undefined;
  let session: string;
  const ids = { onTime: 0, late: 0 };

  before(async function () {
    if (!process.env.CHROMIUM_PATH) return this.skip();
    fs.rmSync(SHOTS, { recursive: true, force: true });
    fs.mkdirSync(SHOTS, { recursive: true });
    ctx = await createTestContext({ challenges: [SLUG] });
    const db = ctx.handle.db;
    const pat = await signUp(db, { email: 'pat@example.org', name: 'Pat', password: 'correct horse battery' });
    const send = async (name: string) => {
      const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sift-upload-')), name);
      fs.copyFileSync(datasetFile(SLUG, 'sample_submission.csv.gz'), tmp);
      const { submission } = await submit(ctx!.handle, ctx!.storage, (await findChallengeBySlug(db, SLUG))!, pat.id, { tmpPath: tmp, originalName: name, size: fs.statSync(tmp).size }, null);
      ctx!.workers.nudge();
      const row = await waitForTerminal(ctx!.handle, submission.id);
      assert.equal(row.status, 'scored', row.error ?? '');
      return row;
    };
    ids.onTime = (await send('sample.csv.gz')).id;
    await db.updateTable('challenges').set({ closes_at: new Date(Date.now() - 1000).toISOString() }).where('slug', '=', SLUG).execute();
    const late = await send('late.csv.gz');
    assert.equal(late.late, 1);
    ids.late = late.id;
    session = await startSession(db, pat.id, 1);
    served = await serveToBrowser(ctx.app);
  });
  after(async () => {
    await served?.close();
    await ctx?.close();
  });

  for (const width of [390, 1280]) {
    it(`at ${width} px: both subsets' heatmap and AMS curve show, fit the page and keep their text alternative; the late one is badged`, async () => {
      for (const [which, id] of Object.entries(ids)) {
        const page = await openSignedIn(served!.browser, served!.base, session, `/challenges/${SLUG}/submissions/${id}`, { width, height: 900, mobile: width < 600 });
        for (const testid of ['confusion-heatmap-public', 'ams-curve-public', 'confusion-heatmap-private', 'ams-curve-private']) {
          await assertFigureFits(page, testid, width);
        }
        // The curve is a line with both marks; the heatmap has its four cells, each with a count and a share.
        assert.equal(await page.locator('[data-testid="ams-curve-public"] .ams-curve-line').count(), 1);
        assert.equal(await page.locator('[data-testid="ams-curve-public"] circle.ams-cut').count(), 1);
        assert.equal(await page.locator('[data-testid="ams-curve-public"] circle.ams-max').count(), 1);
        assert.equal(await page.locator('[data-testid="confusion-heatmap-public"] g.cell').count(), 4);
        const cellText = await page.locator('[data-testid="confusion-heatmap-public"] g.cell').first().locator('text').allTextContents();
        assert.match(cellText.join(' '), /^\d+ \d+(\.\d)?%$/);
        const badge = page.getByTestId('late-badge');
        if (which === 'late') {
          assert.equal((await badge.textContent())?.trim(), 'Late');
          assert.ok(await badge.isVisible());
          assert.match((await page.getByTestId('late-note').textContent()) ?? '', /not ranked/);
        } else {
          assert.equal(await badge.count(), 0);
        }
        const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(scrollWidth <= width, `the page is ${scrollWidth} px wide in a ${width} px viewport`);
        // No serious accessibility problem in the new figures (axe-core).
        // Evaluated through the devtools protocol: the page's Content-Security-Policy forbids inline scripts.
        await page.evaluate(axeSource);
        const violations = await page.evaluate(async () => {
          const axe = (window as unknown as { axe: { run: (ctx: unknown, o: unknown) => Promise<{ violations: Array<{ id: string; impact: string }> }> } }).axe;
          const r = await axe.run({ include: [['.score-details']] }, { resultTypes: ['violations'] });
          return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id);
        });
        assert.deepEqual(violations, []);
        await page.screenshot({ path: path.join(SHOTS, `${which}-${width}.png`), fullPage: true });
        await page.context().close();
      }
    });
  }

  it('lists the late submission with its badge on My submissions, and the Submit tab keeps its form with the note', async () => {
    for (const width of [390, 1280]) {
      const list = await openSignedIn(served!.browser, served!.base, session, `/challenges/${SLUG}/submissions`, { width, height: 900, mobile: width < 600 });
      assert.ok(await list.locator(`#s${ids.late} [data-testid="late-badge"]`).isVisible());
      assert.equal(await list.locator(`#s${ids.onTime} [data-testid="late-badge"]`).count(), 0);
      assert.ok((await list.evaluate(() => document.documentElement.scrollWidth)) <= width);
      await list.screenshot({ path: path.join(SHOTS, `list-${width}.png`), fullPage: true });
      await list.context().close();
      const form = await openSignedIn(served!.browser, served!.base, session, `/challenges/${SLUG}/submit`, { width, height: 900, mobile: width < 600 });
      assert.match((await form.getByTestId('late-note').textContent()) ?? '', /Late submissions are scored and shown only to you, marked late; they are never ranked\./);
      assert.equal(await form.locator('input[type=file]').count(), 1);
      assert.ok((await form.evaluate(() => document.documentElement.scrollWidth)) <= width);
      await form.screenshot({ path: path.join(SHOTS, `submit-${width}.png`), fullPage: true });
      await form.context().close();
    }
  });
});
