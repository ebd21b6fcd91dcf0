import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useApp } from '../helpers/context';
import { connect, listenOnce, subscribe } from '../helpers/live-client';

// The command line and a running server share a database only on PostgreSQL (PGlite's
// files belong to one process at a time). A long session cache shows that it is dropped.
const onPostgres = Boolean(process.env.DATABASE_URL);
const ctx = useApp({ sessionCacheMs: 60_000 });

describe.skipIf(!onPostgres)('npm run admin -- role, while servers run', () => {
  it('reaches a running server at once: cached session dropped, open socket updated', async () => {
    const url = await listenOnce(ctx);
    const m = await ctx.newMember();
    expect((await ctx.request('GET', '/api/me', { as: m })).body.user.role).toBe('member');
    const socket = await connect(url, { cookie: m.cookie });
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/admin.ts', 'role', m.pseudonym, 'moderator'], {
      cwd: path.resolve(import.meta.dirname, '../..'),
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: ctx.testDb.url!, LOG_LEVEL: 'silent' },
    });
    expect(stdout).toContain('now moderator');
    expect(await socket.next((x) => x.type === 'access', 10_000)).toMatchObject({ role: 'moderator' });
    expect((await ctx.request('GET', '/api/me', { as: m })).body.user.role).toBe('moderator');
    await subscribe(socket, ['mod']);
    socket.close();
  }, 60_000);
});
