import { describe, expect, it } from 'vitest';
import { useApp } from '../helpers/context';

const ctx = useApp();

/**
 * A read of a thread page that began before a write (make anonymous, hide) must not leave
 * what it read in the page cache once the write has returned: the next reader would get the
 * post under its author's name, or its hidden body, for up to PAGE_CACHE_MS.
 */
describe('the page cache under concurrent readers', () => {
  it('never serves the named version after "Make anonymous" returns, nor the body after a hide', async () => {
    const author = await ctx.newMember();
    const mod = await ctx.newMember('moderator');
    const other = await ctx.newMember();
    for (let round = 0; round < 20; round++) {
      const { thread } = await ctx.threadRow(await ctx.newMember());
      const named = await ctx.replyRow(author, thread.id, { body: `said under my name ${round}` });
      const hidden = await ctx.replyRow(other, thread.id, { body: `words to hide ${round}` });
      const read = () => ctx.request('GET', `/api/threads/${thread.id}`);
      // Readers in flight while each write commits.
      const racing = [read(), read(), read()];
      expect((await ctx.request('POST', `/api/posts/${named.id}/anonymize`, { as: author })).status).toBe(200);
      racing.push(read(), read());
      expect((await ctx.request('POST', `/api/mod/posts/${hidden.id}/hide`, { as: mod, body: { reason: 'checking' } })).status).toBe(200);
      await Promise.all(racing);
      const after = JSON.stringify((await read()).body);
      expect(after, `round ${round}`).not.toContain(`"pseudonym":"${author.pseudonym}"`);
      expect(after, `round ${round}`).not.toContain(`words to hide ${round}`);
    }
  }, 120_000);
});
