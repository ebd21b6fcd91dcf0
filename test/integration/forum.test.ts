import { describe, expect, it } from 'vitest';
import { useApp } from '../helpers/context';

const ctx = useApp();

describe('communities and guidelines', () => {
  it('lists the seeded communities with thread counts', async () => {
    const res = await ctx.request('GET', '/api/communities');
    expect(res.status).toBe(200);
    const slugs = res.body.communities.map((c: { slug: string }) => c.slug);
    expect(slugs).toEqual(['alcohol', 'drugs-and-medication', 'family-and-friends', 'dual-diagnosis', 'milestones', 'coping-and-relapse-prevention', 'introductions']);
    const before = res.body.communities.find((c: { slug: string }) => c.slug === 'alcohol').threadCount;
    await ctx.newThread(await ctx.newMember(), { slug: 'alcohol' });
    const after = (await ctx.request('GET', '/api/communities')).body.communities.find((c: { slug: string }) => c.slug === 'alcohol');
    expect(after.threadCount).toBe(before + 1);
    expect(after).toMatchObject({ name: 'Alcohol', description: expect.any(String), id: expect.any(String) });
  });

  it('serves the guidelines rendered like a post', async () => {
    const res = await ctx.request('GET', '/api/guidelines');
    expect(res.status).toBe(200);
    expect(res.body.html).toContain('<h3>Confidentiality</h3>');
    expect(res.body.html).toMatch(/judgement/i);
    expect(res.body.html).toMatch(/sourcing/i);
  });
});

