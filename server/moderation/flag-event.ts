import type { Kysely } from 'kysely';
import { isModerator, type Viewer } from '../accounts/accounts.service';
import type { DB } from '../db/schema';
import * as forumRepo from '../forum/forum.repository';
import type { EventRow } from '../live/events.repository';
import { excerptOf } from '../notifications/notifications.service';
import * as repo from './moderation.repository';

/**
 * flag.created, for moderators only: the reason, the post's warnings, and an excerpt only
 * when the post carries no warning. The reporter is "member" or "system", never a name.
 */
export function renderFlagEvent(db: Kysely<DB>) {
  return async (row: EventRow, viewer: Viewer | null) => {
    if (!isModerator(viewer)) return null;
    const flag = await repo.flagForDelivery(db, String(row.data.flagId));
    if (!flag) return null;
    const post = await forumRepo.findPost(db, flag.post_id);
    if (!post) return null;
    const warned = post.content_warnings.length > 0;
    return {
      flag: {
        id: flag.id, postId: post.id, threadId: post.thread_id, reason: flag.reason, note: flag.note,
        reporter: flag.reporter_id === null ? 'system' : 'member', createdAt: flag.created_at.toISOString(),
        contentWarnings: post.content_warnings, excerpt: warned || post.deleted_at ? null : excerptOf(post.body_html),
      },
    };
  };
}
