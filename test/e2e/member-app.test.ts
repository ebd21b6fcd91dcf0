import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, startBrowserApp, stopBrowserApp } from '../helpers/browser';
import { type Member, TestContext } from '../helpers/context';

/**
 * The member's app in Chromium, found by role and label as a member finds it: starting a
 * thread, replying, the live badge and inbox, crisis help, flagging, recovering a lost
 * password, "I need help" and "Quick exit". Every page records its requests: none may
 * leave the origin, and no console error may appear.
 */
const ctx = new TestContext();
let browser: Browser;
let origin: string;
const contexts: BrowserContext[] = [];
const offOrigin: string[] = [];
const consoleErrors: string[] = [];

async function pageFor(member?: Member, options: { viewport?: { width: number; height: number } } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 390, height: 844 } });
  contexts.push(context);
  if (member) await context.addCookies([{ name: 'sid', value: member.cookie.slice(4), url: origin }]);
  const page = await context.newPage();
  page.on('request', (r) => {
    if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) offOrigin.push(r.url());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  // A 401 or 404 the app expects (a visitor's /api/me, a wrong recovery code) is logged by
  // Chromium as a failed resource; script errors are what count.
  page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && consoleErrors.push(m.text()));
  return page;
}

describe.skipIf(!browserAvailable())('the member app in Chromium (phone-sized)', () => {
  beforeAll(async () => void ({ browser, origin } = await startBrowserApp(ctx)));
  afterAll(() => stopBrowserApp(ctx, browser, contexts));

  it('A starts a thread with a warning and B sees it arrive; B replies to it and A gets a live badge, then lands on the reply from the inbox', async () => {
    const [a, b] = [await ctx.newMember(), await ctx.newMember()];
    const pageB = await pageFor(b);
    await pageB.goto(`${origin}/c/introductions`);
    await pageB.getByRole('heading', { name: 'Introductions' }).waitFor();

    const pageA = await pageFor(a);
    await pageA.goto(`${origin}/c/introductions`);
    await pageA.getByRole('link', { name: 'New thread' }).click();
    await pageA.getByRole('heading', { name: 'New thread' }).waitFor();
    expect(await pageA.title()).toBe('New thread · Haven');
    await pageA.getByLabel('Title').fill('Six days and counting');
    await pageA.getByLabel('Body').fill('Day six. The evenings are **hard**.');
    await pageA.getByLabel('Relapse').check();
    await pageA.getByRole('button', { name: 'Preview' }).click();
    await pageA.getByLabel('Preview').getByText('hard').waitFor();
    expect(await pageA.getByLabel('Preview').locator('strong').textContent()).toBe('hard');
    await pageA.getByRole('button', { name: 'Post', exact: true }).click();
    await pageA.getByRole('heading', { name: 'Six days and counting' }).waitFor();

    // B's open community page shows it without a reload, with its warning.
    const row = pageB.getByRole('listitem').filter({ hasText: 'Six days and counting' });
    await row.waitFor();
    expect(await row.textContent()).toContain('Content warning: Relapse');

    await row.getByRole('link', { name: 'Six days and counting' }).click();
    await pageB.getByRole('heading', { name: 'Six days and counting' }).waitFor();
    await pageB.getByRole('button', { name: `Reply to ${a.pseudonym}` }).click();
    await pageB.getByLabel('Your reply').fill('You are doing it. One evening at a time.');
    await pageB.getByRole('button', { name: 'Post reply' }).click();

    // A sees the reply in place, and the unread count, live.
    await pageA.getByText('You are doing it. One evening at a time.').waitFor();
    await pageA.getByRole('link', { name: 'Notifications 1 unread' }).click();
    await pageA.getByRole('heading', { name: 'Notifications' }).waitFor();
    await pageA.getByRole('link', { name: `${b.pseudonym} replied in “Six days and counting”` }).click();
    await pageA.getByRole('heading', { name: 'Six days and counting' }).waitFor();
    expect(pageA.url()).toContain('#post-');
    await pageA.getByRole('link', { name: 'Notifications 1 unread' }).click();
    await pageA.getByRole('button', { name: 'Mark all read' }).click();
    await pageA.getByRole('link', { name: 'Notifications', exact: true }).waitFor();
  });

  it('crisis: the resources appear while typing, nothing is sent before "Post reply", and they stay after posting', async () => {
    const [author, member] = [await ctx.newMember(), await ctx.newMember()];
    const { thread } = await ctx.newThread(author, { title: 'Checking in', body: 'How is everyone?' });
    const page = await pageFor(member);
    const posts: string[] = [];
    page.on('request', (r) => r.method() === 'POST' && posts.push(r.url()));
    await page.goto(`${origin}/t/${thread.id}`);
    await page.getByRole('button', { name: `Reply to ${author.pseudonym}` }).click();
    await page.getByLabel('Your reply').pressSequentially('honestly i dont want to be here anymore');
    const note = page.getByRole('note', { name: 'Help is available' });
    await note.getByText('988 Suicide & Crisis Lifeline').waitFor();
    expect(await note.getByRole('link', { name: 'Call or text 988' }).getAttribute('href')).toBe('tel:988');
    expect(posts).toEqual([]); // the draft was checked in the browser
    await page.getByRole('button', { name: 'Post reply' }).click();
    await page.getByText('Thank you for sharing this.').waitFor();
    expect(posts).toEqual([`${origin}/api/threads/${thread.id}/posts`]);
    await page.getByText('honestly i dont want to be here anymore').waitFor();
    expect(await page.getByRole('note', { name: 'Help is available' }).count()).toBe(1);
  });

  it('flag through the page: with two more flags the post is hidden live on a fourth member’s open page', async () => {
    const author = await ctx.newMember();
    const { thread } = await ctx.newThread(author, { title: 'A thread', body: 'Opening' });
    const bad = await ctx.reply(author, thread.id, { body: 'Buy cheap pills here' });
    const watcher = await pageFor(await ctx.newMember());
    await watcher.goto(`${origin}/t/${thread.id}`);
    await watcher.getByText('Buy cheap pills here').waitFor();

    const flagger = await pageFor(await ctx.newMember());
    await flagger.goto(`${origin}/t/${thread.id}`);
    const post = flagger.locator(`[data-post-id="${bad.id}"]`);
    await post.getByRole('button', { name: 'Flag' }).click();
    const reasons = await post.getByRole('radio').evaluateAll((els) => els.map((e) => e.parentElement!.textContent!.trim()));
    expect(reasons[0]).toBe('Someone may be in danger');
    await post.getByLabel('Spam').check();
    await post.getByRole('button', { name: 'Send flag' }).click();
    await post.getByText('Thank you. The moderators will look at it.').waitFor();
    for (let i = 0; i < 2; i++) {
      expect((await ctx.request('POST', `/api/posts/${bad.id}/flags`, { as: await ctx.newMember(), body: { reason: 'spam' } })).status).toBe(201);
    }
    await watcher.locator(`[data-post-id="${bad.id}"]`).getByTestId('hidden-notice').waitFor();
    expect(await watcher.getByText('Buy cheap pills here').count()).toBe(0);
  });

  it('forgot password: the recovery code sets a new password and shows a new code once', async () => {
    const member = await ctx.newMember();
    const page = await pageFor();
    await page.goto(`${origin}/login`);
    await page.getByRole('link', { name: 'Forgot password' }).click();
    await page.getByRole('heading', { name: 'Forgot password' }).waitFor();
    await page.getByLabel('Pseudonym').fill(member.pseudonym);
    await page.getByLabel('Recovery code').fill('not the code at all');
    await page.getByLabel('New password').fill('a brand new password');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Recovery code').fill(member.recoveryCode);
    await page.getByLabel('New password').press('Enter'); // Enter submits the form it is in
    await page.getByRole('heading', { name: 'Your password is changed' }).waitFor();
    expect((await page.getByTestId('recovery-code').textContent())!.length).toBeGreaterThan(10);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByTestId('me').getByText(member.pseudonym).waitFor();
  });

  it('"I need help" works for a visitor, with phone numbers as tel: links', async () => {
    const page = await pageFor();
    await page.goto(`${origin}/`);
    await page.getByRole('button', { name: 'I need help' }).click();
    const dialog = page.getByRole('dialog', { name: 'You are not alone' });
    await dialog.getByText('988 Suicide & Crisis Lifeline').waitFor();
    expect(await dialog.getByRole('link', { name: '1-800-662-4357 (free, confidential, 24/7)' }).getAttribute('href')).toBe('tel:18006624357');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  it('quick exit (the button, or Escape twice) replaces the page with a neutral site and leaves no Haven entry to go back to', async () => {
    for (const how of ['button', 'escape'] as const) {
      const page = await pageFor();
      await page.context().route('https://www.google.com/**', (route) => route.fulfill({ contentType: 'text/html', body: '<title>Weather</title><p>Sunny</p>' }));
      await page.goto('about:blank');
      await page.goto(`${origin}/`);
      await page.getByRole('link', { name: 'Introductions' }).click();
      await page.getByRole('heading', { name: 'Introductions' }).waitFor();
      await page.getByRole('link', { name: 'Haven' }).click();
      await page.getByRole('heading', { name: 'Communities' }).waitFor();
      if (how === 'button') await page.getByRole('button', { name: 'Quick exit' }).click();
      else {
        await page.keyboard.press('Escape');
        await page.keyboard.press('Escape');
      }
      await page.waitForURL(/google\.com/);
      expect(await page.title()).toBe('Weather');
      // Back leads to the page before Haven, never to Haven.
      await page.goBack().catch(() => null);
      expect(page.url().startsWith(origin), `${how}: back went to ${page.url()}`).toBe(false);
      offOrigin.splice(0, offOrigin.length, ...offOrigin.filter((u) => !u.startsWith('https://www.google.com/')));
    }
  });

  it('edit, make anonymous and delete one’s own post through the page; mute and unmute another member', async () => {
    const [m, other] = [await ctx.newMember(), await ctx.newMember()];
    const { thread } = await ctx.newThread(other, { title: 'Tools that help', body: 'What works for you?' });
    const mine = await ctx.reply(m, thread.id, { body: 'Writing things **down**.' });
    const page = await pageFor(m);
    await page.goto(`${origin}/t/${thread.id}`);
    const post = page.locator(`[data-post-id="${mine.id}"]`);
    await post.getByRole('button', { name: 'Edit' }).click();
    const editor = post.getByLabel('Edit your post');
    expect(await editor.inputValue()).toBe('Writing things **down**.'); // the words as written, not the HTML
    await editor.fill('Writing things **down**, every night.');
    await post.getByRole('button', { name: 'Save' }).click();
    await post.getByText('every night').waitFor();
    await post.getByText('edited').waitFor();

    await post.getByRole('button', { name: 'Make anonymous' }).click();
    await post.getByRole('button', { name: 'Make it anonymous' }).click();
    await post.getByRole('button', { name: 'Edit' }).waitFor();
    expect(await post.locator('header strong').textContent()).not.toBe(m.pseudonym);
    expect(await post.getByRole('button', { name: 'Make anonymous' }).count()).toBe(0);

    await post.getByRole('button', { name: 'Delete' }).click();
    await post.getByRole('button', { name: 'Delete post' }).click();
    await post.getByText('This post was deleted.').waitFor();

    const theirs = page.getByRole('article', { name: `Post by ${other.pseudonym}` });
    await theirs.getByRole('button', { name: 'Mute' }).click();
    await theirs.getByText('You muted this member.').waitFor();
    await theirs.getByRole('button', { name: 'Unmute' }).click();
    await theirs.getByText('What works for you?').waitFor();
  });

  it('an anonymous reply written through the page: the other member’s page holds the alias and never the pseudonym', async () => {
    const [a, b] = [await ctx.newMember(), await ctx.newMember()];
    const { thread } = await ctx.newThread(a, { title: 'Hard day', body: 'Today was hard.' });
    const pageA = await pageFor(a);
    await pageA.goto(`${origin}/t/${thread.id}`);
    await pageA.getByText('Today was hard.').waitFor();
    const pageB = await pageFor(b);
    await pageB.goto(`${origin}/t/${thread.id}`);
    await pageB.getByRole('button', { name: `Reply to ${a.pseudonym}` }).click();
    await pageB.getByLabel('Your reply').fill('Same here, and I am still here.');
    await pageB.getByLabel('Post anonymously').check();
    await pageB.getByRole('button', { name: 'Post reply' }).click();
    await pageA.getByText('Same here, and I am still here.').waitFor();
    expect(await pageA.content()).not.toContain(b.pseudonym);
    // The toggle resets after each post.
    await pageB.getByRole('button', { name: `Reply to ${a.pseudonym}` }).click();
    expect(await pageB.getByLabel('Post anonymously').isChecked()).toBe(false);
  });

  it('settings: warning choices hide and collapse others’ posts, never one’s own; password, data, sessions and deletion', async () => {
    const [m, other] = [await ctx.newMember(), await ctx.newMember()];
    const { thread } = await ctx.newThread(other, { title: 'Rough week', body: 'Opening' });
    await ctx.reply(other, thread.id, { body: 'I relapsed on Friday.', contentWarnings: ['relapse'] });
    await ctx.reply(m, thread.id, { body: 'Me too, on Sunday.', contentWarnings: ['relapse'] });
    const page = await pageFor(m);
    await page.goto(`${origin}/`);
    await page.getByRole('link', { name: `${m.pseudonym}, settings` }).click();
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    const relapse = page.getByRole('group', { name: 'Relapse' });
    await relapse.getByLabel('Hide').check();
    await page.getByRole('button', { name: 'Save warnings' }).click();
    await page.getByRole('form', { name: 'Content warnings' }).getByRole('status').waitFor();

    await page.goto(`${origin}/t/${thread.id}`);
    await page.getByText('1 post hidden by your settings (Relapse).').waitFor();
    expect(await page.getByText('I relapsed on Friday.').count()).toBe(0);
    expect(await page.getByText('Me too, on Sunday.').isVisible()).toBe(true); // one's own post
    await page.getByRole('button', { name: 'Show anyway' }).click();
    await page.getByText('I relapsed on Friday.').waitFor();

    await page.goto(`${origin}/settings`);
    await page.getByLabel('Current password').fill(m.password);
    await page.getByLabel('New password').fill('short');
    await page.getByRole('button', { name: 'Change password' }).click();
    // The first error names the field and the rule, in words.
    expect(await page.getByRole('form', { name: 'Password' }).getByRole('alert').textContent()).toMatch(/^New password .*10/i);
    await page.getByLabel('New password').fill('a much longer new password');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Your password is changed.').waitFor();

    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download my data' }).click();
    const file = await (await download).path();
    const exported = JSON.parse((await import('node:fs')).readFileSync(file!, 'utf8'));
    expect(JSON.stringify(exported)).toContain('Me too, on Sunday.');

    await page.getByRole('form', { name: 'Delete my account' }).getByLabel('Password').fill('a much longer new password');
    await page.getByLabel('Also erase everything I posted').check();
    await page.getByRole('button', { name: 'Delete my account' }).click();
    await page.getByRole('heading', { name: 'Communities' }).waitFor();
    await page.getByRole('link', { name: 'Log in or join' }).waitFor();
    expect((await ctx.db.selectFrom('users').select('id').where('id', '=', m.id).execute()).length).toBe(0);
  });

  it('log out everywhere ends this session and the member’s others', async () => {
    const m = await ctx.newMember();
    const elsewhere = await ctx.newSession(m.id);
    const page = await pageFor(m);
    await page.goto(`${origin}/settings`);
    await page.getByRole('button', { name: 'Log out everywhere' }).click();
    await page.getByRole('link', { name: 'Log in or join' }).waitFor();
    expect((await ctx.request('GET', '/api/me', { as: { cookie: elsewhere } })).status).toBe(401);
  });

  it('search from the header finds posts and links each to its place', async () => {
    const m = await ctx.newMember();
    const { thread } = await ctx.newThread(m, { title: 'Sleep', body: 'Opening' });
    const found = await ctx.reply(m, thread.id, { body: 'Chamomile tea before bed helps me.' });
    const page = await pageFor();
    await page.goto(`${origin}/`);
    await page.getByRole('searchbox', { name: 'Search posts' }).fill('chamomile');
    await page.getByRole('searchbox', { name: 'Search posts' }).press('Enter');
    await page.getByRole('heading', { name: 'Search: chamomile' }).waitFor();
    await page.getByText('Chamomile tea before bed helps me.').waitFor();
    await page.getByRole('link', { name: 'Open in its thread' }).click();
    await page.getByRole('heading', { name: 'Sleep' }).waitFor();
    expect(page.url()).toContain(`#post-${found.id}`);
  });

  it('a long thread: "Load more" by cursor, and deep branches behind "Continue this thread"', async () => {
    const m = await ctx.newMember();
    const { thread, post } = await ctx.newThread(m, { title: 'A long conversation', body: 'Opening' });
    // A branch nine replies deep, then more replies than one page holds.
    let parent = post.id as string;
    for (let depth = 1; depth <= 9; depth++) parent = (await ctx.reply(m, thread.id, { parentId: parent, body: `depth ${depth} says hello` })).id;
    for (let i = 1; i <= 100; i++) await ctx.reply(m, thread.id, { body: `plain reply number ${i}` });
    const page = await pageFor(m);
    await page.goto(`${origin}/t/${thread.id}`);
    await page.getByText('depth 6 says hello').waitFor();
    expect(await page.getByText('depth 7 says hello').count()).toBe(0);
    await page.getByRole('button', { name: 'Continue this thread' }).click();
    await page.getByText('depth 9 says hello').waitFor();

    expect(await page.getByText('plain reply number 100', { exact: true }).count()).toBe(0);
    await page.getByRole('button', { name: 'Load more' }).click();
    await page.getByText('plain reply number 100', { exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
  });

  it('a suspended member sees the suspension, its reason and its end before typing', async () => {
    const m = await ctx.newMember();
    const { thread } = await ctx.newThread(m, { title: 'Before the suspension', body: 'Opening' });
    await ctx.db.updateTable('users').set({ suspended_until: new Date(Date.now() + 3 * 86_400_000), suspension_reason: 'Repeated spam' }).where('id', '=', m.id).execute();
    const page = await pageFor(m);
    await page.goto(`${origin}/t/${thread.id}`);
    const banner = page.getByRole('status').filter({ hasText: 'Your account is suspended from posting until' });
    await banner.waitFor();
    expect(await banner.textContent()).toContain(': Repeated spam. You can still read.');
    await page.getByRole('button', { name: `Reply to ${m.pseudonym}` }).click();
    await page.getByText('You cannot post until').waitFor();
    expect(await page.getByLabel('Your reply').count()).toBe(0);
  });

  it('joining: the guidelines accepted first, the recovery code shown once with "Copy" and a required "I have saved it"', async () => {
    const page = await pageFor();
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    await page.goto(`${origin}/login`);
    const pseudonym = `joiner_${Date.now() % 100000}`;
    await page.getByLabel('Pseudonym').fill(pseudonym);
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Join' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('accept the community guidelines');
    await page.getByLabel('I have read and accept the').check();
    await page.getByRole('button', { name: 'Join' }).click();
    await page.getByText('Password must be at least 10 characters.').waitFor();
    await page.getByLabel('Password').fill('a long enough password');
    await page.getByRole('button', { name: 'Join' }).click();
    const code = (await page.getByTestId('recovery-code').textContent())!;
    expect(await page.getByRole('button', { name: 'Continue' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(code);
    await page.getByLabel('I have saved it').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Communities' }).waitFor();
    await page.getByTestId('me').getByText(pseudonym).waitFor();
  });

  it('a post hidden by a moderator: its author still sees their words, with the reason', async () => {
    const author = await ctx.newMember();
    const mod = await ctx.newMember('moderator');
    const { thread } = await ctx.newThread(author, { title: 'Venting', body: 'Opening' });
    const post = await ctx.reply(author, thread.id, { body: 'Some words that broke a rule.' });
    await ctx.request('POST', `/api/mod/posts/${post.id}/hide`, { as: mod, body: { reason: 'Names a real person' } });
    const page = await pageFor(author);
    await page.goto(`${origin}/t/${thread.id}`);
    const article = page.locator(`[data-post-id="${post.id}"]`);
    await article.getByText('Some words that broke a rule.').waitFor();
    expect(await article.getByTestId('hidden-notice').textContent()).toBe('Hidden from others by a moderator: Names a real person');
  });

  it('every view has its own address and title; Back and Forward move between them', async () => {
    const m = await ctx.newMember();
    const { thread } = await ctx.newThread(m, { title: 'Back and forth', body: 'Opening' });
    const page = await pageFor(m);
    await page.goto(`${origin}/`);
    await page.getByRole('link', { name: 'Introductions' }).click();
    await page.getByRole('link', { name: 'Back and forth' }).click();
    await page.getByRole('heading', { name: 'Back and forth' }).waitFor();
    expect(await page.title()).toBe('Back and forth · Haven');
    await page.goBack();
    await page.getByRole('heading', { name: 'Introductions' }).waitFor();
    expect(page.url()).toBe(`${origin}/c/introductions`);
    expect(await page.title()).toBe('Introductions · Haven');
    await page.goForward();
    await page.getByRole('heading', { name: 'Back and forth' }).waitFor();
    expect(page.url()).toBe(`${origin}/t/${thread.id}`);
    // Focus moves to the new view's heading (once its effect has run).
    await page.waitForFunction(() => document.activeElement?.tagName === 'H1');
  });

  it('unknown addresses get a not-found page with its own title', async () => {
    const page = await pageFor();
    await page.goto(`${origin}/no/such/place`);
    await page.getByRole('heading', { name: 'This page is not here' }).waitFor();
    expect(await page.title()).toBe('Not found · Haven');
  });

  it('no request left the origin, and no console error appeared', () => {
    expect(offOrigin).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
