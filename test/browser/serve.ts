import type { Express } from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import assert from 'node:assert/strict';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { DbHandle } from '../../src/db/index.js';
import { signUp, startSession } from '../../src/accounts/service.js';
import { addOrganizer } from '../../src/organizers/access.js';
import { SESSION_COOKIE } from '../../src/web/middleware.js';

/** The app on a free local port and a headless Chromium (CHROMIUM_PATH) to drive it; `close` stops both. */
export async function serveToBrowser(app: Express): Promise<{ server: Server; base: string; browser: Browser; close: () => Promise<void> }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH, args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  return { server, base, browser, close: async () => void (await browser.close(), server.close()) };
}

/** A new organizer of the challenge, signed in: their session token, for a browser cookie. */
export async function organizerSession(handle: DbHandle, challengeId: number, email: string): Promise<string> {
  const org = await signUp(handle.db, { email, name: email.split('@')[0], password: 'correct horse battery' }, 'organizer');
  await addOrganizer(handle, challengeId, org.id);
  return startSession(handle.db, org.id, 1);
}

/** `path` opened with that session at this viewport; fails on a page error or any 5xx on the way. */
export async function openSignedIn(browser: Browser, base: string, session: string, path: string, viewport: { width: number; height: number; mobile?: boolean }): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: viewport.width, height: viewport.height }, isMobile: !!viewport.mobile, hasTouch: !!viewport.mobile });
  await context.addCookies([{ name: SESSION_COOKIE, value: session, url: base }]);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('response', (r) => r.status() >= 500 && errors.push(`${r.status()} ${r.url()}`));
  await page.goto(`${base}${path}`);
  assert.deepEqual(errors, []);
  return page;
}

/** A server-rendered figure (by data-testid) is drawn, stays inside a viewport `width` px wide and keeps its text alternative. */
export async function assertFigureFits(page: Page, testid: string, width: number): Promise<void> {
  const svg = page.getByTestId(testid);
  await svg.waitFor();
  const box = (await svg.boundingBox())!;
  assert.ok(box.width > 100 && box.height > 40, `${testid} is drawn (${box.width}×${box.height})`);
  assert.ok(box.x >= 0 && box.x + box.width <= width + 0.5, `${testid} stays inside the ${width} px viewport (${box.x}+${box.width})`);
  assert.equal(await svg.getAttribute('role'), 'img');
  assert.ok((await svg.getAttribute('aria-label'))!.length > 20, `${testid} has an aria-label`);
}
