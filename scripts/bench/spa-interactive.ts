import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { makeConfig } from '../../server/config';
import { startServer } from '../../server/server';

/**
 * `npm run bench -- spa-interactive`: how long a member waits, from navigation to a thread
 * page whose "Reply" buttons work, in Chromium on loopback with the CPU slowed 4× (a modest
 * phone), on the demo data. Median and worst of 15 cold loads (a fresh browser context each:
 * nothing cached). The target is under 1 s.
 */
function trace() {
  const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
  const resources = (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
    .map((r) => [new URL(r.name).pathname, Math.round(r.startTime), Math.round(r.responseEnd)]);
  return { domContentLoaded: Math.round(nav.domContentLoadedEventEnd), load: Math.round(nav.loadEventEnd), resources };
}

export async function run(_args: string[]) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'haven-bench-spa-'));
  const root = path.resolve(import.meta.dirname, '../..');
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/seed-demo.ts'], { cwd: root, env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '' }, stdio: 'ignore' });
  const port = 4000 + Math.floor(Math.random() * 1000);
  const origin = `http://127.0.0.1:${port}`;
  const app = await startServer(makeConfig({ port, dataDir, logLevel: 'warn', publicOrigin: origin }));
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    // A member (the demo password), logged in once: login is rate-limited per address.
    const login = await fetch(`${origin}/api/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify({ pseudonym: 'river_stone', password: 'haven-demo-password' }),
    });
    const sid = /sid=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1];
    if (!sid) throw new Error(`demo login failed: ${login.status}`);
    const times: number[] = [];
    for (let i = 0; i < 15; i++) {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
      const page = await context.newPage();
      await context.addCookies([{ name: 'sid', value: sid, url: origin }]);
      const cdp = await context.newCDPSession(page);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
      const started = Date.now();
      await page.goto(`${origin}/t/2`);
      // Interactive: the thread is on screen and its first "Reply" opens the composer.
      await page.getByRole('button', { name: /^Reply to/ }).first().click();
      await page.getByLabel('Your reply').waitFor();
      times.push(Date.now() - started);
      // HAVEN_BENCH_TRACE=1: where each load's time went (navigation and resource timings).
      if (process.env.HAVEN_BENCH_TRACE) console.log(JSON.stringify(await page.evaluate(trace)));
      await context.close();
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    console.log(JSON.stringify({ bench: 'spa-interactive', cpuThrottle: 4, loads: times.length, medianMs: median, worstMs: times[times.length - 1], machine: `${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)}` }));
  } finally {
    await browser.close();
    await app.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
