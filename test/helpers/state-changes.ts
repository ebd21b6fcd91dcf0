import type { Member, TestContext } from './context';

/** A request that changes state, valid for `as` (who must hold the role the route needs). */
export interface Example {
  as: Member;
  method: string;
  url: string;
  body?: unknown;
}

type Role = 'member' | 'moderator' | 'admin';
interface Spec {
  /** Who may make this change. */
  role: Role;
  /** False for the routes that start a session rather than use one. */
  needsSession: boolean;
  /** Makes fresh fixtures and returns a request that succeeds (2xx) for a live session. */
  build: (ctx: TestContext, as: Member) => Promise<Omit<Example, 'as' | 'method'>>;
}

async function ownPost(ctx: TestContext, as: Member) {
  const { thread } = await ctx.newThread(as);
  return ctx.reply(as, thread.id, { body: `own post ${Math.random()}` });
}

async function othersPost(ctx: TestContext) {
  const author = await ctx.newMember();
  const { thread } = await ctx.newThread(author);
  return ctx.reply(author, thread.id, { body: `someone else's post ${Math.random()}` });
}

async function goalOf(ctx: TestContext, as: Member) {
  const row = await ctx.db.insertInto('goals').values({ user_id: as.id, title: 'A goal' }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

/** A pinned resource, as rows: a post of the introductions community, pinned there. */
async function pinned(ctx: TestContext) {
  const post = await othersPost(ctx);
  const community = await ctx.db.selectFrom('communities').select('id').where('slug', '=', 'introductions').executeTakeFirstOrThrow();
  const row = await ctx.db.insertInto('community_resources').values({ community_id: community.id, post_id: post.id, title: 'Pinned' }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

/**
 * Every route that changes state, keyed "METHOD url" as registered. Tests that must hold
 * for every state change walk this table and fail when a registered route is missing from
 * it, so a new route cannot slip past them.
 */
export const STATE_CHANGES: Record<string, Spec> = {
  'POST /api/auth/signup': {
    role: 'member', needsSession: false,
    build: async () => ({ url: '/api/auth/signup', body: { pseudonym: `Catalogue${Math.floor(Math.random() * 1e9)}`, password: 'a fine long password', acceptGuidelines: true } }),
  },
  'POST /api/auth/login': {
    role: 'member', needsSession: false,
    build: async (_ctx, as) => ({ url: '/api/auth/login', body: { pseudonym: as.pseudonym, password: as.password } }),
  },
  'POST /api/auth/recover': {
    role: 'member', needsSession: false,
    build: async (_ctx, as) => ({ url: '/api/auth/recover', body: { pseudonym: as.pseudonym, recoveryCode: as.recoveryCode, newPassword: 'another long password' } }),
  },
  'POST /api/auth/logout': { role: 'member', needsSession: false, build: async () => ({ url: '/api/auth/logout' }) },
  'POST /api/auth/logout-all': { role: 'member', needsSession: true, build: async () => ({ url: '/api/auth/logout-all' }) },
  'PUT /api/me/preferences': { role: 'member', needsSession: true, build: async () => ({ url: '/api/me/preferences', body: { showRecoveryDays: true } }) },
  'POST /api/me/password': {
    role: 'member', needsSession: true,
    build: async (_ctx, as) => ({ url: '/api/me/password', body: { currentPassword: as.password, newPassword: 'a brand new password' } }),
  },
  'DELETE /api/me': { role: 'member', needsSession: true, build: async (_ctx, as) => ({ url: '/api/me', body: { password: as.password, erasePosts: false } }) },
  'PUT /api/admin/users/:pseudonym/role': {
    role: 'admin', needsSession: true,
    build: async (ctx) => ({ url: `/api/admin/users/${(await ctx.newMember()).pseudonym}/role`, body: { role: 'moderator' } }),
  },
  'POST /api/communities/:slug/threads': {
    role: 'member', needsSession: true,
    build: async () => ({ url: '/api/communities/introductions/threads', body: { title: 'A new thread', body: `Hello ${Math.random()}` } }),
  },
  'POST /api/threads/:id/posts': {
    role: 'member', needsSession: true,
    build: async (ctx, as) => ({ url: `/api/threads/${(await ctx.newThread(as)).thread.id}/posts`, body: { body: `A reply ${Math.random()}` } }),
  },
  'PATCH /api/posts/:id': { role: 'member', needsSession: true, build: async (ctx, as) => ({ url: `/api/posts/${(await ownPost(ctx, as)).id}`, body: { body: 'edited' } }) },
  'POST /api/posts/:id/anonymize': { role: 'member', needsSession: true, build: async (ctx, as) => ({ url: `/api/posts/${(await ownPost(ctx, as)).id}/anonymize` }) },
  'DELETE /api/posts/:id': { role: 'member', needsSession: true, build: async (ctx, as) => ({ url: `/api/posts/${(await ownPost(ctx, as)).id}` }) },
  'POST /api/users/:pseudonym/mute': { role: 'member', needsSession: true, build: async (ctx) => ({ url: `/api/users/${(await ctx.newMember()).pseudonym}/mute` }) },
  'DELETE /api/users/:pseudonym/mute': { role: 'member', needsSession: true, build: async (ctx) => ({ url: `/api/users/${(await ctx.newMember()).pseudonym}/mute` }) },
  'POST /api/posts/:id/flags': { role: 'member', needsSession: true, build: async (ctx) => ({ url: `/api/posts/${(await othersPost(ctx)).id}/flags`, body: { reason: 'spam' } }) },
  'POST /api/mod/flags/:id/resolve': {
    role: 'moderator', needsSession: true,
    build: async (ctx) => {
      const post = await othersPost(ctx);
      const flag = await ctx.request('POST', `/api/posts/${post.id}/flags`, { as: await ctx.newMember(), body: { reason: 'spam' } });
      return { url: `/api/mod/flags/${flag.body.flag.id}/resolve`, body: { outcome: 'dismissed' } };
    },
  },
  'POST /api/mod/posts/:id/hide': { role: 'moderator', needsSession: true, build: async (ctx) => ({ url: `/api/mod/posts/${(await othersPost(ctx)).id}/hide`, body: { reason: 'too much' } }) },
  'POST /api/mod/posts/:id/restore': {
    role: 'moderator', needsSession: true,
    build: async (ctx) => {
      const post = await othersPost(ctx);
      await ctx.db.updateTable('posts').set({ hidden_by: 'moderator', hidden_reason: 'x' }).where('id', '=', post.id).execute();
      return { url: `/api/mod/posts/${post.id}/restore` };
    },
  },
  'PUT /api/mod/posts/:id/content-warnings': {
    role: 'moderator', needsSession: true,
    build: async (ctx) => ({ url: `/api/mod/posts/${(await othersPost(ctx)).id}/content-warnings`, body: { contentWarnings: ['grief'] } }),
  },
  'POST /api/mod/posts/:id/suspend-author': {
    role: 'moderator', needsSession: true,
    build: async (ctx) => ({ url: `/api/mod/posts/${(await othersPost(ctx)).id}/suspend-author`, body: { until: new Date(Date.now() + 86_400_000).toISOString(), reason: 'cool off' } }),
  },
  'POST /api/mod/posts/:id/reach-out': {
    role: 'moderator', needsSession: true,
    build: async (ctx) => ({ url: `/api/mod/posts/${(await othersPost(ctx)).id}/reach-out`, body: { message: 'We noticed your post; we are here.' } }),
  },
  'POST /api/admin/suspensions/:id/lift': {
    role: 'admin', needsSession: true,
    build: async (ctx) => {
      const member = await ctx.newMember();
      const row = await ctx.db.insertInto('suspensions')
        .values({ user_id: member.id, anonymous: false, subject: member.pseudonym, reason: 'cool off', until: new Date(Date.now() + 86_400_000) })
        .returning('id').executeTakeFirstOrThrow();
      return { url: `/api/admin/suspensions/${row.id}/lift` };
    },
  },
  'POST /api/me/goals': { role: 'member', needsSession: true, build: async () => ({ url: '/api/me/goals', body: { title: 'Call my sponsor' } }) },
  'PATCH /api/me/goals/:id': { role: 'member', needsSession: true, build: async (ctx, as) => ({ url: `/api/me/goals/${await goalOf(ctx, as)}`, body: { title: 'Walk 20 minutes' } }) },
  'DELETE /api/me/goals/:id': { role: 'member', needsSession: true, build: async (ctx, as) => ({ url: `/api/me/goals/${await goalOf(ctx, as)}` }) },
  'PUT /api/me/goals/:id/days/:date': {
    role: 'member', needsSession: true,
    build: async (ctx, as) => ({ url: `/api/me/goals/${await goalOf(ctx, as)}/days/${new Date().toISOString().slice(0, 10)}` }),
  },
  'DELETE /api/me/goals/:id/days/:date': {
    role: 'member', needsSession: true,
    build: async (ctx, as) => ({ url: `/api/me/goals/${await goalOf(ctx, as)}/days/${new Date().toISOString().slice(0, 10)}` }),
  },
  'PUT /api/me/toolkit/:postId': { role: 'member', needsSession: true, build: async (ctx) => ({ url: `/api/me/toolkit/${(await othersPost(ctx)).id}` }) },
  'DELETE /api/me/toolkit/:postId': { role: 'member', needsSession: true, build: async (ctx) => ({ url: `/api/me/toolkit/${(await othersPost(ctx)).id}` }) },
  'POST /api/mod/communities/:slug/resources': {
    role: 'moderator', needsSession: true,
    build: async (ctx) => ({ url: '/api/mod/communities/introductions/resources', body: { postId: (await othersPost(ctx)).id, title: 'What helps' } }),
  },
  'PATCH /api/mod/resources/:id': { role: 'moderator', needsSession: true, build: async (ctx) => ({ url: `/api/mod/resources/${await pinned(ctx)}`, body: { position: 2 } }) },
  'DELETE /api/mod/resources/:id': { role: 'moderator', needsSession: true, build: async (ctx) => ({ url: `/api/mod/resources/${await pinned(ctx)}` }) },
  'POST /api/notifications/read': { role: 'member', needsSession: true, build: async () => ({ url: '/api/notifications/read', body: { all: true } }) },
};

/** The registered state-changing routes, as "METHOD url". */
/** POSTs that change nothing: a draft to preview must not travel in a URL, which is logged. */
const READS_BY_POST = new Set(['POST /api/preview']);

export function stateChangingRoutes(ctx: TestContext): string[] {
  return ctx.app.haven.routes
    .filter((r) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method) && !READS_BY_POST.has(`${r.method} ${r.url}`))
    .map((r) => `${r.method} ${r.url}`)
    .sort();
}

/** A valid example of `route`, with a fresh member of the role it needs. */
export async function example(ctx: TestContext, route: string): Promise<Example> {
  const spec = STATE_CHANGES[route];
  if (!spec) throw new Error(`${route} has no example in test/helpers/state-changes.ts`);
  const as = await ctx.newMember(spec.role);
  const [method] = route.split(' ');
  return { as, method: method!, ...(await spec.build(ctx, as)) };
}
