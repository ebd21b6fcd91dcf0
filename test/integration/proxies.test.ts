import { describe, expect, it } from 'vitest';
import { buildApp } from '../../server/app';
import { testConfig, type TestContext, useApp } from '../helpers/context';

// Real allowances: what a password-guessing script meets.
const ctx = useApp({ rateLimitFactor: 1 });

async function withApp(trustProxy: false | number | readonly string[], run: (app: Awaited<ReturnType<typeof buildApp>>) => Promise<void>, c: TestContext = ctx) {
  const app = await buildApp(testConfig({ rateLimitFactor: 1, trustProxy }), { database: c.testDb.database, logStream: { write: () => {} } });
  try {
    await run(app);
  } finally {
    await app.close();
  }
}

function login(app: Awaited<ReturnType<typeof buildApp>>, remoteAddress: string, forwardedFor?: string) {
  return app.inject({
    method: 'POST', url: '/api/auth/login', remoteAddress,
    headers: { origin: ctx.config.publicOrigin, ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
    payload: { pseudonym: 'nobody_here', password: 'a wrong password' },
  });
}

const forged = (i: number) => `${(i * 37) % 223 + 1}.${i % 250}.${(i * 7) % 250}.${i % 200 + 3}`;

describe('TRUST_PROXY', () => {
  it('with one proxy in front, a forged left-most X-Forwarded-For does not reset the login limit', async () => {
    await withApp(1, async (app) => {
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) statuses.push((await login(app, '10.0.0.5', `${forged(i)}, 198.51.100.7`)).statusCode);
      expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
      expect(statuses.slice(10).every((s) => s === 429)).toBe(true);
    });
  });

  it('with one proxy in front, a client reaching Haven directly cannot pass as a proxy', async () => {
    await withApp(1, async (app) => {
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await login(app, '198.51.100.99', forged(i))).statusCode);
      expect(statuses.slice(10)).toEqual([429, 429]);
    });
  });

  it('with a list of proxy addresses, only those are believed', async () => {
    await withApp(['10.1.0.0/16'], async (app) => {
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await login(app, '10.1.2.3', `${forged(i)}, 203.0.113.50`)).statusCode);
      expect(statuses.slice(10)).toEqual([429, 429]);
      // Behind the proxy, another client still has its own allowance.
      expect((await login(app, '10.1.2.3', '203.0.113.51')).statusCode).toBe(401);
    });
  });

  it('counts IPv6 clients per /64, so hopping addresses inside it gains nothing', async () => {
    await withApp(false, async (app) => {
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await login(app, `2001:db8:4:5:${i.toString(16)}::${(i * 13).toString(16)}`)).statusCode);
      expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
      expect(statuses.slice(10)).toEqual([429, 429]);
      // The next /64 is someone else.
      expect((await login(app, '2001:db8:4:6::1')).statusCode).toBe(401);
      // An IPv4 address written as IPv6 is the same client as the IPv4 form.
      for (let i = 0; i < 10; i++) await login(app, '192.0.2.77');
      expect((await login(app, '::ffff:192.0.2.77')).statusCode).toBe(429);
    });
  });
});
