import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { exportDocument } from '../../server/contract/export';
import { schema } from '../../server/db/schema';
import { addDays, todayIn } from '../../server/lib/calendar';
import { useApp, type Member } from '../helpers/context';

const ctx = useApp({ milestoneEveryMs: 86_400_000 });

/**
 * Where each column of each table is in a member's export: "=path" (every value of the
 * member's rows is found there), "~path" (there, in another form: a name for an id, a flag
 * for a time, with defaults filled in), or "omit: why" (deliberately left out). A table that
 * is not member data says why once. A new table or column that is not listed here fails
 * the test: whoever adds one decides, here, whether it is exported.
 */
type Spec = { notMemberData: string } | { rows: (m: Member) => Promise<Array<Record<string, unknown>>>; columns: Record<string, string> };

const own = (table: keyof typeof schema, column: string) => (m: Member) =>
  ctx.db.selectFrom(table).selectAll().where(column as never, '=', m.id as never).execute() as Promise<Array<Record<string, unknown>>>;
const inOwnPosts = (table: 'post_revisions') => (m: Member) =>
  ctx.db.selectFrom(table).selectAll().where('post_id', 'in', ctx.db.selectFrom('posts').select('id').where('author_id', '=', m.id)).execute() as Promise<Array<Record<string, unknown>>>;
const SELF = 'omit: the member themselves';

const COVERAGE: Record<string, Spec> = {
  users: {
    rows: own('users', 'id'),
    columns: {
      id: '=user.id', pseudonym: '=user.pseudonym', pseudonym_key: 'omit: the pseudonym in lower case, for lookups',
      password_hash: 'omit: a hash of the password, a secret', recovery_code_hash: 'omit: a hash of the recovery code, a secret',
      role: '=user.role', preferences: '~user.preferences.contentWarnings', recovery_start_date: '=user.preferences.recoveryStartDate',
      show_recovery_days: '=user.preferences.showRecoveryDays', guidelines_accepted_at: '=guidelinesAcceptedAt',
      suspended_until: '=user.suspension.until', suspension_reason: '=user.suspension.reason', created_at: '=user.createdAt',
      time_zone: '=user.preferences.timeZone',
    },
  },
  sessions: {
    rows: own('sessions', 'user_id'),
    columns: { token_hash: 'omit: a hash of the session token, a secret', user_id: SELF, created_at: '=sessions[].createdAt', last_seen_at: '=sessions[].lastSeenAt' },
  },
  communities: { notMemberData: 'the communities are Haven’s, the same for everyone' },
  threads: {
    rows: own('threads', 'author_id'),
    columns: {
      id: '=posts[].threadId', community_id: '~posts[].community', title: '=posts[].threadTitle', author_id: SELF,
      anonymous: 'omit: the opening post’s, in posts[].anonymous', alias: 'omit: the opening post’s, in posts[].alias',
      content_warnings: 'omit: the opening post’s, in posts[].contentWarnings', reply_count: 'omit: counts other members’ replies',
      created_at: 'omit: the opening post’s, in posts[].createdAt', last_activity_at: 'omit: when anyone last replied (other members’ activity)',
      search: 'omit: a search index derived from the title and body',
    },
  },
  posts: {
    rows: own('posts', 'author_id'),
    columns: {
      id: '=posts[].id', thread_id: '=posts[].threadId', parent_id: '=posts[].parentId', path: 'omit: the post’s place in the tree, derived from parentId',
      depth: 'omit: derived from parentId', child_count: 'omit: counts other members’ replies', author_id: SELF, anonymous: '=posts[].anonymous',
      alias: '=posts[].alias', alias_solo: 'omit: internal, whether the alias belongs to this post alone', body_md: '=posts[].bodyMarkdown',
      body_html: 'omit: rendered from bodyMarkdown', content_warnings: '=posts[].contentWarnings', created_at: '=posts[].createdAt',
      edited_at: '=posts[].editedAt', deleted_at: '~posts[].deleted', hidden_reason: '=posts[].hidden.reason', hidden_by: '=posts[].hidden.by',
      search: 'omit: a search index derived from the body',
    },
  },
  post_revisions: {
    rows: inOwnPosts('post_revisions'),
    columns: {
      id: 'omit: their order, which the list keeps', post_id: 'omit: nested under its post', body_md: '=posts[].revisions[].bodyMarkdown',
      content_warnings: '=posts[].revisions[].contentWarnings', created_at: '=posts[].revisions[].createdAt',
    },
  },
  mutes: { rows: own('mutes', 'muter_id'), columns: { muter_id: SELF, muted_id: '~mutes[].pseudonym', created_at: '=mutes[].since' } },
  idempotency_keys: { notMemberData: 'kept 24 hours so that a retried post is not posted twice; what it refers to is exported as the post' },
  retired_pseudonyms: { notMemberData: 'a keyed digest of an erased member’s name, linked to no account' },
  rate_limits: { notMemberData: 'counts under keyed hashes, for minutes; nothing to read back' },
  events: { notMemberData: 'the live channel’s delivery log: references only, trimmed after EVENT_RETENTION_HOURS' },
  event_streams: { notMemberData: 'counters of the live channel' },
  notifications: {
    rows: own('notifications', 'user_id'),
    columns: {
      id: '=notifications[].id', user_id: SELF, kind: '=notifications[].kind', data: '~notifications[].data',
      created_at: '=notifications[].createdAt', read_at: '=notifications[].readAt',
    },
  },
  flags: {
    rows: own('flags', 'reporter_id'),
    columns: {
      id: 'omit: internal', post_id: '=flagsRaised[].postId', reporter_id: SELF, reason: '=flagsRaised[].reason', note: '=flagsRaised[].note',
      status: '=flagsRaised[].status', outcome: '=flagsRaised[].outcome', created_at: '=flagsRaised[].createdAt',
      resolved_at: '=flagsRaised[].resolvedAt', resolved_by: 'omit: which moderator resolved it is not the reporter’s to know',
    },
  },
  mod_log: { notMemberData: 'the moderators’ record; it names members only as the public sees them, and a member’s own notices are in notifications' },
  suspensions: { notMemberData: 'the admins’ list; a running suspension is in user.suspension' },
  recovery_streaks: {
    rows: own('recovery_streaks', 'user_id'),
    columns: { id: 'omit: internal', user_id: SELF, start_date: '=streaks[].startDate', end_date: '=streaks[].endDate', created_at: '=streaks[].keptAt' },
  },
  milestones_sent: {
    rows: own('milestones_sent', 'user_id'),
    columns: { user_id: SELF, start_date: '=milestonesCelebrated[].streakStart', days: '=milestonesCelebrated[].days', sent_at: '=milestonesCelebrated[].at' },
  },
  goals: {
    rows: own('goals', 'user_id'),
    columns: { id: 'omit: internal', user_id: SELF, title: '=goals[].title', created_at: '=goals[].createdAt', archived_at: '=goals[].archivedAt' },
  },
  goal_checks: {
    rows: (m) => ctx.db.selectFrom('goal_checks').selectAll().where('goal_id', 'in', ctx.db.selectFrom('goals').select('id').where('user_id', '=', m.id)).execute(),
    columns: { goal_id: 'omit: nested under its goal', day: '=goals[].done[]' },
  },
  toolkit_items: { rows: own('toolkit_items', 'user_id'), columns: { user_id: SELF, post_id: '=toolkit[].postId', created_at: '=toolkit[].savedAt' } },
  community_resources: { notMemberData: 'pins are the community’s, made by moderators' },
};

