import { describe, expect, it } from 'vitest';
import { useApp } from '../helpers/context';

const ctx = useApp({ rateLimitFactor: 1 });

describe('posting rate limits', () => {
  it('allow a new account (under 24 h) 5 posts per 10 minutes, threads and replies together', async () => {
    const m = await ctx.signup();
    const { thread } = await ctx.newThread(m);
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await ctx.request('POST', `/api/threads/${thread.id}/posts`, { as: m, body: { body: `reply ${i}` } })).status);
    expect(statuses).toEqual([201, 201, 201, 201, 429]);
    const limited = await ctx.request('POST', '/api/communities/alcohol/threads', { as: m, body: { title: 't', body: 'b' } });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another member is not affected.
    const other = await ctx.signup();
    expect((await ctx.request('POST', `/api/threads/${thread.id}/posts`, { as: other, body: { body: 'mine' } })).status).toBe(201);
  });

  it('allow an established account 30 posts per 10 minutes', async () => {
    const m = await ctx.signup();
    await ctx.db.updateTable('users').set({ created_at: new Date(Date.now() - 2 * 86_400_000) }).where('id', '=', m.id).execute();
    const { thread } = await ctx.newThread(m);
    let created = 1;
    let refused = 0;
    for (let i = 0; i < 31; i++) {
      const res = await ctx.request('POST', `/api/threads/${thread.id}/posts`, { as: m, body: { body: `established ${i}` } });
      if (res.status === 201) created++;
      if (res.status === 429) refused++;
    }
    expect(created).toBe(30);
    expect(refused).toBe(2);
  });
});
