import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestContext } from '../helpers/context';
import { axeViolations, browserAvailable, startBrowserApp, stopBrowserApp } from '../helpers/browser';

const ctx = new TestContext();
let browser: Browser;
let origin: string;


describe.skipIf(!browserAvailable())('the thread page in Chromium', () => {
  beforeAll(async () => void ({ browser, origin } = await startBrowserApp(ctx)));
  afterAll(() => stopBrowserApp(ctx, browser));

  it('shows replies arriving live, and collapses a post a moderator hides, without reloading', async () => {
    const [author, reader] = [await ctx.signup(), await ctx.signup()];
    const mod = await ctx.member('moderator');
    const { thread } = await ctx.newThread(author, { title: 'Evenings', body: 'How do you get through 6pm?' });
    const page = await (await browser.newContext()).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.context().addCookies([{ name: 'sid', value: reader.cookie.slice(4), url: origin }]);
    await page.goto(`${origin}/t/${thread.id}`);
    await page.getByText('How do you get through 6pm?').waitFor();
    await page.getByTestId('me').getByText(reader.pseudonym).waitFor();
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));

    const reply = await ctx.reply(author, thread.id, { body: 'A walk with the dog, every evening.' });
    await page.getByText('A walk with the dog, every evening.').waitFor({ timeout: 5_000 });

    await ctx.request('POST', `/api/mod/posts/${reply.id}/hide`, { as: mod, body: { reason: 'Checking something' } });
    const article = page.locator(`[data-post-id="${reply.id}"]`);
    await article.getByTestId('hidden-notice').waitFor({ timeout: 5_000 });
    expect(await article.textContent()).toContain('Hidden by a moderator: Checking something');
    expect(await article.textContent()).not.toContain('walk with the dog');
    // Same page, no reload.
    expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(42);
    expect(errors).toEqual([]);
  });

  it('has no accessibility violations on any view, as a member and as a visitor, in light and dark (axe-core)', async () => {
    const author = await ctx.newMember();
    const { thread } = await ctx.newThread(author, { body: 'Checking **accessibility** with [a link](https://example.org).' });
    await ctx.reply(author, thread.id, { body: 'A reply with a warning.', contentWarnings: ['grief'] });
    const everyone = [
      ['/', 'Communities'], [`/t/${thread.id}`, 'Checking'], ['/login', 'Pseudonym'], ['/c/introductions', 'Introductions'],
      ['/recover', 'Recovery code'], ['/nowhere', 'This page is not here'], ['/search?q=checking', 'Search: checking'], ['/guidelines', 'Community guidelines'],
    ] as const;
    const membersOnly = [
      ['/c/introductions/new', 'Post anonymously'], ['/inbox', 'Mark all read'], ['/settings', 'Save warnings'], ['/mod', 'Only moderators can see this page.'], ['/mod/log', 'Only moderators can see this page.'], ['/mod/members', 'Only admins can change roles.'], ['/mod/suspensions', 'Only admins can see this page.'],
    ] as const;
    for (const colorScheme of ['light', 'dark'] as const) {
      for (const as of [author, null]) {
        // axe is injected as a script, which the page's CSP rightly forbids; bypass it for the check only.
        const context = await browser.newContext({ bypassCSP: true, colorScheme });
        if (as) await context.addCookies([{ name: 'sid', value: as.cookie.slice(4), url: origin }]);
        const page = await context.newPage();
        for (const [url, ready] of as ? [...everyone, ...membersOnly] : everyone) {
          await page.goto(`${origin}${url}`);
          await page.getByText(ready).first().waitFor();
          const violations = await axeViolations(page);
          expect(violations, `${url} as ${as ? 'member' : 'visitor'}, ${colorScheme}`).toEqual([]);
        }
        await context.close();
      }
    }
  }, 120_000);

  it('applies the reader’s content-warning choices, and shows crisis help for a draft without sending it', async () => {
    const [author, reader] = [await ctx.signup(), await ctx.signup()];
    await ctx.request('PUT', '/api/me/preferences', { as: reader, body: { contentWarnings: { relapse: 'hide', grief: 'show' } } });
    const { thread } = await ctx.newThread(author, { body: 'Opening words' });
    await ctx.reply(author, thread.id, { body: 'I drank again last night.', contentWarnings: ['relapse'] });
    await ctx.reply(author, thread.id, { body: 'Missing my mum today.', contentWarnings: ['grief'] });
    await ctx.reply(author, thread.id, { body: 'Trauma talk here.', contentWarnings: ['trauma'] });
    const page = await (await browser.newContext()).newPage();
    await page.context().addCookies([{ name: 'sid', value: reader.cookie.slice(4), url: origin }]);
    const requests: string[] = [];
    page.on('request', (r) => requests.push(`${r.method()} ${r.url()}`));
    await page.goto(`${origin}/t/${thread.id}`);
    await page.getByText('Missing my mum today.').waitFor();
    expect(await page.getByText('I drank again last night.').count()).toBe(0);
    const hidden = page.getByText('1 post hidden by your settings (Relapse).');
    await hidden.waitFor();
    // trauma: default collapse
    expect(await page.getByText('Trauma talk here.').count()).toBe(0);
    await page.getByRole('article').filter({ hasText: 'Content warning: Trauma' }).getByRole('button', { name: 'Show post' }).click();
    expect(await page.getByText('Trauma talk here.').isVisible()).toBe(true);
    await page.getByRole('article').filter({ hasText: '1 post hidden by your settings' }).getByRole('button', { name: 'Show anyway' }).click();
    expect(await page.getByText('I drank again last night.').isVisible()).toBe(true);

    const before = requests.length;
    await page.getByRole('button', { name: `Reply to ${author.pseudonym}` }).first().click();
    await page.getByLabel('Your reply').fill('I just want to die tonight');
    await page.getByText('988 Suicide & Crisis Lifeline').waitFor();
    // The draft was checked in the browser: nothing was sent.
    expect(requests.slice(before).filter((r) => r.startsWith('POST'))).toEqual([]);
  });
});
