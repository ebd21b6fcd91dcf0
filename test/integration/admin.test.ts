import { describe, expect, it } from 'vitest';
import { TestContext, useApp } from '../helpers/context';

const ctx = useApp();

describe('PUT /api/admin/users/:pseudonym/role', () => {
  it('lets an admin change a role, effective on the next request', async () => {
    const admin = await ctx.newMember('admin');
    const m = await ctx.newMember();
    const res = await ctx.request('PUT', `/api/admin/users/${m.pseudonym.toUpperCase()}/role`, { as: admin, body: { role: 'moderator' } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user: { pseudonym: m.pseudonym, role: 'moderator' } });
    const log = await ctx.request('GET', '/api/mod/log', { as: admin });
    expect(log.body.entries[0]).toMatchObject({
      actor: admin.pseudonym, action: 'role-change', target: { postId: null, threadId: null, author: m.pseudonym }, reason: 'member → moderator',
    });
    expect((await ctx.request('GET', '/api/me', { as: m })).body.user.role).toBe('moderator');
  });

  it.each([
    ['a visitor', null, 401, 'unauthenticated'],
    ['a member', 'member', 403, 'forbidden'],
    ['a moderator', 'moderator', 403, 'forbidden'],
  ] as const)('refuses %s', async (_who, role, status, code) => {
    const target = await ctx.newMember();
    const as = role ? await ctx.newMember(role) : undefined;
    const res = await ctx.request('PUT', `/api/admin/users/${target.pseudonym}/role`, { ...(as ? { as } : {}), body: { role: 'admin' } });
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect((await ctx.request('GET', '/api/me', { as: target })).body.user.role).toBe('member');
  });

  it('answers 404 for an unknown member and 400 for an unknown role', async () => {
    const admin = await ctx.newMember('admin');
    expect((await ctx.request('PUT', '/api/admin/users/nobody_at_all/role', { as: admin, body: { role: 'member' } })).status).toBe(404);
    const bad = await ctx.request('PUT', `/api/admin/users/${admin.pseudonym}/role`, { as: admin, body: { role: 'owner' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
  });

  it('will not demote the last admin (409)', async () => {
    const solo = new TestContext();
    await solo.start();
    try {
      const admin = await solo.member('admin');
      const res = await solo.request('PUT', `/api/admin/users/${admin.pseudonym}/role`, { as: admin, body: { role: 'member' } });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('conflict');
    } finally {
      await solo.stop();
    }
  });
});

describe('ADMIN_PSEUDONYM and ADMIN_PASSWORD', () => {
  it('create the admin at start, or promote it without touching its password', async () => {
    const created = new TestContext();
    await created.start({ admin: { pseudonym: 'FirstAdmin', password: 'bootstrap password' } });
    try {
      const login = await created.request('POST', '/api/auth/login', { body: { pseudonym: 'firstadmin', password: 'bootstrap password' } });
      expect(login.status).toBe(200);
      expect(login.body.user.role).toBe('admin');
    } finally {
      await created.stop();
    }

    const promoted = new TestContext();
    await promoted.start();
    try {
      const m = await promoted.signup('Keeper');
      // A second app on the same database, configured to make Keeper admin.
      const { buildApp } = await import('../../server/app');
      const { testConfig } = await import('../helpers/context');
      const app2 = await buildApp(testConfig({ admin: { pseudonym: 'keeper', password: 'ignored password' } }), { database: promoted.testDb.database, logStream: { write: () => {} } });
      await app2.ready();
      await app2.close();
      const me = await promoted.request('GET', '/api/me', { as: m });
      expect(me.body.user.role).toBe('admin');
      expect((await promoted.request('POST', '/api/auth/login', { body: { pseudonym: 'Keeper', password: m.password } })).status).toBe(200);
      expect((await promoted.request('POST', '/api/auth/login', { body: { pseudonym: 'Keeper', password: 'ignored password' } })).status).toBe(401);
    } finally {
      await promoted.stop();
    }
  });
});
