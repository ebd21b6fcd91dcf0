import { describe, expect, it } from 'vitest';
import { useApp, type Member } from '../helpers/context';
import { connect, listenOnce, moderatorSocket, subscribe } from '../helpers/live-client';

const ctx = useApp();
const future = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

async function flag(postId: string, reason = 'harassment', note?: string) {
  const reporter = await ctx.newMember();
  const res = await ctx.request('POST', `/api/posts/${postId}/flags`, { as: reporter, body: { reason, ...(note ? { note } : {}) } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.flag;
}

async function queueItem(mod: Member, postId: string) {
  const res = await ctx.request('GET', '/api/mod/flags?limit=100', { as: mod });
  return res.body.flags.find((f: any) => f.post.id === postId);
}

describe('the queue shows each item in its place', () => {
  it('carries the thread, the post it answers, and every flag’s note, never a reporter', async () => {
    const author = await ctx.newMember();
    const mod = await ctx.newMember('moderator');
    const { thread, post: opening } = await ctx.threadRow(author, { title: 'Nights are hard' });
    const reply = await ctx.replyRow(author, thread.id, { parentId: opening.id, body: 'a reply to look at' });
    const a = await flag(reply.id, 'harassment', 'first note');
    await flag(reply.id, 'spam', 'second note');
    await flag(reply.id, 'spam');
    const item = await queueItem(mod, reply.id);
    expect(item).toMatchObject({
      id: a.id, count: 3, note: 'first note', notes: ['first note', 'second note'],
      thread: { id: thread.id, title: 'Nights are hard' }, reasons: { harassment: 1, spam: 2 },
    });
    expect(item.parent).toMatchObject({ id: opening.id, threadId: thread.id });
    // The opening post of a thread has no parent.
    await flag(opening.id);
    expect((await queueItem(mod, opening.id)).parent).toBeNull();
    expect(JSON.stringify(item)).not.toMatch(/reporter/i);
  });

  it('tells every open console when a moderator acts, and tells members nothing', async () => {
    const { socket: modSock } = await moderatorSocket(ctx);
    const url = await listenOnce(ctx);
    const member = await ctx.newMember();
    const memberSock = await connect(url, { cookie: member.cookie });
    const refused = await (async () => {
      memberSock.send({ type: 'subscribe', topics: ['mod'] });
      return memberSock.next((m) => m.type === 'error');
    })();
    expect(refused.code).toBeDefined();
    const author = await ctx.newMember();
    const other = await ctx.newMember('moderator');
    const { post } = await ctx.threadRow(author);
    await flag(post.id);
    await ctx.request('POST', `/api/mod/posts/${post.id}/hide`, { as: other, body: { reason: 'checking' } });
    const changed = await modSock.next((m) => m.type === 'event' && m.event === 'queue.changed');
    expect(changed.data).toEqual({ postId: post.id });
    expect(memberSock.events()).toEqual([]);
    modSock.close();
    memberSock.close();
  });
});

describe('two moderators on one item get one action and a clear answer', () => {
  it('hide, suspend, dismiss and reach out: one succeeds, the other gets 409', async () => {
    const author = await ctx.newMember();
    const [m1, m2] = [await ctx.newMember('moderator'), await ctx.newMember('moderator')];
    const { thread } = await ctx.threadRow(await ctx.newMember());
    const cases: Array<[string, string, unknown]> = [];
    const post = async () => (await ctx.replyRow(author, thread.id, { body: `two at once ${Math.random()}` })).id;
    const hidePost = await post();
    cases.push(['POST', `/api/mod/posts/${hidePost}/hide`, { reason: 'too much' }]);
    const suspendPost = await post();
    cases.push(['POST', `/api/mod/posts/${suspendPost}/suspend-author`, { until: future(3), reason: 'cool off' }]);
    const flagged = await flag(await post());
    cases.push(['POST', `/api/mod/flags/${flagged.id}/resolve`, { outcome: 'dismissed' }]);
    const reachPost = await post();
    cases.push(['POST', `/api/mod/posts/${reachPost}/reach-out`, { message: 'We are here.' }]);
    for (const [method, url, body] of cases) {
      const answers = await Promise.all([m1, m2].map((as) => ctx.request(method as 'POST', url, { as, body })));
      expect(answers.map((r) => r.status).sort(), url).toEqual([200, 409]);
      const refusal = answers.find((r) => r.status === 409)!;
      expect(refusal.body.error.code).toBe('conflict');
      expect(refusal.body.error.message.length).toBeGreaterThan(10);
    }
    // One log entry each, and one notice each to the author.
    const log = (await ctx.request('GET', '/api/mod/log?limit=100', { as: m1 })).body.entries;
    for (const id of [hidePost, suspendPost, reachPost]) expect(log.filter((e: any) => e.target.postId === id)).toHaveLength(1);
    const notes = (await ctx.request('GET', '/api/notifications?limit=100', { as: author })).body.notifications;
    expect(notes.filter((n: any) => n.data.action === 'reach-out')).toHaveLength(1);
    expect(notes.filter((n: any) => n.data.action === 'suspend-author')).toHaveLength(1);
    // Every moderation notice says "a moderator": none carries who acted.
    expect(notes.filter((n: any) => n.kind === 'moderation').length).toBeGreaterThanOrEqual(3);
    for (const m of [m1, m2]) expect(JSON.stringify(notes)).not.toContain(m.pseudonym);
  });

  it('the same warnings set twice change nothing the second time', async () => {
    const author = await ctx.newMember();
    const mod = await ctx.newMember('moderator');
    const { post } = await ctx.threadRow(author);
    for (let i = 0; i < 2; i++) {
      const res = await ctx.request('PUT', `/api/mod/posts/${post.id}/content-warnings`, { as: mod, body: { contentWarnings: ['grief'] } });
      expect(res.status).toBe(200);
    }
    const log = (await ctx.request('GET', `/api/mod/log?action=content-warnings&actor=${encodeURIComponent(mod.pseudonym)}`, { as: mod })).body.entries;
    expect(log).toHaveLength(1);
    const notes = (await ctx.request('GET', '/api/notifications', { as: author })).body.notifications;
    expect(notes.filter((n: any) => n.data.action === 'content-warnings')).toHaveLength(1);
    expect(notes[0].data.contentWarnings).toEqual(['grief']);
  });
});

describe('reaching out', () => {
  it('sends the author a private notice with the crisis resources, live, without the moderator’s name', async () => {
    const url = await listenOnce(ctx);
    const author = await ctx.newMember();
    const mod = await ctx.newMember('moderator');
    const { thread } = await ctx.threadRow(await ctx.newMember());
    const post = await ctx.replyRow(author, thread.id, { body: 'I want to die tonight', anonymous: true });
    const sock = await connect(url, { cookie: author.cookie });
    await subscribe(sock, [`user:${author.id}`]);
    const res = await ctx.request('POST', `/api/mod/posts/${post.id}/reach-out`, { as: mod, body: { message: 'We read your post and we care. Please reach out.' } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ sent: true });
    const pushed = await sock.next((m) => m.type === 'event' && m.event === 'notification.created');
    expect(pushed.data.notification).toMatchObject({
      kind: 'moderation', data: { action: 'reach-out', reason: 'We read your post and we care. Please reach out.', postId: post.id },
    });
    const resources = (await ctx.request('GET', '/api/support/crisis')).body.resources;
    expect(pushed.data.notification.data.resources).toEqual(resources);
    const inbox = JSON.stringify((await ctx.request('GET', '/api/notifications', { as: author })).body);
    expect(inbox).toContain('We read your post');
    expect(inbox).not.toContain(mod.pseudonym);
    expect(JSON.stringify(pushed)).not.toContain(mod.pseudonym);
    // The log keeps what was sent, naming the author by alias only.
    const entry = (await ctx.request('GET', '/api/mod/log?action=reach-out', { as: mod })).body.entries.find((e: any) => e.target.postId === post.id);
    expect(entry).toMatchObject({ actor: mod.pseudonym, target: { author: post.author.alias } });
    sock.close();
  });

  it('leaves the resources out when asked, and answers the same for a post whose author is gone', async () => {
    const author = await ctx.newMember();
    const mod = await ctx.newMember('moderator');
    const { post } = await ctx.threadRow(author);
    const res = await ctx.request('POST', `/api/mod/posts/${post.id}/reach-out`, { as: mod, body: { message: 'Thinking of you.', includeResources: false } });
    expect(res.status).toBe(200);
    const note = (await ctx.request('GET', '/api/notifications', { as: author })).body.notifications[0];
    expect(note.data.resources).toBeUndefined();

    const gone = await ctx.newMember();
    const p = await ctx.threadRow(gone);
    await ctx.request('DELETE', '/api/me', { as: gone, body: { password: gone.password, erasePosts: false } });
    const again = await ctx.request('POST', `/api/mod/posts/${p.post.id}/reach-out`, { as: mod, body: { message: 'Thinking of you.' } });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(res.body);
    expect((await ctx.request('POST', `/api/mod/posts/${p.post.id}/reach-out`, { as: mod, body: { message: '   ' } })).status).toBe(400);
  });
});

describe('suspensions, listed and lifted by admins', () => {
  it('lists an anonymous post’s suspension by its alias and lifts it without naming the account', async () => {
    const url = await listenOnce(ctx);
    const author = await ctx.newMember();
    const mod = await ctx.newMember('moderator');
    const admin = await ctx.newMember('admin');
    const { thread } = await ctx.threadRow(await ctx.newMember());
    const anon = await ctx.replyRow(author, thread.id, { anonymous: true, body: 'anonymous words' });
    const until = future(7);
    expect((await ctx.request('POST', `/api/mod/posts/${anon.id}/suspend-author`, { as: mod, body: { until, reason: 'harassment' } })).status).toBe(200);

    const list = await ctx.request('GET', '/api/admin/suspensions?limit=100', { as: admin });
    expect(list.status).toBe(200);
    const entry = list.body.suspensions.find((s: any) => s.postId === anon.id);
    expect(entry).toMatchObject({ author: anon.author.alias, anonymous: true, threadId: thread.id, reason: 'harassment', until });
    expect(JSON.stringify(list.body)).not.toContain(author.pseudonym);

    const sock = await connect(url, { cookie: author.cookie });
    const lifted = await ctx.request('POST', `/api/admin/suspensions/${entry.id}/lift`, { as: admin });
    expect(lifted.status).toBe(200);
    expect(JSON.stringify(lifted.body)).not.toContain(author.pseudonym);
    expect(await sock.next((m) => m.type === 'access')).toMatchObject({ suspendedUntil: null });
    expect((await ctx.request('GET', '/api/me', { as: author })).body.user.suspension ?? null).toBeNull();
    expect((await ctx.request('POST', `/api/threads/${thread.id}/posts`, { as: author, body: { body: 'back again' } })).status).toBe(201);
    expect((await ctx.request('POST', `/api/admin/suspensions/${entry.id}/lift`, { as: admin })).status).toBe(409);
    expect((await ctx.request('POST', '/api/admin/suspensions/999999999/lift', { as: admin })).status).toBe(404);

    const log = (await ctx.request('GET', '/api/mod/log?action=lift-suspension', { as: admin })).body.entries;
    expect(log.find((e: any) => e.target.postId === anon.id)).toMatchObject({ actor: admin.pseudonym, target: { author: anon.author.alias } });
    const notes = (await ctx.request('GET', '/api/notifications', { as: author })).body.notifications;
    expect(notes[0].data.action).toBe('lift-suspension');
    expect(JSON.stringify(notes)).not.toContain(admin.pseudonym);
    expect((await ctx.request('GET', '/api/admin/suspensions?limit=100', { as: admin })).body.suspensions.some((s: any) => s.id === entry.id)).toBe(false);
    sock.close();
  });

  it('lifting one of two suspensions leaves the other running, with its own reason and end', async () => {
    const author = await ctx.newMember();
    const mod = await ctx.newMember('moderator');
    const admin = await ctx.newMember('admin');
    const { thread } = await ctx.threadRow(await ctx.newMember());
    const named = await ctx.replyRow(author, thread.id, { body: 'named words' });
    const anon = await ctx.replyRow(author, thread.id, { anonymous: true, body: 'hidden words' });
    const short = future(2);
    const long = future(20);
    await ctx.request('POST', `/api/mod/posts/${named.id}/suspend-author`, { as: mod, body: { until: short, reason: 'short one' } });
    await ctx.request('POST', `/api/mod/posts/${anon.id}/suspend-author`, { as: mod, body: { until: long, reason: 'long one' } });
    const list = (await ctx.request('GET', '/api/admin/suspensions?limit=100', { as: admin })).body.suspensions;
    const anonEntry = list.find((s: any) => s.postId === anon.id);
    const namedEntry = list.find((s: any) => s.postId === named.id);
    expect(namedEntry).toMatchObject({ author: author.pseudonym, anonymous: false });
    expect(anonEntry.author).toBe(anon.author.alias);

    await ctx.request('POST', `/api/admin/suspensions/${anonEntry.id}/lift`, { as: admin });
    expect((await ctx.request('GET', '/api/me', { as: author })).body.user.suspension).toEqual({ until: short, reason: 'short one' });
    await ctx.request('POST', `/api/admin/suspensions/${namedEntry.id}/lift`, { as: admin });
    expect((await ctx.request('GET', '/api/me', { as: author })).body.user.suspension ?? null).toBeNull();
  });

  it('follows the post when it is made anonymous, and forgets an erased member’s name', async () => {
    const author = await ctx.newMember();
    const mod = await ctx.newMember('moderator');
    const admin = await ctx.newMember('admin');
    const { thread } = await ctx.threadRow(await ctx.newMember());
    const post = await ctx.replyRow(author, thread.id, { body: 'said under my name' });
    await ctx.request('POST', `/api/mod/posts/${post.id}/suspend-author`, { as: mod, body: { until: future(5), reason: 'rude' } });
    // A suspended member cannot change their posts; say the account's other suspension ran out.
    await ctx.db.updateTable('users').set({ suspended_until: null }).where('id', '=', author.id).execute();
    ctx.app.haven.accounts.forgetAccess(author.id);
    const made = await ctx.request('POST', `/api/posts/${post.id}/anonymize`, { as: author });
    expect(made.status).toBe(200);
    const alias = made.body.post.author.alias;
    const list = (await ctx.request('GET', '/api/admin/suspensions?limit=100', { as: admin })).body;
    expect(list.suspensions.find((s: any) => s.postId === post.id)).toMatchObject({ author: alias, anonymous: true });
    const log = (await ctx.request('GET', '/api/mod/log?limit=100', { as: admin })).body;
    expect(log.entries.find((e: any) => e.target.postId === post.id).target.author).toBe(alias);
    expect(JSON.stringify([list, log])).not.toContain(author.pseudonym);

    const gone = await ctx.newMember();
    const p = await ctx.replyRow(gone, thread.id, { body: 'soon gone' });
    await ctx.request('POST', `/api/mod/posts/${p.id}/suspend-author`, { as: mod, body: { until: future(5), reason: 'rude' } });
    await ctx.request('DELETE', '/api/me', { as: gone, body: { password: gone.password, erasePosts: false } });
    const after = (await ctx.request('GET', '/api/admin/suspensions?limit=100', { as: admin })).body;
    expect(after.suspensions.find((s: any) => s.postId === p.id).author).toBe('deleted member');
    expect(JSON.stringify(after)).not.toContain(gone.pseudonym);
  });
});

describe('the log’s filters', () => {
  it('filter by action, by moderator (any case) and by time, and page with the filters kept', async () => {
    const author = await ctx.newMember();
    const [m1, m2] = [await ctx.newMember('moderator'), await ctx.newMember('moderator')];
    const { thread } = await ctx.threadRow(author);
    const posts = [];
    for (let i = 0; i < 3; i++) posts.push(await ctx.replyRow(author, thread.id, { body: `log filter ${i}` }));
    for (const p of posts) await ctx.request('POST', `/api/mod/posts/${p.id}/hide`, { as: m1, body: { reason: 'filters' } });
    await ctx.request('POST', `/api/mod/posts/${posts[0]!.id}/restore`, { as: m2 });

    const byActor = await ctx.request('GET', `/api/mod/log?actor=${encodeURIComponent(m1.pseudonym.toUpperCase())}&limit=2`, { as: m2 });
    expect(byActor.status).toBe(200);
    expect(byActor.body.entries.map((e: any) => e.target.postId)).toEqual([posts[2]!.id, posts[1]!.id]);
    const next = await ctx.request('GET', `/api/mod/log?actor=${encodeURIComponent(m1.pseudonym)}&limit=2&cursor=${byActor.body.nextCursor}`, { as: m2 });
    expect(next.body.entries.map((e: any) => e.target.postId)).toEqual([posts[0]!.id]);
    expect(next.body.nextCursor).toBeNull();

    const restores = (await ctx.request('GET', `/api/mod/log?action=restore&actor=${encodeURIComponent(m2.pseudonym)}`, { as: m1 })).body.entries;
    expect(restores).toHaveLength(1);
    expect(restores[0]).toMatchObject({ action: 'restore', actor: m2.pseudonym });

    const hour = 3_600_000;
    const inWindow = await ctx.request('GET', `/api/mod/log?actor=${encodeURIComponent(m1.pseudonym)}&from=${new Date(Date.now() - hour).toISOString()}&to=${new Date(Date.now() + hour).toISOString()}`, { as: m1 });
    expect(inWindow.body.entries).toHaveLength(3);
    const before = await ctx.request('GET', `/api/mod/log?actor=${encodeURIComponent(m1.pseudonym)}&to=${new Date(Date.now() - hour).toISOString()}`, { as: m1 });
    expect(before.body.entries).toEqual([]);

    for (const bad of ['action=shout', 'from=yesterday', 'to=2026-13-40T00:00:00Z', 'actor=']) {
      const res = await ctx.request('GET', `/api/mod/log?${bad}`, { as: m1 });
      expect(res.status, bad).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
  });
});

describe('finding members', () => {
  it('finds by the start of a pseudonym in any case, and shows no suspension', async () => {
    const admin = await ctx.newMember('admin');
    const stem = `Finder${Math.floor(Math.random() * 1e6)}`;
    const a = await ctx.newMember('member', `${stem}Alpha`);
    const b = await ctx.newMember('moderator', `${stem}Beta`);
    await ctx.db.updateTable('users').set({ suspended_until: new Date(Date.now() + 86_400_000), suspension_reason: 'secret' }).where('id', '=', a.id).execute();
    const res = await ctx.request('GET', `/api/admin/users?q=${encodeURIComponent(stem.toLowerCase())}`, { as: admin });
    expect(res.status).toBe(200);
    expect(res.body.users.map((u: any) => [u.pseudonym, u.role])).toEqual([[a.pseudonym, 'member'], [b.pseudonym, 'moderator']]);
    expect(JSON.stringify(res.body)).not.toMatch(/suspen|secret/);
    // Wildcards are plain characters here.
    expect((await ctx.request('GET', `/api/admin/users?q=${encodeURIComponent('%')}`, { as: admin })).body.users).toEqual([]);
    expect((await ctx.request('GET', '/api/admin/users?q=', { as: admin })).status).toBe(400);
  });
});
