import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { useApp } from '../helpers/context';
import { until } from '../helpers/wait';
import { connect, listenOnce, subscribe } from '../helpers/live-client';

const onPostgres = Boolean(process.env.DATABASE_URL);
const ctx = useApp();

describe.skipIf(!onPostgres)('when PostgreSQL goes away', () => {
  it('answers 503 unavailable (never a crash or a hang), and recovers with the live bus when it is back', async () => {
    const url = await listenOnce(ctx);
    const m = await ctx.newMember();
    const { thread } = await ctx.newThread(m);
    const watcher = await connect(url);
    await subscribe(watcher, [`thread:${thread.id}`]);
    const name = (await sql<{ db: string }>`select current_database() as db`.execute(ctx.db)).rows[0]!.db;
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    try {
      // Refuse new connections to this database and drop the open ones, as a restart would.
      await admin.query(`alter database ${name} allow_connections false`);
      await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
      // Termination is asynchronous: wait until the backends are really gone.
      for (let i = 0; i < 100; i++) {
        const { rows } = await admin.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
        if (rows[0]!.n === 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 100));
      const down = await ctx.request('GET', `/api/threads/${thread.id}?limit=7`);
      expect(down.status, ctx.logs.filter((l) => l.includes('unhandled')).slice(-1).join('')).toBe(503);
      expect(down.body.error.code).toBe('unavailable');
      expect(down.headers['retry-after']).toBeDefined();
      expect(JSON.stringify(down.body)).not.toMatch(/connection|postgres|SQL/i);
      // A login meets the database first in its (shared) rate limit: the same clear 503.
      const login = await ctx.request('POST', '/api/auth/login', { body: { pseudonym: m.pseudonym, password: m.password } });
      expect(login.status).toBe(503);
      expect(login.body.error.code).toBe('unavailable');
      expect((await ctx.request('GET', '/readyz')).status).toBe(503);
      expect((await ctx.request('GET', '/healthz')).status).toBe(200);
    } finally {
      await admin.query(`alter database ${name} allow_connections true`);
      await admin.end();
    }
    // Back: requests succeed again and the bus, reconnected, delivers what is written.
    let ready = 0;
    for (let i = 0; i < 100 && ready !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      ready = (await ctx.request('GET', '/readyz')).status;
    }
    expect(ready).toBe(200);
    const reply = await ctx.reply(m, thread.id, { body: 'after the outage' });
    expect((await watcher.next((e) => e.type === 'event' && e.data.post.id === reply.id, 10_000)).data.post.bodyHtml).toContain('after the outage');
    watcher.close();
  });
});

describe('event retention', () => {
  it('trims events older than the window and asks for a resync from before it', async () => {
    const url = await listenOnce(ctx);
    const m = await ctx.newMember();
    const { thread } = await ctx.newThread(m);
    await ctx.reply(m, thread.id);
    await sql`update events set created_at = now() - interval '49 hours'`.execute(ctx.db);
    await until(() => ctx.app.haven.maintenance.retentionRound(), 'a retention round of this test’s own');
    expect((await sql<{ n: number }>`select count(*)::int as n from events`.execute(ctx.db)).rows[0]!.n).toBe(0);
    const s = await connect(url);
    s.send({ type: 'subscribe', topics: [`thread:${thread.id}`], since: '1' });
    expect(await s.next((x) => x.type === 'resync')).toEqual({ type: 'resync', topic: `thread:${thread.id}` });
    s.close();
  });
});
