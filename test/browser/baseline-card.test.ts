/**
 * The baseline model card and the viewer's pinned leaderboard row in Chromium at a phone's width
 * (390 px) and a laptop's (1280 px): the card's curves render and scale down, no page is wider than
 * the viewport, and axe finds no serious accessibility problem. Screenshots go to /tmp/baseline-card-shots.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { signUp, startSession } from '../../src/accounts/service.js';
import { repoRoot } from '../../src/paths.js';
import { ensureBaselineUser } from '../../src/baseline/service.js';
import { baselineDir } from '../../src/baseline/train.js';
import { createTestContext, type TestContext } from '../helpers.js';
import { openSignedIn, organizerSession, serveToBrowser } from './serve.js';
import { baselineFolderKey } from '../../src/storage/index.js';

const SHOTS = '/tmp/baseline-card-shots';
const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Serious and critical axe violations on the page, as "rule: target" lines. */
async function axeProblems(page: Page): Promise<string[]> {
  await page.evaluate(`${axeSource};0`);
  const result = (await page.evaluate('axe.run(document, { resultTypes: ["violations"] })')) as { violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> };
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}`));
}

describe('baseline model card in the browser (Chromium)', function () {
  this.timeout(180_000);
  let ctx: TestContext | undefined;
  let served: Awaited<ReturnType<typeof serveToBrowser>> | undefined;
  let participant: string;
  let organizer: string;

  before(async function () {
    if (!process.env.CHROMIUM_PATH) return this.skip();
    fs.rmSync(SHOTS, { recursive: true, force: true });
    fs.mkdirSync(SHOTS, { recursive: true });
    ctx = await createTestContext({ challenges: ['xray-sources', 'higgsml'], workers: 0 });
    const db = ctx.handle.db;
    await signUp(db, { email: 'admin@example.org', name: 'Admin', password: 'correct horse battery' });
    const pat = await signUp(db, { email: 'pat@example.org', name: 'Pat', password: 'correct horse battery' });
    participant = await startSession(db, pat.id, 1);
    const baseline = await ensureBaselineUser(db);
    for (const slug of ['xray-sources', 'higgsml']) {
      fs.cpSync(path.join(repoRoot, 'seeds', 'baselines', slug), baselineDir(ctx.storage.localRoot, slug), { recursive: true });
      await ctx.storage.publishLocalDir(baselineFolderKey(slug));
    }
    const xray = (await db.selectFrom('challenges').select('id').where('slug', '=', 'xray-sources').executeTakeFirstOrThrow()).id;
    organizer = await organizerSession(ctx.handle, xray, 'olga@example.org');
    // 40 entrants and the Baseline; Pat 36th.
    let n = 0;
    const add = (userId: number, pub: number, isBaseline = false) =>
      db
        .insertInto('submissions')
        .values({
          challenge_id: xray, user_id: userId, team_id: null, file_path: `submissions/seed/${++n}.csv`, original_name: 's.csv', sha256: String(n).padStart(64, '0'), size_bytes: 1, row_count: 1,
          status: 'scored', public_score: pub, private_score: 0.5, selected: 0, is_baseline: isBaseline ? 1 : 0,
          created_at: new Date(Date.UTC(2026, 10, 1, 0, n)).toISOString(), scored_at: new Date(Date.UTC(2026, 10, 1, 0, n)).toISOString(),
        })
        .execute();
    for (let i = 0; i < 39; i++) {
      const u = await db.insertInto('users').values({ email: `e${i}@x.org`, name: `Entrant number ${i} with a longish name`, password_hash: 'x', role: 'participant', created_at: '2026-01-01T00:00:00.000Z' }).returning('id').executeTakeFirstOrThrow();
      await add(u.id, 0.9 - i * 0.01);
    }
    await add(pat.id, 0.545);
    await add(baseline.id, 0.683, true);
    // A queued training run, for the organizer's view.
    const now = new Date().toISOString();
    await db.insertInto('baseline_runs').values({ challenge_id: xray, status: 'running', started_by: null, seed: 42, progress_json: JSON.stringify({ phase: 'starting', model: 0, models: 0, epoch: 0, maxEpochs: 0, history: [] }), started_at: now, heartbeat_at: now }).execute();
    served = await serveToBrowser(ctx.app);
  });
  after(async () => {
    await served?.close();
    await ctx?.close();
  });

  const fits = async (page: Page, width: number) => {
    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(scrollWidth <= width, `the page is ${scrollWidth} px wide in a ${width} px viewport`);
  };

  for (const width of [390, 1280]) {
    const viewport = { width, height: 900, mobile: width < 600 };
    for (const slug of ['xray-sources', 'higgsml']) {
      it(`${slug} card at ${width} px: the curves show and fit, nothing overflows, no controls`, async () => {
        const page = await openSignedIn(served!.browser, served!.base, participant, `/challenges/${slug}/baseline`, viewport);
        await page.getByTestId('model-card').waitFor();
        const figures = page.locator('[data-testid="baseline-plots"] svg');
        assert.ok((await figures.count()) >= 2);
        for (const svg of await figures.all()) {
          const box = (await svg.boundingBox())!;
          assert.ok(box.width > 200 && box.height > 100, `drawn (${box.width}×${box.height})`);
          assert.ok(box.x >= 0 && box.x + box.width <= width + 0.5, `inside the viewport (${box.x}+${box.width})`);
        }
        assert.equal(await page.getByRole('button', { name: /retrain|submit/i }).count(), 0);
        if (slug === 'higgsml') assert.match((await page.getByTestId('card-preprocessing').textContent())!, /-999 count as missing/);
        await page.locator('details').first().evaluate((d) => ((d as HTMLDetailsElement).open = true));
        await fits(page, width);
        assert.deepEqual(await axeProblems(page), []);
        await page.screenshot({ path: path.join(SHOTS, `card-${slug}-${width}.png`), fullPage: true });
        await page.context().close();
      });
    }

    it(`organizer view at ${width} px: "starting…", Retrain disabled, fits`, async () => {
      const page = await openSignedIn(served!.browser, served!.base, organizer, '/challenges/xray-sources/baseline', viewport);
      assert.match((await page.getByTestId('baseline-status').textContent())!, /is starting…/);
      assert.equal(await page.getByTestId('retrain').isDisabled(), true);
      await fits(page, width);
      await page.screenshot({ path: path.join(SHOTS, `organizer-${width}.png`), fullPage: false });
      await page.context().close();
    });

    it(`leaderboard at ${width} px: the viewer's row pinned after the gap, marked You, fits`, async () => {
      const page = await openSignedIn(served!.browser, served!.base, participant, '/challenges/xray-sources/leaderboard', viewport);
      const mine = page.locator('tr[aria-current="true"]');
      assert.equal(await mine.count(), 1);
      assert.match((await mine.textContent())!, /Pat\s+You/);
      assert.ok(await mine.isVisible());
      await fits(page, width);
      assert.deepEqual(await axeProblems(page), []);
      await page.locator('[data-testid="leaderboard"]').screenshot({ path: path.join(SHOTS, `leaderboard-${width}.png`) });
      // All rows: the viewer's row sticks to the bottom of the window while it is below it.
      await page.goto(`${served!.base}/challenges/xray-sources/leaderboard?all=1`);
      // The cells are what sticks (a table row cannot be positioned itself).
      const box = (await page.locator('tr[aria-current="true"] td').first().boundingBox())!;
      if (width >= 600) assert.ok(box.y + box.height <= 900 + 1 && box.y + box.height >= 900 - 80, `pinned at the window's bottom (${box.y}+${box.height})`);
      await page.screenshot({ path: path.join(SHOTS, `leaderboard-all-${width}.png`) });
      await page.context().close();
    });
  }
});
