import { describe, expect, it } from 'vitest';
import { buildApp } from '../../server/app';
import { connectPostgres } from '../../server/db/database';
import { useApp } from '../helpers/context';

// Real allowances (factor 1): these routes are what a password-guessing script hits.
const ctx = useApp({ rateLimitFactor: 1 });

describe('rate limits', () => {
  it('limits login attempts from one address with 429 rate_limited and Retry-After', async () => {
    const statuses: number[] = [];
    let limited;
    for (let i = 0; i < 12; i++) {
      const res = await ctx.request('POST', '/api/auth/login', { body: { pseudonym: 'nobody_here', password: 'wrong password' } });
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    expect(limited!.body.error.code).toBe('rate_limited');
    expect(Number(limited!.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('limits signups and recovery attempts too', async () => {
    let signup = 0;
    for (let i = 0; i < 7; i++) {
      const res = await ctx.request('POST', '/api/auth/signup', { body: { pseudonym: `limit_${i}_${process.pid}`, password: 'long enough pw', acceptGuidelines: true } });
      if (res.status === 429) signup++;
    }
    expect(signup).toBe(2);
    let recover = 0;
    for (let i = 0; i < 7; i++) {
      const res = await ctx.request('POST', '/api/auth/recover', { body: { pseudonym: 'nobody_here', recoveryCode: 'AAAAA', newPassword: 'long enough pw' } });
      if (res.status === 429) recover++;
    }
    expect(recover).toBe(2);
  });

  it('gives several app processes on one database one login allowance between them, keyed without the address', async () => {
    // A second app on the same database (its own pool on PostgreSQL, as a second process has).
    const own = process.env.DATABASE_URL ? connectPostgres(ctx.testDb.url!) : null;
    const b = await buildApp(ctx.config, { database: own ?? ctx.testDb.database, logStream: { write: () => {} } });
    try {
      const address = '198.51.100.23';
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) {
        const app = i % 2 === 0 ? ctx.app : b;
        const res = await app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: address, payload: { pseudonym: 'nobody_here', password: 'wrong password' } });
        statuses.push(res.statusCode);
      }
      // Ten attempts in all, not ten per process.
      expect(statuses).toEqual([...Array(10).fill(401), 429, 429]);
      const stored = await ctx.dumpAllText();
      expect(stored.some((v) => v.includes(address))).toBe(false);
    } finally {
      await b.close();
      await own?.close();
    }
  });
});

