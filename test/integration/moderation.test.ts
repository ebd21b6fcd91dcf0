import { describe, expect, it } from 'vitest';
import { useApp, type Member } from '../helpers/context';

const ctx = useApp({ autoHideFlags: 3 });

async function flag(as: Member, postId: string, reason = 'triggering', note?: string) {
  return ctx.request('POST', `/api/posts/${postId}/flags`, { as, body: { reason, ...(note ? { note } : {}) } });
}

describe('flags and auto-hide', () => {
  it('hides a post at exactly N distinct open flags, by the community; duplicates and crisis flags do not count', async () => {
    const author = await ctx.newMember();
    const { thread } = await ctx.threadRow(author);
    const post = await ctx.replyRow(author, thread.id, { body: 'something hard to read' });
    const [f1, f2, f3, f4] = [await ctx.newMember(), await ctx.newMember(), await ctx.newMember(), await ctx.newMember()];
    expect((await flag(f1, post.id)).status).toBe(201);
    const dup = await flag(f1, post.id, 'spam');
    expect(dup.status).toBe(409);
    expect((await flag(f4, post.id, 'crisis')).status).toBe(201);
    expect((await flag(f2, post.id, 'harassment', 'this hurt me')).status).toBe(201);
    let seen = (await ctx.readAll(thread.id)).find((p) => p.id === post.id);
    expect(seen.hidden).toBeNull(); // N − 1 member flags (plus a crisis flag): still visible
    const third = await flag(f3, post.id, 'other');
    expect(third.status).toBe(201);
    expect(third.body.flag).toMatchObject({ postId: post.id, reason: 'other', status: 'open', note: null });
    seen = (await ctx.readAll(thread.id)).find((p) => p.id === post.id);
    expect(seen).toMatchObject({ bodyHtml: null, hidden: { by: 'community' } });
    // The author still sees their words, and learns why.
    expect((await ctx.readAll(thread.id, 100, author)).find((p) => p.id === post.id).bodyHtml).toContain('hard to read');
    const notes = (await ctx.request('GET', '/api/notifications', { as: author })).body.notifications;
    expect(notes[0]).toMatchObject({ kind: 'moderation', data: { action: 'community-hide', postId: post.id } });
    // No reporter is ever named to the author.
    for (const f of [f1, f2, f3, f4]) expect(JSON.stringify(notes)).not.toContain(f.pseudonym);
  });

  it('restore unhides; dismissing all flags of a community-hidden post unhides too', async () => {
    const mod = await ctx.newMember('moderator');
    const author = await ctx.newMember();
    const { thread } = await ctx.threadRow(author);
    const hideByFlags = async (body: string) => {
      const p = await ctx.replyRow(author, thread.id, { body });
      for (let i = 0; i < 3; i++) await flag(await ctx.newMember(), p.id);
      expect((await ctx.readAll(thread.id)).find((x) => x.id === p.id).hidden).toMatchObject({ by: 'community' });
      return p;
    };
    const a = await hideByFlags('first hidden');
    const restored = await ctx.request('POST', `/api/mod/posts/${a.id}/restore`, { as: mod });
    expect(restored.status).toBe(200);
    expect(restored.body.post.hidden).toBeNull();
    expect((await ctx.readAll(thread.id)).find((x) => x.id === a.id).bodyHtml).toContain('first hidden');
    expect((await ctx.request('POST', `/api/mod/posts/${a.id}/restore`, { as: mod })).status).toBe(409);

    const b = await hideByFlags('second hidden');
    const queue = await ctx.request('GET', '/api/mod/flags', { as: mod });
    const item = queue.body.flags.find((f: { post: { id: string } }) => f.post.id === b.id);
    expect(item.count).toBe(3);
    const resolved = await ctx.request('POST', `/api/mod/flags/${item.id}/resolve`, { as: mod, body: { outcome: 'dismissed' } });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ resolved: 3, outcome: 'dismissed', post: { hidden: null } });
    expect((await ctx.readAll(thread.id)).find((x) => x.id === b.id).bodyHtml).toContain('second hidden');
    expect((await ctx.request('POST', `/api/mod/flags/${item.id}/resolve`, { as: mod, body: { outcome: 'dismissed' } })).status).toBe(409);

    const c = await hideByFlags('third hidden');
    const item3 = (await ctx.request('GET', '/api/mod/flags', { as: mod })).body.flags.find((f: { post: { id: string } }) => f.post.id === c.id);
    const confirmed = await ctx.request('POST', `/api/mod/flags/${item3.id}/resolve`, { as: mod, body: { outcome: 'actioned' } });
    expect(confirmed.body.post.hidden).toMatchObject({ by: 'moderator' });
  });

  it('refuses flags on one’s own post (403), on a missing post (404), from suspended members (403) and visitors (401)', async () => {
    const a = await ctx.newMember();
    const { post } = await ctx.threadRow(a);
    expect((await flag(a, post.id)).status).toBe(403);
    expect((await flag(a, '999999')).status).toBe(404);
    const s = await ctx.newMember();
    await ctx.db.updateTable('users').set({ suspended_until: new Date(Date.now() + 3_600_000) }).where('id', '=', s.id).execute();
    expect((await flag(s, post.id)).body.error.code).toBe('suspended');
    expect((await ctx.request('POST', `/api/posts/${post.id}/flags`, { body: { reason: 'spam' } })).status).toBe(401);
    expect((await ctx.request('POST', `/api/posts/${post.id}/flags`, { as: s, body: { reason: 'rude' } })).status).toBe(400);
  });

  it('lets a new account flag at most 10 posts a day', async () => {
    const author = await ctx.newMember();
    const { thread } = await ctx.threadRow(author);
    const posts: Array<{ id: string }> = [];
    for (let i = 0; i < 11; i++) posts.push(await ctx.replyRow(author, thread.id, { body: `post to flag ${i}` }));
    // rateLimitFactor is raised for this file, so the cap is 10 × factor; use a fresh context value.
    const reporter = await ctx.newMember();
    const cap = Math.round(10 * ctx.config.rateLimitFactor);
    expect(cap).toBeGreaterThanOrEqual(10);
    await ctx.db.insertInto('flags').values(Array.from({ length: cap }, (_, i) => ({ post_id: posts[i % 11]!.id, reporter_id: reporter.id, reason: 'spam' as const, status: 'resolved' as const }))).execute();
    const res = await flag(reporter, posts[10]!.id);
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe('rate_limited');
    await ctx.db.updateTable('users').set({ created_at: new Date(Date.now() - 2 * 86_400_000) }).where('id', '=', reporter.id).execute();
    expect((await flag(reporter, posts[10]!.id)).status).toBe(201);
  });
});

