import { describe, expect, it } from 'vitest';
import { ORIGIN, useApp } from '../helpers/context';

const ctx = useApp();

describe('origin check (CSRF)', () => {
  it('refuses a state change carrying the cookie from a foreign origin with 403 csrf_rejected', async () => {
    const m = await ctx.signup();
    const res = await ctx.request('PUT', '/api/me/preferences', { as: m, origin: 'https://evil.example', body: { showRecoveryDays: true } });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('csrf_rejected');
    const user = await ctx.db.selectFrom('users').select('show_recovery_days').where('id', '=', m.id).executeTakeFirstOrThrow();
    expect(user.show_recovery_days).toBe(false);
  });

  it('refuses a cookie-carrying state change with neither Origin nor Referer', async () => {
    const m = await ctx.signup();
    const res = await ctx.request('POST', '/api/auth/logout-all', { as: m, origin: false });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('csrf_rejected');
    expect((await ctx.request('GET', '/api/me', { as: m })).status).toBe(200);
  });

  it('accepts the Referer when Origin is absent, and refuses a foreign Referer', async () => {
    const m = await ctx.signup();
    const ok = await ctx.request('PUT', '/api/me/preferences', { as: m, origin: false, headers: { referer: `${ORIGIN}/settings` }, body: { showRecoveryDays: true } });
    expect(ok.status).toBe(200);
    const bad = await ctx.request('PUT', '/api/me/preferences', { as: m, origin: false, headers: { referer: 'https://evil.example/x' }, body: { showRecoveryDays: true } });
    expect(bad.status).toBe(403);
  });

  it('refuses a login posted from another site (login CSRF)', async () => {
    const m = await ctx.signup();
    const res = await ctx.request('POST', '/api/auth/login', { origin: 'https://evil.example', body: { pseudonym: m.pseudonym, password: m.password } });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('csrf_rejected');
    expect(res.cookies).toHaveLength(0);
  });

  it('every state-changing route refuses a foreign origin', async () => {
    const m = await ctx.signup();
    const changing = ctx.app.haven.routes.filter((r) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method));
    expect(changing.length).toBeGreaterThanOrEqual(8);
    for (const { method, url } of changing) {
      const concrete = url.replace(/:[a-zA-Z]+/g, '1');
      const res = await ctx.request(method as 'POST', concrete, { as: m, origin: 'https://evil.example', body: {} });
      expect(res.status, `${method} ${url}`).toBe(403);
      expect(res.body.error.code).toBe('csrf_rejected');
    }
    expect((await ctx.request('GET', '/api/me', { as: m })).status).toBe(200);
  });
});

