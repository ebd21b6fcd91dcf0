import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useApp } from '../helpers/context';
import { connect, listenOnce, subscribe } from '../helpers/live-client';
import { transact } from '../../server/db/transact';
import { until } from '../helpers/wait';
import type { EventRenderer } from '../../server/live/event-views';
import { InProcessBus } from '../../server/outbox/bus';
import { appendEvents } from '../../server/outbox/outbox.repository';

// Small send buffers so that a stalled reader is cut off quickly.
/** While `gate.hold` is set, loading a batch with a `test.held` event tells it so and waits until it opens. */
const gate: { hold: { entered: () => void; opened: Promise<void> } | null } = { hold: null };
const held: EventRenderer = async () => {
  const hold = gate.hold;
  if (hold) {
    hold.entered();
    await hold.opened;
  }
  return () => null;
};
const ctx = useApp({}, { live: { maxBufferedBytes: 64 * 1024 }, renderers: new Map([['test.held', held]]) });

describe('the upgrade', () => {
  it('is refused with 403 for a forged or missing Origin, before any 101', async () => {
    const url = await listenOnce(ctx);
    await expect(connect(url, { origin: 'https://evil.example' })).rejects.toMatchObject({ statusCode: 403 });
    await expect(connect(url, { origin: null })).rejects.toMatchObject({ statusCode: 403 });
    const ok = await connect(url);
    ok.close();
  });

  it('caps the sockets of one account', async () => {
    const url = await listenOnce(ctx);
    const m = await ctx.newMember();
    const open = [];
    for (let i = 0; i < 10; i++) open.push(await connect(url, { cookie: m.cookie }));
    await expect(connect(url, { cookie: m.cookie })).rejects.toMatchObject({ statusCode: 429 });
    open.forEach((c) => c.close());
  });
});

