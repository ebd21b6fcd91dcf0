import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { ALIAS_SPACE } from '../../server/forum/aliases';
import { useApp, type Member } from '../helpers/context';

const ctx = useApp();

describe('anonymous posts', () => {
  it('no response, for a visitor, another member, a moderator or an admin, links an alias to its account', async () => {
    // A distinctive id, so that finding it in a response cannot be a coincidence.
    await sql`alter table users alter column id restart with 987654321`.execute(ctx.db);
    const author = await ctx.signup('QuietWillow77');
    expect(author.id).toBe('987654321');
    const other = await ctx.newMember();
    const moderator = await ctx.newMember('moderator');
    const admin = await ctx.newMember('admin');
    await ctx.request('PUT', '/api/me/preferences', { as: author, body: { recoveryStartDate: '2025-01-01', showRecoveryDays: true } });

    const { thread, post: opening } = await ctx.newThread(author, { anonymous: true, title: 'Unmistakable heading words', body: 'opening lighthouse words' });
    const reply = await ctx.reply(author, thread.id, { anonymous: true, body: 'anonymous lighthouse reply' });
    const named = await ctx.reply(author, thread.id, { body: 'named lighthouse reply' });
    const later = await ctx.reply(author, thread.id, { body: 'anonymized lighthouse reply' });
    await ctx.request('POST', `/api/posts/${later.id}/anonymize`, { as: author });
    await ctx.reply(other, thread.id, { parentId: reply.id });

    const readers: Array<[string, Member | undefined]> = [['visitor', undefined], ['member', other], ['moderator', moderator], ['admin', admin]];
    for (const [who, as] of readers) {
      const opts = as ? { as } : {};
      // The reader's own account pages and export never mention the anonymous author.
      for (const url of as ? ['/api/me/export', '/api/me'] : []) {
        const own = await ctx.request('GET', url, opts);
        expect(own.status).toBe(200);
        expect(JSON.stringify(own.body)).not.toContain(author.pseudonym);
        expect(JSON.stringify(own.body)).not.toContain(author.id);
      }
      const responses = [
        await ctx.request('GET', `/api/threads/${thread.id}`, opts),
        await ctx.request('GET', '/api/communities/introductions/threads', opts),
        await ctx.request('GET', '/api/search?q=lighthouse', opts),
        await ctx.request('GET', '/api/search?q=unmistakable', opts),
      ];
      let anonymousSeen = 0;
      for (const res of responses) {
        expect(res.status, who).toBe(200);
        const posts: any[] = res.body.posts ?? [];
        const threads: any[] = [res.body.thread, ...(res.body.threads ?? [])].filter(Boolean);
        for (const item of [...posts, ...threads]) {
          if (!item.author.anonymous) continue;
          anonymousSeen++;
          const text = JSON.stringify(item);
          expect(text, who).not.toContain(author.pseudonym);
          expect(text, who).not.toContain(author.id);
          expect(Object.keys(item.author).sort()).toEqual(['alias', 'anonymous']);
        }
        // The named post is the only place the pseudonym appears, and it is not anonymous.
        const withName = posts.filter((p) => JSON.stringify(p).includes(author.pseudonym));
        expect(withName.every((p) => p.id === named.id)).toBe(true);
        expect(JSON.stringify(res.body)).not.toContain(author.id);
      }
      // thread + 3 anonymous posts, the thread in the list, 2 search hits, the title hit
      expect(anonymousSeen, who).toBeGreaterThanOrEqual(7);
    }
    // The posts written anonymously share the member's thread alias; the one anonymized after
    // it was shown under the name has an alias of its own, shared with no other post.
    const seen = await ctx.readAll(thread.id, 100, other);
    const aliasOf = (id: string) => seen.find((p) => p.id === id).author.alias;
    expect(aliasOf(reply.id)).toBe(aliasOf(opening.id));
    expect(seen.filter((p) => p.author.alias === aliasOf(later.id)).map((p) => p.id)).toEqual([later.id]);
  });

  it('an alias is stable within a thread, unique among its members, and unrelated across threads', async () => {
    const members = [];
    for (let i = 0; i < 40; i++) members.push(await ctx.newMember());
    const starter = await ctx.newMember();
    const one = await ctx.newThread(starter);
    const two = await ctx.newThread(starter);
    const aliasOf = new Map<string, [string, string]>();
    for (const m of members) {
      const a1 = await ctx.reply(m, one.thread.id, { anonymous: true });
      const a2 = await ctx.reply(m, one.thread.id, { anonymous: true });
      const b1 = await ctx.reply(m, two.thread.id, { anonymous: true });
      expect(a2.author.alias).toBe(a1.author.alias);
      aliasOf.set(m.id, [a1.author.alias, b1.author.alias]);
    }
    const inOne = [...aliasOf.values()].map(([a]) => a);
    const inTwo = [...aliasOf.values()].map(([, b]) => b);
    expect(new Set(inOne).size).toBe(members.length);
    expect(new Set(inTwo).size).toBe(members.length);
    // Across threads the same member's aliases agree only by chance (1 in ALIAS_SPACE).
    const same = [...aliasOf.values()].filter(([a, b]) => a === b).length;
    expect(same).toBeLessThanOrEqual(1);
    expect(ALIAS_SPACE).toBeGreaterThanOrEqual(4096);
  });
});
