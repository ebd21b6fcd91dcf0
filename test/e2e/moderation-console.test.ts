import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, startBrowserApp, stopBrowserApp } from '../helpers/browser';
import { type Member, TestContext } from '../helpers/context';

/** The moderators' queue in Chromium: flags arriving live, crisis first, hide and restore reaching members' pages. */
const ctx = new TestContext();
let browser: Browser;
let origin: string;
const contexts: BrowserContext[] = [];

async function pageFor(member: Member): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  contexts.push(context);
  await context.addCookies([{ name: 'sid', value: member.cookie.slice(4), url: origin }]);
  return context.newPage();
}

const flag = async (postId: string, reason = 'spam') =>
  expect((await ctx.request('POST', `/api/posts/${postId}/flags`, { as: await ctx.newMember(), body: { reason } })).status).toBe(201);

describe.skipIf(!browserAvailable())('the moderation queue in Chromium', () => {
  beforeAll(async () => void ({ browser, origin } = await startBrowserApp(ctx)));
  afterAll(() => stopBrowserApp(ctx, browser, contexts));

  it('flags arrive live; three hide the post on a member’s page; "Restore" shows it again there, live', async () => {
    const mod = await ctx.newMember('moderator');
    const author = await ctx.newMember();
    const { thread } = await ctx.newThread(author, { title: 'Weekend plans', body: 'Opening' });
    const post = await ctx.reply(author, thread.id, { body: 'A perfectly fine reply, flagged by mistake.' });
    const console_ = await pageFor(mod);
    await console_.goto(`${origin}/`);
    await console_.getByRole('link', { name: /^Moderation, \d+ open$/ }).click();
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

  it('a crisis flag goes to the top, ahead of older flags, and is announced; "Hide" asks for a reason the author sees', async () => {
    const mod = await ctx.newMember('moderator');
    const author = await ctx.newMember();
    const { thread } = await ctx.newThread(author, { title: 'Late night', body: 'Opening' });
    const older = await ctx.reply(author, thread.id, { body: 'An older spammy post.' });
    await flag(older.id);
    const console_ = await pageFor(mod);
    await console_.goto(`${origin}/mod`);
    await console_.getByRole('heading', { name: 'Moderation queue' }).waitFor();
    const urgent = await ctx.reply(author, thread.id, { body: 'I do not think I can keep going.' });
    await flag(urgent.id, 'crisis');
    await console_.getByText('A crisis flag arrived. It is at the top of the queue.').waitFor();
    const first = console_.getByRole('listitem').first();
    expect(await first.textContent()).toContain('Crisis × 1');

    const spam = console_.getByRole('listitem').filter({ hasText: 'An older spammy post.' });
    await spam.getByRole('button', { name: 'Hide' }).click();
    await spam.getByLabel('Reason (shown to the author)').fill('Advertising');
    await spam.getByRole('button', { name: 'Hide post' }).click();
    await spam.waitFor({ state: 'detached' });
    const row = await ctx.db.selectFrom('posts').select(['hidden_by', 'hidden_reason']).where('id', '=', older.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ hidden_by: 'moderator', hidden_reason: 'Advertising' });
  });

  it('"Suspend author" on an anonymous post: the author sees the suspension; the moderator’s page never holds the pseudonym', async () => {
    const mod = await ctx.newMember('moderator');
    const author = await ctx.newMember();
    const { thread } = await ctx.newThread(await ctx.newMember(), { title: 'Anonymous trouble', body: 'Opening' });
    const post = await ctx.reply(author, thread.id, { body: 'Abuse, written anonymously.', anonymous: true });
    await flag(post.id, 'harassment');
    const console_ = await pageFor(mod);
    await console_.goto(`${origin}/mod`);
    // Found by the post itself: once warned, its words fold behind "Show post".
    const item = console_.getByRole('listitem').filter({ has: console_.locator(`[data-post-id="${post.id}"]`) });
    await item.getByRole('button', { name: 'Set warnings' }).click();
    await item.getByLabel('Abuse').check();
    await item.getByRole('button', { name: 'Save warnings' }).click();
    await item.getByText('Abuse', { exact: true }).first().waitFor();
    await item.getByRole('button', { name: 'Suspend author' }).click();
    await item.getByLabel('Days').selectOption('3');
    await item.getByLabel('Reason (shown to the author)').fill('Harassing another member');
    await item.getByRole('button', { name: 'Suspend', exact: true }).click();
    await item.getByText('cannot post for 3 days.').waitFor();
    expect(await console_.content()).not.toContain(author.pseudonym);

    const authorPage = await pageFor(author);
    await authorPage.goto(`${origin}/t/${thread.id}`);
    const banner = authorPage.getByRole('status').filter({ hasText: 'Your account is suspended from posting until' });
    await banner.waitFor();
    expect(await banner.textContent()).toContain('Harassing another member');
  });

  it('an admin changes a role from "Members"; the log shows it, and an anonymous author there only by alias', async () => {
    const admin = await ctx.newMember('admin');
    const member = await ctx.newMember();
    const author = await ctx.newMember();
    const { thread } = await ctx.newThread(await ctx.newMember(), { title: 'Logged', body: 'Opening' });
    const anon = await ctx.reply(author, thread.id, { body: 'Hidden anonymously.', anonymous: true });
    await ctx.request('POST', `/api/mod/posts/${anon.id}/hide`, { as: admin, body: { reason: 'Off topic' } });
    const page = await pageFor(admin);
    await page.goto(`${origin}/mod`);
    await page.getByRole('link', { name: 'Members' }).click();
    await page.getByLabel('Pseudonym').fill(member.pseudonym);
    await page.getByLabel('Role').selectOption('moderator');
    await page.getByRole('button', { name: 'Change role' }).click();
    await page.getByText(`${member.pseudonym} is now moderator.`).waitFor();
    await page.goto(`${origin}/mod/log`);
    await page.getByRole('heading', { name: 'Moderation log' }).waitFor();
    await page.getByText('member → moderator').waitFor();
    await page.getByText('Off topic').waitFor();
    expect(await page.content()).not.toContain(author.pseudonym);
  });

  it('members do not get the console', async () => {
    const page = await pageFor(await ctx.newMember());
    await page.goto(`${origin}/mod`);
    await page.getByText('Only moderators can see this page.').waitFor();
    expect(await page.getByRole('link', { name: /^Moderation/ }).count()).toBe(0);
  });
});
