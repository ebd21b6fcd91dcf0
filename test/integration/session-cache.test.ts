import { describe, expect, it } from 'vitest';
import { useApp } from '../helpers/context';

// The production default: resolved sessions are reused for a while in this process.
const ctx = useApp({ sessionCacheMs: 60_000 });

describe('the session cache never outlives an access change', () => {
  it('logout, logout-all, a role change and account deletion take effect on the next request', async () => {
    const m = await ctx.signup();
    expect((await ctx.request('GET', '/api/me', { as: m })).status).toBe(200);
    await ctx.request('POST', '/api/auth/logout', { as: m });
    expect((await ctx.request('GET', '/api/me', { as: m })).status).toBe(401);

    const n = await ctx.signup();
    const second = await ctx.request('POST', '/api/auth/login', { body: { pseudonym: n.pseudonym, password: n.password } });
    const other = { cookie: `sid=${second.cookies[0]!.value}` };
    expect((await ctx.request('GET', '/api/me', { as: other })).status).toBe(200);
    await ctx.request('POST', '/api/auth/logout-all', { as: n });
    expect((await ctx.request('GET', '/api/me', { as: other })).status).toBe(401);

    const admin = await ctx.signup();
    await ctx.db.updateTable('users').set({ role: 'admin' }).where('id', '=', admin.id).execute();
    const target = await ctx.signup();
    const { thread } = await ctx.newThread(admin);
    const post = await ctx.reply(admin, thread.id);
    // As a member, target may not delete another's post; the session is now cached.
    expect((await ctx.request('DELETE', `/api/posts/${post.id}`, { as: target })).status).toBe(403);
    expect((await ctx.request('PUT', `/api/admin/users/${target.pseudonym}/role`, { as: admin, body: { role: 'moderator' } })).status).toBe(200);
    // The cached session must not keep the old role.
    expect((await ctx.request('DELETE', `/api/posts/${post.id}`, { as: target })).status).toBe(204);

    const gone = await ctx.signup();
    expect((await ctx.request('GET', '/api/me', { as: gone })).status).toBe(200);
    await ctx.request('DELETE', '/api/me', { as: gone, body: { password: gone.password, erasePosts: false } });
    expect((await ctx.request('GET', '/api/me', { as: gone })).status).toBe(401);
  });

  it('recovery ends the old sessions at once', async () => {
    const m = await ctx.signup();
    expect((await ctx.request('GET', '/api/me', { as: m })).status).toBe(200);
    await ctx.request('POST', '/api/auth/recover', { body: { pseudonym: m.pseudonym, recoveryCode: m.recoveryCode, newPassword: 'a recovered password' } });
    expect((await ctx.request('GET', '/api/me', { as: m })).status).toBe(401);
  });
});
