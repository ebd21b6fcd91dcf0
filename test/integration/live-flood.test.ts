import type { AddressInfo } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import type { EventRenderer } from '../../server/live/event-views';
import { transact } from '../../server/db/transact';
import { appendEvents } from '../../server/outbox/outbox.repository';
import { useApp } from '../helpers/context';
import { connect, type LiveClient, listenOnce, subscribe } from '../helpers/live-client';

// A dozen visitor sockets per address, so that the cap is reached within the test.
// A short render bound, so that a load that never ends is given up on quickly.
// Two event kinds of this file's own: one whose load always fails, one whose load never ends
// (a stalled table, as seen from the hub).
const failing: EventRenderer = async () => {
  throw new Error('render failed');
};
const stalled: EventRenderer = () => new Promise(() => {});
const ctx = useApp({}, {
  live: { maxVisitorSocketsPerAddress: 12, renderTimeoutMs: 1_000 },
  renderers: new Map([['test.unrenderable', failing], ['test.stalled', stalled]]),
});

const TOPICS = Array.from({ length: 200 }, (_, i) => `thread:${i + 1}`);

describe('an unauthenticated WebSocket flood', () => {
  it('10 visitor sockets re-subscribing afresh to 200 topics from since=1 every 220 ms: the process stays up and keeps serving', async () => {
    const url = await listenOnce(ctx);
    const port = (ctx.app.server.address() as AddressInfo).port;
    // A backlog on those topics, as rows, pointing at real posts: longer than a replay may
    // be (10,000 events), as on a busy site, so that every replay from since=1 is refused.
    const author = await ctx.newMember();
    const posts: Array<{ thread: string; post: string }> = [];
    for (let i = 0; i < 20; i++) {
      const { thread, post } = await ctx.newThread(author);
      posts.push({ thread: thread.id, post: post.id });
    }
    for (let chunk = 0; chunk < 12; chunk++) {
      await transact(ctx.db, (trx) =>
        appendEvents(trx, Array.from({ length: 1000 }, (_, i) => {
          const p = posts[i % posts.length]!;
          return { topic: TOPICS[(i + chunk) % TOPICS.length]!, stream: 'public', kind: 'post.updated', data: { postId: p.post, threadId: p.thread } };
        })),
      );
    }

    const sockets: LiveClient[] = [];
    for (let i = 0; i < 10; i++) sockets.push(await connect(url));
    const answered = (s: LiveClient) => s.messages.filter((m) => m.type === 'subscribed' || (m.type === 'error' && m.code !== 'rate_limited')).length;
    const ROUNDS = 15;
    let sent = 0;
    // Half the sockets ask from the beginning (more than a replay may hold), half from
    // 1,000 events back (a real replay, every round). Each round leaves and rejoins every
    // topic, so that every replay is a whole one.
    const { last_seq: last } = await ctx.db.selectFrom('event_streams').select('last_seq').where('stream', '=', 'public').executeTakeFirstOrThrow();
    const recent = String(BigInt(last) - 1000n);
    const flood = setInterval(() => {
      for (const [i, s] of sockets.entries()) {
        if (s.ws.readyState !== s.ws.OPEN) continue;
        s.send({ type: 'unsubscribe', topics: TOPICS });
        s.send({ type: 'subscribe', topics: TOPICS, since: i % 2 === 0 ? '1' : recent });
      }
      if (++sent >= ROUNDS) clearInterval(flood);
    }, 220);

    // Meanwhile: health over real HTTP, and a member's replies through the same database.
    const health: number[] = [];
    const replies: number[] = [];
    const member = await ctx.newMember();
    const { thread } = await ctx.newThread(member);
    try {
      while (sent < ROUNDS) {
        health.push((await fetch(`http://127.0.0.1:${port}/healthz`)).status);
        const r = await ctx.request('POST', `/api/threads/${thread.id}/posts`, { as: member, body: { body: `still here ${replies.length}` } });
        replies.push(r.status);
      }
      // Every subscribe the sockets sent got an answer (or was refused with an error frame).
      // (A socket that stopped reading under its own backlog may have been cut off: that is
      // the server protecting itself, and such a socket is not waited for.)
      const open = () => sockets.filter((s) => s.ws.readyState === s.ws.OPEN);
      for (let i = 0; i < 600 && open().some((s) => answered(s) + s.messages.filter((m) => m.type === 'error' && m.code === 'rate_limited').length < ROUNDS); i++) {
        health.push((await fetch(`http://127.0.0.1:${port}/healthz`)).status);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      clearInterval(flood);
      for (const s of sockets) s.close();
    }
    expect(health.length).toBeGreaterThanOrEqual(3);
    expect(new Set(health)).toEqual(new Set([200]));
    expect(replies.length).toBeGreaterThan(0);
    expect(new Set(replies)).toEqual(new Set([201]));
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    // Replays were served, or answered with resync; nothing was left hanging.
    expect(sockets.filter((s) => s.messages.some((m) => m.type === 'subscribed')).length).toBeGreaterThan(0);
    expect(sockets.some((s) => s.messages.some((m) => m.type === 'resync'))).toBe(true);
    expect(sockets.some((s) => s.messages.some((m) => m.type === 'event'))).toBe(true);
    for (const s of sockets) await s.closed;
  }, 120_000);

  it('caps visitor sockets per address; members are counted per account instead', async () => {
    const url = await listenOnce(ctx);
    const open: LiveClient[] = [];
    for (let i = 0; i < 12; i++) open.push(await connect(url));
    await expect(connect(url)).rejects.toMatchObject({ statusCode: 429 });
    const m = await ctx.newMember();
    const member = await connect(url, { cookie: m.cookie });
    open[0]!.close();
    await open[0]!.closed;
    // A slot is free again once a socket has gone.
    let again: LiveClient | undefined;
    for (let i = 0; i < 50 && !again; i++) again = await connect(url).catch(() => undefined);
    expect(again).toBeDefined();
    for (const s of [...open.slice(1), member, again!]) {
      s.close();
      await s.closed;
    }
  });
});

describe('a long replay', () => {
  it('comes in pages of 500, complete and in order, after one capped count', async () => {
    const url = await listenOnce(ctx);
    const author = await ctx.newMember();
    const threads: Array<{ thread: any; post: any }> = [];
    for (let i = 0; i < 3; i++) threads.push(await ctx.newThread(author));
    const topics = threads.map((t) => `thread:${t.thread.id}`);
    const watcher = await connect(url);
    // From the stored position, not the process's: the threads' own events may not have
    // reached this process yet, and must not count among the 1,600.
    const start = (await ctx.db.selectFrom('event_streams').select('last_seq').where('stream', '=', 'public').executeTakeFirstOrThrow()).last_seq;
    await subscribe(watcher, topics, String(start));
    await transact(ctx.db, (trx) =>
      appendEvents(trx, Array.from({ length: 1600 }, (_, i) => {
        const t = threads[i % 3]!;
        return { topic: topics[i % 3]!, stream: 'public', kind: 'post.updated', data: { postId: t.post.id, threadId: t.thread.id } };
      })),
    );
    // Rows written straight into the outbox: tell this process, and wait until it has them all.
    ctx.app.haven.live.bus.wake();
    const last = String(BigInt(start) + 1600n);
    await watcher.next((m) => m.type === 'event' && m.id === last, 20_000);
    watcher.close();
    const outbox = ctx.app.haven.outbox;
    const pages: number[] = [];
    let counts = 0;
    const backlog = outbox.backlog.bind(outbox);
    const reads = vi.spyOn(outbox, 'backlog').mockImplementation(async (...args) => {
      const rows = await backlog(...args);
      pages.push(rows.length);
      return rows;
    });
    const sizes = vi.spyOn(outbox, 'backlogSize');
    const s = await connect(url);
    try {
      await subscribe(s, topics, String(start));
      counts = sizes.mock.calls.length;
    } finally {
      reads.mockRestore();
      sizes.mockRestore();
    }
    const got = s.events();
    expect(got).toHaveLength(1600);
    for (let i = 1; i < got.length; i++) expect(BigInt(got[i].id)).toBeGreaterThan(BigInt(got[i - 1].id));
    expect(counts).toBe(1);
    expect(pages).toEqual([500, 500, 500, 100]);
    s.close();
  });
});

describe('failures in the live path end in a clear answer, never a lost event or a crash', () => {
  it('a replay that cannot read its backlog answers resync, and live delivery goes on', async () => {
    const url = await listenOnce(ctx);
    const m = await ctx.newMember();
    const { thread } = await ctx.newThread(m);
    await ctx.reply(m, thread.id);
    const away = vi.spyOn(ctx.app.haven.outbox, 'backlog').mockRejectedValue(new Error('the database went away'));
    const s = await connect(url);
    try {
      s.send({ type: 'subscribe', topics: [`thread:${thread.id}`], since: '1' });
      expect(await s.next((x) => x.type === 'resync')).toEqual({ type: 'resync', topic: `thread:${thread.id}` });
      await s.next((x) => x.type === 'subscribed');
    } finally {
      away.mockRestore();
    }
    const later = await ctx.reply(m, thread.id, { body: 'after the failure' });
    expect((await s.next((x) => x.type === 'event' && x.data.post.id === later.id)).data.post.bodyHtml).toContain('after the failure');
    s.close();
  });

  it('an event that cannot be rendered sends its recipients resync instead of dropping it', async () => {
    const url = await listenOnce(ctx);
    const mod = await ctx.newMember('moderator');
    const socket = await connect(url, { cookie: mod.cookie });
    await subscribe(socket, ['mod']);
    // An event on the moderators' topic whose load fails.
    await transact(ctx.db, (trx) => appendEvents(trx, [{ topic: 'mod', stream: 'mod', kind: 'test.unrenderable', data: {} }]));
    ctx.app.haven.live.bus.wake();
    expect(await socket.next((x) => x.type === 'resync')).toEqual({ type: 'resync', topic: 'mod' });
    // The next event, a flag, renders again.
    const author = await ctx.newMember();
    const { post } = await ctx.newThread(author);
    await ctx.request('POST', `/api/posts/${post.id}/flags`, { as: await ctx.newMember(), body: { reason: 'spam' } });
    expect((await socket.next((x) => x.type === 'event' && x.data.flag?.postId === post.id)).event).toBe('flag.created');
    socket.close();
  });

  it('a load that never ends is given up on within its bound: resync for its recipients, and other topics flow on', async () => {
    const url = await listenOnce(ctx);
    const m = await ctx.newMember();
    const stuck = await ctx.newThread(m);
    const flowing = await ctx.newThread(m);
    const onStuck = await connect(url);
    const onFlowing = await connect(url);
    await subscribe(onStuck, [`thread:${stuck.thread.id}`]);
    await subscribe(onFlowing, [`thread:${flowing.thread.id}`]);
    // Loading a batch with this kind never ends.
    await transact(ctx.db, (trx) => appendEvents(trx, [{ topic: `thread:${stuck.thread.id}`, stream: 'public', kind: 'test.stalled', data: {} }]));
    ctx.app.haven.live.bus.wake();
    expect(await onStuck.next((x) => x.type === 'resync', 20_000)).toEqual({ type: 'resync', topic: `thread:${stuck.thread.id}` });
    const later = await ctx.reply(m, flowing.thread.id, { body: 'still flowing' });
    await onFlowing.next((x) => x.type === 'event' && x.data.post.id === later.id);
    expect(onFlowing.messages.filter((x) => x.type === 'resync')).toEqual([]);
    onStuck.close();
    onFlowing.close();
  });
});
