import { describe, expect, it } from 'vitest';
import { useApp, uniqueName } from '../helpers/context';

const ctx = useApp();

describe('signup', () => {
  it('creates the account, returns the user and a one-time recovery code, and sets the session cookie', async () => {
    const pseudonym = uniqueName('river');
    const res = await ctx.request('POST', '/api/auth/signup', {
      body: { pseudonym, password: 'a long enough password', acceptGuidelines: true },
    });
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ pseudonym, role: 'member', preferences: { showRecoveryDays: false, recoveryStartDate: null } });
    expect(res.body.user.preferences.contentWarnings.relapse).toBe('collapse');
    expect(typeof res.body.user.id).toBe('string');
    expect(res.body.recoveryCode).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{5}){3}$/);
    expect(JSON.stringify(res.body)).not.toMatch(/hash/i);
    const sid = res.cookies.find((c) => c.name === 'sid')!;
    expect(sid.value).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes
    expect(sid).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(sid.secure).toBeFalsy();
  });

  it('stores only a hash of the session token', async () => {
    const m = await ctx.signup();
    const rows = await ctx.db.selectFrom('sessions').select('token_hash').where('user_id', '=', m.id).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0]!.token_hash).not.toContain(m.cookie.slice(4));
  });

  it('refuses a taken pseudonym case-insensitively with 409', async () => {
    const m = await ctx.signup();
    const res = await ctx.request('POST', '/api/auth/signup', {
      body: { pseudonym: m.pseudonym.toUpperCase(), password: 'another password', acceptGuidelines: true },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('conflict');
  });

  it.each(['admin', 'Moderator', 'anonymous', 'deleted', 'system', 'ad_min', 'Admin-Team'])('refuses the reserved pseudonym %s', async (pseudonym) => {
    const res = await ctx.request('POST', '/api/auth/signup', {
      body: { pseudonym, password: 'a long enough password', acceptGuidelines: true },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details[0].path).toBe('body.pseudonym');
  });

  it.each([
    [{ pseudonym: 'ab', password: 'a long enough password', acceptGuidelines: true }, 'body.pseudonym'],
    [{ pseudonym: 'has space', password: 'a long enough password', acceptGuidelines: true }, 'body.pseudonym'],
    [{ pseudonym: 'x'.repeat(25), password: 'a long enough password', acceptGuidelines: true }, 'body.pseudonym'],
    [{ pseudonym: 'okname', password: 'short', acceptGuidelines: true }, 'body.password'],
    [{ pseudonym: 'okname', password: 'p'.repeat(257), acceptGuidelines: true }, 'body.password'],
    [{ pseudonym: 'okname', password: 'a long enough password', acceptGuidelines: false }, 'body.acceptGuidelines'],
    [{ pseudonym: 'okname', password: 'a long enough password' }, 'body.acceptGuidelines'],
    [{ pseudonym: 'okname', password: 'a long enough password', acceptGuidelines: true, email: 'x@y.z' }, 'body'],
  ])('answers 400 validation_failed naming the field (%#)', async (body, path) => {
    const res = await ctx.request('POST', '/api/auth/signup', { body });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
  });
});

describe('login', () => {
  it('logs in with the right password and sets a fresh cookie', async () => {
    const m = await ctx.signup();
    const res = await ctx.request('POST', '/api/auth/login', { body: { pseudonym: m.pseudonym.toUpperCase(), password: m.password } });
    expect(res.status).toBe(200);
    expect(res.body.user.pseudonym).toBe(m.pseudonym);
    const sid = res.cookies.find((c) => c.name === 'sid')!;
    expect(`sid=${sid.value}`).not.toBe(m.cookie);
    const me = await ctx.request('GET', '/api/me', { as: { cookie: `sid=${sid.value}` } });
    expect(me.status).toBe(200);
  });

  it('gives the same 401 body for an unknown pseudonym and a wrong password', async () => {
    const m = await ctx.signup();
    const wrong = await ctx.request('POST', '/api/auth/login', { body: { pseudonym: m.pseudonym, password: 'not the password' } });
    const unknown = await ctx.request('POST', '/api/auth/login', { body: { pseudonym: uniqueName('nobody'), password: 'not the password' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.error.code).toBe('invalid_credentials');
    expect(wrong.cookies).toHaveLength(0);
  });
});

describe('sessions', () => {
  it('GET /api/me answers 401 unauthenticated without a session', async () => {
    const res = await ctx.request('GET', '/api/me');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthenticated');
  });

  it('GET /api/me returns the user and the unread count', async () => {
    const m = await ctx.signup();
    const res = await ctx.request('GET', '/api/me', { as: m });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user: { id: m.id, pseudonym: m.pseudonym }, unreadNotifications: 0 });
  });

  it('logout deletes the session server-side, so the old cookie no longer works', async () => {
    const m = await ctx.signup();
    const res = await ctx.request('POST', '/api/auth/logout', { as: m });
    expect(res.status).toBe(204);
    expect(res.cookies.find((c) => c.name === 'sid')?.value).toBe('');
    expect((await ctx.request('GET', '/api/me', { as: m })).status).toBe(401);
    const rows = await ctx.db.selectFrom('sessions').selectAll().where('user_id', '=', m.id).execute();
    expect(rows).toHaveLength(0);
  });

  it('logout-all ends every session of the account', async () => {
    const m = await ctx.signup();
    const second = await ctx.request('POST', '/api/auth/login', { body: { pseudonym: m.pseudonym, password: m.password } });
    const other = { cookie: `sid=${second.cookies.find((c) => c.name === 'sid')!.value}` };
    expect((await ctx.request('POST', '/api/auth/logout-all', { as: m })).status).toBe(204);
    expect((await ctx.request('GET', '/api/me', { as: m })).status).toBe(401);
    expect((await ctx.request('GET', '/api/me', { as: other })).status).toBe(401);
  });

  it('logout-all without a session is 401', async () => {
    const res = await ctx.request('POST', '/api/auth/logout-all');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthenticated');
  });

  it('a session idle for more than 30 days has expired', async () => {
    const m = await ctx.signup();
    await ctx.db.updateTable('sessions').set({ last_seen_at: new Date(Date.now() - 31 * 86_400_000) }).where('user_id', '=', m.id).execute();
    expect((await ctx.request('GET', '/api/me', { as: m })).status).toBe(401);
  });

  it('a session used within 30 days slides forward', async () => {
    const m = await ctx.signup();
    const old = new Date(Date.now() - 29 * 86_400_000);
    await ctx.db.updateTable('sessions').set({ last_seen_at: old }).where('user_id', '=', m.id).execute();
    expect((await ctx.request('GET', '/api/me', { as: m })).status).toBe(200);
    const row = await ctx.db.selectFrom('sessions').select('last_seen_at').where('user_id', '=', m.id).executeTakeFirstOrThrow();
    expect(row.last_seen_at.getTime()).toBeGreaterThan(Date.now() - 60_000);
  });
});

describe('recover', () => {
  it('resets the password with the code once, returns a new code and ends old sessions', async () => {
    const m = await ctx.signup();
    const res = await ctx.request('POST', '/api/auth/recover', {
      body: { pseudonym: m.pseudonym, recoveryCode: m.recoveryCode.toLowerCase(), newPassword: 'a brand new password' },
    });
    expect(res.status).toBe(200);
    expect(res.body.user.pseudonym).toBe(m.pseudonym);
    expect(res.body.recoveryCode).not.toBe(m.recoveryCode);
    expect(res.cookies.find((c) => c.name === 'sid')?.value).toBeTruthy();
    expect((await ctx.request('GET', '/api/me', { as: m })).status).toBe(401);

    const again = await ctx.request('POST', '/api/auth/recover', {
      body: { pseudonym: m.pseudonym, recoveryCode: m.recoveryCode, newPassword: 'yet another password' },
    });
    expect(again.status).toBe(401);
    expect(again.body.error.code).toBe('invalid_credentials');

    const oldLogin = await ctx.request('POST', '/api/auth/login', { body: { pseudonym: m.pseudonym, password: m.password } });
    expect(oldLogin.status).toBe(401);
    const newLogin = await ctx.request('POST', '/api/auth/login', { body: { pseudonym: m.pseudonym, password: 'a brand new password' } });
    expect(newLogin.status).toBe(200);

    const next = await ctx.request('POST', '/api/auth/recover', {
      body: { pseudonym: m.pseudonym, recoveryCode: res.body.recoveryCode, newPassword: 'the third password' },
    });
    expect(next.status).toBe(200);
  });

  it('gives the same 401 for an unknown pseudonym and a wrong code, and 400 for a short password', async () => {
    const m = await ctx.signup();
    const wrong = await ctx.request('POST', '/api/auth/recover', { body: { pseudonym: m.pseudonym, recoveryCode: 'AAAAA-BBBBB-CCCCC-DDDDD', newPassword: 'a new password!' } });
    const unknown = await ctx.request('POST', '/api/auth/recover', { body: { pseudonym: uniqueName('ghost'), recoveryCode: 'AAAAA-BBBBB-CCCCC-DDDDD', newPassword: 'a new password!' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    const short = await ctx.request('POST', '/api/auth/recover', { body: { pseudonym: m.pseudonym, recoveryCode: m.recoveryCode, newPassword: 'short' } });
    expect(short.status).toBe(400);
  });
});

describe('preferences', () => {
  it('stores content-warning choices, the recovery date and whether to show it', async () => {
    const m = await ctx.signup();
    const start = new Date(Date.now() - 95 * 86_400_000).toISOString().slice(0, 10);
    const res = await ctx.request('PUT', '/api/me/preferences', {
      as: m,
      body: { contentWarnings: { relapse: 'hide', grief: 'show' }, recoveryStartDate: start, showRecoveryDays: true },
    });
    expect(res.status).toBe(200);
    expect(res.body.user.preferences).toMatchObject({
      contentWarnings: { relapse: 'hide', grief: 'show', suicide: 'collapse' },
      recoveryStartDate: start,
      showRecoveryDays: true,
    });
    expect(res.body.user.recoveryDays).toBe(95);
    expect(res.body.user.milestones.map((x: { days: number }) => x.days)).toEqual([1, 7, 14, 30, 60, 90]);

    const partial = await ctx.request('PUT', '/api/me/preferences', { as: m, body: { contentWarnings: { grief: 'hide' } } });
    expect(partial.body.user.preferences.contentWarnings).toMatchObject({ relapse: 'hide', grief: 'hide' });
    expect(partial.body.user.preferences.recoveryStartDate).toBe(start);

    const cleared = await ctx.request('PUT', '/api/me/preferences', { as: m, body: { recoveryStartDate: null } });
    expect(cleared.body.user.recoveryDays).toBeUndefined();
    expect((await ctx.request('GET', '/api/me', { as: m })).body.user.preferences.contentWarnings.grief).toBe('hide');
  });

  it.each([
    { contentWarnings: { gambling: 'hide' } },
    { contentWarnings: { relapse: 'blur' } },
    { recoveryStartDate: '2099-01-01' },
    { recoveryStartDate: '2024-02-30' },
    { recoveryStartDate: 'yesterday' },
    { showRecoveryDays: 'yes' },
    { theme: 'dark' },
  ])('refuses %j with 400', async (body) => {
    const m = await ctx.signup();
    const res = await ctx.request('PUT', '/api/me/preferences', { as: m, body });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
  });

  it('needs a session', async () => {
    const res = await ctx.request('PUT', '/api/me/preferences', { body: { showRecoveryDays: true } });
    expect(res.status).toBe(401);
  });
});

describe('export and erase', () => {
  it('exports the member’s own data without any secret', async () => {
    const m = await ctx.signup();
    const res = await ctx.request('GET', '/api/me/export', { as: m });
    expect(res.status).toBe(200);
    expect(res.body.user.pseudonym).toBe(m.pseudonym);
    expect(res.body.sessions.length).toBeGreaterThanOrEqual(1);
    const text = JSON.stringify(res.body);
    expect(text).not.toMatch(/argon2|hash/i);
    expect(text).not.toContain(m.cookie.slice(4));
    expect((await ctx.request('GET', '/api/me/export')).status).toBe(401);
  });

  it('DELETE /api/me needs the password, then removes the account and its sessions', async () => {
    const m = await ctx.signup();
    const wrong = await ctx.request('DELETE', '/api/me', { as: m, body: { password: 'not my password', erasePosts: false } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('invalid_credentials');
    const bad = await ctx.request('DELETE', '/api/me', { as: m, body: { password: m.password } });
    expect(bad.status).toBe(400);

    const res = await ctx.request('DELETE', '/api/me', { as: m, body: { password: m.password, erasePosts: true } });
    expect(res.status).toBe(204);
    expect((await ctx.request('GET', '/api/me', { as: m })).status).toBe(401);
    expect((await ctx.request('POST', '/api/auth/login', { body: { pseudonym: m.pseudonym, password: m.password } })).status).toBe(401);
    const left = await ctx.db.selectFrom('users').select('id').where('id', '=', m.id).execute();
    expect(left).toHaveLength(0);
    const sessions = await ctx.db.selectFrom('sessions').select('user_id').where('user_id', '=', m.id).execute();
    expect(sessions).toHaveLength(0);
  });
});
