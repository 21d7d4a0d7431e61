/**
 * Volunteer computing's organizer and community pages (issue 14) meet the page standard at 390 px and
 * 1280 px (checkPageStandard: no overflow, no serious axe violation, no failed request or link): the
 * searches page, a search with a complete configuration, the community page with its map, the
 * profile form and the unified public profile.
 */
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { checkPageStandard, LAPTOP, organizerSession, PHONE, serveToBrowser, watchedPage } from './serve.js';
import { createTestContext, type TestContext } from '../helpers.js';
import { signUp, startSession } from '../../src/accounts/service.js';
import { findChallengeBySlug } from '../../src/challenges/repo.js';
import { withLocalFolder } from '../../src/challenges/service.js';
import { reportResult, requestWork, startSearch } from '../../src/compute/service.js';
import { trainingData } from '../../src/compute/training-data.js';
import { rowsByFold } from '../../src/compute/out-of-fold.js';

describe('browser: volunteer computing’s organizer and community pages meet the page standard', function () {
  this.timeout(180_000);
  let ctx: TestContext;
  let served: Awaited<ReturnType<typeof serveToBrowser>> | undefined;
  let browser: Browser;
  let base: string;
  let orgSession: string;
  let volunteerSession: string;
  let volunteerId: number;
  let searchId: number;

  before(async function () {
    if (!process.env.CHROMIUM_PATH) return this.skip();
    ctx = await createTestContext({ challenges: ['xray-sources'] });
    const c = (await findChallengeBySlug(ctx.handle.db, 'xray-sources'))!;
    orgSession = await organizerSession(ctx.handle, c.id, 'olga@example.org');
    const local = await withLocalFolder(ctx.storage, c);
    const orgId = (await ctx.handle.db.selectFrom('users').select('id').where('email', '=', 'olga@example.org').executeTakeFirstOrThrow()).id;
    searchId = (await startSearch(ctx.handle.db, local, orgId, ctx.config.datasetsDir)).search.id;
    const data = trainingData(local, ctx.config.datasetsDir);
    const byFold = rowsByFold(data);
    const volunteers = [];
    for (const [name, country, line] of [['Ada', '756', 'Computing from the Jura, one fold at a time.'], ['Bo', '392', null]] as const) {
      const u = await signUp(ctx.handle.db, { email: `${name.toLowerCase()}@example.org`, name, password: 'correct horse battery' });
      await ctx.handle.db.updateTable('users').set({ country, profile_line: line }).where('id', '=', u.id).execute();
      volunteers.push(u.id);
    }
    [volunteerId] = volunteers;
    volunteerSession = await startSession(ctx.handle.db, volunteerId, 1);
    // Both volunteers run configuration 0's five folds and agree: it gets an out-of-fold metric.
    for (let n = 0; n < data.folds; n++) {
      for (const id of volunteers) {
        const { unit } = await requestWork(ctx.handle, id, { key: `host-${id}-abcdef`, platform: 'test', backend: 'wasm' }, c);
        const rows = byFold[unit!.fold];
        const predictions = new Float32Array(rows.length * data.outputs);
        rows.forEach((row, j) => (predictions[j * data.outputs + data.labels[row]] = 1));
        await reportResult(ctx.handle, id, unit!.resultId, { kind: 'result', metric: 0.8, predictions, weightsHash: 'ef'.repeat(32) });
      }
    }
    // Reported yesterday, so one of them is today's volunteer of the day.
    await ctx.handle.db.updateTable('compute_results').set({ reported_at: new Date(Date.now() - 86_400_000).toISOString() }).execute();
    served = await serveToBrowser(ctx.app);
    ({ browser, base } = served);
  });
  after(async () => {
    await served?.close();
    await ctx?.close();
  });

  const pages = () => [
    { name: 'searches', path: '/challenges/xray-sources/compute', session: orgSession, shows: 'data-testid="start-search"' },
    { name: 'search', path: `/challenges/xray-sources/compute/searches/${searchId}`, session: orgSession, shows: 'data-testid="promote"' },
    { name: 'community', path: '/compute/community', session: undefined, shows: '<a href="/crowd/users/' },
    { name: 'profile form', path: '/profile', session: volunteerSession, shows: 'data-testid="about-form"' },
    { name: 'public profile', path: `/crowd/users/${volunteerId}`, session: undefined, shows: 'data-testid="compute-badges"' },
  ];

  for (const viewport of [PHONE, LAPTOP]) {
    it(`at ${viewport.width} px`, async () => {
      const problems: string[] = [];
      for (const p of pages()) {
        const page = await watchedPage(browser, base, viewport, p.session);
        const res = await page.goto(`${base}${p.path}`);
        assert.equal(res?.status(), 200, p.name);
        assert.ok((await page.content()).includes(p.shows), `${p.name} shows ${p.shows}`);
        problems.push(...(await checkPageStandard(page)).map((line) => `${p.name}: ${line}`));
        if (process.env.PAGE_STANDARD_SHOTS) await page.screenshot({ path: `${process.env.PAGE_STANDARD_SHOTS}/compute-${p.name.replace(/ /g, '-')}-${viewport.width}.png`, fullPage: true });
        await page.context().close();
      }
      assert.deepEqual(problems, []);
    });
  }
});
