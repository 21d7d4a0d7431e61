/**
 * Makes the README's three screenshots from the seeded demo, the way a new user gets there: starts
 * `node dist/src/server.js` on an empty data folder (which seeds the demo and its baselines), signs up
 * in Chromium, uploads the HiggsML sample submission through the Submit form, then photographs the
 * leaderboard, that submission's page and a classify page. Run with `npm run docs:screenshots`
 * (needs Chromium: CHROMIUM_PATH, default /usr/bin/chromium).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';

const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const outDir = path.join(repoRoot, 'docs', 'screenshots');
const port = Number(process.env.SCREENSHOT_PORT ?? 3197);
const base = `http://127.0.0.1:${port}`;
const viewport = { width: 1100, height: 720 };

async function waitForServer(deadlineMs: number): Promise<void> {
  while (Date.now() < deadlineMs) {
    try {
      if ((await fetch(`${base}/challenges`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the server did not answer on ${base} in time`);
}

/** The screenshots come from the embedded SQLite database whatever the caller's shell points at. */
function withoutDatabaseUrl(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { DATABASE_URL: _ignored, ...rest } = env;
  return rest;
}

async function shoot(page: Page, name: string): Promise<void> {
  const file = path.join(outDir, `${name}.png`);
  await page.screenshot({ path: file });
  console.log(`wrote ${path.relative(repoRoot, file)} (${Math.round(fs.statSync(file).size / 1024)} KB)`);
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sift-screenshots-'));
  const server = spawn(process.execPath, ['dist/src/server.js'], {
    cwd: repoRoot,
    env: { ...withoutDatabaseUrl(process.env), DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    await waitForServer(Date.now() + 180_000);
    fs.mkdirSync(outDir, { recursive: true });
    const page = await (await browser.newContext({ viewport })).newPage();
    page.setDefaultTimeout(60_000);

    await page.goto(`${base}/signup`);
    await page.getByLabel('Name').fill('Ada');
    await page.getByLabel('Email').fill('ada@example.org');
    await page.getByLabel(/^Password/).fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForLoadState();

    await page.goto(`${base}/challenges/higgsml/submit`);
    await page.locator('input[type=file]').setInputFiles(path.join(repoRoot, 'datasets', 'higgsml', 'sample_submission.csv.gz'));
    await page.locator('input[name=message]').fill('The simple window benchmark: 100 < DER_mass_MMC < 150 GeV');
    await page.getByRole('button', { name: 'Upload and score' }).click();
    await page.waitForURL(/\/submissions#s\d+$/);
    const submissionUrl = `${base}/challenges/higgsml/submissions/${page.url().split('#s')[1]}`;
    await page.goto(submissionUrl);
    for (let tries = 0; tries < 60 && !(await page.locator('.status-scored').count()); tries++) {
      await new Promise((r) => setTimeout(r, 1000));
      await page.goto(submissionUrl);
    }
    await shoot(page, 'submission');

    await page.goto(`${base}/challenges/higgsml/leaderboard`);
    await shoot(page, 'leaderboard');

    await page.goto(`${base}/crowd/xray-sources/classify?tutorial=seen`);
    await shoot(page, 'classify');
  } finally {
    await browser.close();
    server.kill();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
