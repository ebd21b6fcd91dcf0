import { sql, type QueryCreator, type RawBuilder } from 'kysely';
import { joinAuthor, joinAuthorRole } from '../accounts/accounts.doors';
import type { Exec } from '../db/executor';
import { executePrepared, executePreparedFirst } from '../db/prepared';
import type { DB } from '../db/schema';
import { ROOT_PATH } from './tree-path';

/**
 * All SQL of communities, threads, posts, post revisions, mutes and idempotency keys.
 * Authors' names come through accounts' query fragment (joinAuthor), so a page with its
 * authors stays one statement. Other features reach these tables through forum.doors.ts.
 */

const postColumns = [
  'posts.id', 'posts.thread_id', 'posts.parent_id', 'posts.depth', 'posts.path', 'posts.author_id', 'posts.anonymous',
  'posts.alias', 'posts.body_html', 'posts.content_warnings', 'posts.created_at', 'posts.edited_at',
  'posts.deleted_at', 'posts.hidden_reason', 'posts.hidden_by',
] as const;

function postsWithAuthor(db: Exec) {
  return joinAuthor(db.selectFrom('posts').select(postColumns), 'posts.author_id');
}
export type PostRow = Awaited<ReturnType<ReturnType<typeof postsWithAuthor>['executeTakeFirstOrThrow']>>;

function threadsWithAuthor(db: Exec) {
  const threads = db
    .selectFrom('threads')
    .innerJoin('communities', 'communities.id', 'threads.community_id')
    .select([
      'threads.id', 'threads.title', 'threads.author_id', 'threads.anonymous', 'threads.alias', 'threads.content_warnings',
      'threads.reply_count', 'threads.created_at', 'threads.last_activity_at', 'communities.slug as community_slug',
    ]);
  return joinAuthor(threads, 'threads.author_id');
}
export type ThreadRow = Awaited<ReturnType<ReturnType<typeof threadsWithAuthor>['executeTakeFirstOrThrow']>>;

export function listCommunities(db: Exec) {
  return db.selectFrom('communities').select(['id', 'slug', 'name', 'description', 'thread_count']).orderBy('id').execute();
}

export function findCommunity(db: Exec, slug: string) {
  return db.selectFrom('communities').select(['id', 'slug']).where('slug', '=', slug).executeTakeFirst();
}

/** Latest activity first; the cursor is the last row's (last_activity_at, id). */
export function listThreads(db: Exec, communityId: string, after: { at: Date; id: string } | null, limit: number) {
  let q = threadsWithAuthor(db).where('threads.community_id', '=', communityId);
  if (after) {
    q = q.where((eb) => eb(eb.refTuple('threads.last_activity_at', 'threads.id'), '<', eb.tuple(after.at, after.id)));
  }
  return q.orderBy('threads.last_activity_at', 'desc').orderBy('threads.id', 'desc').limit(limit).execute();
}

export function findThread(db: Exec, id: string) {
  return executePreparedFirst(db, threadsWithAuthor(db).where('threads.id', '=', id));
}

