import argon2 from 'argon2';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../server/app';
import { DEFAULT_PASSWORD_HASH } from '../../server/config';
import { TestContext, testConfig, useApp } from '../helpers/context';

const ctx = useApp({ passwordHash: DEFAULT_PASSWORD_HASH });

describe('password hashing', () => {
  it('uses argon2id at m=19456, t=2, p=1 by default', async () => {
    const m = await ctx.signup();
    const row = await ctx.db.selectFrom('users').select('password_hash').where('id', '=', m.id).executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(await argon2.verify(row.password_hash, m.password)).toBe(true);
  });

  it('rehashes on login when the parameters have changed', async () => {
    const m = await ctx.signup();
    const stronger = await buildApp(testConfig({ passwordHash: { memoryCost: 23456, timeCost: 3, parallelism: 1 } }), {
      database: ctx.testDb.database,
      logStream: { write: (l: string) => void ctx.logs.push(l) },
    });
    try {
      const res = await stronger.inject({ method: 'POST', url: '/api/auth/login', headers: { origin: 'http://haven.test' }, payload: { pseudonym: m.pseudonym, password: m.password } });
      expect(res.statusCode).toBe(200);
      ctx.secrets.add(res.cookies[0]!.value);
    } finally {
      await stronger.close();
    }
    const row = await ctx.db.selectFrom('users').select('password_hash').where('id', '=', m.id).executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=23456,p=1,t=3\$/);
    expect((await ctx.request('POST', '/api/auth/login', { body: { pseudonym: m.pseudonym, password: m.password } })).status).toBe(200);
  });
});

describe('the hash queue', () => {
  const small = new TestContext();

  it('answers 503 unavailable with Retry-After once the queue is full, and serves the rest', async () => {
    await small.start({ hashConcurrency: 1, hashQueueMax: 2, passwordHash: DEFAULT_PASSWORD_HASH });
    try {
      const m = await small.signup();
      const attempts = await Promise.all(
        Array.from({ length: 12 }, () => small.request('POST', '/api/auth/login', { body: { pseudonym: m.pseudonym, password: m.password } })),
      );
      const statuses = attempts.map((a) => a.status);
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(3);
      const refused = attempts.filter((a) => a.status === 503);
      expect(refused.length).toBeGreaterThan(0);
      expect(refused[0]!.body.error.code).toBe('unavailable');
      expect(refused[0]!.headers['retry-after']).toBeDefined();
      // Requests that need no hash are not held up by the queue.
      expect((await small.request('GET', '/api/me', { as: m })).status).toBe(200);
      await small.assertNoLeaks();
    } finally {
      await small.stop();
    }
  });
});
