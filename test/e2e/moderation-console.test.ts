import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, browserAvailable, startBrowserApp, stopBrowserApp } from '../helpers/browser';
import { type Member, TestContext } from '../helpers/context';

/** The moderators' queue in Chromium: flags arriving live, crisis first, hide and restore reaching members' pages. */
const ctx = new TestContext();
let browser: Browser;
let origin: string;
const contexts: BrowserContext[] = [];

async function pageFor(member: Member | null, options: Parameters<Browser['newContext']>[0] = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  contexts.push(context);
  if (member) await context.addCookies([{ name: 'sid', value: member.cookie.slice(4), url: origin }]);
  // A step that cannot happen fails with its locator named, well inside the test's own limit.
  context.setDefaultTimeout(15_000);
  return context.newPage();
}

/** Earlier tests leave items in the shared queue; a test about order starts from an empty one. */
const clearQueue = () => ctx.db.updateTable('flags').set({ status: 'resolved', outcome: 'dismissed' }).where('status', '=', 'open').execute();

/**
 * Watches a page for a string across a whole flow: every text and attribute that ever
 * enters its DOM is checked as it arrives, so a name shown for a moment and then replaced
 * is caught too.
 */
async function watchFor(page: Page, needle: string) {
  await page.addInitScript((n) => {
    const w = window as unknown as { seen: boolean };
    w.seen = false;
    const check = (node: Node) => {
      if ((node.textContent ?? '').includes(n)) w.seen = true;
      if (node instanceof Element) for (const a of Array.from(node.attributes)) if (a.value.includes(n)) w.seen = true;
    };
    new MutationObserver((records) => {
      for (const r of records) {
        check(r.target);
        r.addedNodes.forEach(check);
      }
    }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
  }, needle);
  return async () => page.evaluate(() => (window as unknown as { seen: boolean }).seen);
}

const flag = async (postId: string, reason = 'spam') =>
  expect((await ctx.request('POST', `/api/posts/${postId}/flags`, { as: await ctx.newMember(), body: { reason } })).status).toBe(201);

// A browser flow of many steps: on a busy machine (CI runs two suites' worth of work) it needs more than the default 30 s.
describe.skipIf(!browserAvailable())('the moderation queue in Chromium', { timeout: 90_000 }, () => {
  beforeAll(async () => void ({ browser, origin } = await startBrowserApp(ctx)));
  afterAll(() => stopBrowserApp(ctx, browser, contexts));

  it('flags arrive live; three hide the post on a member’s page; "Restore" shows it again there, live', async () => {
    const mod = await ctx.newMember('moderator');
    const author = await ctx.newMember();
    const { thread } = await ctx.newThread(author, { title: 'Weekend plans', body: 'Opening' });
    const post = await ctx.reply(author, thread.id, { body: 'A perfectly fine reply, flagged by mistake.' });
    const console_ = await pageFor(mod);
    await console_.goto(`${origin}/`);
    await console_.getByRole('link', { name: /^Moderation( \d+ open)?$/ }).click();
    await console_.getByRole('heading', { name: 'Moderation queue' }).waitFor();
    const reader = await pageFor(await ctx.newMember());
    await reader.goto(`${origin}/t/${thread.id}`);
    await reader.getByText('A perfectly fine reply, flagged by mistake.').waitFor();

    for (let i = 0; i < 3; i++) await flag(post.id);
    const item = console_.getByRole('listitem', { name: 'Flagged post: 3 flags' });
    await item.waitFor();
    expect(await item.textContent()).toContain('Spam × 3');
    await reader.locator(`[data-post-id="${post.id}"]`).getByTestId('hidden-notice').waitFor();

    await item.getByRole('button', { name: 'Restore' }).click();
    await reader.getByText('A perfectly fine reply, flagged by mistake.').waitFor();
    // Restoring dismissed the post's flags: the item leaves the queue.
    await item.waitFor({ state: 'detached' });
  });

  it('a crisis-phrase post goes to the top, ahead of older flags, and is announced; "Reach out" reaches the author’s inbox', async () => {
    const mod = await ctx.newMember('moderator');
    const author = await ctx.newMember();
    const { thread } = await ctx.newThread(await ctx.newMember(), { title: 'Late night', body: 'Opening' });
    const older = await ctx.reply(author, thread.id, { body: 'An older spammy post.' });
    await flag(older.id);
    const console_ = await pageFor(mod);
    await console_.goto(`${origin}/mod`);
    await console_.getByRole('heading', { name: 'Moderation queue' }).waitFor();
    const inbox = await pageFor(author);
    await inbox.goto(`${origin}/inbox`);
    await inbox.getByRole('heading', { name: 'Notifications' }).waitFor();

    // Haven raises the flag itself: the words read like a crisis.
    const urgent = await ctx.reply(author, thread.id, { body: 'I want to die tonight and I do not know who to tell.', anonymous: true });
    await console_.getByText('A crisis flag arrived. It is at the top of the queue.').waitFor();
    const first = console_.getByRole('listitem', { name: /^Flagged post/ }).first();
    expect(await first.textContent()).toContain('Crisis × 1');
    expect(await first.locator(`[data-post-id="${urgent.id}"]`).count()).toBe(1);
    await first.getByText('Crisis resources you can send').click();
    await first.getByText('988').first().waitFor();
    await first.getByRole('button', { name: 'Reach out' }).click();
    await first.getByLabel('Message to the author (private)').fill('We are here with you tonight. Please call 988 if you can.');
    await first.getByRole('button', { name: 'Send' }).click();
    await first.getByText('Sent. The author will find it in their notifications').waitFor();

    // The author's open inbox gets it live: the message and the resources, no moderator's name.
    const notice = inbox.getByRole('listitem').filter({ hasText: 'A moderator reached out to you.' });
    await notice.waitFor();
    expect(await notice.textContent()).toContain('We are here with you tonight.');
    await notice.getByRole('link', { name: /988/ }).first().waitFor();
    expect(await inbox.content()).not.toContain(mod.pseudonym);

    const spam = console_.getByRole('listitem', { name: /^Flagged post/ }).filter({ hasText: 'An older spammy post.' });
    await spam.getByRole('button', { name: 'Hide' }).click();
    await spam.getByLabel('Reason (shown to the author)').fill('Advertising');
    await spam.getByRole('button', { name: 'Hide post' }).click();
    await spam.waitFor({ state: 'detached' });
    const row = await ctx.db.selectFrom('posts').select(['hidden_by', 'hidden_reason']).where('id', '=', older.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ hidden_by: 'moderator', hidden_reason: 'Advertising' });
    await inbox.getByText('A moderator hid your post: Advertising').waitFor();
  });

  it('each item shows its thread, the post it answers and every note; the keys j/k/h/r/d work, and "?" lists them', async () => {
    const mod = await ctx.newMember('moderator');
    const author = await ctx.newMember();
    await clearQueue();
    const { thread, post: opening } = await ctx.newThread(await ctx.newMember(), { title: 'Keys and context', body: 'What helps you on Sundays?' });
    const a = await ctx.reply(author, thread.id, { parentId: opening.id, body: 'Keyboard item one.' });
    const b = await ctx.reply(author, thread.id, { body: 'Keyboard item two.' });
    const c = await ctx.reply(author, thread.id, { body: 'Keyboard item three.' });
    for (const [id, note] of [[a.id, 'first note'], [a.id, 'second note'], [b.id, ''], [c.id, '']] as const) {
      const res = await ctx.request('POST', `/api/posts/${id}/flags`, { as: await ctx.newMember(), body: { reason: 'other', ...(note ? { note } : {}) } });
      expect(res.status).toBe(201);
    }
    await ctx.db.updateTable('posts').set({ hidden_by: 'community', hidden_reason: 'x' }).where('id', '=', b.id).execute();
    const page = await pageFor(mod);
    await page.goto(`${origin}/mod`);
    const item = (p: { id: string }) => page.getByRole('listitem', { name: /^Flagged post/ }).filter({ has: page.locator(`[data-post-id="${p.id}"]`) });
    await item(c).waitFor();
    const first = item(a);
    expect(await first.getByRole('link', { name: 'Keys and context' }).count()).toBe(1);
    expect(await first.getByRole('blockquote').textContent()).toContain('What helps you on Sundays?');
    expect(await first.getByRole('list', { name: 'Notes from the flags' }).textContent()).toMatch(/first note.*second note/);

    await page.keyboard.press('?');
    await page.getByRole('heading', { name: 'Keyboard shortcuts' }).waitFor();
    expect(await page.getByRole('region', { name: 'Keyboard shortcuts' }).textContent()).toContain('Dismiss the selected item');
    await page.keyboard.press('?');
    await page.getByRole('heading', { name: 'Keyboard shortcuts' }).waitFor({ state: 'detached' });

    // The items are oldest first: a, b, c. j lands on the first, then moves on.
    await page.keyboard.press('j');
    await expect.poll(() => first.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.press('j');
    await expect.poll(() => item(b).evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.press('r'); // b was hidden by members' flags: restored, and it leaves the queue
    await item(b).waitFor({ state: 'detached' });
    expect((await ctx.db.selectFrom('posts').select('hidden_by').where('id', '=', b.id).executeTakeFirstOrThrow()).hidden_by).toBeNull();

    await page.keyboard.press('k');
    await page.keyboard.press('k');
    await expect.poll(() => first.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.press('h'); // asks for the reason first: nothing is hidden yet
    const reason = first.getByLabel('Reason (shown to the author)');
    await expect.poll(() => reason.evaluate((el) => el === document.activeElement)).toBe(true);
    expect((await ctx.db.selectFrom('posts').select('hidden_by').where('id', '=', a.id).executeTakeFirstOrThrow()).hidden_by).toBeNull();
    await reason.fill('Too much detail'); // typed letters are words, not commands
    await page.keyboard.press('Enter');
    await first.waitFor({ state: 'detached' });
    expect((await ctx.db.selectFrom('posts').select('hidden_reason').where('id', '=', a.id).executeTakeFirstOrThrow()).hidden_reason).toBe('Too much detail');

    await page.keyboard.press('j');
    await expect.poll(() => item(c).evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.press('d');
    await item(c).waitFor({ state: 'detached' });
    const open = await ctx.db.selectFrom('flags').select('id').where('post_id', 'in', [a.id, b.id, c.id]).where('status', '=', 'open').execute();
    expect(open).toEqual([]);
  });

  it('two moderators on one item: the second gets a clear answer, and the item leaves both consoles', async () => {
    const [m1, m2] = [await ctx.newMember('moderator'), await ctx.newMember('moderator')];
    const author = await ctx.newMember();
    const { thread } = await ctx.newThread(await ctx.newMember(), { title: 'Two at once', body: 'Opening' });
    const post = await ctx.reply(author, thread.id, { body: 'Flagged twice over.' });
    await flag(post.id);
    const live = await pageFor(m1);
    // The second moderator's page hears nothing live, as if their connection lagged.
    const stale = await pageFor(m2);
    await stale.routeWebSocket(/\/api\/live/, () => {});
    for (const p of [live, stale]) await p.goto(`${origin}/mod`);
    const itemIn = (p: Page) => p.getByRole('listitem', { name: /^Flagged post/ }).filter({ has: p.locator(`[data-post-id="${post.id}"]`) });
    await itemIn(stale).waitFor();
    await itemIn(live).waitFor();

    const other = await ctx.newMember('moderator');
    expect((await ctx.request('POST', `/api/mod/posts/${post.id}/hide`, { as: other, body: { reason: 'Handled elsewhere' } })).status).toBe(200);
    await itemIn(live).waitFor({ state: 'detached' }); // live: gone without a reload
    await itemIn(stale).getByRole('button', { name: 'Hide' }).click();
    await itemIn(stale).getByLabel('Reason (shown to the author)').fill('Me too');
    await itemIn(stale).getByRole('button', { name: 'Hide post' }).click();
    await itemIn(stale).getByRole('alert').filter({ hasText: 'That post is already hidden.' }).waitFor();
    expect((await ctx.db.selectFrom('posts').select('hidden_reason').where('id', '=', post.id).executeTakeFirstOrThrow()).hidden_reason).toBe('Handled elsewhere');
  });

  it('"Suspend author" on an anonymous post: the author sees the suspension; the moderator’s page never holds the pseudonym, at any moment', async () => {
    const mod = await ctx.newMember('moderator');
    const author = await ctx.newMember();
    const { thread } = await ctx.newThread(await ctx.newMember(), { title: 'Anonymous trouble', body: 'Opening' });
    const post = await ctx.reply(author, thread.id, { body: 'Abuse, written anonymously.', anonymous: true });
    await flag(post.id, 'harassment');
    const console_ = await pageFor(mod);
    const sawPseudonym = await watchFor(console_, author.pseudonym);
    await console_.goto(`${origin}/mod`);
    // Found by the post itself: once warned, its words fold behind "Show post".
    const item = console_.getByRole('listitem', { name: /^Flagged post/ }).filter({ has: console_.locator(`[data-post-id="${post.id}"]`) });
    await item.getByRole('button', { name: 'Set warnings' }).click();
    await item.getByLabel('Abuse').check();
    await item.getByRole('button', { name: 'Save warnings' }).click();
    await item.getByText('Abuse', { exact: true }).first().waitFor();
    await item.getByRole('button', { name: 'Suspend author' }).click();
    await item.getByLabel('Days').selectOption('3');
    await item.getByLabel('Reason (shown to the author)').fill('Harassing another member');
    await item.getByRole('button', { name: 'Suspend', exact: true }).click();
    await item.getByText('cannot post for 3 days.').waitFor();
    await console_.getByRole('link', { name: 'Log' }).click();
    await console_.getByText('Harassing another member').waitFor();
    await console_.goto(`${origin}/t/${thread.id}`);
    await console_.getByRole('article', { name: `Post by ${post.author.alias}` }).waitFor();
    expect(await sawPseudonym()).toBe(false);
    expect(await console_.content()).not.toContain(author.pseudonym);

    const authorPage = await pageFor(author);
    await authorPage.goto(`${origin}/t/${thread.id}`);
    const banner = authorPage.getByRole('status').filter({ hasText: 'Your account is suspended from posting until' });
    await banner.waitFor();
    expect(await banner.textContent()).toContain('Harassing another member');
    await authorPage.goto(`${origin}/inbox`);
    await authorPage.getByText('A moderator changed the content warnings on your post.').waitFor();
    await authorPage.getByText(/A moderator suspended your account from posting until .*: Harassing another member/).waitFor();
  });

  it('an admin finds a member and changes their role, filters the log, and lifts a suspension by its post', async () => {
    const admin = await ctx.newMember('admin');
    const stem = `Kestrel${Math.floor(Math.random() * 1e6)}`;
    const member = await ctx.newMember('member', `${stem}a`);
    const author = await ctx.newMember();
    const mod = await ctx.newMember('moderator');
    const { thread } = await ctx.newThread(await ctx.newMember(), { title: 'Logged', body: 'Opening' });
    const anon = await ctx.reply(author, thread.id, { body: 'Hidden anonymously.', anonymous: true });
    await ctx.request('POST', `/api/mod/posts/${anon.id}/hide`, { as: mod, body: { reason: 'Off topic' } });
    const until = new Date(Date.now() + 5 * 86_400_000).toISOString();
    expect((await ctx.request('POST', `/api/mod/posts/${anon.id}/suspend-author`, { as: mod, body: { until, reason: 'Cooling off' } })).status).toBe(200);

    const page = await pageFor(admin);
    const sawPseudonym = await watchFor(page, author.pseudonym);
    await page.goto(`${origin}/mod`);
    await page.getByRole('link', { name: 'Members' }).click();
    await page.getByLabel('Find by pseudonym').fill(stem.toLowerCase());
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByLabel(`Role for ${member.pseudonym}`).selectOption('moderator');
    await page.getByRole('listitem').filter({ hasText: member.pseudonym }).getByRole('button', { name: 'Change role' }).click();
    await page.getByText(`${member.pseudonym} is now moderator.`).waitFor();

    await page.getByRole('link', { name: 'Log' }).click();
    await page.getByRole('heading', { name: 'Moderation log' }).waitFor();
    await page.getByText('member → moderator').first().waitFor();
    await page.getByLabel('Moderator').fill(mod.pseudonym.toUpperCase());
    await page.getByLabel('Action').selectOption('hide');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    // The filtered page replaces the whole log: wait for it, not for the list it replaces.
    await page.getByRole('status').filter({ hasText: '1 entry matches the filters.' }).waitFor();
    const entries = page.getByRole('list').filter({ hasText: 'Off topic' });
    await expect.poll(() => entries.getByRole('listitem').count()).toBe(1);
    expect(await page.getByText('member → moderator').count()).toBe(0);
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toLocaleDateString('en-CA');
    await page.getByLabel('From', { exact: true }).fill(day(1));
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('Nothing in the log matches these filters.').waitFor();
    await page.getByLabel('From', { exact: true }).fill(day(-1));
    await page.getByLabel('To', { exact: true }).fill(day(0));
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await entries.waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByText('member → moderator').first().waitFor();

    const authorPage = await pageFor(author);
    await authorPage.goto(`${origin}/`);
    const banner = authorPage.getByRole('status').filter({ hasText: 'Your account is suspended from posting until' });
    await banner.waitFor();

    await page.getByRole('link', { name: 'Suspensions' }).click();
    const entry = page.getByRole('listitem', { name: `Suspension of ${anon.author.alias}` });
    expect(await entry.textContent()).toContain('Cooling off');
    await entry.getByRole('button', { name: 'Lift suspension' }).click();
    await page.getByRole('status').filter({ hasText: `Lifted the suspension of ${anon.author.alias}.` }).waitFor();
    await entry.waitFor({ state: 'detached' });
    // The author's open page learns of it live.
    await banner.waitFor({ state: 'detached' });
    expect(await sawPseudonym()).toBe(false);
  });

  it('members and visitors get a not-allowed page on every console URL, and no console API call succeeds for them', async () => {
    for (const who of [await ctx.newMember(), null]) {
      const page = await pageFor(who);
      const answered: Array<[string, number]> = [];
      page.on('response', (r) => {
        if (/\/api\/(mod|admin)\//.test(r.url())) answered.push([r.url(), r.status()]);
      });
      for (const [url, said] of [
        ['/mod', 'Only moderators can see this page.'], ['/mod/log', 'Only moderators can see this page.'],
        ['/mod/members', 'Only admins can change roles.'], ['/mod/suspensions', 'Only admins can see this page.'],
      ] as const) {
        await page.goto(`${origin}${url}`);
        await page.getByText(said).waitFor();
      }
      expect(answered.filter(([, status]) => status < 400)).toEqual([]);
      expect(await page.getByRole('link', { name: /^Moderation/ }).count()).toBe(0);
      for (const [method, url] of [['GET', '/api/mod/flags'], ['GET', '/api/mod/log'], ['GET', '/api/admin/suspensions'], ['GET', '/api/admin/users?q=a']] as const) {
        const res = await page.request.fetch(`${origin}${url}`, { method, headers: { origin } });
        expect(res.status(), `${url} as ${who ? 'member' : 'visitor'}`).toBe(who ? 403 : 401);
      }
    }
  });

  it('has no accessibility violations on any console view, as moderator and admin, in light and dark (axe-core)', async () => {
    const mod = await ctx.newMember('moderator');
    const admin = await ctx.newMember('admin');
    const author = await ctx.newMember();
    await clearQueue();
    const { thread, post: opening } = await ctx.newThread(author, { title: 'Accessible console', body: 'Opening words' });
    const crisisPost = await ctx.reply(author, thread.id, { parentId: opening.id, body: 'I want to die.', anonymous: true });
    const flagged = await ctx.reply(author, thread.id, { body: 'A flagged reply.', contentWarnings: ['grief'] });
    for (let i = 0; i < 3; i++) await flag(flagged.id, 'harassment');
    await ctx.request('POST', `/api/mod/posts/${crisisPost.id}/suspend-author`, { as: mod, body: { until: new Date(Date.now() + 86_400_000).toISOString(), reason: 'checking' } });
    const views: Array<[Member, string, string, ((p: Page) => Promise<void>)?]> = [
      [mod, '/mod', 'Crisis × 1', async (p) => {
        await p.getByRole('button', { name: 'Reach out' }).click();
        await p.getByRole('button', { name: 'Keyboard shortcuts' }).click();
      }],
      [mod, '/mod/log', 'Apply filters'],
      [admin, '/mod/members', 'Find by pseudonym', async (p) => {
        await p.getByLabel('Find by pseudonym').fill(admin.pseudonym.slice(0, 4));
        await p.getByRole('button', { name: 'Find' }).click();
        await p.getByLabel(`Role for ${admin.pseudonym}`).waitFor();
      }],
      [admin, '/mod/suspensions', 'Lift suspension'],
    ];
    for (const colorScheme of ['light', 'dark'] as const) {
      for (const [as, url, ready, open] of views) {
        const page = await pageFor(as, { bypassCSP: true, colorScheme });
        await page.goto(`${origin}${url}`);
        await page.getByText(ready).first().waitFor();
        await open?.(page);
        expect(await axeViolations(page), `${url}, ${colorScheme}`).toEqual([]);
        await page.context().close();
      }
    }
  }, 120_000);
});
