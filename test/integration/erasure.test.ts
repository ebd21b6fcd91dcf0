import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useApp } from '../helpers/context';

const ctx = useApp();

describe('erasing an account leaves no name behind', () => {
  it('the moderation log and flag notes lose the name; the log keeps what happened', async () => {
    const gone = await ctx.signup(`Larkspur${process.pid % 1000}x`);
    const mod = await ctx.newMember('moderator');
    const admin = await ctx.newMember('admin');
    const { thread } = await ctx.threadRow(gone);
    const named = await ctx.replyRow(gone, thread.id, { body: 'a named post the mods acted on' });
    await ctx.request('POST', `/api/mod/posts/${named.id}/hide`, { as: mod, body: { reason: 'checking' } });
    await ctx.request('PUT', `/api/admin/users/${gone.pseudonym}/role`, { as: admin, body: { role: 'moderator' } });
    // As a moderator the member also acted, and they flagged someone's post with a note.
    const other = await ctx.newMember();
    const theirs = await ctx.replyRow(other, thread.id, { body: 'someone else' });
    await ctx.request('PUT', `/api/mod/posts/${theirs.id}/content-warnings`, { as: gone, body: { contentWarnings: ['grief'] } });
    const flag = await ctx.request('POST', `/api/posts/${theirs.id}/flags`, { as: gone, body: { reason: 'other', note: 'I know who this is, it is Sam' } });
    expect(flag.status).toBe(201);
    const logBefore = (await ctx.request('GET', '/api/mod/log', { as: mod })).body.entries;
    expect(JSON.stringify(logBefore)).toContain(gone.pseudonym);

    expect((await ctx.request('DELETE', '/api/me', { as: gone, body: { password: gone.password, erasePosts: true } })).status).toBe(204);

    const log = (await ctx.request('GET', '/api/mod/log', { as: mod })).body.entries;
    expect(log).toHaveLength(logBefore.length);
    expect(JSON.stringify(log)).not.toContain(gone.pseudonym);
    expect(log.map((e: any) => e.action)).toEqual(logBefore.map((e: any) => e.action));
    expect(log.filter((e: any) => e.actor === 'deleted member' || e.target.author === 'deleted member').length).toBeGreaterThanOrEqual(3);
    const note = await ctx.db.selectFrom('flags').select('note').where('id', '=', flag.body.flag.id).executeTakeFirstOrThrow();
    expect(note.note).toBeNull();
    const everything = await ctx.dumpAllText();
    expect(everything.filter((v) => v.includes(gone.pseudonym))).toEqual([]);
  });

  it('keeps the pseudonym (and its look-alikes) unavailable for 30 days, storing only a digest', async () => {
    const gone = await ctx.signup(`Marigold${process.pid % 1000}`);
    await ctx.request('DELETE', '/api/me', { as: gone, body: { password: gone.password, erasePosts: false } });
    for (const name of [gone.pseudonym, gone.pseudonym.toUpperCase(), gone.pseudonym.replace('i', '1').replace('o', '0')]) {
      const res = await ctx.request('POST', '/api/auth/signup', { body: { pseudonym: name, password: 'a fine long password', acceptGuidelines: true } });
      expect(res.status, name).toBe(409);
      // "Taken", as for any live member: nothing says the name belonged to someone who left.
      expect(res.body.error.message).toBe('That pseudonym is taken. Please choose another.');
    }
    expect((await ctx.dumpAllText()).filter((v) => v.toLowerCase().includes(gone.pseudonym.toLowerCase()))).toEqual([]);
    const retired = await ctx.db.selectFrom('retired_pseudonyms').select(['digest', 'until']).execute();
    expect(retired.length).toBeGreaterThanOrEqual(1);
    const days = (new Date(retired.at(-1)!.until).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);

    // Thirty days on, the name is free again.
    await sql`update retired_pseudonyms set until = now() - interval '1 second'`.execute(ctx.db);
    const again = await ctx.request('POST', '/api/auth/signup', { body: { pseudonym: gone.pseudonym, password: 'a fine long password', acceptGuidelines: true } });
    expect(again.status).toBe(201);
  });

  it('refuses look-alike staff names at signup with a clear 400', async () => {
    for (const name of ['Adm1n', 'Adrnin', 'm0derator', 'Mod_Team', 'Crisis-Line', 'deIeted-member', 'Anonymous_Gentle_Heron', 'community']) {
      const res = await ctx.request('POST', '/api/auth/signup', { body: { pseudonym: name, password: 'a fine long password', acceptGuidelines: true } });
      expect(res.status, name).toBe(400);
      expect(res.body.error.details).toEqual([{ path: 'body.pseudonym', message: 'is reserved' }]);
    }
  });
});
