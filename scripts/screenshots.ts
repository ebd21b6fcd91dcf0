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
/** Demo moderation: river_stone is an admin; members flag posts, one reads like a crisis, and a few actions fill the log. */
async function seedModeration() {
  await app.haven.accounts.setRole('river_stone', 'admin', null);
  const as = async (pseudonym: string) => {
    const context = await browser.newContext();
    const res = await context.request.post(`${origin}/api/auth/login`, { data: { pseudonym, password: 'haven-demo-password' }, headers: { origin } });
    if (!res.ok()) throw new Error(`demo login failed: ${res.status()}`);
    const call = async (method: string, url: string, data?: unknown) => {
      const r = await context.request.fetch(`${origin}${url}`, { method, headers: { origin }, ...(data ? { data } : {}) });
      return r.json().catch(() => null);
    };
    return { call, close: () => context.close() };
  };
  const admin = await as('river_stone');
  const threads = (await admin.call('GET', '/api/communities/alcohol/threads')).threads;
  const evenings = threads.find((t: { title: string }) => t.title === 'Evenings are the hardest part');
  const posts = (await admin.call('GET', `/api/threads/${evenings.id}`)).posts;
  const writer = await as('quiet_harbor');
  await writer.call('POST', `/api/threads/${evenings.id}/posts`, { parentId: posts[0].id, body: 'Tonight I want to die. I do not know who else to tell.', anonymous: true });
  const spam = await writer.call('POST', `/api/threads/${evenings.id}/posts`, { body: 'Buy cheap pills online, link in my profile!' });
  for (const [i, name] of ['maple_days', 'northern_light', 'sam_k'].entries()) {
    const member = await as(name);
    await member.call('POST', `/api/posts/${spam.post.id}/flags`, { reason: 'spam', ...(i === 0 ? { note: 'Advertising, not support.' } : {}) });
    if (i === 1) await member.call('POST', `/api/posts/${posts[1].id}/flags`, { reason: 'triggering', note: 'Mentions drinking in detail.' });
    await member.close();
  }
  await admin.call('PUT', `/api/mod/posts/${posts[2].id}/content-warnings`, { contentWarnings: ['substance-use'] });
  await writer.close();
  await admin.close();
}

try {
  fs.mkdirSync(OUT, { recursive: true });
  await seedModeration();
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
      await page.goto(`${origin}/mod`);
      await page.getByRole('heading', { name: 'Moderation queue' }).waitFor();
      await shot('moderation-queue');
      await page.goto(`${origin}/mod/log`);
      await page.getByRole('heading', { name: 'Moderation log' }).waitFor();
      await page.getByRole('list').filter({ hasText: 'Set warnings' }).first().waitFor();
      await shot('moderation-log');
      await context.close();
    }
  }
  console.log(`Screenshots in ${OUT}`);
} finally {
  await browser.close();
  await app.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
