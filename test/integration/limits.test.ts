import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../server/app';
import { connectPostgres } from '../../server/db/database';
import { allowance } from '../../server/http/rate-limits';
import { type Member, ORIGIN, useApp } from '../helpers/context';

// Real allowances (factor 1).
const ctx = useApp({ rateLimitFactor: 1 });
const config = { rateLimitFactor: 1 };

/** A member past their first day, so that the smaller new-account allowances do not apply. */
async function established(): Promise<Member> {
  const m = await ctx.newMember();
  await sql`update users set created_at = now() - interval '2 days' where id = ${m.id}`.execute(ctx.db);
  return m;
}

/** Sends `make(i)` until the first 429; returns how many were let through, and the 429. */
async function untilLimited(make: (i: number) => Promise<{ status: number; headers: Record<string, unknown>; body: any }>, most = 400) {
  for (let i = 0; i < most; i++) {
    const res = await make(i);
    if (res.status === 429) return { allowed: i, res };
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  }
  throw new Error(`no 429 in ${most} requests`);
}

function expectRetryAfter(res: { headers: Record<string, unknown>; body: any }) {
  expect(res.body.error.code).toBe('rate_limited');
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
}

describe('every state change and every costly read has a limit', () => {
  it('in the route table', () => {
    const costlyReads = ['GET /api/search', 'GET /api/me/export', 'GET /api/mod/flags', 'GET /api/mod/log', 'GET /api/live'];
    const unlimited = ctx.app.haven.routes
      .filter((r) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method) || costlyReads.includes(`${r.method} ${r.url}`))
      .filter((r) => !r.rateLimited)
      .map((r) => `${r.method} ${r.url}`);
    expect(unlimited).toEqual([]);
  });

  it('edits: a burst of edits stops at the allowance, counted once across two app processes', async () => {
    const m = await established();
    const { thread } = await ctx.newThread(m);
    const post = await ctx.reply(m, thread.id);
    // A second process on the same database (its own pool on PostgreSQL).
    const own = process.env.DATABASE_URL ? connectPostgres(ctx.testDb.url!) : null;
    const other = await buildApp(ctx.config, { database: own ?? ctx.testDb.database, logStream: { write: () => {} } });
    try {
      const { allowed, res } = await untilLimited(async (i) => {
        const app = i % 2 === 0 ? ctx.app : other;
        const r = await app.inject({ method: 'PATCH', url: `/api/posts/${post.id}`, headers: { origin: ORIGIN, cookie: m.cookie }, payload: { body: `edit ${i}` } });
        return { status: r.statusCode, headers: r.headers, body: r.json() };
      });
      expect(allowed).toBe(allowance(config, 'edits'));
      expectRetryAfter(res);
    } finally {
      await other.close();
      await own?.close();
    }
    const revisions = await ctx.db.selectFrom('post_revisions').select('id').where('post_id', '=', post.id).execute();
    expect(revisions).toHaveLength(allowance(config, 'edits'));
  });

  it('anonymize, mutes and flags', async () => {
    const m = await established();
    const { thread } = await ctx.newThread(m);
    const own: string[] = [];
    for (let i = 0; i < allowance(config, 'anonymize') + 1; i++) own.push((await ctx.reply(m, thread.id, { body: `mine ${i}` })).id);
    const anonymize = await untilLimited((i) => ctx.request('POST', `/api/posts/${own[i]}/anonymize`, { as: m }));
    expect(anonymize.allowed).toBe(allowance(config, 'anonymize'));
    expectRetryAfter(anonymize.res);

    const targets: Member[] = [];
    for (let i = 0; i < allowance(config, 'mutes') + 1; i++) targets.push(await ctx.newMember());
    const mutes = await untilLimited((i) => ctx.request('POST', `/api/users/${targets[i]!.pseudonym}/mute`, { as: m }));
    expect(mutes.allowed).toBe(allowance(config, 'mutes'));
    expectRetryAfter(mutes.res);

    const flagger = await established();
    const authors = [await established(), await established()];
    const posts: string[] = [];
    for (let i = 0; i < allowance(config, 'flags') + 1; i++) posts.push((await ctx.reply(authors[i % 2]!, thread.id, { body: `flag me ${i}` })).id);
    const flags = await untilLimited((i) => ctx.request('POST', `/api/posts/${posts[i]}/flags`, { as: flagger, body: { reason: 'spam' } }));
    expect(flags.allowed).toBe(allowance(config, 'flags'));
    expectRetryAfter(flags.res);
  });

  it('search, per reader', async () => {
    const search = await untilLimited((i) => ctx.request('GET', `/api/search?q=hello${i}`));
    expect(search.allowed).toBe(allowance(config, 'search'));
    expectRetryAfter(search.res);
    // A member is counted on their own account, not on the address they share.
    expect((await ctx.request('GET', '/api/search?q=hello', { as: await ctx.newMember() })).status).toBe(200);
  });
});