describe('delivery and authorization', () => {
  it('pushes a reply to a visitor watching the thread, and notifies the parent’s author on their own topic', async () => {
    const url = await listenOnce(ctx);
    const [a, b] = [await ctx.newMember(), await ctx.newMember()];
    const { thread, post } = await ctx.newThread(a, { contentWarnings: ['grief'] });
    const visitor = await connect(url);
    await subscribe(visitor, [`thread:${thread.id}`]);
    const author = await connect(url, { cookie: a.cookie });
    const reply = await ctx.reply(b, thread.id, { parentId: post.id, body: 'Thinking of you today.' });
    // (The opening post's event may come first, if this server had not dispatched it yet.)
    const event = await visitor.next((m) => m.type === 'event' && m.event === 'post.created' && m.data.post.id === reply.id);
    expect(event).toMatchObject({ topic: `thread:${thread.id}`, data: { post: { id: reply.id, bodyHtml: '<p>Thinking of you today.</p>\n', mine: false } } });
    expect(Date.parse(event.at)).not.toBeNaN();
    const note = await author.next((m) => m.type === 'event' && m.event === 'notification.created');
    expect(note.topic).toBe(`user:${a.id}`);
    expect(note.data.notification).toMatchObject({ kind: 'reply', readAt: null, data: { threadId: thread.id, postId: reply.id, excerpt: 'Thinking of you today.', by: { pseudonym: b.pseudonym } } });
    visitor.close();
    author.close();
  });

  it('refuses mod and user: topics to those who may not join them, with an error frame, and stays open', async () => {
    const url = await listenOnce(ctx);
    const [a, b] = [await ctx.newMember(), await ctx.newMember()];
    const visitor = await connect(url);
    visitor.send({ type: 'subscribe', topics: ['mod'] });
    expect(await visitor.next((m) => m.type === 'error')).toMatchObject({ code: 'forbidden' });
    visitor.send({ type: 'subscribe', topics: [`user:${a.id}`] });
    expect((await visitor.next((m) => m.type === 'error' && m.message.includes('user:'))).code).toBe('forbidden');
    const member = await connect(url, { cookie: b.cookie });
    member.send({ type: 'subscribe', topics: [`user:${a.id}`] });
    expect(await member.next((m) => m.type === 'error')).toMatchObject({ code: 'forbidden' });
    member.send({ type: 'subscribe', topics: ['mod'] });
    expect((await member.next((m) => m.type === 'error' && m.message.includes('mod'))).code).toBe('forbidden');
    member.send({ type: 'ping' });
    expect(await member.next((m) => m.type === 'pong')).toEqual({ type: 'pong' });
    // Nothing for a's topic reached b.
    await ctx.reply(b, (await ctx.newThread(a)).thread.id);
    await new Promise((r) => setTimeout(r, 200));
    expect(member.events().filter((e) => e.topic === `user:${a.id}`)).toEqual([]);
    visitor.close();
    member.close();
  });

  it('joins moderators to mod automatically', async () => {
    const url = await listenOnce(ctx);
    const mod = await ctx.newMember('moderator');
    const socket = await connect(url, { cookie: mod.cookie });
    await subscribe(socket, ['mod']);
    expect(socket.messages.filter((m) => m.type === 'error')).toEqual([]);
    socket.close();
  });

  it('never sends a hidden body to a non-moderator, live or replayed; the author and moderators get it', async () => {
    const url = await listenOnce(ctx);
    const [a, b] = [await ctx.newMember(), await ctx.newMember()];
    const mod = await ctx.newMember('moderator');
    const { thread } = await ctx.newThread(a);
    const p = await ctx.reply(b, thread.id, { body: 'a secret detail' });
    await ctx.db.updateTable('posts').set({ hidden_by: 'moderator', hidden_reason: 'triggering' }).where('id', '=', p.id).execute();
    const topic = `thread:${thread.id}`;
    const [visitor, other, author, moderator] = await Promise.all([connect(url), connect(url, { cookie: a.cookie }), connect(url, { cookie: b.cookie }), connect(url, { cookie: mod.cookie })]);
    for (const s of [visitor, other, author, moderator]) await subscribe(s, [topic]);
    await ctx.request('PATCH', `/api/posts/${p.id}`, { as: b, body: { body: 'a secret detail, edited' } });
    const isUpdate = (m: any) => m.type === 'event' && m.event === 'post.updated';
    for (const s of [visitor, other]) {
      const e = await s.next(isUpdate);
      expect(e.data.post).toMatchObject({ bodyHtml: null, hidden: { reason: 'triggering', by: 'moderator' } });
      expect(JSON.stringify(e)).not.toContain('secret');
    }
    expect((await author.next(isUpdate)).data.post.bodyHtml).toContain('secret detail, edited');
    expect((await moderator.next(isUpdate)).data.post.bodyHtml).toContain('secret detail, edited');
    // Replayed from the start: the created event is rendered as the post is now.
    const late = await connect(url);
    await subscribe(late, [topic], '0');
    const replayed = late.events();
    expect(replayed.map((e) => e.event)).toEqual(['post.created', 'post.created', 'post.updated']);
    expect(JSON.stringify(replayed)).not.toContain('secret');
    for (const s of [visitor, other, author, moderator, late]) s.close();
  });

  it('an anonymous post’s events hold no link to the account', async () => {
    const url = await listenOnce(ctx);
    const [a, b] = [await ctx.newMember(), await ctx.newMember()];
    const { thread, post } = await ctx.newThread(a);
    const watcher = await connect(url, { cookie: a.cookie });
    await subscribe(watcher, [`thread:${thread.id}`]);
    const anon = await ctx.reply(b, thread.id, { anonymous: true, parentId: post.id });
    const created = await watcher.next((m) => m.type === 'event' && m.event === 'post.created' && m.data.post.id === anon.id);
    const note = await watcher.next((m) => m.type === 'event' && m.event === 'notification.created');
    for (const frame of [created, note]) {
      expect(JSON.stringify(frame)).not.toContain(b.pseudonym);
      expect(JSON.stringify(frame)).not.toContain(`"${b.id}"`);
    }
    expect(created.data.post.author).toEqual({ anonymous: true, alias: anon.author.alias });
    expect(note.data.notification.data.by).toEqual({ anonymous: true, alias: anon.author.alias });
    watcher.close();
  });
});

