import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { MemberLookup, MemberWrites } from '../accounts/accounts.doors';
import { isModerator, type Viewer } from '../accounts/viewer';
import type { ContentWarning } from '../contract/content-warnings';
import type { CrisisResource, Post, Thread } from '../contract/forum';
import { MAX_BODY_CHARS, post as postSchema, threadResponse } from '../contract/forum';
import type { Trx } from '../db/executor';
import type { DB } from '../db/schema';
import { afterCommit } from '../db/transact';
import { AppError, conflict, forbidden, notFound, validationFailed } from '../http/errors';
import { CURSOR_ID, CURSOR_PATH, CURSOR_TIME, decodeCursor, pageOf } from '../lib/pagination';
import { INTERNAL_TOPIC, MUTES_CHANGED, type OutboxWriter } from '../outbox/outbox.service';
import { aliasFor } from './aliases';
import { NO_MUTES, type ForumCaches, type MemberEncoding, type PageEntry } from './forum.caches';
import type { PostReader } from './forum.doors';
import * as repo from './forum.repository';
import { concernsReader, toPost, toThread } from './forum.views';
import { renderMarkdown } from './markdown';
import type { AfterPostWrite } from './post-write';
import { childPath, MAX_PATH_BYTES, ROOT_PATH } from './tree-path';

/** Whether a text reads like a crisis, and what to show its author then (moderation's crisis config). */
export interface CrisisCheck {
  readsLikeCrisis(text: string): boolean;
  readonly resources: CrisisResource[];
}

export interface ForumDeps {
  db: Kysely<DB>;
  serverSecret: string;
  writes: MemberWrites;
  caches: ForumCaches;
  reader: PostReader;
  lookup: MemberLookup;
  crisis: CrisisCheck;
  outbox: OutboxWriter;
  /** What a post write sets off, in order (post-write.ts). */
  afterPostWrite: AfterPostWrite;
}

export interface NewThreadInput {
  title: string;
  body: string;
  contentWarnings?: string[] | undefined;
  anonymous?: boolean | undefined;
}

export interface NewPostInput {
  parentId?: string | undefined;
  body: string;
  contentWarnings?: string[] | undefined;
  anonymous?: boolean | undefined;
}

/** What creating a post answers: the post (and thread), and crisis resources when the text calls for them. */
type Created<T> = T & { crisisResources?: CrisisResource[] };

/**
 * A member who wrote nothing on a page: how every such member sees it. The id matches no
 * account (ids start at 1), so no post is "mine".
 */
const PLAIN_MEMBER: Viewer = { id: '0', pseudonym: '', role: 'member', suspendedUntil: null, createdAt: new Date(0), tokenHash: '' };

function checkBody(body: string) {
  if (body.length > MAX_BODY_CHARS) throw new AppError(413, 'too_large', `A post can be at most ${MAX_BODY_CHARS.toLocaleString('en')} characters.`);
}

function duplicatePost() {
  return conflict('You posted exactly this a moment ago, so it was not posted twice.', 'duplicate_post');
}

function requestHash(request: unknown) {
  return createHash('sha256').update(JSON.stringify(request)).digest('hex');
}

/** Communities, threads and posts: reading pages, writing, anonymity, search and mutes. */
export class ForumService {
  readonly #db: Kysely<DB>;

  constructor(private readonly deps: ForumDeps) {
    this.#db = deps.db;
  }

  // Aliases.

