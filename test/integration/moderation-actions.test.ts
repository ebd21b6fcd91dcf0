import { describe, expect, it } from 'vitest';
import { useApp } from '../helpers/context';
import { connect, listenOnce, moderatorSocket, subscribe } from '../helpers/live-client';

const ctx = useApp();

describe('hiding', () => {
  it('a hidden post’s body reaches no non-moderator: thread read, search, live; the author and moderators get it', async () => {
    const url = await listenOnce(ctx);
    const [author, reader] = [await ctx.newMember(), await ctx.newMember()];
    const mod = await ctx.newMember('moderator');
    const { thread } = await ctx.newThread(author);
    const post = await ctx.reply(author, thread.id, { body: 'a graphic unicornword description' });
    const topic = `thread:${thread.id}`;
    const [vSock, rSock, aSock, mSock] = await Promise.all([connect(url), connect(url, { cookie: reader.cookie }), connect(url, { cookie: author.cookie }), connect(url, { cookie: mod.cookie })]);
    for (const s of [vSock, rSock, aSock, mSock]) await subscribe(s, [topic]);

    const res = await ctx.request('POST', `/api/mod/posts/${post.id}/hide`, { as: mod, body: { reason: 'Too graphic for this space', contentWarnings: ['substance-use'] } });
    expect(res.status).toBe(200);
    expect(res.body.post).toMatchObject({ hidden: { reason: 'Too graphic for this space', by: 'moderator' }, contentWarnings: ['substance-use'] });
    expect(res.body.post.bodyHtml).toContain('unicornword');

    const hiddenEvent = (m: any) => m.type === 'event' && m.event === 'post.hidden';
    for (const s of [vSock, rSock]) {
      const e = await s.next(hiddenEvent);
      expect(e.data.post).toMatchObject({ bodyHtml: null, hidden: { by: 'moderator' } });
      expect(JSON.stringify(e)).not.toContain('unicornword');
    }
    expect((await aSock.next(hiddenEvent)).data.post.bodyHtml).toContain('unicornword');
    expect((await mSock.next(hiddenEvent)).data.post.bodyHtml).toContain('unicornword');

    for (const as of [undefined, reader]) {
      const read = await ctx.readAll(thread.id, 100, as);
      expect(read.find((p) => p.id === post.id).bodyHtml).toBeNull();
      expect(JSON.stringify(read)).not.toContain('unicornword');
      const search = await ctx.request('GET', '/api/search?q=unicornword', as ? { as } : {});
      expect(search.body.posts).toEqual([]);
    }
    expect((await ctx.readAll(thread.id, 100, author)).find((p) => p.id === post.id).bodyHtml).toContain('unicornword');
    expect((await ctx.readAll(thread.id, 100, mod)).find((p) => p.id === post.id).bodyHtml).toContain('unicornword');
    const note = (await ctx.request('GET', '/api/notifications', { as: author })).body.notifications[0];
    expect(note).toMatchObject({ kind: 'moderation', data: { action: 'hide', reason: 'Too graphic for this space', postId: post.id } });

    // Restored: everyone sees it again, live.
    await ctx.request('POST', `/api/mod/posts/${post.id}/restore`, { as: mod });
    expect((await vSock.next((m) => m.type === 'event' && m.event === 'post.restored')).data.post.bodyHtml).toContain('unicornword');
    for (const s of [vSock, rSock, aSock, mSock]) s.close();
  });

  it('warnings changed by a moderator reach thread readers as post.updated with the new labels', async () => {
    const url = await listenOnce(ctx);
    const author = await ctx.newMember();
    const mod = await ctx.newMember('moderator');
    const { thread, post } = await ctx.newThread(author);
    const s = await connect(url);
    await subscribe(s, [`thread:${thread.id}`]);
    const res = await ctx.request('PUT', `/api/mod/posts/${post.id}/content-warnings`, { as: mod, body: { contentWarnings: ['relapse', 'grief'] } });
    expect(res.status).toBe(200);
    const e = await s.next((m) => m.type === 'event' && m.event === 'post.updated');
    expect(e.data.post.contentWarnings).toEqual(['relapse', 'grief']);
    expect((await ctx.request('GET', `/api/threads/${thread.id}`)).body.thread.contentWarnings).toEqual(['relapse', 'grief']);
    const log = (await ctx.request('GET', '/api/mod/log', { as: mod })).body.entries;
    expect(log[0]).toMatchObject({ actor: mod.pseudonym, action: 'content-warnings', reason: 'none → relapse, grief', target: { postId: post.id, author: author.pseudonym } });
    s.close();
  });

  it('logs a moderator’s deletion and tells the author', async () => {
    const author = await ctx.newMember();
    const mod = await ctx.newMember('moderator');
    const { thread } = await ctx.newThread(author);
    const p = await ctx.reply(author, thread.id);
    await ctx.request('DELETE', `/api/posts/${p.id}`, { as: mod });
    const log = (await ctx.request('GET', '/api/mod/log', { as: mod })).body.entries;
    expect(log[0]).toMatchObject({ action: 'delete', target: { postId: p.id } });
    expect((await ctx.request('GET', '/api/notifications', { as: author })).body.notifications[0].data.action).toBe('delete');
  });

  it('a moderator deleting their own anonymous post is logged and announced on mod as any other moderator delete', async () => {
    const url = await listenOnce(ctx);
    const [member, mod, other] = [await ctx.newMember(), await ctx.newMember('moderator'), await ctx.newMember('moderator')];
    const { thread } = await ctx.newThread(member);
    const theirs = await ctx.reply(member, thread.id, { anonymous: true, body: 'an anonymous reply by a member' });
    const own = await ctx.reply(mod, thread.id, { anonymous: true, body: 'an anonymous reply by the moderator' });
    const watching = await connect(url, { cookie: other.cookie });
    await subscribe(watching, ['mod']);

    // Whoever wrote it, the same status, the same log entry, the same frame on `mod`.
    const seen = [];
    for (const post of [theirs, own]) {
      expect((await ctx.request('DELETE', `/api/posts/${post.id}`, { as: mod })).status).toBe(204);
      const frame = await watching.next((m) => m.type === 'event' && m.event === 'queue.changed' && m.data.postId === post.id);
      const [entry] = (await ctx.request('GET', '/api/mod/log?action=delete&limit=1', { as: other })).body.entries;
      expect(entry.target).toEqual({ postId: post.id, threadId: thread.id, author: post.author.alias });
      seen.push({ frame: { ...frame, id: undefined, at: undefined, data: { ...frame.data, postId: undefined } }, entry: { ...entry, id: undefined, at: undefined, target: undefined } });
    }
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[0]!.entry).toMatchObject({ actor: mod.pseudonym, action: 'delete', reason: null });
    watching.close();
  });
});

