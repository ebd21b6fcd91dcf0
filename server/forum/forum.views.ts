import { recoveryDays } from '../accounts/recovery-days';
import { isModerator, type Viewer } from '../accounts/viewer';
import type { ContentWarning } from '../contract/content-warnings';
import type { Author, Post, Thread } from '../contract/forum';
import type { PostRow, ThreadRow } from './forum.repository';

/** Rows → API shapes, applying what this reader may see. The only place that decides it. */

export const DELETED_MEMBER = 'deleted member';

interface AuthorFields {
  author_id: string | null;
  anonymous: boolean;
  alias: string | null;
  author_pseudonym: string | null;
  author_show_days: boolean | null;
  author_start_date: string | null;
  author_zone: string | null;
}

export function toAuthor(row: AuthorFields): Author {
  // An anonymous author is the alias and nothing else: no id, pseudonym or recovery days.
  if (row.anonymous) return { anonymous: true, alias: row.alias ?? 'Anonymous' };
  if (row.author_id === null || row.author_pseudonym === null) return { anonymous: false, pseudonym: DELETED_MEMBER };
  const days = row.author_show_days ? recoveryDays(row.author_start_date, new Date(), row.author_zone) : null;
  return { anonymous: false, pseudonym: row.author_pseudonym, ...(days !== null ? { recoveryDays: days } : {}) };
}

export function toPost(row: PostRow, viewer: Viewer | null, muted: ReadonlySet<string>): Post {
  const mine = viewer !== null && row.author_id === viewer.id;
  const deleted = row.deleted_at !== null;
  const hidden = row.hidden_by ? { reason: row.hidden_reason ?? '', by: row.hidden_by } : null;
  // Hidden bodies reach only their author and moderators; deleted bodies reach no one.
  const showBody = !deleted && (!hidden || mine || isModerator(viewer));
  const post: Post = {
    id: row.id,
    threadId: row.thread_id,
    parentId: row.parent_id,
    depth: row.depth,
    author: toAuthor(row),
    bodyHtml: showBody ? row.body_html : null,
    contentWarnings: row.content_warnings as ContentWarning[],
    createdAt: row.created_at.toISOString(),
    editedAt: row.edited_at ? new Date(row.edited_at).toISOString() : null,
    deleted,
    hidden,
    mine,
  };
  // Muting marks named posts only: flagging an anonymous post as muted would tell the
  // muter who wrote it.
  if (viewer) post.muted = !row.anonymous && row.author_id !== null && muted.has(row.author_id);
  return post;
}

/**
 * Whether this reader sees the post differently from a member it does not concern: it is
 * theirs, its named author is muted by them, or they moderate and it is hidden. toPost's
 * rules above are what make exactly these the differences.
 */
export function concernsReader(row: PostRow, viewer: Viewer, muted: ReadonlySet<string>): boolean {
  return (
    row.author_id === viewer.id ||
    (isModerator(viewer) && row.hidden_by !== null && row.deleted_at === null) ||
    (!row.anonymous && row.author_id !== null && muted.has(row.author_id))
  );
}

export function toThread(row: ThreadRow): Thread {
  return {
    id: row.id,
    communitySlug: row.community_slug,
    title: row.title,
    author: toAuthor(row),
    createdAt: row.created_at.toISOString(),
    lastActivityAt: row.last_activity_at.toISOString(),
    replyCount: row.reply_count,
    contentWarnings: row.content_warnings as ContentWarning[],
  };
}
