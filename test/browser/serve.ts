import type { Express } from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { chromium, type Browser } from 'playwright-core';

/** The app on a free local port and a headless Chromium (CHROMIUM_PATH) to drive it; `close` stops both. */
export async function serveToBrowser(app: Express): Promise<{ server: Server; base: string; browser: Browser; close: () => Promise<void> }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH, args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  return { server, base, browser, close: async () => void (await browser.close(), server.close()) };
}