describe('suspending the author of an anonymous post', () => {
  it('suspends the account, and no response or event gives it away', async () => {
    const url = await listenOnce(ctx);
    const author = await ctx.newMember();
    const mod = await ctx.newMember('moderator');
    const starter = await ctx.newMember();
    const { thread } = await ctx.newThread(starter);
    const seen: string[] = [];
    const modSock = await connect(url, { cookie: mod.cookie });
    const authorSock = await connect(url, { cookie: author.cookie });
    await subscribe(modSock, [`thread:${thread.id}`]);
    const anon = await ctx.reply(author, thread.id, { anonymous: true, body: 'anonymous words' });
    await flag(anon.id);
    async function flag(postId: string) {
      seen.push(JSON.stringify((await ctx.request('POST', `/api/posts/${postId}/flags`, { as: starter, body: { reason: 'harassment' } })).body));
    }
    const until = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const res = await ctx.request('POST', `/api/mod/posts/${anon.id}/suspend-author`, { as: mod, body: { until, reason: 'harassment' } });
    expect(res.status).toBe(200);
    expect(res.body.suspension).toEqual({ until, reason: 'harassment', author: anon.author.alias });
    seen.push(JSON.stringify(res.body));
    // The author's open socket learns of it at once.
    expect(await authorSock.next((m) => m.type === 'access')).toMatchObject({ suspendedUntil: until });
    // And they can read but not post.
    expect((await ctx.request('POST', `/api/threads/${thread.id}/posts`, { as: author, body: { body: 'let me' } })).body.error.code).toBe('suspended');
    expect((await ctx.request('GET', `/api/threads/${thread.id}`, { as: author })).status).toBe(200);
    for (const url2 of ['/api/mod/flags', '/api/mod/flags?status=resolved', '/api/mod/log', `/api/threads/${thread.id}`, '/api/search?q=anonymous', '/api/notifications', '/api/me/export']) {
      seen.push(JSON.stringify((await ctx.request('GET', url2, { as: mod })).body));
    }
    seen.push(...modSock.messages.map((m) => JSON.stringify(m)));
    const all = seen.join('\n');
    expect(all).toContain(anon.author.alias);
    expect(all).not.toContain(author.pseudonym);
    expect(all).not.toMatch(new RegExp(`"(userId|authorId|author_id|reporterId|accountId)":"?${author.id}\\b`));
    modSock.close();
    authorSock.close();
  });

  it('refuses to suspend a moderator through their named post, and answers a post with no author left like any other', async () => {
    const mod = await ctx.newMember('moderator');
    const other = await ctx.newMember('moderator');
    const { post } = await ctx.newThread(other);
    const body = { until: new Date(Date.now() + 86_400_000).toISOString(), reason: 'x' };
    expect((await ctx.request('POST', `/api/mod/posts/${post.id}/suspend-author`, { as: mod, body })).status).toBe(403);
    expect((await ctx.request('POST', `/api/mod/posts/${post.id}/suspend-author`, { as: mod, body: { ...body, until: '2001-01-01T00:00:00Z' } })).status).toBe(400);
    const gone = await ctx.newMember();
    const p = await ctx.newThread(gone);
    await ctx.request('DELETE', '/api/me', { as: gone, body: { password: gone.password, erasePosts: false } });
    const res = await ctx.request('POST', `/api/mod/posts/${p.post.id}/suspend-author`, { as: mod, body });
    expect(res.status).toBe(200);
    expect(res.body.suspension).toEqual({ until: body.until, reason: 'x', author: 'deleted member' });
  });
});

