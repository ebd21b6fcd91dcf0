import { describe, expect, it } from 'vitest';
import { useApp, type Member } from '../helpers/context';

const ctx = useApp();

type Who = 'visitor' | 'member' | 'author' | 'suspended' | 'moderator' | 'admin';
const WHO: Who[] = ['visitor', 'member', 'author', 'suspended', 'moderator', 'admin'];
const MOD_ONLY = { visitor: 401, member: 403, author: 403, suspended: 403, moderator: 200, admin: 200 };
const MOD_CREATES = { visitor: 401, member: 403, author: 403, suspended: 403, moderator: 201, admin: 201 };
const MOD_NO_CONTENT = { visitor: 401, member: 403, author: 403, suspended: 403, moderator: 204, admin: 204 };
const ADMIN_ONLY = { visitor: 401, member: 403, author: 403, suspended: 403, moderator: 403, admin: 200 };

/**
 * Every moderation and admin route, with the status each kind of caller gets. A route that
 * is registered but missing here fails the test, so no new route can skip the matrix.
 */
const MATRIX: Record<string, { expect: Record<Who, number>; body?: (ids: Ids) => unknown; url: (ids: Ids) => string }> = {
  'GET /api/mod/flags': { url: () => '/api/mod/flags', expect: MOD_ONLY },
  'POST /api/mod/flags/:id/resolve': { url: (i) => `/api/mod/flags/${i.flag}/resolve`, body: () => ({ outcome: 'dismissed' }), expect: MOD_ONLY },
  'POST /api/mod/posts/:id/hide': { url: (i) => `/api/mod/posts/${i.post}/hide`, body: () => ({ reason: 'checking' }), expect: MOD_ONLY },
  'POST /api/mod/posts/:id/restore': { url: (i) => `/api/mod/posts/${i.hiddenPost}/restore`, expect: MOD_ONLY },
  'PUT /api/mod/posts/:id/content-warnings': { url: (i) => `/api/mod/posts/${i.post}/content-warnings`, body: () => ({ contentWarnings: ['grief'] }), expect: MOD_ONLY },
  'POST /api/mod/posts/:id/suspend-author': {
    url: (i) => `/api/mod/posts/${i.victimPost}/suspend-author`,
    body: () => ({ until: new Date(Date.now() + 3_600_000).toISOString(), reason: 'cool-off' }),
    expect: MOD_ONLY,
  },
  'GET /api/mod/log': { url: () => '/api/mod/log', expect: MOD_ONLY },
  'POST /api/mod/posts/:id/reach-out': { url: (i) => `/api/mod/posts/${i.post}/reach-out`, body: () => ({ message: 'We are here for you.' }), expect: MOD_ONLY },
  'POST /api/mod/communities/:slug/resources': {
    url: () => '/api/mod/communities/introductions/resources', body: (i) => ({ postId: i.post, title: 'What helps' }), expect: MOD_CREATES,
  },
  'PATCH /api/mod/resources/:id': { url: (i) => `/api/mod/resources/${i.pin}`, body: () => ({ position: 1 }), expect: MOD_ONLY },
  'DELETE /api/mod/resources/:id': { url: (i) => `/api/mod/resources/${i.pin}`, expect: MOD_NO_CONTENT },
  'GET /api/admin/suspensions': { url: () => '/api/admin/suspensions', expect: ADMIN_ONLY },
  'POST /api/admin/suspensions/:id/lift': { url: (i) => `/api/admin/suspensions/${i.suspension}/lift`, expect: ADMIN_ONLY },
  'GET /api/admin/users': { url: (i) => `/api/admin/users?q=${encodeURIComponent(i.target.slice(0, 4))}`, expect: ADMIN_ONLY },
  'PUT /api/admin/users/:pseudonym/role': {
    url: (i) => `/api/admin/users/${i.target}/role`,
    body: () => ({ role: 'member' }),
    expect: ADMIN_ONLY,
  },
};

interface Ids {
  post: string;
  hiddenPost: string;
  victimPost: string;
  flag: string;
  target: string;
  suspension: string;
  pin: string;
}

const introductions = async () => (await ctx.db.selectFrom('communities').select('id').where('slug', '=', 'introductions').executeTakeFirstOrThrow()).id;

describe('authorization matrix for moderation and admin routes', () => {
  it('covers every /api/mod and /api/admin route', () => {
    const registered = ctx.app.haven.routes
      .filter((r) => r.method !== 'HEAD' && /^\/api\/(mod|admin)\//.test(r.url))
      .map((r) => `${r.method} ${r.url}`);
    expect(registered.sort()).toEqual(Object.keys(MATRIX).sort());
  });

  it.each(Object.keys(MATRIX))('%s answers each caller as the table says', async (route) => {
    const spec = MATRIX[route]!;
    const [method] = route.split(' ') as ['GET' | 'POST' | 'PUT'];
    for (const who of WHO) {
      // Fresh fixtures per caller: an earlier call must not change what the next one meets.
      const author = await ctx.newMember();
      const { thread } = await ctx.threadRow(author);
      const post = await ctx.replyRow(author, thread.id, { body: `matrix ${route} ${who}` });
      const hiddenPost = await ctx.replyRow(author, thread.id, { body: `matrix hidden ${route} ${who}` });
      await ctx.db.updateTable('posts').set({ hidden_by: 'moderator', hidden_reason: 'x' }).where('id', '=', hiddenPost.id).execute();
      const victim = await ctx.newMember();
      const victimPost = await ctx.replyRow(victim, thread.id, { body: `matrix victim ${route} ${who}` });
      const reporter = await ctx.newMember();
      const flagged = await ctx.request('POST', `/api/posts/${post.id}/flags`, { as: reporter, body: { reason: 'spam' } });
      const target = await ctx.newMember();
      const suspension = await ctx.db.insertInto('suspensions')
        .values({ user_id: victim.id, anonymous: false, subject: victim.pseudonym, reason: 'matrix', until: new Date(Date.now() + 3_600_000) })
        .returning('id').executeTakeFirstOrThrow();
      const ids: Ids = {
        post: post.id, hiddenPost: hiddenPost.id, victimPost: victimPost.id, flag: flagged.body.flag.id, target: target.pseudonym, suspension: suspension.id,
        pin: (await ctx.db.insertInto('community_resources').values({ community_id: await introductions(), post_id: hiddenPost.id, title: 'pin' }).returning('id').executeTakeFirstOrThrow()).id,
      };

      let as: Member | undefined;
      if (who === 'author') as = author;
      else if (who === 'member') as = await ctx.newMember();
      else if (who === 'suspended') {
        as = await ctx.newMember();
        await ctx.db.updateTable('users').set({ suspended_until: new Date(Date.now() + 3_600_000) }).where('id', '=', as.id).execute();
      } else if (who === 'moderator' || who === 'admin') as = await ctx.newMember(who);
      const res = await ctx.request(method, spec.url(ids), { ...(as ? { as } : {}), ...(spec.body ? { body: spec.body(ids) } : {}) });
      expect(res.status, `${route} as ${who}: ${JSON.stringify(res.body)}`).toBe(spec.expect[who]);
    }
  });
});
