import { describe, expect, it } from 'vitest';
import { useApp } from '../helpers/context';

const ctx = useApp();

describe('notifications', () => {
  it('a reply notifies the parent’s author; list, unread count and mark-read work', async () => {
    const [a, b] = [await ctx.newMember(), await ctx.newMember()];
    const { thread, post } = await ctx.newThread(a, { title: 'Week two' });
    const r1 = await ctx.reply(b, thread.id, { parentId: post.id, body: 'You have got this.' });
    await ctx.reply(b, thread.id, { parentId: post.id, body: 'Second note.' });
    await ctx.reply(a, thread.id, { parentId: post.id, body: 'Talking to myself.' });
    expect((await ctx.request('GET', '/api/me', { as: a })).body.unreadNotifications).toBe(2);
    const list = await ctx.request('GET', '/api/notifications?limit=1', { as: a });
    expect(list.status).toBe(200);
    expect(list.body.notifications).toHaveLength(1);
    const older = await ctx.request('GET', `/api/notifications?limit=1&cursor=${list.body.nextCursor}`, { as: a });
    expect(older.body.notifications[0]).toMatchObject({
      kind: 'reply', readAt: null,
      data: { threadId: thread.id, threadTitle: 'Week two', postId: r1.id, by: { anonymous: false, pseudonym: b.pseudonym }, contentWarnings: [], excerpt: 'You have got this.' },
    });
    expect((await ctx.request('POST', '/api/notifications/read', { as: a, body: { ids: [older.body.notifications[0].id] } })).status).toBe(204);
    expect((await ctx.request('GET', '/api/me', { as: a })).body.unreadNotifications).toBe(1);
    expect((await ctx.request('POST', '/api/notifications/read', { as: a, body: { all: true } })).status).toBe(204);
    expect((await ctx.request('GET', '/api/me', { as: a })).body.unreadNotifications).toBe(0);
    expect((await ctx.request('GET', '/api/notifications', { as: b })).body.notifications).toEqual([]);
    // The member's export carries their notifications (and mutes).
    await ctx.request('POST', `/api/users/${b.pseudonym}/mute`, { as: a });
    const exported = (await ctx.request('GET', '/api/me/export', { as: a })).body;
    expect(exported.notifications).toHaveLength(2);
    expect(exported.mutes).toEqual([{ pseudonym: b.pseudonym, since: expect.any(String) }]);
  });

  it('carries warning labels and no excerpt for a post with content warnings', async () => {
    const [a, b] = [await ctx.newMember(), await ctx.newMember()];
    const { thread } = await ctx.newThread(a);
    await ctx.reply(b, thread.id, { body: 'I relapsed last night and used again.', contentWarnings: ['relapse', 'substance-use'] });
    const [n] = (await ctx.request('GET', '/api/notifications', { as: a })).body.notifications;
    expect(n.data.contentWarnings).toEqual(['relapse', 'substance-use']);
    expect(n.data.excerpt).toBeNull();
    expect(JSON.stringify(n)).not.toContain('relapsed');
  });

  it('a muted member’s named reply sends none; an anonymous reply still does, naming only the alias', async () => {
    const [a, b] = [await ctx.newMember(), await ctx.newMember()];
    await ctx.request('POST', `/api/users/${b.pseudonym}/mute`, { as: a });
    const { thread } = await ctx.newThread(a);
    await ctx.reply(b, thread.id, { body: 'named reply' });
    expect((await ctx.request('GET', '/api/notifications', { as: a })).body.notifications).toEqual([]);
    const anon = await ctx.reply(b, thread.id, { body: 'anonymous reply', anonymous: true });
    const list = (await ctx.request('GET', '/api/notifications', { as: a })).body.notifications;
    expect(list).toHaveLength(1);
    expect(list[0].data.by).toEqual({ anonymous: true, alias: anon.author.alias });
    expect(JSON.stringify(list)).not.toContain(b.pseudonym);
  });

  it('shows no excerpt once the reply is deleted', async () => {
    const [a, b] = [await ctx.newMember(), await ctx.newMember()];
    const { thread } = await ctx.newThread(a);
    const r = await ctx.reply(b, thread.id, { body: 'words I take back' });
    await ctx.request('DELETE', `/api/posts/${r.id}`, { as: b });
    const [n] = (await ctx.request('GET', '/api/notifications', { as: a })).body.notifications;
    expect(n.data.excerpt).toBeNull();
    expect(JSON.stringify(n)).not.toContain('take back');
  });

  it('needs a session and valid input', async () => {
    expect((await ctx.request('GET', '/api/notifications')).status).toBe(401);
    const a = await ctx.newMember();
    for (const body of [{}, { ids: [] }, { all: false }, { ids: ['x'] }, { ids: ['1'], all: true }]) {
      expect((await ctx.request('POST', '/api/notifications/read', { as: a, body })).status, JSON.stringify(body)).toBe(400);
    }
    expect((await ctx.request('GET', '/api/notifications?cursor=zzz', { as: a })).status).toBe(400);
  });
});