describe('headers and error shape', () => {
  it('sets a strict Content-Security-Policy and the usual headers', async () => {
    const res = await ctx.request('GET', '/healthz');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/https?:\/\//);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('same-origin');
  });

  it('no API answer may be kept by any cache: a member’s own answers, a thread as a member, and a visitor’s too', async () => {
    const m = await ctx.newMember();
    const { thread } = await ctx.threadRow(m);
    const asMember = ['/api/me', '/api/notifications', `/api/threads/${thread.id}`, '/api/me/journey', '/api/communities', '/api/search?q=hello'];
    for (const url of asMember) {
      const res = await ctx.request('GET', url, { as: m });
      expect(res.status, url).toBe(200);
      expect(res.headers['cache-control'], url).toBe('no-store');
    }
    // A visitor's answer is the same for every visitor, but a shared cache could hand it to a
    // member (or keep a post after a moderator hid it): not kept either.
    for (const url of [`/api/threads/${thread.id}`, '/api/communities', '/api/me', '/api/nothing-here']) {
      expect((await ctx.request('GET', url)).headers['cache-control'], url).toBe('no-store');
    }
    const refused = await ctx.request('POST', `/api/threads/${thread.id}/posts`, { as: m, body: {} });
    expect(refused.status).toBe(400);
    expect(refused.headers['cache-control']).toBe('no-store');
  });

  it('answers unknown API paths with 404 not_found in the contract shape', async () => {
    const res = await ctx.request('GET', '/api/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
  });

  it('answers malformed JSON with 400, a wrong content type with 415 and an oversize body with 413', async () => {
    const bad = await ctx.app.inject({ method: 'POST', url: '/api/auth/login', headers: { origin: ORIGIN, 'content-type': 'application/json' }, payload: '{"pseudonym":' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('validation_failed');
    const type = await ctx.app.inject({ method: 'POST', url: '/api/auth/login', headers: { origin: ORIGIN, 'content-type': 'application/xml' }, payload: '<a/>' });
    expect(type.statusCode).toBe(415);
    expect(type.json().error.code).toBe('unsupported_media_type');
    // A JSON body sent as text/plain (what a form or a careless client sends) is the wrong type too.
    for (const contentType of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const plain = await ctx.app.inject({ method: 'POST', url: '/api/auth/login', headers: { origin: ORIGIN, 'content-type': contentType }, payload: '{"pseudonym":"someone","password":"long enough password"}' });
      expect(plain.statusCode, contentType).toBe(415);
      expect(plain.json().error).toEqual({ code: 'unsupported_media_type', message: 'Send JSON (Content-Type: application/json).' });
    }
    // A state change with no body needs no content type at all.
    const m = await ctx.newMember();
    expect((await ctx.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { origin: ORIGIN, cookie: m.cookie } })).statusCode).toBe(204);
    const big = await ctx.app.inject({ method: 'POST', url: '/api/auth/login', headers: { origin: ORIGIN, 'content-type': 'application/json' }, payload: JSON.stringify({ pseudonym: 'x'.repeat(400_000), password: 'y' }) });
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('too_large');
  });

  it('serves health and readiness', async () => {
    expect((await ctx.request('GET', '/healthz')).status).toBe(200);
    const ready = await ctx.request('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ database: true, bus: true });
  });

  it('publishes the OpenAPI document generated from the zod contract', async () => {
    const res = await ctx.request('GET', '/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(Object.keys(res.body.paths)).toContain('/api/auth/signup');
  });
});

describe('Origin: null', () => {
  it('is refused on every state change, with or without a session, whatever the Referer says', async () => {
    const m = await ctx.signup();
    const changing = ctx.app.haven.routes.filter((r) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method));
    for (const { method, url } of changing) {
      const concrete = url.replace(/:[a-zA-Z]+/g, '1');
      for (const as of [m, undefined]) {
        const res = await ctx.request(method as 'POST', concrete, { ...(as ? { as } : {}), origin: 'null', headers: { referer: `${ORIGIN}/` }, body: {} });
        expect(res.status, `${method} ${url}`).toBe(403);
        expect(res.body.error.code).toBe('csrf_rejected');
      }
    }
    const login = await ctx.request('POST', '/api/auth/login', { origin: 'null', body: { pseudonym: m.pseudonym, password: m.password } });
    expect(login.status).toBe(403);
    expect(login.cookies).toHaveLength(0);
  });
});

describe('inputs the database cannot hold get a 400, not a 500', () => {
  it('ids past the bigint range, NUL characters, and cursor dates that do not exist', async () => {
    const m = await ctx.signup();
    const mod = await ctx.member('moderator');
    const { thread, post } = await ctx.newThread(m);
    const huge = '9999999999999999999';
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const cases: Array<[string, string, { as?: typeof m; body?: unknown }]> = [
      ['GET', `/api/threads/${huge}`, {}],
      ['POST', `/api/threads/${huge}/posts`, { as: m, body: { body: 'x' } }],
      ['POST', `/api/threads/${thread.id}/posts`, { as: m, body: { body: 'x', parentId: huge } }],
      ['PATCH', `/api/posts/${huge}`, { as: m, body: { body: 'x' } }],
      ['DELETE', `/api/posts/${huge}`, { as: m }],
      ['POST', `/api/posts/${huge}/anonymize`, { as: m }],
      ['POST', `/api/posts/${huge}/flags`, { as: m, body: { reason: 'spam' } }],
      ['POST', `/api/mod/flags/${huge}/resolve`, { as: mod, body: { outcome: 'dismissed' } }],
      ['POST', `/api/mod/posts/${huge}/hide`, { as: mod, body: { reason: 'x' } }],
      ['POST', `/api/mod/posts/${huge}/restore`, { as: mod }],
      ['PUT', `/api/mod/posts/${huge}/content-warnings`, { as: mod, body: { contentWarnings: [] } }],
      ['POST', `/api/mod/posts/${huge}/suspend-author`, { as: mod, body: { until: new Date(Date.now() + 86_400_000).toISOString(), reason: 'x' } }],
      ['POST', '/api/notifications/read', { as: m, body: { ids: [huge] } }],
      ['GET', `/api/search?q=hello&cursor=${b64([huge])}`, {}],
      ['GET', `/api/notifications?cursor=${b64([huge])}`, { as: m }],
      ['GET', `/api/mod/log?cursor=${b64([huge])}`, { as: mod }],
      ['GET', `/api/communities/introductions/threads?cursor=${b64(['2024-99-99T99:99:99.999Z', post.id])}`, {}],
      ['GET', `/api/communities/introductions/threads?cursor=${b64(['0000-01-01T00:00:00.000Z', post.id])}`, {}],
      ['GET', `/api/communities/introductions/threads?cursor=${b64(['2024-01-01T00:00:00.000Z', huge])}`, {}],
      ['GET', `/api/mod/flags?cursor=${b64(['0', '2024-99-99T99:99:99.999Z', post.id])}`, { as: mod }],
      ['GET', `/api/mod/flags?cursor=${b64(['1', '2024-01-01T00:00:00.000Z', huge])}`, { as: mod }],
      ['POST', '/api/auth/login', { body: { pseudonym: 'ab\u0000cd', password: 'whatever it is' } }],
      ['POST', '/api/auth/recover', { body: { pseudonym: 'ab\u0000cd', recoveryCode: 'AAAAA', newPassword: 'a long new password' } }],
      ['GET', '/api/communities/intro%00ductions/threads', {}],
      ['POST', '/api/users/ab%00cd/mute', { as: m }],
      ['PUT', '/api/admin/users/ab%00cd/role', { as: m, body: { role: 'member' } }],
    ];
    for (const [method, url, opts] of cases) {
      const res = await ctx.request(method as 'GET', url, opts);
      expect([400, 404], `${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`).toContain(res.status);
      expect(res.body.error.code, `${method} ${url}`).toMatch(/^(validation_failed|not_found|forbidden)$/);
    }
  });
});