/** Every value at `path` ("a.b[].c"): a list is walked, a missing or null step gives null. */
function valuesAt(doc: unknown, path: string): unknown[] {
  let current: unknown[] = [doc];
  for (const step of path.split('.')) {
    const list = step.endsWith('[]');
    const key = list ? step.slice(0, -2) : step;
    current = current.flatMap((v) => {
      const next = v === null || v === undefined ? null : (v as Record<string, unknown>)[key];
      if (!list) return [next ?? null];
      return Array.isArray(next) ? next : [];
    });
  }
  return current;
}

const norm = (v: unknown) => (v instanceof Date ? v.toISOString() : Array.isArray(v) ? JSON.stringify(v) : v);

/** A member with every kind of data Haven keeps, and another member with private data of their own. */
async function memberWithEverything() {
  const m = await ctx.newMember();
  const other = await ctx.newMember();
  const today = todayIn('Europe/Paris');
  // A restart: the earlier streak is kept, the new one has passed its first week.
  await ctx.request('PUT', '/api/me/preferences', { as: m, body: { timeZone: 'Europe/Paris', recoveryStartDate: addDays(today, -40), showRecoveryDays: true, contentWarnings: { relapse: 'hide' } } });
  await ctx.request('PUT', '/api/me/preferences', { as: m, body: { recoveryStartDate: addDays(today, -8) } });
  await ctx.app.haven.journey.celebrateMilestones();

  const { thread } = await ctx.newThread(m, { title: 'My own thread title' });
  const theirs = await ctx.newThread(other, { title: 'Their public thread' });
  const otherPost = await ctx.reply(other, theirs.thread.id, { body: 'OTHER-post-body shown in public' });
  const anon = await ctx.reply(m, theirs.thread.id, { parentId: otherPost.id, anonymous: true, body: 'my anonymous words' });
  await ctx.request('PATCH', `/api/posts/${anon.id}`, { as: m, body: { body: 'my anonymous words, edited', contentWarnings: ['grief'] } });
  const gone = await ctx.reply(m, thread.id, { body: 'soon deleted' });
  await ctx.request('DELETE', `/api/posts/${gone.id}`, { as: m });
  const hidden = await ctx.reply(m, thread.id, { body: 'hidden later' });
  await ctx.request('POST', `/api/mod/posts/${hidden.id}/hide`, { as: await ctx.newMember('moderator'), body: { reason: 'a moderator’s reason' } });
  await ctx.reply(other, thread.id, { body: 'OTHER reply that notifies m' });
  await ctx.request('POST', `/api/posts/${otherPost.id}/flags`, { as: m, body: { reason: 'other', note: 'my flag note' } });
  await ctx.request('POST', `/api/users/${other.pseudonym}/mute`, { as: m });
  await ctx.request('POST', '/api/notifications/read', { as: m, body: { all: true } });
  const goal = await ctx.request('POST', '/api/me/goals', { as: m, body: { title: 'Call my sponsor' } });
  await ctx.request('PUT', `/api/me/goals/${goal.body.goal.id}/days/${today}`, { as: m });
  const old = await ctx.request('POST', '/api/me/goals', { as: m, body: { title: 'An archived goal' } });
  await ctx.request('PATCH', `/api/me/goals/${old.body.goal.id}`, { as: m, body: { archived: true } });
  await ctx.request('PUT', `/api/me/toolkit/${otherPost.id}`, { as: m });
  await ctx.db.updateTable('users').set({ suspended_until: new Date(Date.now() + 86_400_000), suspension_reason: 'my suspension reason' }).where('id', '=', m.id).execute();
  ctx.app.haven.accounts.forgetAccess(m.id);

  // The other member's private life: none of it may reach m's export.
  await ctx.request('POST', '/api/me/goals', { as: other, body: { title: 'OTHER-private-goal' } });
  await ctx.request('POST', `/api/posts/${anon.id}/flags`, { as: other, body: { reason: 'other', note: 'OTHER-private-note' } });
  await ctx.request('PUT', '/api/me/preferences', { as: other, body: { recoveryStartDate: '2001-02-03', timeZone: 'Asia/Kathmandu' } });
  return { m, other };
}

