import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../server/app';
import { connectPostgres } from '../../server/db/database';
import { ORIGIN, useApp } from '../helpers/context';
import { connect, listenOnce, subscribe } from '../helpers/live-client';

// N processes on one database only exist on PostgreSQL; the embedded database is one process.
const onPostgres = Boolean(process.env.DATABASE_URL);
const ctx = useApp();

describe.skipIf(!onPostgres)('several app instances on one PostgreSQL', () => {
  let b: FastifyInstance;
  const close: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of close) await c();
  });

  async function second() {
    if (b) return b;
    const database = connectPostgres(ctx.testDb.url!);
    b = await buildApp(ctx.config, { database, logStream: { write: (l: string) => void ctx.logs.push(l) } });
    await b.listen({ port: 0, host: '127.0.0.1' });
    close.push(async () => {
      await b.close();
      await database.close();
    });
    return b;
  }

  it('a reply posted through A reaches a socket on B, and the other way round', async () => {
    const urlA = await listenOnce(ctx);
    const appB = await second();
    const urlB = `ws://127.0.0.1:${(appB.server.address() as { port: number }).port}/api/live`;
    const m = await ctx.newMember();
    const { thread } = await ctx.newThread(m);
    const topic = `thread:${thread.id}`;
    const onA = await connect(urlA);
    const onB = await connect(urlB);
    await subscribe(onA, [topic]);
    await subscribe(onB, [topic]);

    const viaA = await ctx.reply(m, thread.id, { body: 'written through A' });
    expect((await onB.next((e) => e.type === 'event' && e.data.post.id === viaA.id)).data.post.bodyHtml).toContain('through A');

    const res = await appB.inject({ method: 'POST', url: `/api/threads/${thread.id}/posts`, headers: { origin: ORIGIN, cookie: m.cookie }, payload: { body: 'written through B' } });
    expect(res.statusCode).toBe(201);
    const viaB = res.json().post;
    expect((await onA.next((e) => e.type === 'event' && e.data.post.id === viaB.id)).data.post.bodyHtml).toContain('through B');
    // B's thread page cache learns of A's writes too.
    const page = await appB.inject({ method: 'GET', url: `/api/threads/${thread.id}` });
    expect(page.json().posts.map((p: { id: string }) => p.id)).toContain(viaA.id);
    onA.close();
    onB.close();
  });

  it('a logout on A closes the member’s socket on B', async () => {
    await listenOnce(ctx);
    const appB = await second();
    const urlB = `ws://127.0.0.1:${(appB.server.address() as { port: number }).port}/api/live`;
    const m = await ctx.newMember();
    const s = await connect(urlB, { cookie: m.cookie });
    await ctx.request('POST', '/api/auth/logout', { as: m });
    expect((await s.closed).code).toBe(1008);
  });

  it('recovers when its LISTEN connection is killed, and delivers what was written meanwhile', async () => {
    const url = await listenOnce(ctx);
    await second();
    const m = await ctx.newMember();
    const { thread } = await ctx.newThread(m);
    const s = await connect(url);
    await subscribe(s, [`thread:${thread.id}`]);
    const killed = await sql<{ n: number }>`
      select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
      where datname = current_database() and query ilike 'listen %'
    `.execute(ctx.db);
    expect(killed.rows[0]!.n).toBeGreaterThanOrEqual(2); // A's and B's listeners
    const during = [];
    for (let i = 0; i < 3; i++) during.push((await ctx.reply(m, thread.id, { body: `while reconnecting ${i}` })).id);
    for (const id of during) await s.next((e) => e.type === 'event' && e.data.post.id === id, 10_000);
    // Both listeners are back.
    let listening = 0;
    for (let i = 0; i < 50 && listening < 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
      listening = (await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and query ilike 'listen %'`.execute(ctx.db)).rows[0]!.n;
    }
    expect(listening).toBeGreaterThanOrEqual(2);
    expect((await ctx.request('GET', '/readyz')).status).toBe(200);
    s.close();
  });
});

describe.skipIf(onPostgres)('the embedded database', () => {
  it('runs the in-process bus, always ready', async () => {
    expect(ctx.app.haven.live.bus.ready()).toBe(true);
    expect((await ctx.request('GET', '/readyz')).body).toMatchObject({ bus: true });
  });
});
