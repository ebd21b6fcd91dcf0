import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { TestContext } from './context';
import { freePort } from './net';
import { CLIENT_DIST } from '../../server/http/spa';

export const CHROMIUM = '/usr/bin/chromium';

/** Browser tests need Debian's Chromium; CI installs it, a laptop without it skips them. */
export function browserAvailable(): boolean {
  if (fs.existsSync(CHROMIUM)) return true;
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing: CI must install the chromium package`);
  return false;
}

/**
 * The SPA must be built, and current, for the server to serve it: the same check as
 * `npm start`. Called once per run, by the global setup.
 */
export function ensureClientBuilt() {
  execSync('node scripts/prestart.mjs', { stdio: 'inherit', cwd: path.resolve(path.dirname(CLIENT_DIST), '..') });
}

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** A browser test file's Haven: the app listening on a free port (ctx.start), and a Chromium. */
export async function startBrowserApp(ctx: TestContext): Promise<{ browser: Browser; origin: string }> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  await ctx.start({ publicOrigin: origin });
  await ctx.app.listen({ port, host: '127.0.0.1' });
  return { browser: await launch(), origin };
}

/** Closes what startBrowserApp opened, and any browser contexts the file made. */
export async function stopBrowserApp(ctx: TestContext, browser: Browser | undefined, contexts: BrowserContext[] = []) {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await ctx.stop();
}

const require = createRequire(import.meta.url);

/**
 * axe-core's violations on the page as it is now, one line each. axe is injected as a
 * script, which Haven's CSP rightly forbids: the page's context needs `bypassCSP: true`.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (o: unknown) => Promise<{ violations: Array<{ id: string; nodes: Array<{ target: unknown }> }> }> } }).axe;
    const result = await axe.run({ resultTypes: ['violations'] });
    return result.violations.map((v) => `${v.id} ${JSON.stringify(v.nodes.map((n) => n.target)).slice(0, 200)}`);
  });
}
