import type { Express } from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { DbHandle } from '../../src/db/index.js';
import { signUp, startSession } from '../../src/accounts/service.js';
import { addOrganizer } from '../../src/organizers/access.js';
import { SESSION_COOKIE } from '../../src/web/middleware.js';

export interface Viewport {
  width: number;
  height: number;
  mobile?: boolean;
}

/** The two widths every page is held to: a phone's and a laptop's. */
export const PHONE: Viewport = { width: 390, height: 844, mobile: true };
export const LAPTOP: Viewport = { width: 1280, height: 900 };

/** The app on a free local port and a headless Chromium (CHROMIUM_PATH) to drive it; `close` stops both. */
export async function serveToBrowser(app: Express): Promise<{ server: Server; base: string; browser: Browser; close: () => Promise<void> }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH, args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  return { server, base, browser, close: async () => void (await browser.close(), server.close()) };
}

/** A new organizer of the challenge, signed in: their session token, for a browser cookie. */
export async function organizerSession(handle: DbHandle, challengeId: number, email: string): Promise<string> {
  const org = await signUp(handle.db, { email, name: email.split('@')[0], password: 'correct horse battery' }, 'organizer');
  await addOrganizer(handle.db, challengeId, org.id);
  return startSession(handle.db, org.id, 1);
}

/** What a page did while it was open: its script errors and the answers to its requests. */
export interface PageWatch {
  /** Uncaught exceptions in the page. */
  pageErrors: string[];
  /** console.error lines, but Chromium's own "Failed to load resource" (the request is in `answers`). */
  consoleErrors: string[];
  /** Every request answered 4xx/5xx, as "422 POST /path", with whether it was a top-level document. */
  answers: Array<{ status: number; line: string; document: boolean }>;
  /** Requests that got no answer at all (refused, aborted by the server). */
  unanswered: string[];
}

const watches = new WeakMap<Page, PageWatch>();

/** The watch that `watchedPage` started on this page. */
export const watchOf = (page: Page): PageWatch => {
  const watch = watches.get(page);
  assert.ok(watch, 'the page was not opened with watchedPage');
  return watch;
};

/**
 * A page in a new browser context at this viewport, signed in when a session is given, that records
 * its errors and failed requests (`watchOf(page)`). Close it with `page.context().close()`.
 */
export async function watchedPage(browser: Browser, base: string, viewport: Viewport, session?: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: viewport.width, height: viewport.height }, isMobile: !!viewport.mobile, hasTouch: !!viewport.mobile, baseURL: base });
  if (session) await context.addCookies([{ name: SESSION_COOKIE, value: session, url: base }]);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const watch: PageWatch = { pageErrors: [], consoleErrors: [], answers: [], unanswered: [] };
  watches.set(page, watch);
  page.on('pageerror', (e) => watch.pageErrors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && !/^Failed to load resource/.test(m.text()) && watch.consoleErrors.push(m.text()));
  page.on('response', (r) => {
    if (r.status() < 400) return;
    const req = r.request();
    watch.answers.push({ status: r.status(), line: `${r.status()} ${req.method()} ${new URL(r.url()).pathname}`, document: req.isNavigationRequest() && req.frame() === page.mainFrame() });
  });
  // A navigation that a newer one replaces is aborted by the browser, not refused by the server.
  page.on('requestfailed', (req) => !/ERR_ABORTED/.test(req.failure()?.errorText ?? '') && watch.unanswered.push(`${req.failure()?.errorText} ${req.method()} ${new URL(req.url()).pathname}`));
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

/** Script errors and server errors (5xx) so far: what no page may have. */
export const brokenOf = (page: Page): string[] => {
  const watch = watchOf(page);
  return [...watch.pageErrors, ...watch.answers.filter((a) => a.status >= 500).map((a) => a.line)];
};

/** `path` opened with that session at this viewport; fails on a page error or any 5xx on the way. */
export async function openSignedIn(browser: Browser, base: string, session: string, path: string, viewport: Viewport): Promise<Page> {
  const page = await watchedPage(browser, base, viewport, session);
  await page.goto(`${base}${path}`);
  assert.deepEqual(brokenOf(page), []);
  return page;
}

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface StandardOptions {
  /** Answers to links already fetched by this viewer (url → status), shared across pages to fetch each once. */
  linkStatus?: Map<string, number>;
}

/**
 * The page standard (issue 12): nothing wider than the viewport; no axe-core violation of impact
 * serious or critical; every request the page made answered (the top-level document excepted: a
 * page may be a deliberate 4xx, which the caller checks); every same-origin link answering a GET by
 * this viewer with 2xx or 3xx; no script errors. Returns the problems found, one line each.
 */
export async function checkPageStandard(page: Page, opts: StandardOptions = {}): Promise<string[]> {
  const problems: string[] = [];
  const watch = watchOf(page);

  // Against the width the page was opened at: a phone (isMobile) widens innerWidth to fit a page that is too wide.
  const size = await page.evaluate(() => {
    // The culprits: elements wider than the box they sit in, where that box neither scrolls nor clips (a phone
    // lays the whole page out wider to fit them, so comparing with the viewport would name every block).
    const name = (el: Element) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : ''}`;
    const wide: Array<{ el: Element; line: string }> = [];
    for (const box of document.querySelectorAll('body, body *')) {
      if (getComputedStyle(box).overflowX !== 'visible' || box.clientWidth === 0) continue;
      const inner = box.getBoundingClientRect().left + box.clientLeft + box.clientWidth - parseFloat(getComputedStyle(box).paddingRight);
      for (const child of box.children) {
        const right = child.getBoundingClientRect().right;
        if (right > inner + 1) wide.push({ el: child, line: `${name(child)} (${Math.round(right - inner)} px too wide in ${name(box)})` });
      }
    }
    const innermost = wide.filter((w) => !wide.some((o) => o !== w && w.el.contains(o.el)));
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, wide: innermost.slice(0, 4).map((w) => w.line) };
  });
  // Against the width the page was opened at: a phone (isMobile) widens innerWidth to fit a page that is too wide.
  const width = page.viewportSize()!.width;
  if (size.scrollWidth > Math.min(width, size.innerWidth)) problems.push(`overflow: the page is ${size.scrollWidth} px wide at ${width} px: ${size.wide.join(', ') || 'no single culprit found'}`);

  // Evaluated through the DevTools protocol: an injected <script> would be blocked by the app's CSP (script-src 'self').
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<{ violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: unknown[] }> }> }> } }).axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
  });
  for (const v of violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')) {
    problems.push(`axe ${v.id} (${v.impact}): ${v.help}: ${v.targets.length} node(s), ${v.targets.slice(0, 3).join(' | ')}`);
  }

  for (const a of watch.answers) if (!a.document) problems.push(`request: ${a.line}`);
  for (const u of watch.unanswered) problems.push(`request unanswered: ${u}`);
  for (const e of [...watch.pageErrors, ...watch.consoleErrors]) problems.push(`script: ${e}`);

  const origin = new URL(page.url()).origin;
  const links = await page.evaluate(() => [...document.querySelectorAll<HTMLAnchorElement>('a[href]')].map((a) => a.href));
  const statuses = opts.linkStatus ?? new Map<string, number>();
  for (const href of new Set(links.map((l) => l.split('#')[0]))) {
    const url = new URL(href);
    if (url.origin !== origin || url.pathname === '/logout') continue;
    if (!statuses.has(href)) statuses.set(href, (await page.request.get(href, { maxRedirects: 0 })).status());
    const status = statuses.get(href)!;
    if (status >= 400) problems.push(`link: ${status} GET ${url.pathname}${url.search}`);
  }
  return problems;
}
