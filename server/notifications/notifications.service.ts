import type { Kysely, Transaction } from 'kysely';
import type { AccountsService } from '../accounts/accounts.service';
import type { Viewer } from '../accounts/viewer';
import sanitizeHtml from 'sanitize-html';
import type { Notification } from '../contract/notifications';
import type { DB } from '../db/schema';
import * as forumRepo from '../forum/forum.repository';
import { CURSOR_ID, CURSOR_TIME, decodeCursor, encodeCursor, toAuthor } from '../forum/forum.views';
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

export function createNotificationsService(deps: { db: Kysely<DB>; events: EventsService; writeAs: AccountsService['writeAs'] }) {
  const { db, events } = deps;

  /** Stores a notification and pushes it on the member's own topic, in the caller's transaction. */
  async function notify(trx: Transaction<DB>, userId: string, kind: repo.NotificationKind, data: Record<string, unknown>) {
    const { id } = await repo.insertNotification(trx, userId, kind, data);
    events.append(trx, `user:${userId}`, 'notification.created', { notificationId: id });
  }

  /**
   * "Someone replied to your post": not for replying to oneself, and not from a member the
   * parent's author muted. An anonymous reply always notifies: staying silent for it would
   * tell the muter who wrote it. The event goes on the recipient's own stream, whose ids
   * nobody else sees, so whether one was written shows nowhere but in their inbox.
   */
  async function onReply(trx: Transaction<DB>, reply: { postId: string; threadId: string; authorId: string; anonymous: boolean; parentAuthorId: string | null }) {
    const stored = await repo.insertReplyNotification(trx, {
      recipientId: reply.parentAuthorId, authorId: reply.authorId,
      data: { threadId: reply.threadId, postId: reply.postId }, honourMute: !reply.anonymous,
    });
    if (stored) events.append(trx, `user:${reply.parentAuthorId}`, 'notification.created', { notificationId: stored.id });
  }

  /**
   * Notifications as their owner sees them now: the current author view, labels, and an
   * excerpt when allowed. The posts and threads of a whole page are read in one query each.
   */
  async function viewMany(rows: repo.NotificationRow[]): Promise<Notification[]> {
    const refs = rows.filter((r) => r.kind === 'reply').map((r) => r.data as { threadId?: string; postId?: string });
    const [posts, threads] = await Promise.all([
      forumRepo.findPosts(db, [...new Set(refs.map((r) => r.postId).filter((v): v is string => !!v))]),
      forumRepo.findThreads(db, [...new Set(refs.map((r) => r.threadId).filter((v): v is string => !!v))]),
    ]);
    const postById = new Map(posts.map((p) => [p.id, p]));
    const threadById = new Map(threads.map((t) => [t.id, t]));
    return rows.map((row) => {
      const stored = row.data as { threadId?: string; postId?: string } & Record<string, unknown>;
      let data: Notification['data'] = {};
      if (row.kind === 'reply') {
        const post = stored.postId ? postById.get(stored.postId) : undefined;
        const thread = stored.threadId ? threadById.get(stored.threadId) : undefined;
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
    });
  }

  async function list(userId: string, cursor: string | undefined, limit: number) {
    const before = decodeCursor(cursor, [CURSOR_TIME, CURSOR_ID]);
    const rows = await repo.listNotifications(db, userId, before ? { at: new Date(before[0]!), id: before[1]! } : null, limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      notifications: await viewMany(page),
      nextCursor: rows.length > limit && last ? encodeCursor([last.created_at.toISOString(), last.id]) : null,
    };
  }

  async function markRead(viewer: Viewer, body: { ids: string[] } | { all: true }) {
    if ('ids' in body && body.ids.length === 0) throw validationFailed('Give at least one id.');
    await deps.writeAs(viewer, 'member', (trx) => repo.markRead(trx, viewer.id, 'all' in body ? 'all' : body.ids));
  }

  return {
    notify,
    onReply,
    list,
    markRead,
    unreadCount: (userId: string) => repo.countUnread(db, userId),
    /** For the member's data export: every notification, as they see it now. */
    async exportAll(userId: string) {
      return viewMany(await repo.listNotifications(db, userId, null, 100_000));
    },
    /** For live delivery: the notifications of a batch of events, with their owners and views. */
    async deliverable(ids: string[]): Promise<Map<string, { userId: string; view: Notification }>> {
      const rows = await repo.findNotifications(db, ids);
      const views = await viewMany(rows);
      return new Map(rows.map((r, i) => [r.id, { userId: r.user_id, view: views[i]! }]));
    },
  };
}

export type NotificationsService = ReturnType<typeof createNotificationsService>;