describe('threads', () => {
  it('creates a thread with its opening post', async () => {
    const m = await ctx.newMember();
    const res = await ctx.request('POST', '/api/communities/coping-and-relapse-prevention/threads', {
      as: m,
      body: { title: '  Evenings are the hardest  ', body: 'What do you **do** at 6pm?', contentWarnings: ['relapse', 'relapse'] },
    });
    expect(res.status).toBe(201);
    expect(res.body.thread).toMatchObject({
      communitySlug: 'coping-and-relapse-prevention', title: 'Evenings are the hardest', replyCount: 0,
      author: { anonymous: false, pseudonym: m.pseudonym }, contentWarnings: ['relapse'],
    });
    expect(res.body.post).toMatchObject({
      threadId: res.body.thread.id, parentId: null, depth: 0, bodyHtml: '<p>What do you <strong>do</strong> at 6pm?</p>\n',
      contentWarnings: ['relapse'], deleted: false, hidden: null, mine: true, muted: false, editedAt: null,
    });
  });

  it.each([
    [{ title: '   ', body: 'x' }, 'body.title'],
    [{ title: 't'.repeat(201), body: 'x' }, 'body.title'],
    [{ title: 'ok', body: '  ' }, 'body.body'],
    [{ title: 'ok', body: 'x', contentWarnings: ['gambling'] }, 'body.contentWarnings.0'],
    [{ title: 'ok', body: 'x', pinned: true }, 'body'],
    [{ title: 'ok\u0000', body: 'x' }, 'body.title'],
    [{ title: 'ok', body: 'x\ud800' }, 'body.body'],
  ])('refuses %j with 400', async (body, path) => {
    const res = await ctx.request('POST', '/api/communities/alcohol/threads', { as: await ctx.newMember(), body });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
  });

  it('refuses a body over 20,000 characters with 413 too_large, and accepts exactly 20,000', async () => {
    const m = await ctx.newMember();
    const big = await ctx.request('POST', '/api/communities/alcohol/threads', { as: m, body: { title: 'long', body: 'a'.repeat(20_001) } });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('too_large');
    const fits = await ctx.request('POST', '/api/communities/alcohol/threads', { as: m, body: { title: 'long', body: 'b'.repeat(20_000) } });
    expect(fits.status).toBe(201);
  });

  it('needs a session (401) and a real community (404)', async () => {
    expect((await ctx.request('POST', '/api/communities/alcohol/threads', { body: { title: 'x', body: 'y' } })).status).toBe(401);
    const res = await ctx.request('POST', '/api/communities/nowhere/threads', { as: await ctx.newMember(), body: { title: 'x', body: 'y' } });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    expect((await ctx.request('GET', '/api/communities/nowhere/threads')).status).toBe(404);
  });

  it('lists threads by latest activity with keyset pages', async () => {
    const m = await ctx.newMember();
    const a = await ctx.newThread(m, { slug: 'family-and-friends' });
    const b = await ctx.newThread(m, { slug: 'family-and-friends' });
    const c = await ctx.newThread(m, { slug: 'family-and-friends' });
    // Activity moves at most every ACTIVITY_RESOLUTION_SECONDS: these threads last moved a while ago.
    for (const [t, minutes] of [[a, 3], [b, 2], [c, 1]] as const) {
      await ctx.db.updateTable('threads').set({ last_activity_at: new Date(Date.now() - minutes * 60_000) }).where('id', '=', t.thread.id).execute();
    }
    await ctx.reply(m, a.thread.id);
    const first = await ctx.request('GET', '/api/communities/family-and-friends/threads?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.threads.map((t: { id: string }) => t.id)).toEqual([a.thread.id, c.thread.id]);
    expect(first.body.threads[0].replyCount).toBe(1);
    const second = await ctx.request('GET', `/api/communities/family-and-friends/threads?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.threads.map((t: { id: string }) => t.id)).toEqual([b.thread.id]);
    expect(second.body.nextCursor).toBeNull();
  });

  it('refuses a forged cursor and an out-of-range limit with 400', async () => {
    for (const q of ['cursor=abc', `cursor=${Buffer.from('["x","1"]').toString('base64url')}`, 'limit=0', 'limit=101', 'limit=ten', 'sort=new']) {
      const res = await ctx.request('GET', `/api/communities/alcohol/threads?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    const t = await ctx.newThread(await ctx.newMember());
    expect((await ctx.request('GET', `/api/threads/${t.thread.id}?cursor=${Buffer.from('["../"]').toString('base64url')}`)).status).toBe(400);
    expect((await ctx.request('GET', '/api/threads/abc')).status).toBe(400);
    expect((await ctx.request('GET', '/api/threads/999999')).status).toBe(404);
  });
});

describe('replies and the tree', () => {
  it('nests replies and reads them depth-first, siblings oldest first, keeping counts', async () => {
    const [a, b] = [await ctx.newMember(), await ctx.newMember()];
    const { thread, post: root } = await ctx.newThread(a);
    const r1 = await ctx.reply(b, thread.id);
    const r2 = await ctx.reply(a, thread.id);
    const r1a = await ctx.reply(a, thread.id, { parentId: r1.id });
    const r1a1 = await ctx.reply(b, thread.id, { parentId: r1a.id });
    const r1b = await ctx.reply(b, thread.id, { parentId: r1.id });
    expect(r1).toMatchObject({ parentId: root.id, depth: 1 });
    expect(r1a1).toMatchObject({ parentId: r1a.id, depth: 3 });
    const posts = await ctx.readAll(thread.id, 2);
    expect(posts.map((p) => p.id)).toEqual([root.id, r1.id, r1a.id, r1a1.id, r1b.id, r2.id]);
    const read = await ctx.request('GET', `/api/threads/${thread.id}`);
    expect(read.body.thread.replyCount).toBe(5);
    // Last activity moves at most every ACTIVITY_RESOLUTION_SECONDS (10 s).
    expect(Date.parse(read.body.thread.lastActivityAt)).toBeGreaterThanOrEqual(Date.parse(r1b.createdAt) - 10_000);
  });

  it('refuses a parent from another thread (404) and a missing thread (404)', async () => {
    const m = await ctx.newMember();
    const one = await ctx.newThread(m);
    const two = await ctx.newThread(m);
    const res = await ctx.request('POST', `/api/threads/${one.thread.id}/posts`, { as: m, body: { parentId: two.post.id, body: 'x' } });
    expect(res.status).toBe(404);
    expect((await ctx.request('POST', '/api/threads/987654/posts', { as: m, body: { body: 'x' } })).status).toBe(404);
    expect((await ctx.request('GET', `/api/threads/${one.thread.id}`)).body.thread.replyCount).toBe(0);
  });

  it('renders Markdown safely on write and stores source and HTML', async () => {
    const m = await ctx.newMember();
    const { thread } = await ctx.newThread(m);
    const post = await ctx.reply(m, thread.id, { body: '<script>alert(1)</script> [site](https://example.org) [bad](javascript:alert(1))' });
    expect(post.bodyHtml).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt; <a href="https://example.org" rel="nofollow noopener noreferrer ugc">site</a> [bad](javascript:alert(1))</p>\n');
    const row = await ctx.db.selectFrom('posts').select(['body_md', 'body_html']).where('id', '=', post.id).executeTakeFirstOrThrow();
    expect(row.body_md).toContain('<script>');
    expect(row.body_html).toBe(post.bodyHtml);
  });
});

describe('edit, delete, anonymize', () => {
  it('lets the author edit, keeps the old revision, and updates thread warnings for the opening post', async () => {
    const m = await ctx.newMember();
    const { thread, post } = await ctx.newThread(m, { body: 'first words' });
    const res = await ctx.request('PATCH', `/api/posts/${post.id}`, { as: m, body: { body: 'better words', contentWarnings: ['grief'] } });
    expect(res.status).toBe(200);
    expect(res.body.post).toMatchObject({ bodyHtml: '<p>better words</p>\n', contentWarnings: ['grief'] });
    expect(res.body.post.editedAt).not.toBeNull();
    const revisions = await ctx.db.selectFrom('post_revisions').select('body_md').where('post_id', '=', post.id).execute();
    expect(revisions.map((r) => r.body_md)).toEqual(['first words']);
    expect((await ctx.request('GET', `/api/threads/${thread.id}`)).body.thread.contentWarnings).toEqual(['grief']);
  });

  it('refuses edits by others (403), of missing posts (404), and empty edits (400)', async () => {
    const [a, b] = [await ctx.newMember(), await ctx.newMember()];
    const { post } = await ctx.newThread(a);
    const other = await ctx.request('PATCH', `/api/posts/${post.id}`, { as: b, body: { body: 'mine now' } });
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe('forbidden');
    const mod = await ctx.newMember('moderator');
    expect((await ctx.request('PATCH', `/api/posts/${post.id}`, { as: mod, body: { body: 'edited by mod' } })).status).toBe(403);
    expect((await ctx.request('PATCH', '/api/posts/999999', { as: a, body: { body: 'x' } })).status).toBe(404);
    expect((await ctx.request('PATCH', `/api/posts/${post.id}`, { as: a, body: {} })).status).toBe(400);
    expect((await ctx.request('PATCH', `/api/posts/${post.id}`, { body: { body: 'x' } })).status).toBe(401);
    const row = await ctx.db.selectFrom('posts').select('body_md').where('id', '=', post.id).executeTakeFirstOrThrow();
    expect(row.body_md).not.toBe('mine now');
  });

  it('deletes a post but keeps its place and its replies; its body is gone everywhere', async () => {
    const [a, b] = [await ctx.newMember(), await ctx.newMember()];
    const { thread } = await ctx.newThread(a);
    const parent = await ctx.reply(a, thread.id, { body: 'something I regret saying' });
    const child = await ctx.reply(b, thread.id, { parentId: parent.id });
    expect((await ctx.request('DELETE', `/api/posts/${parent.id}`, { as: b })).status).toBe(403);
    expect((await ctx.request('DELETE', `/api/posts/${parent.id}`, { as: a })).status).toBe(204);
    const posts = await ctx.readAll(thread.id, 100, a);
    const gone = posts.find((p) => p.id === parent.id);
    expect(gone).toMatchObject({ deleted: true, bodyHtml: null });
    expect(posts.find((p) => p.id === child.id)).toMatchObject({ parentId: parent.id });
    const row = await ctx.db.selectFrom('posts').select(['body_md', 'body_html']).where('id', '=', parent.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ body_md: '', body_html: '' });
    expect((await ctx.request('GET', '/api/search?q=regret')).body.posts).toHaveLength(0);
    expect((await ctx.request('PATCH', `/api/posts/${parent.id}`, { as: a, body: { body: 'again' } })).status).toBe(404);
    expect((await ctx.request('DELETE', '/api/posts/999999', { as: a })).status).toBe(404);
  });

  it('takes the thread title with a deleted opening post, for every reader and search', async () => {
    const a = await ctx.newMember();
    const mod = await ctx.newMember('moderator');
    const { thread, post } = await ctx.newThread(a, { title: 'Sober since the Riverside clinic', body: 'opening words' });
    const reply = await ctx.reply(a, thread.id, { body: 'a reply that stays' });
    expect((await ctx.request('GET', `/api/threads/${thread.id}`)).body.thread.title).toBe('Sober since the Riverside clinic');
    expect((await ctx.request('DELETE', `/api/posts/${post.id}`, { as: a })).status).toBe(204);
    for (const as of [undefined, a, mod]) {
      const read = await ctx.request('GET', `/api/threads/${thread.id}`, { as });
      expect(read.body.thread.title).toBe('[deleted]');
      expect(JSON.stringify(read.body)).not.toContain('Riverside');
      expect(read.body.posts.find((p: any) => p.id === reply.id).bodyHtml).toContain('a reply that stays');
      const list = await ctx.request('GET', `/api/communities/introductions/threads`, { as });
      expect(JSON.stringify(list.body)).not.toContain('Riverside');
    }
    expect(JSON.stringify((await ctx.request('GET', '/api/search?q=Riverside')).body)).not.toContain('Riverside');
  });

  it('lets a moderator delete any post', async () => {
    const a = await ctx.newMember();
    const mod = await ctx.newMember('moderator');
    const { thread } = await ctx.newThread(a);
    const p = await ctx.reply(a, thread.id);
    expect((await ctx.request('DELETE', `/api/posts/${p.id}`, { as: mod })).status).toBe(204);
  });

  it('anonymizes one’s own post after the fact, and the thread author with the opening post', async () => {
    const [a, b] = [await ctx.newMember(), await ctx.newMember()];
    const { thread, post } = await ctx.newThread(a);
    expect((await ctx.request('POST', `/api/posts/${post.id}/anonymize`, { as: b })).status).toBe(403);
    const res = await ctx.request('POST', `/api/posts/${post.id}/anonymize`, { as: a });
    expect(res.status).toBe(200);
    expect(res.body.post.author).toEqual({ anonymous: true, alias: expect.stringMatching(/^Anonymous [A-Z][a-z]+ [A-Z][a-z]+$/) });
    const read = await ctx.request('GET', `/api/threads/${thread.id}`);
    expect(read.body.thread.author).toEqual(res.body.post.author);
    expect(JSON.stringify(read.body)).not.toContain(a.pseudonym);
    // Readers saw that post under a's name: its alias is its own, never a's thread alias.
    const later = await ctx.reply(a, thread.id, { anonymous: true });
    expect(later.author.anonymous).toBe(true);
    expect(later.author.alias).not.toBe(res.body.post.author.alias);
  });
});

describe('mine and mute', () => {
  it('marks mine only for the author, and muted posts for the muter (never anonymous ones)', async () => {
    const [a, b, c] = [await ctx.newMember(), await ctx.newMember(), await ctx.newMember()];
    const { thread } = await ctx.newThread(a);
    const named = await ctx.reply(b, thread.id);
    const anon = await ctx.reply(b, thread.id, { anonymous: true });
    expect((await ctx.request('POST', `/api/users/${b.pseudonym}/mute`, { as: c })).status).toBe(204);
    const seenByC = await ctx.readAll(thread.id, 100, c);
    expect(seenByC.find((p) => p.id === named.id)).toMatchObject({ muted: true, mine: false });
    expect(seenByC.find((p) => p.id === anon.id)).toMatchObject({ muted: false, mine: false });
    const seenByB = await ctx.readAll(thread.id, 100, b);
    expect(seenByB.find((p) => p.id === anon.id)).toMatchObject({ mine: true, muted: false });
    const seenByVisitor = await ctx.readAll(thread.id);
    expect(seenByVisitor.every((p) => p.mine === false && p.muted === undefined)).toBe(true);
    expect((await ctx.request('DELETE', `/api/users/${b.pseudonym}/mute`, { as: c })).status).toBe(204);
    expect((await ctx.readAll(thread.id, 100, c)).find((p) => p.id === named.id).muted).toBe(false);
  });

  it('answers 404 for an unknown member, 400 for oneself and 401 for visitors', async () => {
    const a = await ctx.newMember();
    expect((await ctx.request('POST', '/api/users/nobody_here_x/mute', { as: a })).status).toBe(404);
    expect((await ctx.request('POST', `/api/users/${a.pseudonym}/mute`, { as: a })).status).toBe(400);
    expect((await ctx.request('POST', `/api/users/${a.pseudonym}/mute`)).status).toBe(401);
  });
});

describe('search', () => {
  it('finds visible posts by their words and threads by their titles, newest first, in pages', async () => {
    const m = await ctx.newMember();
    const { thread, post: root } = await ctx.newThread(m, { title: 'Serenity through gardening', body: 'I planted tomatoes.' });
    const p1 = await ctx.reply(m, thread.id, { body: 'Gardening helps my cravings.' });
    const p2 = await ctx.reply(m, thread.id, { body: 'Cravings again tonight.' });
    const hidden = await ctx.reply(m, thread.id, { body: 'Cravings hidden post.' });
    await ctx.db.updateTable('posts').set({ hidden_by: 'moderator', hidden_reason: 'triggering' }).where('id', '=', hidden.id).execute();
    const res = await ctx.request('GET', '/api/search?q=cravings&limit=1');
    expect(res.status).toBe(200);
    expect(res.body.posts.map((p: { id: string }) => p.id)).toEqual([p2.id]);
    const next = await ctx.request('GET', `/api/search?q=cravings&limit=1&cursor=${res.body.nextCursor}`);
    expect(next.body.posts.map((p: { id: string }) => p.id)).toEqual([p1.id]);
    expect(next.body.nextCursor).toBeNull();
    const title = await ctx.request('GET', '/api/search?q=serenity');
    expect(title.body.posts.map((p: { id: string }) => p.id)).toEqual([root.id]);
    expect((await ctx.request('GET', '/api/search')).status).toBe(400);
    expect((await ctx.request('GET', '/api/search?q=%20')).status).toBe(400);
    expect((await ctx.request('GET', '/api/search?q=the')).status).toBe(200);
  });
});

describe('idempotency and duplicates', () => {
  it('returns the first result for a repeated Idempotency-Key, and 409 for the same key with another body', async () => {
    const m = await ctx.newMember();
    const { thread } = await ctx.newThread(m);
    const send = (body: string) => ctx.request('POST', `/api/threads/${thread.id}/posts`, { as: m, headers: { 'idempotency-key': 'reply-1' }, body: { body } });
    const [x, y] = await Promise.all([send('hello once'), send('hello once')]);
    expect(x.status).toBe(201);
    expect(y.status).toBe(201);
    expect(y.body.post.id).toBe(x.body.post.id);
    const z = await send('hello once');
    expect(z.body.post.id).toBe(x.body.post.id);
    const other = await send('a different body');
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('conflict');
    expect((await ctx.readAll(thread.id)).length).toBe(2);
    // Keys are per account.
    const n = await ctx.newMember();
    const theirs = await ctx.request('POST', `/api/threads/${thread.id}/posts`, { as: n, headers: { 'idempotency-key': 'reply-1' }, body: { body: 'hello once' } });
    expect(theirs.status).toBe(201);
    expect(theirs.body.post.id).not.toBe(x.body.post.id);
  });

  it('replays a post as it is now: deleted or anonymized since, it does not come back whole', async () => {
    const m = await ctx.newMember();
    const { thread } = await ctx.newThread(m);
    const send = (key: string, body: string) => ctx.request('POST', `/api/threads/${thread.id}/posts`, { as: m, headers: { 'idempotency-key': key }, body: { body } });
    const regret = await send('regret-1', 'words I take back');
    expect((await ctx.request('DELETE', `/api/posts/${regret.body.post.id}`, { as: m })).status).toBe(204);
    const replay = await send('regret-1', 'words I take back');
    expect(replay.status).toBe(201);
    expect(replay.body.post).toMatchObject({ id: regret.body.post.id, deleted: true, bodyHtml: null });
    const named = await send('named-1', 'under my name for now');
    await ctx.request('POST', `/api/posts/${named.body.post.id}/anonymize`, { as: m });
    const again = await send('named-1', 'under my name for now');
    expect(again.body.post.author).toMatchObject({ anonymous: true });
    expect(JSON.stringify(again.body)).not.toContain(m.pseudonym);
    // The key keeps the post's id, never a copy of it.
    const kept = await ctx.db.selectFrom('idempotency_keys').select('response').where('user_id', '=', m.id).execute();
    expect(JSON.stringify(kept)).not.toContain('words I take back');
    expect((await ctx.readAll(thread.id)).length).toBe(3);
  });

  it('works for new threads too', async () => {
    const m = await ctx.newMember();
    const send = () => ctx.request('POST', '/api/communities/milestones/threads', { as: m, headers: { 'idempotency-key': 'thread-1' }, body: { title: '30 days', body: 'Thirty days today.' } });
    const [a, b] = [await send(), await send()];
    expect(b.status).toBe(201);
    expect(b.body.thread.id).toBe(a.body.thread.id);
    expect(b.body).toEqual(a.body);
  });

  it('refuses the same body twice within five minutes with 409 duplicate_post', async () => {
    const m = await ctx.newMember();
    const { thread } = await ctx.newThread(m);
    await ctx.reply(m, thread.id, { body: 'same words' });
    const again = await ctx.request('POST', `/api/threads/${thread.id}/posts`, { as: m, body: { body: 'same words' } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('duplicate_post');
    await ctx.db.updateTable('posts').set({ created_at: new Date(Date.now() - 6 * 60_000) }).where('thread_id', '=', thread.id).execute();
    expect((await ctx.request('POST', `/api/threads/${thread.id}/posts`, { as: m, body: { body: 'same words' } })).status).toBe(201);
    const dupThread = await ctx.request('POST', '/api/communities/introductions/threads', { as: m, body: { title: 'again', body: 'Opening words here' } });
    expect(dupThread.status).toBe(201);
    const dupThread2 = await ctx.request('POST', '/api/communities/introductions/threads', { as: m, body: { title: 'again', body: 'Opening words here' } });
    expect(dupThread2.status).toBe(409);
    expect(dupThread2.body.error.code).toBe('duplicate_post');
  });

  it('takes one of identical replies sent at once, and leaves nothing of the others', async () => {
    const m = await ctx.newMember();
    const { thread, post: root } = await ctx.newThread(m);
    const race = async (body: string, parentId?: string) => {
      const send = () => ctx.request('POST', `/api/threads/${thread.id}/posts`, { as: m, body: { body, ...(parentId ? { parentId } : {}) } });
      const answers = await Promise.all([send(), send(), send()]);
      expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409]);
      expect(answers.filter((a) => a.status === 409).map((a) => a.body.error.code)).toEqual(['duplicate_post', 'duplicate_post']);
      return answers.find((a) => a.status === 201)!.body.post.id as string;
    };
    const top = await race('sent three times at once');
    const nested = await race('and again, nested', top);
    // The refused ones counted nothing and claimed no place under their parent.
    const rows = await ctx.db.selectFrom('posts').select(['id', 'child_count']).where('thread_id', '=', thread.id).orderBy('path').execute();
    expect(rows).toEqual([{ id: root.id, child_count: 1 }, { id: top, child_count: 1 }, { id: nested, child_count: 0 }]);
    const counted = await ctx.db.selectFrom('threads').select('reply_count').where('id', '=', thread.id).executeTakeFirstOrThrow();
    expect(counted.reply_count).toBe(2);
  });

  it('refuses a malformed Idempotency-Key with 400', async () => {
    const m = await ctx.newMember();
    const { thread } = await ctx.newThread(m);
    const res = await ctx.request('POST', `/api/threads/${thread.id}/posts`, { as: m, headers: { 'idempotency-key': 'x'.repeat(201) }, body: { body: 'x' } });
    expect(res.status).toBe(400);
  });
});

describe('suspension and account erasure', () => {
  it('a suspended member can read but not post or edit (403 suspended)', async () => {
    const m = await ctx.newMember();
    const { thread, post } = await ctx.newThread(m);
    await ctx.db.updateTable('users').set({ suspended_until: new Date(Date.now() + 86_400_000), suspension_reason: 'cool-off' }).where('id', '=', m.id).execute();
    const res = await ctx.request('POST', `/api/threads/${thread.id}/posts`, { as: m, body: { body: 'let me in' } });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('suspended');
    expect((await ctx.request('PATCH', `/api/posts/${post.id}`, { as: m, body: { body: 'x' } })).body.error.code).toBe('suspended');
    expect((await ctx.request('POST', '/api/communities/alcohol/threads', { as: m, body: { title: 'x', body: 'y' } })).status).toBe(403);
    expect((await ctx.request('GET', `/api/threads/${thread.id}`, { as: m })).status).toBe(200);
  });

  it('after DELETE /api/me, posts show "deleted member"; with erasePosts their bodies are gone too', async () => {
    const [keep, erase, other] = [await ctx.newMember(), await ctx.newMember(), await ctx.newMember()];
    const { thread } = await ctx.newThread(other);
    const kept = await ctx.reply(keep, thread.id, { body: 'words that stay' });
    const erased = await ctx.reply(erase, thread.id, { body: 'words that go' });
    const child = await ctx.reply(other, thread.id, { parentId: erased.id });
    expect((await ctx.request('DELETE', '/api/me', { as: keep, body: { password: keep.password, erasePosts: false } })).status).toBe(204);
    expect((await ctx.request('DELETE', '/api/me', { as: erase, body: { password: erase.password, erasePosts: true } })).status).toBe(204);
    const posts = await ctx.readAll(thread.id);
    expect(posts.find((p) => p.id === kept.id)).toMatchObject({ author: { anonymous: false, pseudonym: 'deleted member' }, bodyHtml: '<p>words that stay</p>\n' });
    expect(posts.find((p) => p.id === erased.id)).toMatchObject({ author: { pseudonym: 'deleted member' }, deleted: true, bodyHtml: null });
    expect(posts.find((p) => p.id === child.id).parentId).toBe(erased.id);
    const text = (await ctx.dumpAllText()).join('\n');
    expect(text).not.toContain('words that go');
    expect(text).not.toContain(erase.pseudonym);
  });

  it('exports the member’s posts, anonymous ones included', async () => {
    const m = await ctx.newMember();
    const { thread } = await ctx.newThread(m);
    await ctx.reply(m, thread.id, { body: 'my anonymous words', anonymous: true });
    const res = await ctx.request('GET', '/api/me/export', { as: m });
    expect(res.body.posts.map((p: { bodyMarkdown: string }) => p.bodyMarkdown)).toContain('my anonymous words');
  });
});

describe('cached thread pages', () => {
  it('never serve a page older than the last write or profile change', async () => {
    const [a, b] = [await ctx.newMember(), await ctx.newMember()];
    const { thread } = await ctx.newThread(a);
    const p = await ctx.reply(b, thread.id, { body: 'version one' });
    await ctx.readAll(thread.id);
    await ctx.readAll(thread.id);
    await ctx.request('PATCH', `/api/posts/${p.id}`, { as: b, body: { body: 'version two' } });
    expect((await ctx.readAll(thread.id)).find((x) => x.id === p.id).bodyHtml).toBe('<p>version two</p>\n');
    await ctx.request('PUT', '/api/me/preferences', { as: b, body: { recoveryStartDate: '2026-01-01', showRecoveryDays: true } });
    expect((await ctx.readAll(thread.id)).find((x) => x.id === p.id).author.recoveryDays).toBeGreaterThan(300);
    await ctx.request('POST', `/api/posts/${p.id}/anonymize`, { as: b });
    expect((await ctx.readAll(thread.id)).find((x) => x.id === p.id).author.anonymous).toBe(true);
    await ctx.request('DELETE', `/api/posts/${p.id}`, { as: b });
    expect((await ctx.readAll(thread.id)).find((x) => x.id === p.id).deleted).toBe(true);
    const extra = await ctx.reply(a, thread.id);
    expect((await ctx.readAll(thread.id)).map((x) => x.id)).toContain(extra.id);
  });
});

describe('a member’s page, encoded once and patched with the posts that differ for its reader', () => {
  it('is exactly each reader’s own view, with no field the response schema does not name', async () => {
    const { threadResponse } = await import('../../server/contract/forum');
    const [author, other, plain, muter] = [await ctx.newMember(), await ctx.newMember(), await ctx.newMember(), await ctx.newMember()];
    const mod = await ctx.newMember('moderator');
    const { thread } = await ctx.newThread(author, { body: 'opening words' });
    await ctx.reply(other, thread.id, { body: 'a named reply' });
    await ctx.reply(other, thread.id, { body: 'an anonymous reply', anonymous: true });
    const hidden = await ctx.reply(author, thread.id, { body: 'hidden words' });
    await ctx.request('POST', `/api/mod/posts/${hidden.id}/hide`, { as: mod, body: { reason: 'checking' } });
    await ctx.request('POST', `/api/users/${other.pseudonym}/mute`, { as: muter });
    // Touched twice over: a reply of the muter's own, below posts by the author they muted.
    await ctx.reply(muter, thread.id, { body: 'the muter writes too' });
    await ctx.request('POST', `/api/users/${other.pseudonym}/mute`, { as: mod });

    const own = async (m: typeof plain) => {
      const viewer = (await ctx.app.haven.accounts.viewerForToken(m.cookie.slice(4)))!;
      return JSON.parse(JSON.stringify(threadResponse.encode(await ctx.app.haven.forum.readThread(thread.id, viewer, undefined, 50))));
    };
    for (const m of [plain, author, muter, mod]) {
      for (let i = 0; i < 2; i++) {
        const res = await ctx.request('GET', `/api/threads/${thread.id}`, { as: m });
        expect(res.body, `${m.pseudonym}, read ${i + 1}`).toEqual(await own(m));
        // Parsing strips any key the schema does not name: equal means there was none.
        expect(threadResponse.parse(res.body)).toStrictEqual(res.body);
      }
    }
    const visitorPage = (await ctx.request('GET', `/api/threads/${thread.id}`)).body;
    expect(threadResponse.parse(visitorPage)).toStrictEqual(visitorPage);
    expect(visitorPage.posts.some((p: any) => 'mine' in p && p.mine)).toBe(false);
    const posts = (m: typeof plain) => ctx.request('GET', `/api/threads/${thread.id}`, { as: m }).then((r) => r.body.posts);
    expect((await posts(plain)).every((p: any) => p.mine === false && p.muted === false)).toBe(true);
    expect((await posts(plain)).find((p: any) => p.id === hidden.id).bodyHtml).toBeNull();
    expect((await posts(author)).find((p: any) => p.id === hidden.id)).toMatchObject({ mine: true, bodyHtml: expect.stringContaining('hidden words') });
    expect((await posts(muter)).filter((p: any) => p.muted).map((p: any) => p.author.pseudonym)).toEqual([other.pseudonym]);
    expect((await posts(mod)).find((p: any) => p.id === hidden.id).bodyHtml).toContain('hidden words');
    expect((await posts(mod)).filter((p: any) => p.muted).length).toBe(1);
    const muterPosts = await posts(muter);
    expect(muterPosts.filter((p: any) => p.mine).map((p: any) => p.bodyHtml)).toEqual(['<p>the muter writes too</p>\n']);
    // The muted author's anonymous reply is not marked: that would tell who wrote it.
    expect(muterPosts.filter((p: any) => p.author.anonymous).every((p: any) => p.muted === false)).toBe(true);
  });
});
