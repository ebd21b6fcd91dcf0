import { describe, expect, it } from 'vitest';
import { CLIENT_IP, useApp } from '../helpers/context';

const ctx = useApp();

describe('privacy: no raw IP, session token or password is kept', () => {
  it('after every account route has run, no table and no log line holds one', async () => {
    const m = await ctx.newMember();
    await ctx.request('POST', '/api/auth/login', { body: { pseudonym: m.pseudonym, password: m.password } });
    await ctx.request('POST', '/api/auth/login', { body: { pseudonym: m.pseudonym, password: 'a wrong password' } });
    await ctx.request('PUT', '/api/me/preferences', { as: m, body: { showRecoveryDays: true, recoveryStartDate: '2026-01-01' } });
    await ctx.request('GET', '/api/me/export', { as: m });
    const recovered = await ctx.request('POST', '/api/auth/recover', { body: { pseudonym: m.pseudonym, recoveryCode: m.recoveryCode, newPassword: 'my recovered password' } });
    expect(recovered.status).toBe(200);
    await ctx.request('POST', '/api/auth/logout', { as: { cookie: `sid=${recovered.cookies[0]!.value}` } });
    const gone = await ctx.newMember();
    await ctx.request('DELETE', '/api/me', { as: gone, body: { password: gone.password, erasePosts: true } });
    await ctx.request('GET', '/api/nothing?q=my+secret+search');

    const text = await ctx.dumpAllText();
    // The dump really reads the tables: the pseudonym is there.
    expect(text.some((t) => t.includes(m.pseudonym))).toBe(true);
    expect(ctx.logs.length).toBeGreaterThan(10);
    expect(ctx.secrets.size).toBeGreaterThanOrEqual(6);
    for (const haystack of [...text, ...ctx.logs]) {
      expect(haystack).not.toContain(CLIENT_IP);
      for (const secret of ctx.secrets) expect(haystack).not.toContain(secret);
    }
    // Logs carry no query strings and no request bodies either.
    expect(ctx.logs.join('\n')).not.toContain('my secret search');
    expect(ctx.logs.join('\n')).not.toContain('recoveryStartDate');
  });
});
