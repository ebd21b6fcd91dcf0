import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useApp } from '../helpers/context';
import { until } from '../helpers/wait';
import { example, STATE_CHANGES, stateChangingRoutes } from '../helpers/state-changes';

// A long session cache, as a busy process has: what this process remembers of a session
// must never outlive the session for a write.
const ctx = useApp({ sessionCacheMs: 60_000, sessionMaxDays: 90 });

const withSession = Object.keys(STATE_CHANGES).filter((r) => STATE_CHANGES[r]!.needsSession);

describe('a write confirms its session inside its own transaction', () => {
  it('the catalogue of state changes holds every registered one', () => {
    expect(stateChangingRoutes(ctx)).toEqual(Object.keys(STATE_CHANGES).sort());
  });

  it.each(withSession)('%s is refused (401, nothing stored) once the session has ended elsewhere, though this process still has it cached', async (route) => {
    const ok = await example(ctx, route);
    const done = await ctx.request(ok.method as 'POST', ok.url, { as: ok.as, body: ok.body });
    expect(done.status, `the example must succeed: ${JSON.stringify(done.body)}`).toBeLessThan(300);

    const ex = await example(ctx, route);
    expect((await ctx.request('GET', '/api/me', { as: ex.as })).status).toBe(200); // now cached here
    // Another process logged the member out: the row is gone, its bus event not yet here.
    await ctx.db.deleteFrom('sessions').where('user_id', '=', ex.as.id).execute();
    const before = await ctx.snapshot();
    const res = await ctx.request(ex.method as 'POST', ex.url, { as: ex.as, body: ex.body });
    expect(res.status, JSON.stringify(res.body)).toBe(401);
    expect(res.body.error.code).toBe('unauthenticated');
    expect(await ctx.snapshot()).toBe(before);
  });

  it('a suspension or demotion made elsewhere holds for the next write, cache or not', async () => {
    const member = await ctx.newMember();
    const { thread, post } = await ctx.newThread(member);
    expect((await ctx.request('GET', '/api/me', { as: member })).status).toBe(200);
    await ctx.db.updateTable('users').set({ suspended_until: new Date(Date.now() + 3_600_000) }).where('id', '=', member.id).execute();
    const reply = await ctx.request('POST', `/api/threads/${thread.id}/posts`, { as: member, body: { body: 'after the suspension' } });
    expect(reply.status).toBe(403);
    expect(reply.body.error.code).toBe('suspended');

    const mod = await ctx.newMember('moderator');
    expect((await ctx.request('GET', '/api/me', { as: mod })).status).toBe(200);
    await ctx.db.updateTable('users').set({ role: 'member' }).where('id', '=', mod.id).execute();
    const hide = await ctx.request('POST', `/api/mod/posts/${post.id}/hide`, { as: mod, body: { reason: 'no longer yours to hide' } });
    expect(hide.status).toBe(403);
    const stillThere = await ctx.db.selectFrom('posts').select('hidden_by').where('thread_id', '=', thread.id).execute();
    expect(stillThere.every((p) => p.hidden_by === null)).toBe(true);
  });
});

describe('changing the password while logged in', () => {
  it('needs the current password, keeps this session and ends every other', async () => {
    const m = await ctx.signup();
    const other = { cookie: await ctx.newSession(m.id) };
    const wrong = await ctx.request('POST', '/api/me/password', { as: m, body: { currentPassword: 'not my password', newPassword: 'a brand new password' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('invalid_credentials');
    const short = await ctx.request('POST', '/api/me/password', { as: m, body: { currentPassword: m.password, newPassword: 'short' } });
    expect(short.status).toBe(400);
    expect((await ctx.request('GET', '/api/me', { as: other })).status).toBe(200);

    const res = await ctx.request('POST', '/api/me/password', { as: m, body: { currentPassword: m.password, newPassword: 'a brand new password' } });
    expect(res.status).toBe(204);
    expect((await ctx.request('GET', '/api/me', { as: m })).status).toBe(200);
    expect((await ctx.request('GET', '/api/me', { as: other })).status).toBe(401);
    expect((await ctx.request('POST', '/api/auth/login', { body: { pseudonym: m.pseudonym, password: m.password } })).status).toBe(401);
    expect((await ctx.request('POST', '/api/auth/login', { body: { pseudonym: m.pseudonym, password: 'a brand new password' } })).status).toBe(200);
    // The recovery code still works: changing the password is not losing the account.
    expect((await ctx.request('POST', '/api/auth/recover', { body: { pseudonym: m.pseudonym, recoveryCode: m.recoveryCode, newPassword: 'third long password' } })).status).toBe(200);
  });

  it('needs a session', async () => {
    const res = await ctx.request('POST', '/api/me/password', { body: { currentPassword: 'whatever it was', newPassword: 'a brand new password' } });
    expect(res.status).toBe(401);
  });
});

describe('an absolute session lifetime', () => {
  it('ends a session SESSION_MAX_DAYS after login, however recently it was used', async () => {
    const m = await ctx.newMember();
    const young = { cookie: await ctx.newSession(m.id) };
    await sql`update sessions set created_at = now() - interval '91 days', last_seen_at = now() where user_id = ${m.id} and token_hash <> ${await tokenHashOf(young.cookie)}`.execute(ctx.db);
    expect((await ctx.request('GET', '/api/me', { as: m })).status).toBe(401);
    expect((await ctx.request('GET', '/api/me', { as: young })).status).toBe(200);
    // Such sessions are also removed from the table.
    await until(() => ctx.app.haven.maintenance.retentionRound(), 'a retention round of this test’s own');
    const left = await ctx.db.selectFrom('sessions').select('token_hash').where('user_id', '=', m.id).execute();
    expect(left).toHaveLength(1);
  });
});

async function tokenHashOf(cookie: string) {
  const { sha256Hex } = await import('../../server/accounts/tokens');
  return sha256Hex(cookie.slice('sid='.length));
}

describe('an access change and its announcement are one transaction', () => {
  /** The transaction that last wrote the member's row, and the one that wrote the latest access.changed for them. */
  async function writers(userId: string) {
    const user = await sql<{ xid: string }>`select xmin::text as xid from users where id = ${userId}`.execute(ctx.db);
    const event = await sql<{ xid: string }>`
      select xmin::text as xid from events where kind = 'access.changed' and data->>'userId' = ${userId} order by id desc limit 1`.execute(ctx.db);
    return { user: user.rows[0]?.xid, event: event.rows[0]?.xid };
  }

  it('a role change by an admin writes access.changed in the transaction that changes the role', async () => {
    const admin = await ctx.newMember('admin');
    const m = await ctx.newMember();
    expect((await ctx.request('PUT', `/api/admin/users/${m.pseudonym}/role`, { as: admin, body: { role: 'moderator' } })).status).toBe(200);
    const { user, event } = await writers(m.id);
    expect(event).toBeDefined();
    expect(event).toBe(user);
  });

  it('a suspension writes access.changed in the transaction that suspends', async () => {
    const mod = await ctx.newMember('moderator');
    const m = await ctx.newMember();
    const { post } = await ctx.newThread(m);
    expect((await ctx.request('POST', `/api/mod/posts/${post.id}/suspend-author`, { as: mod, body: { until: new Date(Date.now() + 86_400_000).toISOString(), reason: 'a test' } })).status).toBeLessThan(300);
    const { user, event } = await writers(m.id);
    expect(event).toBeDefined();
    expect(event).toBe(user);
  });
});
