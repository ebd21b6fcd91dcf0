import { sql } from 'kysely';
import type { Exec } from '../forum/forum.repository';

/** All SQL of notifications. */
export function insertNotification(db: Exec, userId: string, kind: 'reply' | 'moderation' | 'milestone', data: Record<string, unknown>) {
  return db
    .insertInto('notifications')
    .values({ user_id: userId, kind, data: JSON.stringify(data) })
    .returning('id')
    .executeTakeFirstOrThrow();
}

/** Inserts unless `mutedId` is muted by the recipient (null: never muted); returns the id if stored. */
export async function insertNotificationUnlessMuted(
  db: Exec,
  userId: string,
  kind: 'reply' | 'moderation' | 'milestone',
  data: Record<string, unknown>,
  mutedId: string | null,
) {
  const { rows } = await sql<{ id: string }>`
    insert into notifications (user_id, kind, data)
    select ${userId}, ${kind}, ${JSON.stringify(data)}::jsonb
    where ${mutedId}::bigint is null
       or not exists (select 1 from mutes where muter_id = ${userId} and muted_id = ${mutedId}::bigint)
    returning id
  `.execute(db);
  return rows[0];
}

const columns = ['id', 'user_id', 'kind', 'data', 'created_at', 'read_at'] as const;

export function listNotifications(db: Exec, userId: string, beforeId: string | null, limit: number) {
  let q = db.selectFrom('notifications').select(columns).where('user_id', '=', userId);
  if (beforeId) q = q.where('id', '<', beforeId);
  return q.orderBy('id', 'desc').limit(limit).execute();
}

export function findNotification(db: Exec, id: string) {
  return db.selectFrom('notifications').select(columns).where('id', '=', id).executeTakeFirst();
}
export type NotificationRow = NonNullable<Awaited<ReturnType<typeof findNotification>>>;

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
