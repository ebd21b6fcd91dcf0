import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useApp } from '../helpers/context';

/**
 * The claims of docs/privacy.md that no other test already holds, and a check that every
 * test the page names exists: the page cannot point at a test that is gone.
 */
const ctx = useApp();
const ROOT = path.resolve(import.meta.dirname, '../..');

describe('docs/privacy.md', () => {
  it('names only tests that exist, each in the file it says', () => {
    const page = fs.readFileSync(path.join(ROOT, 'docs/privacy.md'), 'utf8');
    const named = [...page.matchAll(/`(test\/[\w/.-]+\.ts)` › “([^”]+)”/g)];
    expect(named.length).toBeGreaterThan(12);
    for (const [, file, name] of named) {
      const source = fs.readFileSync(path.join(ROOT, file!), 'utf8');
      expect(source.includes(`'${name}'`) || source.includes(`"${name}"`), `${file} has no test “${name}”`).toBe(true);
    }
  });
});

describe('what Haven never stores', () => {
  it('the schema has no column for an email, a phone number, a real name or an address', async () => {
    const { rows } = await sql<{ table_name: string; column_name: string }>`
      select table_name, column_name from information_schema.columns where table_schema = 'public'`.execute(ctx.db);
    const suspicious = rows.filter((r) => /e_?mail|phone|mobile|real_?name|first_?name|last_?name|surname|birth|ip_?addr|^ip$|address|location|geo/i.test(r.column_name));
    expect(suspicious).toEqual([]);
  });

  it('a draft shown in preview is stored nowhere', async () => {
    const m = await ctx.newMember();
    const draft = `a private draft ${Math.random().toString(36).slice(2)}`;
    const before = await ctx.snapshot();
    const res = await ctx.request('POST', '/api/preview', { as: m, body: { body: draft } });
    expect(res.status).toBe(200);
    expect(await ctx.snapshot()).toBe(before);
    expect((await ctx.dumpAllText()).some((v) => v.includes(draft))).toBe(false);
  });
});

describe('what the server logs', () => {
  it('no post, flag note, goal or reach-out text reaches the server’s logs', async () => {
    const m = await ctx.newMember();
    const mod = await ctx.newMember('moderator');
    const words = (what: string) => `${what}-${Math.random().toString(36).slice(2)}`;
    const [body, note, goal, message] = [words('body'), words('note'), words('goal'), words('message')];
    const { thread } = await ctx.newThread(m, { body });
    const reply = await ctx.reply(m, thread.id, { body: `${body} reply` });
    await ctx.request('POST', `/api/posts/${reply.id}/flags`, { as: mod, body: { reason: 'other', note } });
    await ctx.request('POST', '/api/me/goals', { as: m, body: { title: goal } });
    await ctx.request('POST', `/api/mod/posts/${reply.id}/reach-out`, { as: mod, body: { message } });
    await ctx.request('GET', `/api/search?q=${encodeURIComponent(body)}`, { as: m });
    expect(ctx.logs.length).toBeGreaterThan(5);
    const logs = ctx.logs.join('\n');
    for (const text of [body, note, goal, message]) expect(logs).not.toContain(text);
  });
});

describe('what a database administrator could still learn', () => {
  it('the database keeps the account behind each anonymous post (for edits, deletion and erasure)', async () => {
    const m = await ctx.newMember();
    const { thread } = await ctx.newThread(await ctx.newMember());
    const post = await ctx.reply(m, thread.id, { anonymous: true, body: 'anonymous to every reader' });
    const row = await ctx.db.selectFrom('posts').select(['author_id', 'anonymous']).where('id', '=', post.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ author_id: m.id, anonymous: true });
  });
});