describe('crisis awareness', () => {
  it('serves the phrases and resources, including 988 and SAMHSA for the US', async () => {
    const res = await ctx.request('GET', '/api/support/crisis');
    expect(res.status).toBe(200);
    expect(res.body.phrases.length).toBeGreaterThan(5);
    const contacts = JSON.stringify(res.body.resources);
    expect(contacts).toContain('988');
    expect(contacts).toContain('1-800-662-4357');
  });

  it('a matching post is posted, returns resources, and reaches the moderators’ socket within a second', async () => {
    const { mod, socket: modSock } = await moderatorSocket(ctx);
    const m = await ctx.newMember();
    const { thread } = await ctx.newThread(m);
    const started = Date.now();
    const res = await ctx.request('POST', `/api/threads/${thread.id}/posts`, { as: m, body: { body: 'Honestly I want to die tonight.' } });
    const answered = Date.now();
    expect(res.status).toBe(201);
    expect(res.body.crisisResources.length).toBeGreaterThan(0);
    const event = await modSock.next((e) => e.type === 'event' && e.event === 'flag.created' && e.data.flag.postId === res.body.post.id, 5_000);
    expect(Date.now() - answered).toBeLessThan(1_000 + (answered - started));
    expect(event.data.flag).toMatchObject({ reason: 'crisis', reporter: 'system', excerpt: 'Honestly I want to die tonight.' });
    const queue = (await ctx.request('GET', '/api/mod/flags', { as: mod })).body.flags;
    expect(queue[0]).toMatchObject({ reason: 'crisis', post: { id: res.body.post.id } });
    // Never blocked: everyone can read it.
    expect((await ctx.readAll(thread.id)).find((p) => p.id === res.body.post.id).bodyHtml).toContain('want to die');

    const calm = await ctx.request('POST', `/api/threads/${thread.id}/posts`, { as: m, body: { body: 'My therapist helped a lot today.' } });
    expect(calm.body.crisisResources).toBeUndefined();
    const thread2 = await ctx.request('POST', '/api/communities/alcohol/threads', { as: m, body: { title: 'tonight', body: 'I keep thinking about suicide.' } });
    expect(thread2.body.crisisResources.length).toBeGreaterThan(0);
    // A title alone can read like a crisis too.
    const thread3 = await ctx.request('POST', '/api/communities/alcohol/threads', { as: m, body: { title: 'I want to die', body: 'That is all.' } });
    expect(thread3.body.crisisResources.length).toBeGreaterThan(0);
    await modSock.next((e) => e.type === 'event' && e.event === 'flag.created' && e.data.flag.postId === thread3.body.post.id, 5_000);
    modSock.close();
  });

  it('sends a flag on a warned post to moderators with its warnings and no excerpt', async () => {
    const { socket: modSock } = await moderatorSocket(ctx);
    const m = await ctx.newMember();
    const { thread } = await ctx.newThread(m);
    const p = await ctx.reply(m, thread.id, { body: 'graphic self harm detail', contentWarnings: ['self-harm'] });
    const e = await modSock.next((x) => x.type === 'event' && x.event === 'flag.created' && x.data.flag.postId === p.id);
    expect(e.data.flag).toMatchObject({ contentWarnings: ['self-harm'], excerpt: null });
    expect(JSON.stringify(e)).not.toContain('graphic');
    modSock.close();
  });
});