describe('robustness', () => {
  it('answers bad frames with error frames and keeps the connection', async () => {
    const url = await listenOnce(ctx);
    const s = await connect(url);
    for (const bad of ['not json', '{"type":"dance"}', '{"type":"subscribe","topics":["thread:abc"]}', '{"type":"subscribe","topics":[]}', '[1,2]', '{"type":"subscribe","topics":["thread:1"],"since":"x"}']) {
      const before = s.messages.length;
      s.send(bad);
      const reply = await s.next((m) => m.type === 'error' && s.messages.indexOf(m) >= before);
      expect(reply.code).toBe('validation_failed');
    }
    s.ws.send(Buffer.from([1, 2, 3]));
    expect(await s.next((m) => m.type === 'error' && m.message.includes('JSON'))).toBeTruthy();
    s.send({ type: 'ping' });
    expect(await s.next((m) => m.type === 'pong')).toBeTruthy();
    expect(s.ws.readyState).toBe(s.ws.OPEN);
    s.close();
  });

  it('refuses more than 200 topics on one socket', async () => {
    const url = await listenOnce(ctx);
    const s = await connect(url);
    await subscribe(s, Array.from({ length: 150 }, (_, i) => `thread:${i + 1}`));
    s.send({ type: 'subscribe', topics: Array.from({ length: 60 }, (_, i) => `thread:${i + 1000}`) });
    expect(await s.next((m) => m.type === 'error')).toMatchObject({ code: 'too_many_topics' });
    s.close();
  });

  it('closes an oversize frame with 1009', async () => {
    const url = await listenOnce(ctx);
    const s = await connect(url);
    s.send({ type: 'ping', pad: 'x'.repeat(70 * 1024) });
    expect((await s.closed).code).toBe(1009);
  });

  it('limits the frame rate of a connection', async () => {
    const url = await listenOnce(ctx);
    const s = await connect(url);
    for (let i = 0; i < 40; i++) s.send({ type: 'ping' });
    expect(await s.next((m) => m.type === 'error' && m.code === 'rate_limited')).toBeTruthy();
    s.close();
  });

  it('cuts off a stalled reader while other clients keep receiving', async () => {
    const url = await listenOnce(ctx);
    const m = await ctx.newMember();
    const { thread } = await ctx.newThread(m);
    const topic = `thread:${thread.id}`;
    const stalled = await connect(url);
    const healthy = await connect(url);
    await subscribe(stalled, [topic]);
    await subscribe(healthy, [topic]);
    // Stop reading: the bytes pile up in the kernel, then in the server's send buffer.
    (stalled.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const big = 'Long words of support. '.repeat(800);
    const replies = new Set<string>();
    const closedEarly = stalled.closed.then(() => true);
    const closed = () => Promise.race([closedEarly, Promise.resolve(false)]);
    // Long replies as rows, their events written straight into the outbox ten at a time:
    // the stalled reader's buffers fill in a few batches, without hundreds of requests.
    for (let batch = 0; batch < 40 && !(await closed()); batch++) {
      const made: string[] = [];
      for (let i = 0; i < 10; i++) made.push((await ctx.replyRow(m, thread.id, { body: `${big} ${batch * 10 + i}` })).id);
      await transact(ctx.db, (trx) => appendEvents(trx, made.map((postId) => ({ topic, stream: 'public', kind: 'post.created', data: { postId, threadId: thread.id } }))));
      ctx.app.haven.live.bus.wake();
      for (const id of made) replies.add(id);
      // Let the hub send this batch before the next is written.
      await healthy.next((e) => e.type === 'event' && e.data?.post?.id === made.at(-1), 20_000);
    }
    (stalled.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    await stalled.closed;
    // The server cut it off: it never got everything that was sent.
    expect(stalled.events().filter((e) => replies.has(e.data?.post?.id)).length).toBeLessThan(replies.size);
    const last = await ctx.reply(m, thread.id, { body: 'still flowing' });
    expect((await healthy.next((e) => e.type === 'event' && e.data?.post?.id === last.id, 10_000)).data.post.bodyHtml).toContain('still flowing');
    replies.add(last.id);
    // Count by post id: the thread's opening events, committed just before the
    // subscription, may or may not arrive (subscribing without `since` starts "now").
    const delivered = healthy.events().filter((e) => e.data?.post && replies.has(e.data.post.id));
    expect(delivered.map((e) => e.data.post.id)).toEqual([...replies]);
    healthy.close();
  });
});

describe('reconnecting with since', () => {
  it('gets the K missed events in order, none twice, then live ones', async () => {
    const url = await listenOnce(ctx);
    const m = await ctx.newMember();
    const { thread } = await ctx.newThread(m);
    const topic = `thread:${thread.id}`;
    const first = await connect(url);
    await subscribe(first, [topic]);
    const r = await ctx.reply(m, thread.id);
    // (The opening post's event may arrive too, if this process had not dispatched it yet.)
    const seen = await first.next((e) => e.type === 'event' && e.data.post.id === r.id);
    first.close();
    await first.closed;
    const missed = [];
    for (let i = 0; i < 7; i++) missed.push((await ctx.reply(m, thread.id)).id);
    const again = await connect(url);
    const sub = subscribe(again, [topic], seen.id);
    // A live reply racing the replay must come after it, exactly once.
    const racing = ctx.reply(m, thread.id);
    await sub;
    const live = (await racing).id;
    await again.next((e) => e.type === 'event' && e.data.post.id === live);
    const ids = again.events().map((e) => e.data.post.id);
    expect(ids).toEqual([...missed, live]);
    const eventIds = again.events().map((e) => BigInt(e.id));
    expect(eventIds.every((id, i) => i === 0 || id > eventIds[i - 1]!)).toBe(true);
    again.close();
  });

  it('asks for a resync when the backlog no longer reaches back', async () => {
    const url = await listenOnce(ctx);
    const m = await ctx.newMember();
    const { thread } = await ctx.newThread(m);
    await ctx.reply(m, thread.id);
    await sql`update event_streams set trimmed_through = last_seq where stream = 'public'`.execute(ctx.db);
    const s = await connect(url);
    s.send({ type: 'subscribe', topics: [`thread:${thread.id}`], since: '1' });
    expect(await s.next((x) => x.type === 'resync')).toEqual({ type: 'resync', topic: `thread:${thread.id}` });
    s.close();
  });

  it('a since beyond anything written gets resync, and live events after it all the same', async () => {
    const url = await listenOnce(ctx);
    const m = await ctx.newMember();
    const { thread } = await ctx.newThread(m);
    const s = await connect(url);
    s.send({ type: 'subscribe', topics: [`thread:${thread.id}`], since: '900000000' });
    expect(await s.next((x) => x.type === 'resync')).toEqual({ type: 'resync', topic: `thread:${thread.id}` });
    await s.next((x) => x.type === 'subscribed');
    const r = await ctx.reply(m, thread.id);
    await s.next((e) => e.type === 'event' && e.data.post.id === r.id);
    s.close();
  });

  it('a since ahead of this process (another one served it) is taken as it is: nothing replayed, nothing twice', async () => {
    const url = await listenOnce(ctx);
    const m = await ctx.newMember();
    const { thread } = await ctx.newThread(m);
    const topic = `thread:${thread.id}`;
    const watcher = await connect(url);
    await subscribe(watcher, [topic], '0');
    const write = (kind: string) => transact(ctx.db, (trx) => appendEvents(trx, [{ topic, stream: 'public', kind, data: { postId: thread.id, threadId: thread.id } }]));
    // Hold this process's dispatch of a first event, so that it lags what is stored, as a
    // process does when another one has already served the client further.
    let entered!: () => void;
    let release!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    gate.hold = { entered, opened: new Promise<void>((r) => (release = r)) };
    try {
      await write('test.held');
      ctx.app.haven.live.bus.wake();
      await inside;
      await write('test.later');
      const ahead = String((await ctx.db.selectFrom('event_streams').select('last_seq').where('stream', '=', 'public').executeTakeFirstOrThrow()).last_seq);
      const s = await connect(url);
      const answer = subscribe(s, [topic], ahead);
      release();
      // Taken as it is: the answer is at least `since` (more, should other public events be
      // dispatched meanwhile: the position counts the whole public stream), and nothing of
      // this topic is replayed or resent below.
      const at = BigInt((await answer).lastEventId);
      const stored = (await ctx.db.selectFrom('event_streams').select('last_seq').where('stream', '=', 'public').executeTakeFirstOrThrow()).last_seq;
      expect(at).toBeGreaterThanOrEqual(BigInt(ahead));
      expect(at).toBeLessThanOrEqual(BigInt(stored));
      const r = await ctx.reply(m, thread.id);
      await s.next((e) => e.type === 'event' && e.data.post.id === r.id);
      expect(s.messages.filter((x) => x.type === 'resync')).toEqual([]);
      expect(s.events().map((e) => e.data.post.id)).toEqual([r.id]);
      s.close();
    } finally {
      release();
      gate.hold = null;
      watcher.close();
    }
  });
});

describe('access changes', () => {
  it('logout closes that member’s sockets with 1008', async () => {
    const url = await listenOnce(ctx);
    const m = await ctx.newMember();
    const s = await connect(url, { cookie: m.cookie });
    await ctx.request('POST', '/api/auth/logout', { as: m });
    expect((await s.closed).code).toBe(1008);
  });

  it('a role change updates open sockets at once', async () => {
    const url = await listenOnce(ctx);
    const admin = await ctx.newMember('admin');
    const m = await ctx.newMember();
    const s = await connect(url, { cookie: m.cookie });
    await ctx.request('PUT', `/api/admin/users/${m.pseudonym}/role`, { as: admin, body: { role: 'moderator' } });
    expect(await s.next((x) => x.type === 'access')).toMatchObject({ role: 'moderator' });
    await subscribe(s, ['mod']);
    s.close();
  });
});

describe('the bus', () => {
  it('never moves past a batch a listener failed to take: it offers the same events again, and is not ready meanwhile', async () => {
    const m = await ctx.newMember();
    const { thread } = await ctx.newThread(m);
    // A bus of the test's own, on the app's database: the app's bus has its one listener.
    const bus = new InProcessBus(ctx.db, () => {});
    const offered: string[][] = [];
    let failing = true;
    let readyOnRetry: boolean | undefined;
    let retried!: () => void;
    const again = new Promise<void>((r) => (retried = r));
    bus.onEvents(async (rows) => {
      offered.push(rows.map((r) => r.id));
      if (failing) {
        failing = false;
        throw new Error('injected: a listener failed');
      }
      if (readyOnRetry === undefined) {
        readyOnRetry = bus.ready(); // still behind: the batch has not gone through yet
        retried();
      }
    });
    await bus.start();
    await ctx.reply(m, thread.id);
    bus.wake();
    await again;
    expect(offered[1]![0]).toBe(offered[0]![0]); // the same position again, not past it
    expect(readyOnRetry).toBe(false);
    await until(() => bus.ready(), 'the bus ready again once the batch went through');
    await bus.close();
  });
});
