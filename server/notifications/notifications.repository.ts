import { sql } from 'kysely';
import type { Exec } from '../db/executor';
import { executePrepared } from '../db/prepared';
import { mutedCondition } from '../forum/forum.doors';
import { randomId } from '../lib/random-id';

/** All SQL of notifications. Ids are random (see lib/random-id.ts); lists go by time. */
export type NotificationKind = 'reply' | 'moderation' | 'milestone';

export function insertNotification(db: Exec, userId: string, kind: NotificationKind, data: Record<string, unknown>) {
  return db
    .insertInto('notifications')
    .values({ id: randomId(), user_id: userId, kind, data: JSON.stringify(data) })
    .returning('id')
    .executeTakeFirstOrThrow();
}

/**
 * "Someone replied to your post", stored unless there is nobody to tell (the parent's
 * author erased their account, or wrote the reply) or the recipient muted this named
 * replier. The same single statement runs for every reply, whoever wrote it: whether a
 * notification is due is decided inside it, not by skipping it.
 */
export async function insertReplyNotification(
  db: Exec,
  v: { recipientId: string | null; authorId: string; data: Record<string, unknown>; honourMute: boolean },
) {
  const rows = await executePrepared(db, sql<{ id: string }>`
    insert into notifications (id, user_id, kind, data)
    select ${randomId()}::bigint, ${v.recipientId}::bigint, 'reply', ${JSON.stringify(v.data)}::jsonb
    where ${v.recipientId}::bigint is not null
      and ${v.recipientId}::bigint <> ${v.authorId}::bigint
      and not (${v.honourMute} and ${mutedCondition(v.recipientId, v.authorId)})
    returning id
  `);
  return rows[0];
}

const columns = ['id', 'user_id', 'kind', 'data', 'created_at', 'read_at'] as const;

/** Newest first; the cursor is the last row's (created_at, id). */
export function listNotifications(db: Exec, userId: string, before: { at: Date; id: string } | null, limit: number) {
  let q = db.selectFrom('notifications').select(columns).where('user_id', '=', userId);
  if (before) q = q.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(before.at, before.id)));
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

export function findNotifications(db: Exec, ids: string[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom('notifications').select(columns).where('id', 'in', ids).execute();
}
export type NotificationRow = Awaited<ReturnType<typeof findNotifications>>[number];

export async function countUnread(db: Exec, userId: string): Promise<number> {
  const row = await db
    .selectFrom('notifications')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('user_id', '=', userId)
    .where('read_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function markRead(db: Exec, userId: string, ids: string[] | 'all') {
  let q = db.updateTable('notifications').set({ read_at: new Date() }).where('user_id', '=', userId).where('read_at', 'is', null);
  if (ids !== 'all') q = q.where('id', 'in', ids);
  await q.execute();
}
