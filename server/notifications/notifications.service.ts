import type { Kysely } from 'kysely';
import type { MemberWrites } from '../accounts/accounts.doors';
import type { Viewer } from '../accounts/viewer';
import type { Notification } from '../contract/notifications';
import type { Trx } from '../db/executor';
import type { DB } from '../db/schema';
import { toAuthor, type PostReader } from '../forum/forum.doors';
import { validationFailed } from '../http/errors';
import { excerptOf } from '../lib/excerpts';
import { CURSOR_ID, CURSOR_TIME, decodeCursor, pageOf } from '../lib/pagination';
import type { OutboxWriter } from '../outbox/outbox.service';
import * as repo from './notifications.repository';

export interface NotificationsDeps {
  db: Kysely<DB>;
  outbox: OutboxWriter;
  writes: MemberWrites;
  reader: Pick<PostReader, 'posts' | 'threads'>;
}

type ReplyRef = { threadId?: string; postId?: string };

/** A member's notifications: replies, moderation notices and milestones, stored and pushed live. */
export class NotificationsService {
  readonly #db: Kysely<DB>;

  constructor(private readonly deps: NotificationsDeps) {
    this.#db = deps.db;
  }

  /** Stores a notification and pushes it on the member's own topic, in the caller's transaction. */
  async notify(trx: Trx, userId: string, kind: repo.NotificationKind, data: Record<string, unknown>) {
    const { id } = await repo.insertNotification(trx, userId, kind, data);
    this.deps.outbox.append(trx, `user:${userId}`, 'notification.created', { notificationId: id });
  }

  /**
   * "Someone replied to your post": not for replying to oneself, and not from a member the
   * parent's author muted. An anonymous reply always notifies: staying silent for it would
   * tell the muter who wrote it. The event goes on the recipient's own stream, whose ids
   * nobody else sees, so whether one was written shows nowhere but in their inbox.
   */
  async onReply(trx: Trx, reply: { postId: string; threadId: string; authorId: string; anonymous: boolean; parentAuthorId: string | null }) {
    const stored = await repo.insertReplyNotification(trx, {
      recipientId: reply.parentAuthorId, authorId: reply.authorId,
      data: { threadId: reply.threadId, postId: reply.postId }, honourMute: !reply.anonymous,
    });
    if (stored) this.deps.outbox.append(trx, `user:${reply.parentAuthorId}`, 'notification.created', { notificationId: stored.id });
  }

  /**
   * Notifications as their owner sees them now: the current author view, labels, and an
   * excerpt when allowed. The posts and threads of a whole page are read in one query each.
   */
  async #viewMany(rows: repo.NotificationRow[]): Promise<Notification[]> {
    const refs = rows.filter((r) => r.kind === 'reply').map((r) => r.data as ReplyRef);
    const [posts, threads] = await Promise.all([
      this.deps.reader.posts(this.#db, [...new Set(refs.map((r) => r.postId).filter((v): v is string => !!v))]),
      this.deps.reader.threads(this.#db, [...new Set(refs.map((r) => r.threadId).filter((v): v is string => !!v))]),
    ]);
    const postById = new Map(posts.map((p) => [p.id, p]));
    const threadById = new Map(threads.map((t) => [t.id, t]));
    return rows.map((row) => {
      const stored = row.data as ReplyRef & Record<string, unknown>;
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
      return { id: row.id, kind: row.kind, data, createdAt: row.created_at.toISOString(), readAt: row.read_at ? new Date(row.read_at).toISOString() : null };
    });
  }

  async list(viewer: Viewer, cursor: string | undefined, limit: number) {
    const before = decodeCursor(cursor, [CURSOR_TIME, CURSOR_ID]);
    const rows = await repo.listNotifications(this.#db, viewer.id, before ? { at: new Date(before[0]!), id: before[1]! } : null, limit + 1);
    const { page, nextCursor } = pageOf(rows, limit, (last) => [last.created_at.toISOString(), last.id]);
    return { notifications: await this.#viewMany(page), nextCursor };
  }

  async markRead(viewer: Viewer, body: { ids: string[] } | { all: true }) {
    if ('ids' in body && body.ids.length === 0) throw validationFailed('Give at least one id.');
    await this.deps.writes.writeAs(viewer, 'member', (trx) => repo.markRead(trx, viewer.id, 'all' in body ? 'all' : body.ids));
  }

  unreadCount(userId: string) {
    return repo.countUnread(this.#db, userId);
  }

  /** For the member's data export: every notification, as they see it now. */
  async exportAll(userId: string) {
    return this.#viewMany(await repo.listNotifications(this.#db, userId, null, 100_000));
  }

  /** For live delivery: the notifications of a batch of events, with their owners and views. */
  async deliverable(ids: string[]): Promise<Map<string, { userId: string; view: Notification }>> {
    const rows = await repo.findNotifications(this.#db, ids);
    const views = await this.#viewMany(rows);
    return new Map(rows.map((r, i) => [r.id, { userId: r.user_id, view: views[i]! }]));
  }
}
