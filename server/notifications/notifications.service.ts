import type { Kysely, Transaction } from 'kysely';
import sanitizeHtml from 'sanitize-html';
import type { Notification } from '../contract/notifications';
import type { DB } from '../db/schema';
import * as forumRepo from '../forum/forum.repository';
import { CURSOR_ID, decodeCursor, encodeCursor, toAuthor } from '../forum/forum.views';
import { validationFailed } from '../http/errors';
import type { EventsService } from '../live/events.service';
import * as repo from './notifications.repository';

const EXCERPT_CHARS = 140;

/** Plain text of stored post HTML, shortened for a notification line. */
export function excerptOf(html: string): string {
  const text = sanitizeHtml(html, { allowedTags: [], allowedAttributes: {} })
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS - 1)}…` : text;
}

export function createNotificationsService(deps: { db: Kysely<DB>; events: EventsService }) {
  const { db, events } = deps;

  /** Stores a notification and pushes it on the member's own topic, in the caller's transaction. */
  async function notify(trx: Transaction<DB>, userId: string, kind: 'reply' | 'moderation' | 'milestone', data: Record<string, unknown>) {
    const { id } = await repo.insertNotification(trx, userId, kind, data);
    await events.append(trx, `user:${userId}`, 'notification.created', { notificationId: id });
  }

  /**
   * "Someone replied to your post": not for replying to oneself, and not from a member the
   * parent's author muted. An anonymous reply always notifies: staying silent for it would
   * tell the muter who wrote it.
   */
  async function onReply(trx: Transaction<DB>, reply: { postId: string; threadId: string; authorId: string | null; anonymous: boolean; parentAuthorId: string | null }) {
    const recipient = reply.parentAuthorId;
    if (!recipient || !reply.authorId || recipient === reply.authorId) return;
    const data = { threadId: reply.threadId, postId: reply.postId };
    // One statement: stored unless the recipient muted this (named) replier.
    const stored = await repo.insertNotificationUnlessMuted(trx, recipient, 'reply', data, reply.anonymous ? null : reply.authorId);
    if (stored) await events.append(trx, `user:${recipient}`, 'notification.created', { notificationId: stored.id });
  }

  /** The notification as its owner sees it now: current author view, labels, excerpt if allowed. */
  async function view(row: repo.NotificationRow, executor: forumRepo.Exec = db): Promise<Notification> {
    const stored = row.data as { threadId?: string; postId?: string } & Record<string, unknown>;
    let data: Notification['data'] = {};
    if (row.kind === 'reply' && stored.postId) {
      const post = await forumRepo.findPost(executor, stored.postId);
      const thread = stored.threadId ? await forumRepo.findThread(executor, stored.threadId) : undefined;
      if (post) {
        const quiet = post.content_warnings.length > 0 || post.deleted_at !== null || post.hidden_by !== null;
        data = {
          threadId: post.thread_id,
          ...(thread ? { threadTitle: thread.title } : {}),
          postId: post.id,
          by: toAuthor(post),
          contentWarnings: post.content_warnings as Notification['data']['contentWarnings'],
          excerpt: quiet ? null : excerptOf(post.body_html),
        };
      }
    } else {
      data = stored as Notification['data'];
    }
    return {
      id: row.id,
      kind: row.kind,
      data,
      createdAt: row.created_at.toISOString(),
      readAt: row.read_at ? new Date(row.read_at).toISOString() : null,
    };
  }

  async function list(userId: string, cursor: string | undefined, limit: number) {
    const before = decodeCursor(cursor, [CURSOR_ID]);
    const rows = await repo.listNotifications(db, userId, before ? before[0]! : null, limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      notifications: await Promise.all(page.map((r) => view(r))),
      nextCursor: rows.length > limit && last ? encodeCursor([last.id]) : null,
    };
  }

  async function markRead(userId: string, body: { ids: string[] } | { all: true }) {
    if ('ids' in body && body.ids.length === 0) throw validationFailed('Give at least one id.');
    await repo.markRead(db, userId, 'all' in body ? 'all' : body.ids);
  }

  return {
    notify,
    onReply,
    view,
    list,
    markRead,
    unreadCount: (userId: string) => repo.countUnread(db, userId),
    /** For the member's data export: every notification, as they see it now. */
    async exportAll(userId: string) {
      const rows = await repo.listNotifications(db, userId, null, 100_000);
      return Promise.all(rows.map((r) => view(r)));
    },
    findForDelivery: (id: string) => repo.findNotification(db, id),
  };
}

export type NotificationsService = ReturnType<typeof createNotificationsService>;
