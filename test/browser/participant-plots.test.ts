/**
 * The participants' plots in Chromium at a phone's width (390 px) and a laptop's (1280 px): the
 * figures render, scale down with the page and never make it wider than the viewport. Screenshots go
 * to /tmp/participant-plots-shots.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { signUp, startSession } from '../../src/accounts/service.js';
import { createTestContext, type TestContext } from '../helpers.js';
import { DAY_MS, seedPlotBoard } from '../participant-plots-seed.js';
import { assertFigureFits, openSignedIn, serveToBrowser } from './serve.js';

const SHOTS = '/tmp/participant-plots-shots';
const SLUG = 'xray-sources';

describe('participant plots in the browser (Chromium)', function () {
  this.timeout(120_000);
  let ctx: TestContext | undefined;
  let served: Awaited<ReturnType<typeof serveToBrowser>> | undefined;
  let session: string;

  before(async function () {
    if (!process.env.CHROMIUM_PATH) return this.skip();
    fs.rmSync(SHOTS, { recursive: true, force: true });
    fs.mkdirSync(SHOTS, { recursive: true });
    ctx = await createTestContext({ challenges: [SLUG] });
    const db = ctx.handle.db;
    const account = (email: string) => signUp(db, { email, name: email.split('@')[0], password: 'correct horse battery' });
    const [admin, pat, quinn] = [await account('admin@example.org'), await account('pat@example.org'), await account('quinn@example.org')];
    const challengeId = (await db.selectFrom('challenges').select('id').where('slug', '=', SLUG).executeTakeFirstOrThrow()).id;
    const start = Date.now() - 10 * DAY_MS;
    await seedPlotBoard(ctx.handle, challengeId, { admin: admin.id, pat: pat.id, quinn: quinn.id }, (d) => new Date(start + d * DAY_MS).toISOString());
    session = await startSession(db, pat.id, 1);
    served = await serveToBrowser(ctx.app);
  });
  after(async () => {
    await served?.close();
    await ctx?.close();
  });

  for (const width of [390, 1280]) {
    for (const [name, url, figures] of [
      ['leaderboard', `/challenges/${SLUG}/leaderboard`, ['score-history', 'score-histogram']],
      ['submissions', `/challenges/${SLUG}/submissions`, ['my-scores-plot']],
    ] as const) {
      it(`${name} at ${width} px: the figures show, fit the page and keep their text alternative`, async () => {
        const page = await openSignedIn(served!.browser, served!.base, session, url, { width, height: 900, mobile: width < 600 });
        for (const id of figures) await assertFigureFits(page, id, width);
        const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(scrollWidth <= width, `the page is ${scrollWidth} px wide in a ${width} px viewport`);
        await page.screenshot({ path: path.join(SHOTS, `${name}-${width}.png`), fullPage: true });
        await page.context().close();
      });
    }
  }
});
