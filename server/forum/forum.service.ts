import type { ContentWarning } from '../contract/content-warnings';
import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { findUserByPseudonym } from '../accounts/accounts.repository';
import type { AccountsService } from '../accounts/accounts.service';
import { isModerator, type Viewer } from '../accounts/viewer';
import type { Post, Thread } from '../contract/forum';
import { MAX_BODY_CHARS, post as postSchema, threadResponse } from '../contract/forum';
import type { DB } from '../db/schema';
import { afterCommit, transact } from '../db/transact';
import { AppError, conflict, forbidden, notFound, validationFailed } from '../http/errors';
import { aliasFor } from './aliases';
import * as repo from './forum.repository';
import { concernsReader, CURSOR_ID, CURSOR_PATH, CURSOR_TIME, decodeCursor, encodeCursor, toPost, toThread } from './forum.views';
import { renderMarkdown } from './markdown';
import { TtlCache } from '../lib/ttl-cache';
import { PageCache } from './page-cache';
import { childPath, MAX_PATH_BYTES, ROOT_PATH } from './tree-path';

export interface ForumDeps {
  db: Kysely<DB>;
  serverSecret: string;
  /** Opens a member's write transaction, confirming their session in it first. */
  writeAs: AccountsService['writeAs'];
  /** How long a cached thread page may be served (ms); 0 turns the cache off. */
  pageCacheMs?: number;
}

/** What a write did, for features that react in the same transaction (events, crisis, notifications). */
export interface PostWritten {
  kind: 'created' | 'updated' | 'deleted' | 'anonymized';
  postId: string;
  threadId: string;
  authorId: string | null;
  anonymous?: boolean;
  /** On a reply: who wrote the post replied to (null for a deleted member). */
  parentAuthorId?: string | null;
  /** What the member wrote (for a new thread: title and opening body), for crisis checks. */
  bodyMd?: string;
  /** On a new thread: its community, for the community topic. */
  communitySlug?: string;
  /** Who made the change (on deletes: the author or a moderator). */
  actor?: Viewer;
}
export type WriteHook = (trx: Transaction<DB>, write: PostWritten) => Promise<void>;
/** In the transaction of a mute change: other processes must drop their cached mutes of this member. */
export type MuteHook = (trx: Transaction<DB>, muterId: string) => Promise<void> | void;

const NO_MUTES: ReadonlySet<string> = new Set();

/** A thread page as the database returned it, shared by every reader until a write. */
interface PageEntry {
  thread: repo.ThreadRow;
  rows: repo.PostRow[];
  nextCursor: string | null;
  visitorJson?: string;
  /** The page as a member sees it who wrote none of it, muted none of its authors and does not moderate. */
  member?: MemberEncoding;
}

/** A member page encoded in pieces, so a reader's own posts can be swapped in without re-encoding the rest. */
interface MemberEncoding {
  head: string;
  posts: string[];
  tail: string;
  whole: string;
}

/**
 * A member who wrote nothing on a page: how every such member sees it. The id matches no
 * account (ids start at 1), so no post is "mine".
 */
const PLAIN_MEMBER: Viewer = { id: '0', pseudonym: '', role: 'member', suspendedUntil: null, createdAt: new Date(0), tokenHash: '' };

function tooLarge() {
  return new AppError(413, 'too_large', `A post can be at most ${MAX_BODY_CHARS.toLocaleString('en')} characters.`);
}

function checkBody(body: string) {
  if (body.length > MAX_BODY_CHARS) throw tooLarge();
}