/** Several threads in one query (a batch of live events, a page of notifications). */
export function findThreads(db: Exec, ids: string[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return threadsWithAuthor(db).where('threads.id', 'in', ids).execute();
}

/** One page of a thread in depth-first order: a single range scan of (thread_id, path). */
export function pagePostsQuery(db: Exec, threadId: string, afterPath: string | null, limit: number) {
  let q = postsWithAuthor(db).where('posts.thread_id', '=', threadId);
  if (afterPath !== null) q = q.where('posts.path', '>', afterPath);
  return q.orderBy('posts.path').limit(limit);
}

export function pagePosts(db: Exec, threadId: string, afterPath: string | null, limit: number) {
  return executePrepared(db, pagePostsQuery(db, threadId, afterPath, limit));
}

export function findPost(db: Exec, id: string) {
  return postsWithAuthor(db).where('posts.id', '=', id).executeTakeFirst();
}

/** Several posts in one query (a batch of live events, a page of notifications or flags). */
export function findPosts(db: Exec, ids: string[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return postsWithAuthor(db).where('posts.id', 'in', ids).execute();
}

export async function bumpCommunity(db: Exec, communityId: string) {
  await db.updateTable('communities').set((eb) => ({ thread_count: eb('thread_count', '+', 1) })).where('id', '=', communityId).execute();
}

export function insertThread(db: Exec, values: { communityId: string; title: string; authorId: string; warnings: string[] }) {
  return db
    .insertInto('threads')
    .values({ community_id: values.communityId, title: values.title, author_id: values.authorId, content_warnings: values.warnings })
    .returning(['id', 'created_at'])
    .executeTakeFirstOrThrow();
}

export async function setThreadAuthorship(db: Exec, threadId: string, anonymous: boolean, alias: string | null) {
  await db.updateTable('threads').set({ anonymous, alias }).where('id', '=', threadId).execute();
}

export async function setThreadWarnings(db: Exec, threadId: string, warnings: string[]) {
  await db.updateTable('threads').set({ content_warnings: warnings }).where('id', '=', threadId).execute();
}

/**
 * Last activity moves at most this often. It orders a community's threads (an indexed
 * column), so moving it on every reply would write a new entry into every index of the
 * thread row, search included. Counting a reply alone touches no index (a HOT update).
 */
export const ACTIVITY_RESOLUTION_SECONDS = 10;

/**
 * Counts a reply, moves last activity, and claims the reply's place: the next sibling
 * ordinal under its parent (the opening post when parentId is null), in one statement.
 * The thread's row lock comes first (the claim reads the thread row the bump returns, so it
 * cannot run before the bump), which orders a thread's writers and keeps alias checks
 * race-free; the claim's own row lock then means an ordinal is never handed out twice.
 * The opening post is found by its path, so the claim is one probe of an index (the
 * primary key, or the unique (thread_id, path)), whatever the thread's size.
 * No row: no such thread. A row with a null `id`: no such parent in this thread.
 */
export function claimReplyQuery(db: Exec, threadId: string, parentId: string | null) {
  return db
    .with('bumped', (q) =>
      q
        .updateTable('threads')
        .set((eb) => ({
          reply_count: eb('reply_count', '+', 1),
          last_activity_at: sql`case when threads.last_activity_at < now() - make_interval(secs => ${ACTIVITY_RESOLUTION_SECONDS}) then now() else threads.last_activity_at end`,
        }))
        .where('id', '=', threadId)
        .returning(['id']))
    .with('claimed', (q) => {
      const claim = q
        .updateTable('posts')
        .from('bumped')
        .set((eb) => ({ child_count: eb('posts.child_count', '+', 1) }))
        .whereRef('posts.thread_id', '=', 'bumped.id');
      return (parentId ? claim.where('posts.id', '=', parentId) : claim.where('posts.path', '=', ROOT_PATH))
        .returning(['posts.id', 'posts.child_count', 'posts.path', 'posts.depth', 'posts.author_id']);
    })
    .selectFrom('bumped')
    .leftJoin('claimed', (join) => join.onTrue())
    .select(['bumped.id as thread_id', 'claimed.id', 'claimed.child_count', 'claimed.path', 'claimed.depth', 'claimed.author_id']);
}

export async function claimReply(db: Exec, threadId: string, parentId: string | null) {
  const row = await executePreparedFirst(db, claimReplyQuery(db, threadId, parentId));
  if (!row) return { thread: false as const };
  if (row.id === null) return { thread: true as const, parent: undefined };
  return { thread: true as const, parent: { id: row.id, ordinal: row.child_count! - 1, path: row.path!, depth: row.depth!, author_id: row.author_id } };
}

export async function lockThread(db: Exec, threadId: string) {
  await db.selectFrom('threads').select('id').where('id', '=', threadId).forUpdate().execute();
}

/** Where a post counts as a repeat: the same thread, or (for an opening post) the same community. */
export type DuplicateScope = { threadId: string } | { communityId: string };

/** The member's same post within the last five minutes, if any: one probe of posts_author_body_idx. */
function duplicateOf(q: QueryCreator<DB>, authorId: string, bodyMd: string, where: DuplicateScope) {
  let d = q
    .selectFrom('posts')
    .select('posts.id')
    .where('posts.author_id', '=', authorId)
    .where(sql<string>`md5(posts.body_md)`, '=', sql<string>`md5(${bodyMd})`)
    .where('posts.created_at', '>', sql<Date>`now() - interval '5 minutes'`)
    .where('posts.deleted_at', 'is', null)
    .where('posts.body_md', '=', bodyMd);
  if ('threadId' in where) d = d.where('posts.thread_id', '=', where.threadId);
  else {
    d = d
      .innerJoin('threads', 'threads.id', 'posts.thread_id')
      .where('threads.community_id', '=', where.communityId)
      .where('posts.depth', '=', 0);
  }
  return d.limit(1);
}

/**
 * Inserts a post and returns it as readers get it (a PostRow), without reading it back, and
 * whether it repeats one its author wrote in the last five minutes (`duplicateIn`). The check
 * shares the statement, and so misses the row being inserted; a duplicate's caller rolls back.
 */
export async function insertPost(
  db: Exec,
  v: {
    threadId: string; parentId: string | null; path: string; depth: number; authorId: string; anonymous: boolean;
    alias: string | null; bodyMd: string; bodyHtml: string; warnings: string[]; duplicateIn: DuplicateScope;
  },
): Promise<PostRow & { duplicate: boolean }> {
  const q = db
    .with('duplicate', (q) => duplicateOf(q, v.authorId, v.bodyMd, v.duplicateIn))
    .with('inserted', (q) =>
      q
        .insertInto('posts')
        .values({
          thread_id: v.threadId, parent_id: v.parentId, path: v.path, depth: v.depth, author_id: v.authorId,
          anonymous: v.anonymous, alias: v.alias, body_md: v.bodyMd, body_html: v.bodyHtml, content_warnings: v.warnings,
        })
        .returning(postColumns),
    )
    .selectFrom('inserted')
    .selectAll('inserted')
    .select((eb) => eb.exists(eb.selectFrom('duplicate').select('duplicate.id')).$castTo<boolean>().as('duplicate'));
  return (await executePreparedFirst(db, joinAuthor(q, 'inserted.author_id')))! as PostRow & { duplicate: boolean };
}

/** The alias this member already has in this thread, if any (a post's solo alias is not theirs to reuse). */
export async function existingAlias(db: Exec, threadId: string, authorId: string): Promise<string | null> {
  const row = await db
    .selectFrom('posts')
    .select('alias')
    .where('thread_id', '=', threadId)
    .where('author_id', '=', authorId)
    .where('alias', 'is not', null)
    .where('alias_solo', '=', false)
    .limit(1)
    .executeTakeFirst();
  return row?.alias ?? null;
}

/**
 * Whether the alias is unavailable in this thread to `authorId` (null: to anyone): another
 * member has it, or it is some post's solo alias, which nobody shares.
 */
export async function aliasTaken(db: Exec, threadId: string, alias: string, authorId: string | null): Promise<boolean> {
  let q = db.selectFrom('posts').select('id').where('thread_id', '=', threadId).where('alias', '=', alias);
  if (authorId !== null) q = q.where((eb) => eb.or([sql<boolean>`author_id is distinct from ${authorId}`, eb('alias_solo', '=', true)]));
  return (await q.limit(1).executeTakeFirst()) !== undefined;
}

/** What its author wrote, for editing. */
export function postSource(db: Exec, id: string) {
  return db.selectFrom('posts').select(['author_id', 'body_md', 'content_warnings', 'deleted_at']).where('id', '=', id).executeTakeFirst();
}

export function postForUpdate(db: Exec, id: string) {
  return db
    .selectFrom('posts')
    .select(['id', 'thread_id', 'author_id', 'depth', 'body_md', 'content_warnings', 'deleted_at', 'anonymous'])
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

export async function insertRevision(db: Exec, postId: string, bodyMd: string, warnings: string[]) {
  await db.insertInto('post_revisions').values({ post_id: postId, body_md: bodyMd, content_warnings: warnings }).execute();
}

export async function updatePost(db: Exec, id: string, values: { body_md?: string; body_html?: string; content_warnings?: string[]; edited?: boolean }) {
  const { edited, ...rest } = values;
  await db
    .updateTable('posts')
    .set({ ...rest, ...(edited ? { edited_at: sql`now()` } : {}) })
    .where('id', '=', id)
    .execute();
}

export async function setPostAuthorship(db: Exec, id: string, anonymous: boolean, alias: string | null, solo = false) {
  await db.updateTable('posts').set({ anonymous, alias, alias_solo: solo }).where('id', '=', id).execute();
}

/** Deleted posts keep their place in the tree but lose their body everywhere. */
export async function markDeleted(db: Exec, id: string) {
  await db.updateTable('posts').set({ deleted_at: sql`now()`, body_md: '', body_html: '' }).where('id', '=', id).execute();
}

export async function deleteRevisions(db: Exec, postIds: string[] | { authorId: string }) {
  let q = db.deleteFrom('post_revisions');
  if (Array.isArray(postIds)) {
    if (postIds.length === 0) return;
    q = q.where('post_id', 'in', postIds);
  } else {
    q = q.where('post_id', 'in', (eb) => eb.selectFrom('posts').select('id').where('author_id', '=', postIds.authorId));
  }
  await q.execute();
}

/** What a thread is called once its opening post, and so its title, is gone. */
const DELETED_TITLE = '[deleted]';

/** Account erasure with erasePosts: every body and title the member wrote is emptied. */
export async function eraseAuthorContent(db: Exec, authorId: string) {
  await deleteRevisions(db, { authorId });
  await db
    .updateTable('posts')
    .set({ deleted_at: sql`coalesce(deleted_at, now())`, body_md: '', body_html: '' })
    .where('author_id', '=', authorId)
    .execute();
  await db.updateTable('threads').set({ title: DELETED_TITLE }).where('author_id', '=', authorId).execute();
}

export async function eraseThreadTitle(db: Exec, threadId: string) {
  await db.updateTable('threads').set({ title: DELETED_TITLE }).where('id', '=', threadId).execute();
}

/** Visible posts (not deleted, not hidden) matching the words, newest first. */
export function searchPosts(db: Exec, q: string, beforeId: string | null, limit: number) {
  const query = sql`websearch_to_tsquery('english', ${q})`;
  let s = postsWithAuthor(db)
    .innerJoin('threads', 'threads.id', 'posts.thread_id')
    .where('posts.deleted_at', 'is', null)
    .where('posts.hidden_by', 'is', null)
    .where((eb) =>
      eb.or([
        sql<boolean>`posts.search @@ ${query}`,
        eb.and([eb('posts.depth', '=', 0), sql<boolean>`threads.search @@ ${query}`]),
      ]),
    );
  if (beforeId) s = s.where('posts.id', '<', beforeId);
  return s.orderBy('posts.id', 'desc').limit(limit).execute();
}

/** A page of a member's own posts, by id, with their thread's title and community. */
export function postsByAuthor(db: Exec, authorId: string, afterId: string, limit: number) {
  return db
    .selectFrom('posts')
    .innerJoin('threads', 'threads.id', 'posts.thread_id')
    .innerJoin('communities', 'communities.id', 'threads.community_id')
    .select([
      'posts.id', 'posts.thread_id', 'posts.parent_id', 'posts.anonymous', 'posts.alias', 'posts.body_md', 'posts.content_warnings',
      'posts.created_at', 'posts.edited_at', 'posts.deleted_at', 'posts.hidden_by', 'posts.hidden_reason',
      'threads.title as thread_title', 'communities.slug as community',
    ])
    .where('posts.author_id', '=', authorId)
    .where('posts.id', '>', afterId)
    .orderBy('posts.id')
    .limit(limit)
    .execute();
}

export function revisionsOf(db: Exec, postIds: string[]) {
  if (postIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('post_revisions').select(['post_id', 'body_md', 'content_warnings', 'created_at']).where('post_id', 'in', postIds).orderBy('id').execute();
}

// Mutes.
export async function insertMute(db: Exec, muterId: string, mutedId: string) {
  await db.insertInto('mutes').values({ muter_id: muterId, muted_id: mutedId }).onConflict((oc) => oc.doNothing()).execute();
}

export async function deleteMute(db: Exec, muterId: string, mutedId: string) {
  await db.deleteFrom('mutes').where('muter_id', '=', muterId).where('muted_id', '=', mutedId).execute();
}

export async function mutedIdsOf(db: Exec, muterId: string): Promise<Set<string>> {
  const rows = await db.selectFrom('mutes').select('muted_id').where('muter_id', '=', muterId).execute();
  return new Set(rows.map((r) => r.muted_id));
}

export function mutesOf(db: Exec, muterId: string) {
  return db.selectFrom('mutes').select(['muted_id', 'created_at']).where('muter_id', '=', muterId).orderBy('created_at').execute();
}

/**
 * The query fragment notifications use to keep "someone replied" one statement: whether
 * `muterId` muted `mutedId`.
 */
export function mutedCondition(muterId: string | null, mutedId: string): RawBuilder<boolean> {
  return sql<boolean>`exists (select 1 from mutes where muter_id = ${muterId}::bigint and muted_id = ${mutedId}::bigint)`;
}


// Idempotency keys.
/**
 * Claims (userId, key) for this request, or returns the earlier claim. A concurrent request
 * with the same key blocks on the unique index until the first commits, then sees its
 * stored response. A claim older than 24 hours is taken over as if new.
 */
export async function claimIdempotencyKey(db: Exec, userId: string, key: string, requestHash: string) {
  const claimed = await db
    .insertInto('idempotency_keys')
    .values({ user_id: userId, key, request_hash: requestHash })
    .onConflict((oc) =>
      oc
        .columns(['user_id', 'key'])
        .doUpdateSet({ request_hash: requestHash, status: null, response: null, created_at: sql`now()` })
        .where('idempotency_keys.created_at', '<', sql<Date>`now() - interval '24 hours'`),
    )
    .returning('key')
    .executeTakeFirst();
  if (claimed) return { claimed: true as const };
  const earlier = await db
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'status', 'response'])
    .where('user_id', '=', userId)
    .where('key', '=', key)
    .executeTakeFirstOrThrow();
  return { claimed: false as const, earlier };
}

export async function completeIdempotencyKey(db: Exec, userId: string, key: string, status: number, response: unknown) {
  await db
    .updateTable('idempotency_keys')
    .set({ status, response: JSON.stringify(response) })
    .where('user_id', '=', userId)
    .where('key', '=', key)
    .execute();
}

export async function pruneIdempotencyKeys(db: Exec) {
  await db.deleteFrom('idempotency_keys').where('created_at', '<', sql<Date>`now() - interval '24 hours'`).execute();
}

// For moderation, through forum.doors.ts.

/** A post locked for a moderator's action, with what moderation may know of its author. */
export function postForModeration(db: Exec, postId: string) {
  const post = db
    .selectFrom('posts')
    .select([
      'posts.id', 'posts.thread_id', 'posts.author_id', 'posts.anonymous', 'posts.alias', 'posts.depth', 'posts.hidden_by',
      'posts.content_warnings', 'posts.deleted_at',
    ]);
  return joinAuthorRole(post, 'posts.author_id').where('posts.id', '=', postId).forUpdate('posts').executeTakeFirst();
}
export type ModPost = NonNullable<Awaited<ReturnType<typeof postForModeration>>>;

export async function setHidden(db: Exec, postId: string, hidden: { by: 'moderator' | 'community'; reason: string } | null) {
  await db
    .updateTable('posts')
    .set({ hidden_by: hidden?.by ?? null, hidden_reason: hidden?.reason ?? null })
    .where('id', '=', postId)
    .execute();
}

export async function setPostWarnings(db: Exec, postId: string, warnings: string[]) {
  await db.updateTable('posts').set({ content_warnings: warnings }).where('id', '=', postId).execute();
}

// For resources, through forum.doors.ts.

/** The post with its thread's community, for pinning where it belongs. */
export function postPlace(db: Exec, postId: string) {
  return db
    .selectFrom('posts as p')
    .innerJoin('threads as t', 't.id', 'p.thread_id')
    .select(['p.id', 'p.thread_id', 't.community_id', 'p.deleted_at'])
    .where('p.id', '=', postId)
    .executeTakeFirst();
}
