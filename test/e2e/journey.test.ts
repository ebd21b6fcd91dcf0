import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, todayIn } from '../../server/lib/calendar';
import { axeViolations, browserAvailable, startBrowserApp, stopBrowserApp } from '../helpers/browser';
import { type Member, TestContext } from '../helpers/context';

/** A member's own journey in Chromium (phone-sized): days, milestones, sharing, goals, toolkit and pinned resources. */
const ctx = new TestContext();
let browser: Browser;
let origin: string;
const contexts: BrowserContext[] = [];

async function pageFor(member: Member | null, options: Parameters<Browser['newContext']>[0] = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, timezoneId: 'Europe/Paris', ...options });
  contexts.push(context);
  context.setDefaultTimeout(15_000);
  if (member) await context.addCookies([{ name: 'sid', value: member.cookie.slice(4), url: origin }]);
  return context.newPage();
}

// A browser flow of many steps: on a busy machine it needs more than the default 30 s.
describe.skipIf(!browserAvailable())('My journey in Chromium', { timeout: 90_000 }, () => {
  beforeAll(async () => void ({ browser, origin } = await startBrowserApp(ctx)));
  afterAll(() => stopBrowserApp(ctx, browser, contexts));

  it('a milestone notice leads to the journey; "Share this milestone" posts it anonymously in Milestones', async () => {
    const m = await ctx.newMember();
    await ctx.request('PUT', '/api/me/preferences', { as: m, body: { timeZone: 'Europe/Paris', recoveryStartDate: addDays(todayIn('Europe/Paris'), -8) } });
    await ctx.app.haven.journey.celebrateMilestones();
    const page = await pageFor(m);
    await page.goto(`${origin}/inbox`);
    await page.getByRole('link', { name: 'You reached 7 days. Every day counts.' }).click();
    await page.getByRole('heading', { name: 'My journey' }).waitFor();
    await page.getByText('8 days', { exact: true }).waitFor();
    expect(await page.getByText('Next milestone: 14 days, in 6 days.').count()).toBe(1);
    await page.getByRole('button', { name: 'Share this milestone' }).click();
    await page.getByLabel('What you want to say').fill('A week and a day. Thank you all.');
    await page.getByLabel('Post anonymously').check();
    await page.getByRole('button', { name: 'Share', exact: true }).click();
    await page.getByRole('link', { name: 'See it there' }).click();
    await page.getByRole('heading', { name: '7 days' }).waitFor();
    const thread = await ctx.db.selectFrom('threads').innerJoin('communities', 'communities.id', 'threads.community_id')
      .select(['threads.anonymous', 'communities.slug']).where('threads.author_id', '=', m.id).executeTakeFirstOrThrow();
    expect(thread).toEqual({ anonymous: true, slug: 'milestones' });
    // Shared by its alias: the post names no one.
    expect(await page.getByRole('article').first().getAttribute('aria-label')).toMatch(/^Post by Anonymous /);
  });

  it('a new start date from Settings keeps the earlier stretch in the journey, and the public count is no longer shown', async () => {
    const m = await ctx.newMember();
    const reader = await ctx.newMember();
    const today = todayIn('Europe/Paris');
    await ctx.request('PUT', '/api/me/preferences', { as: m, body: { timeZone: 'Europe/Paris', recoveryStartDate: addDays(today, -50), showRecoveryDays: true } });
    const { thread } = await ctx.newThread(m, { title: 'Fifty days in' });
    const page = await pageFor(m);
    await page.goto(`${origin}/settings`);
    await page.getByLabel('Recovery start date').fill(today);
    await page.getByRole('button', { name: 'Save recovery days' }).click();
    await page.getByText('Your days are no longer shown on your posts').waitFor();
    expect(await page.getByLabel('Show my days').isChecked()).toBe(false);
    await expect.poll(async () => (await ctx.db.selectFrom('users').select('recovery_start_date').where('id', '=', m.id).executeTakeFirstOrThrow()).recovery_start_date).toBe(today);
    await page.goto(`${origin}/journey`);
    await page.getByRole('heading', { name: 'Your journey so far' }).waitFor();
    await page.getByText('starting again is part of recovery').waitFor();
    expect(await page.getByRole('region', { name: 'Your journey so far' }).textContent()).toContain('49 days');
    const seen = await pageFor(reader);
    await seen.goto(`${origin}/t/${thread.id}`);
    await seen.getByRole('heading', { name: 'Fifty days in' }).waitFor();
    expect(await seen.getByRole('article').first().textContent()).not.toMatch(/\d+ days?/);
  });

  it('goals: added, ticked for today, shown in the week, archived', async () => {
    const m = await ctx.newMember();
    const page = await pageFor(m);
    await page.goto(`${origin}/journey`);
    await page.getByLabel('New goal').fill('Call my sponsor');
    await page.getByRole('button', { name: 'Add goal' }).click();
    const days = page.getByRole('checkbox', { name: /^Call my sponsor, / });
    await days.first().waitFor();
    expect(await days.count()).toBe(7);
    await days.last().check(); // today, the right-most day of the week
    const today = todayIn('Europe/Paris'); // the browser's zone, saved on the first visit
    await expect.poll(async () => (await ctx.db.selectFrom('goal_checks').innerJoin('goals', 'goals.id', 'goal_checks.goal_id').select('day').where('goals.user_id', '=', m.id).execute()).map((r) => r.day)).toEqual([today]);
    await page.reload();
    await expect.poll(() => page.getByRole('checkbox', { name: /^Call my sponsor, / }).last().isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Archive Call my sponsor' }).click();
    await days.first().waitFor({ state: 'detached' });
    expect((await ctx.db.selectFrom('users').select('time_zone').where('id', '=', m.id).executeTakeFirstOrThrow()).time_zone).toBe('Europe/Paris');
  });

  it('a moderator pins a post as a resource; members see it above the threads and save it to their toolkit', async () => {
    const mod = await ctx.newMember('moderator');
    const author = await ctx.newMember();
    const m = await ctx.newMember();
    const { thread } = await ctx.newThread(author, { slug: 'alcohol', title: 'Nights' });
    const post = await ctx.reply(author, thread.id, { body: 'Cold water, then a walk around the block.' });
    const modPage = await pageFor(mod);
    await modPage.goto(`${origin}/t/${thread.id}`);
    const article = modPage.locator(`[data-post-id="${post.id}"]`);
    await article.getByRole('button', { name: 'Pin as resource' }).click();
    await article.getByLabel('Resource title').fill('What helps with cravings at night');
    await article.getByRole('button', { name: 'Pin', exact: true }).click();
    await article.getByText('Pinned above the community’s threads.').waitFor();

    const page = await pageFor(m);
    await page.goto(`${origin}/c/alcohol`);
    const link = page.getByRole('link', { name: 'What helps with cravings at night' });
    await link.waitFor();
    // Folded away with one tap, and back.
    await page.getByText('Resources for this community (1)').click();
    await link.waitFor({ state: 'hidden' });
    await page.getByText('Resources for this community (1)').click();
    await link.click();
    const mine = page.locator(`[data-post-id="${post.id}"]`);
    await mine.getByRole('button', { name: 'Save to toolkit' }).click();
    await mine.getByText('Saved to your toolkit').waitFor();
    await page.goto(`${origin}/journey`);
    const kit = page.getByRole('region', { name: 'My toolkit' });
    await kit.getByText('Cold water, then a walk around the block.').waitFor();
    await kit.getByRole('button', { name: 'Remove from toolkit' }).click();
    await kit.getByText('Posts you save').waitFor();
  });

  it('has no accessibility violations on the journey and the privacy page, light and dark (axe-core)', async () => {
    const m = await ctx.newMember();
    const today = todayIn('Europe/Paris');
    await ctx.request('PUT', '/api/me/preferences', { as: m, body: { timeZone: 'Europe/Paris', recoveryStartDate: addDays(today, -120) } });
    await ctx.request('PUT', '/api/me/preferences', { as: m, body: { recoveryStartDate: addDays(today, -31) } });
    const goal = await ctx.request('POST', '/api/me/goals', { as: m, body: { title: 'Walk 20 minutes' } });
    await ctx.request('PUT', `/api/me/goals/${goal.body.goal.id}/days/${today}`, { as: m });
    const { thread } = await ctx.newThread(await ctx.newMember(), { slug: 'alcohol' });
    await ctx.request('PUT', `/api/me/toolkit/${(await ctx.reply(m, thread.id, { body: 'a saved post' })).id}`, { as: m });
    for (const colorScheme of ['light', 'dark'] as const) {
      for (const [url, ready] of [['/journey', 'My toolkit'], ['/privacy', 'What Haven never stores'], ['/c/alcohol', 'New thread']] as const) {
        const page = await pageFor(m, { bypassCSP: true, colorScheme });
        await page.goto(`${origin}${url}`);
        await page.getByText(ready).first().waitFor();
        expect(await axeViolations(page), `${url}, ${colorScheme}`).toEqual([]);
        await page.context().close();
      }
    }
  }, 120_000);
});