export function createForumService(deps: ForumDeps) {
  const { db, serverSecret, writeAs } = deps;
  const writeHooks: WriteHook[] = [];
  const muteHooks: MuteHook[] = [];
  const pages = new PageCache<PageEntry>(deps.pageCacheMs ?? 30_000, 2_000);
  const mutes = new TtlCache<Set<string>>(deps.pageCacheMs ?? 30_000, 10_000);
  // A write makes the thread's cached pages stale. Drop them now and again after the commit,
  // so a read racing the transaction cannot leave pre-commit rows in the cache.
  writeHooks.push(async (trx, write) => {
    pages.invalidate(write.threadId);
    afterCommit(trx, () => pages.invalidate(write.threadId));
  });

  async function runHooks(trx: Transaction<DB>, write: PostWritten) {
    for (const hook of writeHooks) await hook(trx, write);
  }

  /** This member's alias in this thread: the one they have, else the first free candidate. */
  async function aliasIn(trx: Transaction<DB>, threadId: string, authorId: string): Promise<string> {
    const existing = await repo.existingAlias(trx, threadId, authorId);
    if (existing) return existing;
    return firstFreeAlias(trx, threadId, (attempt) => aliasFor(serverSecret, authorId, threadId, attempt), authorId);
  }

  /**
   * An alias for one post alone: the post was shown under a name, so readers know who wrote
   * it, and sharing the member's thread alias would tell them which anonymous posts are
   * theirs too. No other post, the member's own included, ever gets this alias.
   */
  function soloAlias(trx: Transaction<DB>, threadId: string, postId: string): Promise<string> {
    return firstFreeAlias(trx, threadId, (attempt) => aliasFor(serverSecret, `post:${postId}`, threadId, attempt), null);
  }

  async function firstFreeAlias(trx: Transaction<DB>, threadId: string, candidate: (attempt: number) => string, authorId: string | null) {
    for (let attempt = 0; attempt < 64; attempt++) {
      const alias = candidate(attempt);
      if (!(await repo.aliasTaken(trx, threadId, alias, authorId))) return alias;
    }
    // 4,096 names and 64 tries: only reachable in a thread with thousands of anonymous members.
    throw conflict('No anonymous name is free in this thread right now. Please post under your pseudonym or try later.');
  }

  async function postView(executor: repo.Exec, postId: string, viewer: Viewer | null): Promise<Post> {
    const row = await repo.findPost(executor, postId);
    if (!row) throw notFound('That post');
    return toPost(row, viewer, await mutedBy(viewer, executor));
  }

  /** Several posts as this reader may see them, in the order of `ids` (missing ones left out). */
  async function postViews(executor: repo.Exec, ids: string[], viewer: Viewer | null): Promise<Post[]> {
    const rows = await repo.findPosts(executor, ids);
    const muted = await mutedBy(viewer, executor);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.flatMap((id) => (byId.has(id) ? [toPost(byId.get(id)!, viewer, muted)] : []));
  }

  async function listCommunities() {
    const rows = await repo.listCommunities(db);
    return rows.map((r) => ({ id: r.id, slug: r.slug, name: r.name, description: r.description, threadCount: r.thread_count }));
  }

  async function listThreads(slug: string, cursor: string | undefined, limit: number) {
    const community = await repo.findCommunity(db, slug);
    if (!community) throw notFound('That community');
    const after = decodeCursor(cursor, [CURSOR_TIME, CURSOR_ID]);
    const rows = await repo.listThreads(db, community.id, after ? { at: new Date(after[0]!), id: after[1]! } : null, limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      threads: page.map(toThread),
      nextCursor: rows.length > limit && last ? encodeCursor([last.last_activity_at.toISOString(), last.id]) : null,
    };
  }

  async function createThread(
    viewer: Viewer,
    slug: string,
    input: { title: string; body: string; contentWarnings?: string[] | undefined; anonymous?: boolean | undefined },
    outer?: Transaction<DB>,
  ) {
    checkBody(input.body);
    const warnings = input.contentWarnings ?? [];
    const bodyHtml = renderMarkdown(input.body);
    return writeAs(viewer, 'active', async (trx) => {
      const community = await repo.findCommunity(trx, slug);
      if (!community) throw notFound('That community');
      await repo.bumpCommunity(trx, community.id);
      const thread = await repo.insertThread(trx, { communityId: community.id, title: input.title, authorId: viewer.id, warnings });
      const alias = input.anonymous ? aliasFor(serverSecret, viewer.id, thread.id) : null;
      if (alias) await repo.setThreadAuthorship(trx, thread.id, true, alias);
      const post = await repo.insertPost(trx, {
        threadId: thread.id, parentId: null, path: ROOT_PATH, depth: 0, authorId: viewer.id,
        anonymous: alias !== null, alias, bodyMd: input.body, bodyHtml, warnings, duplicateIn: { communityId: community.id },
      });
      if (post.duplicate) throw duplicatePost();
      await runHooks(trx, {
        kind: 'created', postId: post.id, threadId: thread.id, authorId: viewer.id, anonymous: alias !== null,
        bodyMd: `${input.title}\n\n${input.body}`, communitySlug: community.slug,
      });
      const created = await repo.findThread(trx, thread.id);
      return { thread: toThread(created!), post: toPost(post, viewer, NO_MUTES) };
    }, outer);
  }

  async function loadPage(threadId: string, cursor: string | undefined, limit: number): Promise<PageEntry> {
    const after = decodeCursor(cursor, [CURSOR_PATH]);
    const key = `${after?.[0] ?? ''}|${limit}`;
    const cached = pages.get(threadId, key);
    if (cached) return cached;
    const thread = await repo.findThread(db, threadId);
    if (!thread) throw notFound('That thread');
    const rows = await repo.pagePosts(db, threadId, after ? after[0]! : null, limit + 1);
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    const loaded: PageEntry = { thread, rows: rows.slice(0, limit), nextCursor: last ? encodeCursor([last.path]) : null };
    pages.set(threadId, key, loaded);
    return loaded;
  }

  /** The ids this member has muted, cached briefly; every mute change here drops the entry. */
  async function mutedBy(viewer: Viewer | null, executor: repo.Exec = db): Promise<ReadonlySet<string>> {
    if (!viewer) return NO_MUTES;
    const cached = mutes.get(viewer.id);
    if (cached) return cached;
    // Inside a transaction this must use it: PGlite has one connection, held by the transaction.
    const loaded = await repo.mutedIdsOf(executor, viewer.id);
    mutes.set(viewer.id, loaded);
    return loaded;
  }

  function pageView(entry: PageEntry, viewer: Viewer | null, muted: ReadonlySet<string>) {
    return { thread: toThread(entry.thread), posts: entry.rows.map((r) => toPost(r, viewer, muted)), nextCursor: entry.nextCursor };
  }

  async function readThread(threadId: string, viewer: Viewer | null, cursor: string | undefined, limit: number) {
    const entry = await loadPage(threadId, cursor, limit);
    return pageView(entry, viewer, await mutedBy(viewer));
  }

  /** The page as a member sees it whom it does not touch, encoded once through the response schema. */
  function memberEncoding(entry: PageEntry): MemberEncoding {
    if (entry.member) return entry.member;
    const view = threadResponse.encode(pageView(entry, PLAIN_MEMBER, NO_MUTES));
    const head = `{"thread":${JSON.stringify(view.thread)},"posts":[`;
    const posts = view.posts.map((p) => JSON.stringify(p));
    const tail = `],"nextCursor":${JSON.stringify(view.nextCursor)}}`;
    entry.member = { head, posts, tail, whole: head + posts.join(',') + tail };
    return entry.member;
  }

  /**
   * A member's page as JSON text. What a member sees of a post differs from what any other
   * member sees only for their own posts ("mine", and the body of their hidden ones), posts
   * by authors they muted, and, for a moderator, hidden bodies. Every other post is the
   * shared encoding; those few are encoded for this reader through the same post schema.
   */
  async function readThreadAsMember(threadId: string, viewer: Viewer, cursor: string | undefined, limit: number): Promise<string> {
    const entry = await loadPage(threadId, cursor, limit);
    const muted = await mutedBy(viewer);
    const shared = memberEncoding(entry);
    const touches = (r: repo.PostRow) => concernsReader(r, viewer, muted);
    if (!entry.rows.some(touches)) return shared.whole;
    const posts = entry.rows.map((r, i) => (touches(r) ? JSON.stringify(postSchema.encode(toPost(r, viewer, muted))) : shared.posts[i]!));
    return shared.head + posts.join(',') + shared.tail;
  }

  /**
   * A visitor's page as JSON text. Every visitor sees the same thing, so it is encoded once
   * per cached page, through the same response schema the serializer would apply.
   */
  async function readThreadAsVisitor(threadId: string, cursor: string | undefined, limit: number): Promise<string> {
    const entry = await loadPage(threadId, cursor, limit);
    entry.visitorJson ??= JSON.stringify(threadResponse.encode(pageView(entry, null, NO_MUTES)));
    return entry.visitorJson;
  }

  async function createPost(
    viewer: Viewer,
    threadId: string,
    input: { parentId?: string | undefined; body: string; contentWarnings?: string[] | undefined; anonymous?: boolean | undefined },
    outer?: Transaction<DB>,
  ) {
    checkBody(input.body);
    const bodyHtml = renderMarkdown(input.body);
    return writeAs(viewer, 'active', async (trx) => {
      // Counts the reply and claims its place under the parent, the thread's row lock first.
      const { thread, parent } = await repo.claimReply(trx, threadId, input.parentId ?? null);
      if (!thread) throw notFound('That thread');
      if (!parent) throw notFound('The post you are replying to');
      const path = childPath(parent.path, parent.ordinal);
      if (path.length > MAX_PATH_BYTES) {
        throw validationFailed('This conversation is nested too deeply to go further. Please reply to an earlier post.', [
          { path: 'body.parentId', message: 'is nested too deeply' },
        ]);
      }
      const alias = input.anonymous ? await aliasIn(trx, threadId, viewer.id) : null;
      const inserted = await repo.insertPost(trx, {
        threadId, parentId: parent.id, path, depth: parent.depth + 1, authorId: viewer.id,
        anonymous: alias !== null, alias, bodyMd: input.body, bodyHtml, warnings: input.contentWarnings ?? [], duplicateIn: { threadId },
      });
      // Checked in the insert's statement, after the thread's row lock: a double submission
      // waiting on the lock sees the first one's post.
      if (inserted.duplicate) throw duplicatePost();
      await runHooks(trx, {
        kind: 'created', postId: inserted.id, threadId, authorId: viewer.id, anonymous: alias !== null,
        parentAuthorId: parent.author_id, bodyMd: input.body,
      });
      // The author's own view of what was just written (one cannot mute oneself).
      return toPost(inserted, viewer, NO_MUTES);
    }, outer);
  }

  /** Loads a post for a change by `viewer`, who must be its author (or, if allowed, a moderator). */
  async function ownPost(trx: Transaction<DB>, postId: string, viewer: Viewer, moderatorMay: boolean) {
    const post = await repo.postForUpdate(trx, postId);
    if (!post || post.deleted_at) throw notFound('That post');
    if (post.author_id !== viewer.id && !(moderatorMay && isModerator(viewer))) {
      throw forbidden('Only the author can change this post.');
    }
    return post;
  }

  async function editPost(viewer: Viewer, postId: string, input: { body?: string | undefined; contentWarnings?: string[] | undefined }) {
    if (input.body !== undefined) checkBody(input.body);
    await writeAs(viewer, 'active', async (trx) => {
      const post = await ownPost(trx, postId, viewer, false);
      await repo.insertRevision(trx, post.id, post.body_md, post.content_warnings);
      await repo.updatePost(trx, post.id, {
        ...(input.body !== undefined ? { body_md: input.body, body_html: renderMarkdown(input.body), edited: true } : {}),
        ...(input.contentWarnings !== undefined ? { content_warnings: input.contentWarnings } : {}),
      });
      if (post.depth === 0 && input.contentWarnings !== undefined) await repo.setThreadWarnings(trx, post.thread_id, input.contentWarnings);
      await runHooks(trx, { kind: 'updated', postId: post.id, threadId: post.thread_id, authorId: post.author_id });
    });
    return postView(db, postId, viewer);
  }

  /** The markdown of one's own post, to edit it (readers only ever get the rendered HTML). */
  async function postSource(viewer: Viewer, postId: string) {
    const post = await repo.postSource(db, postId);
    if (!post || post.deleted_at) throw notFound('That post');
    if (post.author_id !== viewer.id) throw forbidden('Only the author can change this post.');
    return { body: post.body_md, contentWarnings: post.content_warnings as ContentWarning[] };
  }

  async function anonymizePost(viewer: Viewer, postId: string) {
    await writeAs(viewer, 'active', async (trx) => {
      const post = await ownPost(trx, postId, viewer, false);
      if (post.anonymous) return;
      await repo.lockThread(trx, post.thread_id); // serializes alias choice with other writers
      const alias = await soloAlias(trx, post.thread_id, post.id);
      await repo.setPostAuthorship(trx, post.id, true, alias, true);
      if (post.depth === 0) await repo.setThreadAuthorship(trx, post.thread_id, true, alias);
      await runHooks(trx, { kind: 'anonymized', postId: post.id, threadId: post.thread_id, authorId: post.author_id });
    });
    return postView(db, postId, viewer);
  }

  async function deletePost(viewer: Viewer, postId: string) {
    await writeAs(viewer, 'member', async (trx, me) => {
      const post = await repo.postForUpdate(trx, postId);
      if (!post) throw notFound('That post');
      if (post.author_id !== me.id && !isModerator(me)) throw forbidden('Only the author or a moderator can delete this post.');
      if (post.deleted_at) return;
      await repo.markDeleted(trx, post.id);
      // The title belongs to the opening post: a member who deletes it to take back what
      // they shared must not leave the words standing at the top of the thread.
      if (post.depth === 0) await repo.eraseThreadTitle(trx, post.thread_id);
      // An author's deletion takes the old revisions too; a moderator's keeps them as a record.
      if (post.author_id === viewer.id) await repo.deleteRevisions(trx, [post.id]);
      await runHooks(trx, { kind: 'deleted', postId: post.id, threadId: post.thread_id, authorId: post.author_id, actor: me });
    });
  }

  async function search(q: string, viewer: Viewer | null, cursor: string | undefined, limit: number) {
    const before = decodeCursor(cursor, [CURSOR_ID]);
    const rows = await repo.searchPosts(db, q, before ? before[0]! : null, limit + 1);
    const page = rows.slice(0, limit);
    const muted = await mutedBy(viewer);
    const last = page.at(-1);
    return { posts: page.map((r) => toPost(r, viewer, muted)), nextCursor: rows.length > limit && last ? encodeCursor([last.id]) : null };
  }

  async function setMute(viewer: Viewer, pseudonym: string, mute: boolean) {
    const target = await findUserByPseudonym(db, pseudonym);
    if (!target) throw notFound('That member');
    if (target.id === viewer.id) throw validationFailed('You cannot mute yourself.');
    await writeAs(viewer, 'member', async (trx) => {
      if (mute) await repo.insertMute(trx, viewer.id, target.id);
      else await repo.deleteMute(trx, viewer.id, target.id);
      for (const hook of muteHooks) await hook(trx, viewer.id);
      afterCommit(trx, () => mutes.delete(viewer.id));
    });
  }

  /**
   * Runs a create at most once per (member, Idempotency-Key): a retry with the same key and
   * body gets the created post (and its thread, for a new thread) as it is now; the same key
   * with another body is a 409. Only the post's id is kept with the key, never a copy of
   * the post: a post deleted or anonymized since must not come back whole from a replay.
   */
  async function idempotent<T extends { post: Post }>(
    viewer: Viewer,
    key: string | undefined,
    request: unknown,
    withThread: boolean,
    run: (trx?: Transaction<DB>) => Promise<T>,
  ): Promise<{ post: Post; thread?: Thread }> {
    if (key === undefined) return run();
    const hash = createHash('sha256').update(JSON.stringify(request)).digest('hex');
    return transact(db, undefined, async (trx) => {
      const claim = await repo.claimIdempotencyKey(trx, viewer.id, key, hash);
      if (!claim.claimed) {
        // (Keys stored before only ids were kept hold the whole first response.)
        const stored = claim.earlier.response as { postId?: string; post?: { id?: string } } | null;
        const postId = stored?.postId ?? stored?.post?.id;
        if (claim.earlier.request_hash !== hash || !postId) {
          throw conflict('This Idempotency-Key was already used for a different request.');
        }
        const post = await postView(trx, postId, viewer);
        if (!withThread) return { post };
        const thread = await repo.findThread(trx, post.threadId);
        return { thread: toThread(thread!), post };
      }
      // The create joins this transaction: the key and the post commit together or not at all.
      const created = await run(trx);
      await repo.completeIdempotencyKey(trx, viewer.id, key, 201, { postId: created.post.id });
      return created;
    });
  }

  return {
    listCommunities,
    listThreads,
    createThread,
    readThread,
    readThreadAsVisitor,
    readThreadAsMember,
    createPost,
    editPost,
    postSource,
    anonymizePost,
    deletePost,
    search,
    setMute,
    idempotent,
    postView,
    postViews,
    onWrite: (hook: WriteHook) => void writeHooks.push(hook),
    /** Drops cached pages: of one thread (a write seen on the bus), or all (author details changed). */
    forgetPages: (threadId?: string) => (threadId ? pages.invalidate(threadId) : pages.clear()),
    /** The ids a member muted (cached); the live channel marks muted posts with it. */
    mutedBy: (viewer: Viewer | null) => mutedBy(viewer),
    /** Another process saw this member change their mutes. */
    forgetMutes: (userId: string) => mutes.delete(userId),
    /** In the transaction of a mute change (the live bus tells the other processes). */
    onMuteChanged: (hook: MuteHook) => void muteHooks.push(hook),
    /** Account deletion: detach (FK does it) or, with erasePosts, erase what the member wrote. */
    async onAccountDeleted(trx: Transaction<DB>, userId: string, erasePosts: boolean) {
      if (erasePosts) await repo.eraseAuthorContent(trx, userId);
    },
    /** The member's own posts for their export, a page at a time, each with its source, thread and earlier versions. */
    async *exportPosts(userId: string) {
      for (let after = '0'; ;) {
        const rows = await repo.postsByAuthor(db, userId, after, 200);
        const revisions = await repo.revisionsOf(db, rows.map((r) => r.id));
        for (const r of rows) {
          yield {
            id: r.id, threadId: r.thread_id, threadTitle: r.thread_title, community: r.community, parentId: r.parent_id,
            anonymous: r.anonymous, alias: r.alias, bodyMarkdown: r.body_md, contentWarnings: r.content_warnings,
            createdAt: r.created_at.toISOString(), editedAt: r.edited_at ? new Date(r.edited_at).toISOString() : null,
            deleted: r.deleted_at !== null, hidden: r.hidden_by ? { by: r.hidden_by, reason: r.hidden_reason ?? '' } : null,
            revisions: revisions.filter((v) => v.post_id === r.id).map((v) => ({ bodyMarkdown: v.body_md, contentWarnings: v.content_warnings, createdAt: v.created_at.toISOString() })),
          };
        }
        if (rows.length < 200) return;
        after = rows.at(-1)!.id;
      }
    },
    async exportMutes(userId: string) {
      const rows = await repo.mutesOf(db, userId);
      return rows.map((r) => ({ pseudonym: r.pseudonym, since: r.created_at.toISOString() }));
    },
  };
}

export type ForumService = ReturnType<typeof createForumService>;

function duplicatePost() {
  return conflict('You posted exactly this a moment ago, so it was not posted twice.', 'duplicate_post');
}
