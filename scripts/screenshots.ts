import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { makeConfig } from '../server/config';
import { startServer } from '../server/server';

/**
 * `npm run screenshots`: the main views on the demo data, phone and desktop, light and
 * dark, into docs/screenshots/ (shown in the README). Needs Chromium at /usr/bin/chromium.
 */
const OUT = path.resolve(import.meta.dirname, '../docs/screenshots');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'haven-shots-'));
const port = 3000 + Math.floor(Math.random() * 1000) + 2000;
const origin = `http://127.0.0.1:${port}`;

execFileSync(process.execPath, ['--import', 'tsx', 'scripts/seed-demo.ts'], { cwd: path.resolve(import.meta.dirname, '..'), env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '' }, stdio: 'ignore' });
const app = await startServer(makeConfig({ port, dataDir, logLevel: 'warn', publicOrigin: origin }));
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  fs.mkdirSync(OUT, { recursive: true });
  for (const [device, viewport] of [['phone', { width: 390, height: 844 }], ['desktop', { width: 1280, height: 800 }]] as const) {
    for (const scheme of ['light', 'dark'] as const) {
      const context = await browser.newContext({ viewport, colorScheme: scheme });
      const page = await context.newPage();
      const shot = (name: string) => page.screenshot({ path: path.join(OUT, `${name}-${device}-${scheme}.png`) });
      const login = await page.request.post(`${origin}/api/auth/login`, { data: { pseudonym: 'river_stone', password: 'haven-demo-password' }, headers: { origin } });
      if (!login.ok()) throw new Error(`demo login failed: ${login.status()}`);
      await page.goto(`${origin}/c/alcohol`);
      await page.getByRole('link', { name: 'New thread' }).waitFor();
      await shot('community');
      await page.getByRole('link', { name: 'Evenings are the hardest part' }).click();
      await page.getByRole('button', { name: /^Reply to/ }).first().click();
      await page.getByLabel('Your reply').fill('Some nights I want to die.');
      await page.getByRole('note').first().waitFor();
      await shot('thread-crisis-help');
      await page.getByRole('button', { name: 'I need help' }).click();
      await page.getByRole('dialog').getByText('988').first().waitFor();
      await shot('i-need-help');
      await context.close();
    }
  }
  console.log(`Screenshots in ${OUT}`);
} finally {
  await browser.close();
  await app.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
