import type { Kysely } from 'kysely';
import { isModerator, type Viewer } from '../accounts/accounts.service';
import { post as postSchema, thread as threadSchema } from '../contract/forum';
import type { LiveEventKind } from '../contract/live';
import type { DB } from '../db/schema';
import * as forumRepo from '../forum/forum.repository';
import { toPost, toThread } from '../forum/forum.views';
import type { NotificationsService } from '../notifications/notifications.service';
import type { EventRow } from './events.repository';

/** Renders one event for one recipient: the frame text, or null when they may not see it. */
export type Render = (viewer: Viewer | null) => Promise<string | null>;

export interface EventViewDeps {
  db: Kysely<DB>;
  notifications: NotificationsService;
  mutedBy: (viewer: Viewer | null) => Promise<ReadonlySet<string>>;
  /** Other features (moderation) render their own event kinds. */
  extra?: Map<string, (row: EventRow, viewer: Viewer | null) => Promise<Record<string, unknown> | null>>;
}

function frame(row: EventRow, data: Record<string, unknown>): string {
  return JSON.stringify({ type: 'event', id: row.id, topic: row.topic, event: row.kind as LiveEventKind, at: row.created_at.toISOString(), data });
}

/**
 * Event rows hold references; what goes out is rendered from the current rows, so replays
 * honour later deletes and hides. Each event is loaded once and encoded once per
 * visibility class (author, moderator, muter, member, visitor), never once per socket.
 */
export function createRenderer(deps: EventViewDeps) {
  return function renderer(row: EventRow): Render {
    const byClass = new Map<string, Promise<string | null>>();
    const once = <T>(load: () => Promise<T>) => {
      let p: Promise<T> | undefined;
      return () => (p ??= load());
    };

    if (row.kind.startsWith('post.')) {
      const load = once(() => forumRepo.findPost(deps.db, String(row.data.postId)));
      return async (viewer) => {
        const post = await load();
        if (!post) return null;
        const muted = viewer && !post.anonymous && post.author_id ? (await deps.mutedBy(viewer)).has(post.author_id) : false;
        const key = `${viewer ? 1 : 0}${viewer?.id === post.author_id ? 1 : 0}${isModerator(viewer) ? 1 : 0}${muted ? 1 : 0}`;
        let out = byClass.get(key);
        if (!out) {
          const view = toPost(post, viewer, muted && post.author_id ? new Set([post.author_id]) : new Set());
          out = Promise.resolve(frame(row, { post: postSchema.encode(view) }));
          byClass.set(key, out);
        }
        return out;
      };
    }
    if (row.kind === 'thread.created') {
      const load = once(async () => {
        const thread = await forumRepo.findThread(deps.db, String(row.data.threadId));
        return thread ? frame(row, { thread: threadSchema.encode(toThread(thread)) }) : null;
      });
      return () => load();
    }
    if (row.kind === 'notification.created') {
      return async (viewer) => {
        // A user: topic is only ever joined by its owner; checked again here all the same.
        if (!viewer || row.topic !== `user:${viewer.id}`) return null;
        const stored = await deps.notifications.findForDelivery(String(row.data.notificationId));
        if (!stored || stored.user_id !== viewer.id) return null;
        return frame(row, { notification: await deps.notifications.view(stored) });
      };
    }
    const extra = deps.extra?.get(row.kind);
    if (extra) {
      return async (viewer) => {
        const data = await extra(row, viewer);
        return data ? frame(row, data) : null;
      };
    }
    return async () => null;
  };
}