  /** This member's alias in this thread: the one they have, else the first free candidate. */
  async #aliasIn(trx: Trx, threadId: string, authorId: string): Promise<string> {
    const existing = await repo.existingAlias(trx, threadId, authorId);
    if (existing) return existing;
    return this.#firstFreeAlias(trx, threadId, (attempt) => aliasFor(this.deps.serverSecret, authorId, threadId, attempt), authorId);
  }

  /**
   * An alias for one post alone: the post was shown under a name, so readers know who wrote
   * it, and sharing the member's thread alias would tell them which anonymous posts are
   * theirs too. No other post, the member's own included, ever gets this alias.
   */
  #soloAlias(trx: Trx, threadId: string, postId: string): Promise<string> {
    return this.#firstFreeAlias(trx, threadId, (attempt) => aliasFor(this.deps.serverSecret, `post:${postId}`, threadId, attempt), null);
  }

  async #firstFreeAlias(trx: Trx, threadId: string, candidate: (attempt: number) => string, authorId: string | null) {
    for (let attempt = 0; attempt < 64; attempt++) {
      const alias = candidate(attempt);
      if (!(await repo.aliasTaken(trx, threadId, alias, authorId))) return alias;
    }
    // 4,096 names and 64 tries: only reachable in a thread with thousands of anonymous members.
    throw conflict('No anonymous name is free in this thread right now. Please post under your pseudonym or try later.');
  }

  // Reading.

  async listCommunities() {
    const rows = await repo.listCommunities(this.#db);
    return { communities: rows.map((r) => ({ id: r.id, slug: r.slug, name: r.name, description: r.description, threadCount: r.thread_count })) };
  }

  async listThreads(slug: string, cursor: string | undefined, limit: number) {
    const community = await repo.findCommunity(this.#db, slug);
    if (!community) throw notFound('That community');
    const after = decodeCursor(cursor, [CURSOR_TIME, CURSOR_ID]);
    const rows = await repo.listThreads(this.#db, community.id, after ? { at: new Date(after[0]!), id: after[1]! } : null, limit + 1);
    const { page, nextCursor } = pageOf(rows, limit, (last) => [last.last_activity_at.toISOString(), last.id]);
    return { threads: page.map(toThread), nextCursor };
  }

  async #loadPage(threadId: string, cursor: string | undefined, limit: number): Promise<PageEntry> {
    const after = decodeCursor(cursor, [CURSOR_PATH]);
    const key = `${after?.[0] ?? ''}|${limit}`;
    const { pages } = this.deps.caches;
    const cached = pages.get(threadId, key);
    if (cached) return cached;
    // Taken before the rows are read: a write that invalidates the thread meanwhile wins.
    const version = pages.version();
    const thread = await repo.findThread(this.#db, threadId);
    if (!thread) throw notFound('That thread');
    const rows = await repo.pagePosts(this.#db, threadId, after ? after[0]! : null, limit + 1);
    const { page, nextCursor } = pageOf(rows, limit, (last) => [last.path]);
    const loaded: PageEntry = { thread, rows: page, nextCursor };
    pages.set(threadId, key, loaded, version);
    return loaded;
  }

  #pageView(entry: PageEntry, viewer: Viewer | null, muted: ReadonlySet<string>) {
    return { thread: toThread(entry.thread), posts: entry.rows.map((r) => toPost(r, viewer, muted)), nextCursor: entry.nextCursor };
  }

  /** A page of a thread as this reader sees it (the object form; readThreadAsMember is the fast path). */
  async readThread(threadId: string, viewer: Viewer | null, cursor: string | undefined, limit: number) {
    const entry = await this.#loadPage(threadId, cursor, limit);
    return this.#pageView(entry, viewer, await this.deps.caches.mutedBy(viewer));
  }

  /** The page as a member sees it whom it does not touch, encoded once through the response schema. */
  #memberEncoding(entry: PageEntry): MemberEncoding {
    if (entry.member) return entry.member;
    const view = threadResponse.encode(this.#pageView(entry, PLAIN_MEMBER, NO_MUTES));
    const head = `{"thread":${JSON.stringify(view.thread)},"posts":[`;
    const posts = view.posts.map((p) => JSON.stringify(p));
    const tail = `],"nextCursor":${JSON.stringify(view.nextCursor)}}`;
    entry.member = { head, posts, tail, whole: head + posts.join(',') + tail };
    return entry.member;
  }

  /**
   * A page of a thread as JSON text, for a member or a visitor. Every visitor sees the same
   * thing, so it is encoded once per cached page. What a member sees of a post differs from
   * what any other member sees only for their own posts ("mine", and the body of their
   * hidden ones), posts by authors they muted, and, for a moderator, hidden bodies. Every
   * other post is the shared encoding; those few are encoded for this reader through the
   * same post schema.
   */
  async readThreadJson(threadId: string, viewer: Viewer | null, cursor: string | undefined, limit: number): Promise<string> {
    const entry = await this.#loadPage(threadId, cursor, limit);
    if (!viewer) return (entry.visitorJson ??= JSON.stringify(threadResponse.encode(this.#pageView(entry, null, NO_MUTES))));
    const muted = await this.deps.caches.mutedBy(viewer);
    const shared = this.#memberEncoding(entry);
    const touches = (r: repo.PostRow) => concernsReader(r, viewer, muted);
    if (!entry.rows.some(touches)) return shared.whole;
    const posts = entry.rows.map((r, i) => (touches(r) ? JSON.stringify(postSchema.encode(toPost(r, viewer, muted))) : shared.posts[i]!));
    return shared.head + posts.join(',') + shared.tail;
  }

  async search(q: string, viewer: Viewer | null, cursor: string | undefined, limit: number) {
    const before = decodeCursor(cursor, [CURSOR_ID]);
    const rows = await repo.searchPosts(this.#db, q, before ? before[0]! : null, limit + 1);
    const { page, nextCursor } = pageOf(rows, limit, (last) => [last.id]);
    const muted = await this.deps.caches.mutedBy(viewer);
    return { posts: page.map((r) => toPost(r, viewer, muted)), nextCursor };
  }

  /** A draft as it would be shown: rendered and sanitized exactly as on write. */
  preview(body: string) {
    return { html: renderMarkdown(body) };
  }

  /** The markdown of one's own post, to edit it (readers only ever get the rendered HTML). */
  async postSource(viewer: Viewer, postId: string) {
    const post = await repo.postSource(this.#db, postId);
    if (!post || post.deleted_at) throw notFound('That post');
    if (post.author_id !== viewer.id) throw forbidden('Only the author can change this post.');
    return { body: post.body_md, contentWarnings: post.content_warnings as ContentWarning[] };
  }

  // Creating: at most once per Idempotency-Key, with crisis resources when the text calls for them.

  /**
   * Claims (member, Idempotency-Key) in the write's transaction, so the key and the post
   * commit together or not at all. A retry with the same key and body gets the post id the
   * first one made; the same key with another body is a 409. Only the post's id is kept
   * with the key, never a copy of the post: a post deleted or anonymized since must not
   * come back whole from a replay.
   */
  async #claimKey(trx: Trx, me: Viewer, key: string | undefined, request: unknown): Promise<string | undefined> {
    if (key === undefined) return undefined;
    const hash = requestHash(request);
    const claim = await repo.claimIdempotencyKey(trx, me.id, key, hash);
    if (claim.claimed) return undefined;
    const postId = (claim.earlier.response as { postId?: string } | null)?.postId;
    if (claim.earlier.request_hash !== hash || !postId) throw conflict('This Idempotency-Key was already used for a different request.');
    return postId;
  }

  async #completeKey(trx: Trx, me: Viewer, key: string | undefined, postId: string) {
    if (key !== undefined) await repo.completeIdempotencyKey(trx, me.id, key, 201, { postId });
  }

  #withCrisisHelp<T extends object>(created: T, crisis: boolean): Created<T> {
    return crisis ? { ...created, crisisResources: this.deps.crisis.resources } : created;
  }

  async createThread(viewer: Viewer, slug: string, input: NewThreadInput, idempotencyKey?: string): Promise<Created<{ thread: Thread; post: Post }>> {
    checkBody(input.body);
    const crisis = this.deps.crisis.readsLikeCrisis(`${input.title}\n\n${input.body}`);
    const bodyHtml = renderMarkdown(input.body);
    const created = await this.deps.writes.writeAs(viewer, 'active', async (trx, me) => {
      const replayed = await this.#claimKey(trx, me, idempotencyKey, ['thread', slug, input]);
      if (replayed) {
        const post = await this.deps.reader.postView(trx, replayed, viewer);
        return { thread: toThread((await repo.findThread(trx, post.threadId))!), post };
      }
      const made = await this.#insertThread(trx, viewer, slug, input, bodyHtml, crisis);
      await this.#completeKey(trx, me, idempotencyKey, made.post.id);
      return made;
    });
    return this.#withCrisisHelp(created, crisis);
  }

  async #insertThread(trx: Trx, viewer: Viewer, slug: string, input: NewThreadInput, bodyHtml: string, crisis: boolean) {
    const warnings = input.contentWarnings ?? [];
    const community = await repo.findCommunity(trx, slug);
    if (!community) throw notFound('That community');
    await repo.bumpCommunity(trx, community.id);
    const thread = await repo.insertThread(trx, { communityId: community.id, title: input.title, authorId: viewer.id, warnings });
    const alias = input.anonymous ? aliasFor(this.deps.serverSecret, viewer.id, thread.id) : null;
    if (alias) await repo.setThreadAuthorship(trx, thread.id, true, alias);
    const post = await repo.insertPost(trx, {
      threadId: thread.id, parentId: null, path: ROOT_PATH, depth: 0, authorId: viewer.id,
      anonymous: alias !== null, alias, bodyMd: input.body, bodyHtml, warnings, duplicateIn: { communityId: community.id },
    });
    if (post.duplicate) throw duplicatePost();
    await this.deps.afterPostWrite(trx, {
      kind: 'created', postId: post.id, threadId: thread.id, authorId: viewer.id, anonymous: alias !== null,
      communitySlug: community.slug, crisis,
    });
    const created = await repo.findThread(trx, thread.id);
    return { thread: toThread(created!), post: toPost(post, viewer, NO_MUTES) };
  }

  async createPost(viewer: Viewer, threadId: string, input: NewPostInput, idempotencyKey?: string): Promise<Created<{ post: Post }>> {
    checkBody(input.body);
    const crisis = this.deps.crisis.readsLikeCrisis(input.body);
    const bodyHtml = renderMarkdown(input.body);
    const created = await this.deps.writes.writeAs(viewer, 'active', async (trx, me) => {
      const replayed = await this.#claimKey(trx, me, idempotencyKey, ['post', threadId, input]);
      if (replayed) return { post: await this.deps.reader.postView(trx, replayed, viewer) };
      const post = await this.#insertReply(trx, viewer, threadId, input, bodyHtml, crisis);
      await this.#completeKey(trx, me, idempotencyKey, post.id);
      return { post };
    });
    return this.#withCrisisHelp(created, crisis);
  }

  async #insertReply(trx: Trx, viewer: Viewer, threadId: string, input: NewPostInput, bodyHtml: string, crisis: boolean): Promise<Post> {
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
    const alias = input.anonymous ? await this.#aliasIn(trx, threadId, viewer.id) : null;
    const inserted = await repo.insertPost(trx, {
      threadId, parentId: parent.id, path, depth: parent.depth + 1, authorId: viewer.id,
      anonymous: alias !== null, alias, bodyMd: input.body, bodyHtml, warnings: input.contentWarnings ?? [], duplicateIn: { threadId },
    });
    // Checked in the insert's statement, after the thread's row lock: a double submission
    // waiting on the lock sees the first one's post.
    if (inserted.duplicate) throw duplicatePost();
    await this.deps.afterPostWrite(trx, {
      kind: 'created', postId: inserted.id, threadId, authorId: viewer.id, anonymous: alias !== null,
      parentAuthorId: parent.author_id, crisis,
    });
    // The author's own view of what was just written (one cannot mute oneself).
    return toPost(inserted, viewer, NO_MUTES);
  }

  // Changing.

  /** Loads a post for a change by `viewer`, who must be its author. */
  async #ownPost(trx: Trx, postId: string, viewer: Viewer) {
    const post = await repo.postForUpdate(trx, postId);
    if (!post || post.deleted_at) throw notFound('That post');
    if (post.author_id !== viewer.id) throw forbidden('Only the author can change this post.');
    return post;
  }

  async editPost(viewer: Viewer, postId: string, input: { body?: string | undefined; contentWarnings?: string[] | undefined }) {
    if (input.body !== undefined) checkBody(input.body);
    await this.deps.writes.writeAs(viewer, 'active', async (trx) => {
      const post = await this.#ownPost(trx, postId, viewer);
      await repo.insertRevision(trx, post.id, post.body_md, post.content_warnings);
      await repo.updatePost(trx, post.id, {
        ...(input.body !== undefined ? { body_md: input.body, body_html: renderMarkdown(input.body), edited: true } : {}),
        ...(input.contentWarnings !== undefined ? { content_warnings: input.contentWarnings } : {}),
      });
      if (post.depth === 0 && input.contentWarnings !== undefined) await repo.setThreadWarnings(trx, post.thread_id, input.contentWarnings);
      await this.deps.afterPostWrite(trx, { kind: 'updated', postId: post.id, threadId: post.thread_id, authorId: post.author_id });
    });
    return { post: await this.deps.reader.postView(this.#db, postId, viewer) };
  }

  async anonymizePost(viewer: Viewer, postId: string) {
    await this.deps.writes.writeAs(viewer, 'active', async (trx) => {
      const post = await this.#ownPost(trx, postId, viewer);
      if (post.anonymous) return;
      await repo.lockThread(trx, post.thread_id); // serializes alias choice with other writers
      const alias = await this.#soloAlias(trx, post.thread_id, post.id);
      await repo.setPostAuthorship(trx, post.id, true, alias, true);
      if (post.depth === 0) await repo.setThreadAuthorship(trx, post.thread_id, true, alias);
      await this.deps.afterPostWrite(trx, { kind: 'anonymized', postId: post.id, threadId: post.thread_id, authorId: post.author_id });
    });
    return { post: await this.deps.reader.postView(this.#db, postId, viewer) };
  }

  async deletePost(viewer: Viewer, postId: string) {
    await this.deps.writes.writeAs(viewer, 'member', async (trx, me) => {
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
      await this.deps.afterPostWrite(trx, { kind: 'deleted', postId: post.id, threadId: post.thread_id, authorId: post.author_id, actor: me });
    });
  }

  async setMute(viewer: Viewer, pseudonym: string, mute: boolean) {
    const targetId = await this.deps.lookup.idOf(pseudonym);
    if (!targetId) throw notFound('That member');
    if (targetId === viewer.id) throw validationFailed('You cannot mute yourself.');
    await this.deps.writes.writeAs(viewer, 'member', async (trx) => {
      if (mute) await repo.insertMute(trx, viewer.id, targetId);
      else await repo.deleteMute(trx, viewer.id, targetId);
      // Every other process drops its cached mutes of this member when this commits.
      this.deps.outbox.append(trx, INTERNAL_TOPIC, MUTES_CHANGED, { userId: viewer.id });
      afterCommit(trx, () => this.deps.caches.forgetMutes(viewer.id));
    });
  }
}
