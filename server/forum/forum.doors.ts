import type { Kysely } from 'kysely';
import type { MemberLookup } from '../accounts/accounts.doors';
import type { Viewer } from '../accounts/viewer';
import type { ContentWarning } from '../contract/content-warnings';
import type { Post } from '../contract/forum';
import type { Exec, Trx } from '../db/executor';
import type { DB } from '../db/schema';
import { notFound } from '../http/errors';
import type { ForumCaches } from './forum.caches';
import * as repo from './forum.repository';
import { toPost } from './forum.views';

/**
 * What other features may ask of the forum: small typed doors onto communities, threads,
 * posts, revisions, mutes and idempotency keys, built from the repository and the caches
 * (no service), so any feature can be given one without a cycle. Nothing else outside
 * forum/ names those tables.
 */
export { mutedCondition, type ModPost, type PostRow, type ThreadRow } from './forum.repository';
export { DELETED_MEMBER, toAuthor, toPost, toThread } from './forum.views';

/** Posts and threads as rows (to render events) and as a given reader may see them. */
export interface PostReader {
  posts(db: Exec, ids: string[]): Promise<repo.PostRow[]>;
  threads(db: Exec, ids: string[]): Promise<repo.ThreadRow[]>;
  /** One post as this reader may see it; a missing one is a 404. */
  postView(db: Exec, postId: string, viewer: Viewer | null): Promise<Post>;
  /** Several posts as this reader may see them, in the order of `ids` (missing ones left out). */
  postViews(db: Exec, ids: string[], viewer: Viewer | null): Promise<Post[]>;
  /** The ids this member muted (cached); live events mark muted posts with it. */
  mutedBy(viewer: Viewer | null): Promise<ReadonlySet<string>>;
}

/** Moderators' changes to posts: locked reads, hides and warnings (the thread's too, for an opening post). */
export interface ModeratedPosts {
  lockForModeration(trx: Trx, postId: string): Promise<repo.ModPost | undefined>;
  setHidden(trx: Trx, postId: string, hidden: { by: 'moderator' | 'community'; reason: string } | null): Promise<void>;
  setWarnings(trx: Trx, post: Pick<repo.ModPost, 'id' | 'depth' | 'thread_id'>, warnings: ContentWarning[]): Promise<void>;
}

/** Where posts belong, for pinning resources and saving to a toolkit. */
export interface PostPlaces {
  community(db: Exec, slug: string): Promise<{ id: string; slug: string } | undefined>;
  postPlace(db: Exec, postId: string): Promise<{ id: string; thread_id: string; community_id: string; deleted_at: Date | string | null } | undefined>;
}

/** The forum's part of a member's export and erasure, and of the retention round. */
export interface ForumPrivacy {
  exportPosts(userId: string): AsyncIterable<unknown>;
  exportMutes(userId: string): Promise<Array<{ pseudonym: string; since: string }>>;
  eraseAuthorContent(trx: Trx, userId: string): Promise<void>;
  pruneIdempotencyKeys(trx: Trx): Promise<void>;
}

export function forumDoors(db: Kysely<DB>, caches: ForumCaches, lookup: MemberLookup) {
  const reader: PostReader = {
    posts: repo.findPosts,
    threads: repo.findThreads,
    async postView(executor, postId, viewer) {
      const row = await repo.findPost(executor, postId);
      if (!row) throw notFound('That post');
      return toPost(row, viewer, await caches.mutedBy(viewer, executor));
    },
    async postViews(executor, ids, viewer) {
      const rows = await repo.findPosts(executor, ids);
      const muted = await caches.mutedBy(viewer, executor);
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.flatMap((id) => (byId.has(id) ? [toPost(byId.get(id)!, viewer, muted)] : []));
    },
    mutedBy: (viewer) => caches.mutedBy(viewer),
  };
  const moderated: ModeratedPosts = {
    lockForModeration: repo.postForModeration,
    setHidden: repo.setHidden,
    async setWarnings(trx, post, warnings) {
      await repo.setPostWarnings(trx, post.id, warnings);
      if (post.depth === 0) await repo.setThreadWarnings(trx, post.thread_id, warnings);
    },
  };
  const places: PostPlaces = { community: repo.findCommunity, postPlace: repo.postPlace };
  const privacy: ForumPrivacy = {
    exportPosts: (userId) => exportPosts(db, userId),
    async exportMutes(userId) {
      const rows = await repo.mutesOf(db, userId);
      const names = await lookup.pseudonymsOf(db, rows.map((r) => r.muted_id));
      return rows.flatMap((r) => (names.has(r.muted_id) ? [{ pseudonym: names.get(r.muted_id)!, since: r.created_at.toISOString() }] : []));
    },
    eraseAuthorContent: repo.eraseAuthorContent,
    pruneIdempotencyKeys: repo.pruneIdempotencyKeys,
  };
  return { reader, moderated, places, privacy };
}

const EXPORT_PAGE = 200;

/** The member's own posts for their export, a page at a time, each with its source, thread and earlier versions. */
async function* exportPosts(db: Kysely<DB>, userId: string) {
  for (let after = '0'; ;) {
    const rows = await repo.postsByAuthor(db, userId, after, EXPORT_PAGE);
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
    if (rows.length < EXPORT_PAGE) return;
    after = rows.at(-1)!.id;
  }
}

export type ForumDoors = ReturnType<typeof forumDoors>;