describe('the queue', () => {
  it('groups flags per post, crisis first, then oldest, in pages', async () => {
    const mod = await ctx.newMember('moderator');
    const author = await ctx.newMember();
    const { thread } = await ctx.threadRow(author);
    const older = await ctx.replyRow(author, thread.id, { body: 'older flagged' });
    const newer = await ctx.replyRow(author, thread.id, { body: 'newer flagged' });
    await flag(await ctx.newMember(), older.id, 'spam');
    await flag(await ctx.newMember(), newer.id, 'crisis');
    const all = [];
    let cursor = null;
    do {
      const res: { body: { flags: any[]; nextCursor: string | null } } = await ctx.request('GET', `/api/mod/flags?limit=1${cursor ? `&cursor=${cursor}` : ''}`, { as: mod });
      all.push(...res.body.flags);
      cursor = res.body.nextCursor;
    } while (cursor);
    const ids = all.map((f) => f.post.id);
    expect(ids.indexOf(newer.id)).toBeLessThan(ids.indexOf(older.id));
    const crisisFirst = all.findIndex((f) => f.reason !== 'crisis');
    expect(all.slice(crisisFirst).every((f) => f.reason !== 'crisis')).toBe(true);
    expect(all.find((f) => f.post.id === older.id)).toMatchObject({ reason: 'spam', count: 1, reasons: { spam: 1 } });
    expect(JSON.stringify(all)).not.toMatch(/reporter/);
  });
});
