import { describe, expect, it } from 'vitest';
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
});