describe('GET /api/me/export', () => {
  it('names every table and column of the schema: exported, or left out with a reason', () => {
    expect(Object.keys(COVERAGE).sort()).toEqual(Object.keys(schema).sort());
    for (const [table, spec] of Object.entries(COVERAGE)) {
      if ('notMemberData' in spec) continue;
      expect(Object.keys(spec.columns).sort(), table).toEqual(Object.keys(schema[table as keyof typeof schema]).sort());
      for (const [column, where] of Object.entries(spec.columns)) expect(where, `${table}.${column}`).toMatch(/^(=|~)[a-zA-Z[\].]+$|^omit: .{8,}/);
    }
  });

  it('holds each kind of the member’s data, streamed in its schema, and nothing private of anyone else', async () => {
    const { m, other } = await memberWithEverything();
    const res = await ctx.request('GET', '/api/me/export', { as: m });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['content-disposition']).toContain('attachment');
    const doc = exportDocument.parse(res.body);

    for (const [table, spec] of Object.entries(COVERAGE)) {
      if ('notMemberData' in spec) continue;
      const rows = await spec.rows(m);
      expect(rows.length, `the fixture has no ${table} row`).toBeGreaterThan(0);
      for (const [column, where] of Object.entries(spec.columns)) {
        if (where.startsWith('omit')) continue;
        const found = valuesAt(doc, where.slice(1));
        if (where.startsWith('~')) {
          expect(found.some((v) => v !== null), `${table}.${column} at ${where}`).toBe(true);
          continue;
        }
        const exported = found.map(norm);
        for (const row of rows) expect(exported, `${table}.${column} at ${where}`).toContain(norm(row[column]));
      }
    }

    const text = JSON.stringify(res.body);
    // (A reply to the member's own post is public, and reached them as a notification with an excerpt: that stays.)
    for (const secret of ['OTHER-private-goal', 'OTHER-private-note', '2001-02-03', 'Asia/Kathmandu', 'OTHER-post-body']) {
      expect(text, secret).not.toContain(secret);
    }
    expect(text).not.toMatch(/argon2|\$2[aby]\$|token/i);
    const { rows: hashes } = await sql<{ h: string }>`select token_hash as h from sessions where user_id = ${m.id}`.execute(ctx.db);
    for (const { h } of hashes) expect(text).not.toContain(h);
    // Public context is there: the thread titles of the member's own posts.
    expect(doc.posts.map((p) => p.threadTitle)).toContain('Their public thread');
    expect(doc.posts.find((p) => p.anonymous)?.revisions[0]?.bodyMarkdown).toBe('my anonymous words');
    expect(doc.mutes).toEqual([{ pseudonym: other.pseudonym, since: expect.any(String) }]);
  });

  it('erasing the account leaves no row of any kind the export covers', async () => {
    const { m } = await memberWithEverything();
    expect((await ctx.request('DELETE', '/api/me', { as: m, body: { password: m.password, erasePosts: true } })).status).toBe(204);
    for (const [table, spec] of Object.entries(COVERAGE)) {
      if ('notMemberData' in spec) continue;
      expect(await spec.rows(m), table).toEqual([]);
    }
  });
});
