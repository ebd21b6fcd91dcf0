import type { Kysely } from 'kysely';
import { isModerator } from '../accounts/viewer';
import type { DB } from '../db/schema';
import type { PostReader } from '../forum/forum.doors';
import { excerptOf } from '../lib/excerpts';
import { idsIn, type EventRenderer } from '../live/event-views';
import * as repo from './moderation.repository';

/**
 * flag.created, for moderators only: the reason, the post's warnings, and an excerpt only
 * when the post carries no warning. The reporter is "member" or "system", never a name.
 * A batch of such events is loaded with two queries, however many it holds.
 */
export function renderFlagEvents(db: Kysely<DB>, reader: Pick<PostReader, 'posts'>): EventRenderer {
  return async (rows) => {
    const flags = await repo.flagsForDelivery(db, idsIn(rows, 'flagId'));
    const posts = await reader.posts(db, [...new Set(flags.map((f) => f.post_id))]);
    const flagById = new Map(flags.map((f) => [f.id, f]));
    const postById = new Map(posts.map((p) => [p.id, p]));
    return (row, viewer) => {
      if (!isModerator(viewer)) return null;
      const flag = flagById.get(String(row.data.flagId));
      const post = flag && postById.get(flag.post_id);
      if (!flag || !post) return null;
      const warned = post.content_warnings.length > 0;
      return {
        flag: {
          id: flag.id, postId: post.id, threadId: post.thread_id, reason: flag.reason, note: flag.note,
          reporter: flag.reporter_id === null ? 'system' : 'member', createdAt: flag.created_at.toISOString(),
          contentWarnings: post.content_warnings, excerpt: warned || post.deleted_at ? null : excerptOf(post.body_html),
        },
      };
    };
  };
}

/** queue.changed, for moderators only: a moderator acted on this post; open consoles reload it. */
export const renderQueueChanged: EventRenderer = async () => (row, viewer) =>
  isModerator(viewer) && /^\d+$/.test(String(row.data.postId)) ? { postId: String(row.data.postId) } : null;
