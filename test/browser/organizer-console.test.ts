/**
 * The organizer console in Chromium at a phone's width (390 px) and a laptop's (1280 px): its table of
 * contents wraps and leads to each section, every section shows its status line, the charts are drawn
 * inside the viewport with their tables one click away, nothing widens the page, and axe finds no
 * serious accessibility problem. Screenshots go to /tmp/organizer-console-shots/.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { signUp } from '../../src/accounts/service.js';
import { SCORE_JOB } from '../../src/submissions/service.js';
import { createTestContext, type TestContext } from '../helpers.js';
import { DAY_MS, seedPlotBoard } from '../participant-plots-seed.js';
import { openSignedIn, organizerSession, serveToBrowser } from './serve.js';

const SHOTS = '/tmp/organizer-console-shots';
const SLUG = 'xray-sources';
const SECTIONS = ['setup', 'participants', 'leaderboards', 'baseline', 'crowd', 'data'];
const FIGURES = ['activity-plot', 'job-queue-plot', 'score-distribution-plot'];
const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

describe('browser: the organizer console in sections, with charts', function () {
  this.timeout(120_000);
  let ctx: TestContext | undefined;
  let served: Awaited<ReturnType<typeof serveToBrowser>> | undefined;
  let organizer: string;

  before(async function () {
    if (!process.env.CHROMIUM_PATH) return this.skip();
    fs.rmSync(SHOTS, { recursive: true, force: true });
    fs.mkdirSync(SHOTS, { recursive: true });
    ctx = await createTestContext({ challenges: [SLUG], workers: 0 });
    const db = ctx.handle.db;
    const account = (email: string) => signUp(db, { email, name: email.split('@')[0], password: 'correct horse battery' });
    const [admin, pat, quinn] = [await account('admin@example.org'), await account('pat@example.org'), await account('quinn@example.org')];
    const challengeId = (await db.selectFrom('challenges').select('id').where('slug', '=', SLUG).executeTakeFirstOrThrow()).id;
    const start = Date.now() - 10 * DAY_MS;
    const day = (d: number) => new Date(start + d * DAY_MS).toISOString();
    await db.updateTable('challenges').set({ opens_at: day(0) }).where('id', '=', challengeId).execute();
    await seedPlotBoard(ctx.handle, challengeId, { admin: admin.id, pat: pat.id, quinn: quinn.id }, day);
    const queued = await db.selectFrom('submissions').select('id').where('status', '=', 'queued').executeTakeFirstOrThrow();
    await db.insertInto('jobs').values({ kind: SCORE_JOB, payload_json: JSON.stringify({ submissionId: queued.id }), status: 'queued', attempts: 0, max_attempts: 3, created_at: day(9.5), updated_at: day(9.5) }).execute();
    organizer = await organizerSession(ctx.handle, challengeId, 'olga@example.org');
    served = await serveToBrowser(ctx.app);
  });
  after(async () => {
    await served?.close();
    await ctx?.close();
  });

  for (const width of [390, 1280]) {
    it(`at ${width} px: contents, sections and charts show and fit, and the page passes axe`, async () => {
      const page = await openSignedIn(served!.browser, served!.base, organizer, `/organize/${SLUG}`, { width, height: 900, mobile: width < 600 });
      try {
        const toc = page.getByTestId('console-toc');
        const tocBox = (await toc.boundingBox())!;
        assert.ok(tocBox.x >= 0 && tocBox.x + tocBox.width <= width + 0.5, `the contents stay inside ${width} px`);
        for (const link of await toc.locator('a').all()) {
          const box = (await link.boundingBox())!;
          assert.ok(box.x + box.width <= width, `${await link.textContent()} wraps onto the page`);
        }
        for (const id of SECTIONS) {
          const status = page.getByTestId(`status-${id}`);
          assert.ok(await status.isVisible(), `${id} has its status line`);
          assert.ok(((await status.textContent()) ?? '').trim().length > 5);
          assert.equal(await page.locator(`section#${id}`).getAttribute('aria-labelledby'), `${id}-heading`);
        }
        for (const id of FIGURES) {
          const svg = page.getByTestId(id);
          await svg.scrollIntoViewIfNeeded();
          const box = (await svg.boundingBox())!;
          assert.ok(box.width > 100 && box.height > 40, `${id} is drawn (${box.width}×${box.height})`);
          assert.ok(box.x >= 0 && box.x + box.width <= width + 0.5, `${id} stays inside the ${width} px viewport`);
          assert.ok(((await svg.getAttribute('aria-label')) ?? '').length > 30, `${id} is labelled`);
          assert.equal(await svg.getAttribute('role'), 'img');
        }
        // A table stands in for each chart, a click away.
        const details = page.locator('section#participants details').first();
        await details.locator('summary').click();
        assert.ok(await page.getByTestId('activity-table').isVisible());
        const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(scrollWidth <= width, `the page is ${scrollWidth} px wide in a ${width} px viewport`);
        await page.screenshot({ path: path.join(SHOTS, `console-${width}.png`), fullPage: true });

        await page.evaluate(axeSource); // through the DevTools protocol: the page's CSP refuses inline scripts
        const violations = await page.evaluate(async () => {
          const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> }> } }).axe;
          const result = await axe.run({ include: [['main']] }, { resultTypes: ['violations'] });
          return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
        });
        assert.deepEqual(violations, []);

        // The contents lead to their section.
        await toc.getByRole('link', { name: 'Data' }).click();
        await page.waitForURL(/#data$/);
        const data = (await page.locator('section#data h2').boundingBox())!;
        assert.ok(data.y >= -1 && data.y < 900, 'the Data heading is scrolled into view');
      } finally {
        await page.context().close();
      }
    });
  }
});
