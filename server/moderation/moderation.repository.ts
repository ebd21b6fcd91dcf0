import { sql } from 'kysely';
import type { Exec } from '../db/executor';
import type { FlagReason } from '../db/schema';

/**
 * All SQL of flags, suspensions and the moderation log. A post's hiding and warnings are
 * the forum's columns, and an account's suspension is accounts': moderation changes them
 * through those features' doors.
 */

/** Inserts a flag; undefined when this member already has an open flag on the post. */
export async function insertFlag(db: Exec, v: { postId: string; reporterId: string | null; reason: FlagReason; note: string | null }) {
  const { rows } = await sql<{ id: string; created_at: Date }>`
    insert into flags (post_id, reporter_id, reason, note) values (${v.postId}, ${v.reporterId}, ${v.reason}, ${v.note})
    on conflict (post_id, reporter_id) where status = 'open' and reporter_id is not null do nothing
    returning id, created_at
  `.execute(db);
  return rows[0];
}

export async function flagsSince(db: Exec, reporterId: string, hours: number): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from flags where reporter_id = ${reporterId} and created_at > now() - make_interval(hours => ${hours})
  `.execute(db);
  return rows[0]!.n;
}

/** Distinct members with an open flag on the post; crisis flags do not count towards hiding. */
export async function hidingFlagCount(db: Exec, postId: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(distinct reporter_id)::int as n from flags
    where post_id = ${postId} and status = 'open' and reporter_id is not null and reason <> 'crisis'
  `.execute(db);
  return rows[0]!.n;
}

export function findFlag(db: Exec, id: string) {
  return db.selectFrom('flags').select(['id', 'post_id', 'status']).where('id', '=', id).executeTakeFirst();
}

export function flagsForDelivery(db: Exec, ids: string[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('flags')
    .select(['id', 'post_id', 'reason', 'note', 'created_at', 'reporter_id'])
    .where('id', 'in', ids)
    .execute();
}

export async function resolveFlagsOf(db: Exec, postId: string, outcome: 'actioned' | 'dismissed', by: string): Promise<number> {
  const result = await db
    .updateTable('flags')
    .set({ status: 'resolved', outcome, resolved_at: sql`now()`, resolved_by: by })
    .where('post_id', '=', postId)
    .where('status', '=', 'open')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * The queue: flags grouped per post, crisis first, then oldest. The cursor is the last
 * group's (crisis rank, first flag time, post id).
 */
export async function flagQueue(db: Exec, status: 'open' | 'resolved', after: { rank: number; at: string; postId: string } | null, limit: number) {
  const { rows } = await sql<{
    post_id: string; id: string; count: number; rank: number; first_at: Date; reasons: Record<string, number>; notes: string[] | null; lead_reason: FlagReason;
  }>`
    select * from (
      select post_id, min(id)::text as id, count(*)::int as count,
             case when bool_or(reason = 'crisis') then 0 else 1 end as rank,
             min(created_at) as first_at,
             (select jsonb_object_agg(reason, n) from (select reason, count(*)::int as n from flags f2 where f2.post_id = f.post_id and f2.status = ${status} group by reason) r) as reasons,
             array_agg(note order by id) filter (where note is not null) as notes,
             (array_agg(reason order by (reason = 'crisis') desc, id))[1] as lead_reason
      from flags f where status = ${status}
      group by post_id
    ) g
    where ${after === null} or (g.rank, g.first_at, g.post_id) > (${after?.rank ?? 0}, ${after?.at ?? '1970-01-01T00:00:00Z'}::timestamptz, ${after?.postId ?? '0'}::bigint)
    order by g.rank, g.first_at, g.post_id
    limit ${limit}
  `.execute(db);
  return rows;
}

/** Whether this action was logged on this post within the last `minutes`. */
export async function loggedSince(db: Exec, postId: string, action: string, minutes: number): Promise<boolean> {
  const row = await db.selectFrom('mod_log').select('id')
    .where('post_id', '=', postId).where('action', '=', action)
    .where('created_at', '>', sql<Date>`now() - make_interval(mins => ${minutes})`)
    .executeTakeFirst();
  return row !== undefined;
}

/** Erasure: the log keeps what happened, but under a placeholder instead of the member's name. */
export async function forgetNameInLog(db: Exec, userId: string, pseudonym: string, placeholder: string) {
  await db.updateTable('mod_log').set({ target: placeholder }).where('target', '=', pseudonym).execute();
  await db.updateTable('mod_log').set({ actor: placeholder }).where('actor_id', '=', userId).execute();
}

export async function eraseFlagNotesBy(db: Exec, reporterId: string) {
  await db.updateTable('flags').set({ note: null }).where('reporter_id', '=', reporterId).where('note', 'is not', null).execute();
}

export async function insertLog(
  db: Exec,
  v: { actorId: string | null; actor: string; action: string; postId: string | null; threadId: string | null; target: string | null; reason: string | null },
) {
  await db
    .insertInto('mod_log')
    .values({ actor_id: v.actorId, actor: v.actor, action: v.action, post_id: v.postId, thread_id: v.threadId, target: v.target, reason: v.reason })
    .execute();
}

export interface LogFilter {
  action?: string | undefined;
  actor?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

export function listLog(db: Exec, beforeId: string | null, limit: number, filter: LogFilter = {}) {
  let q = db.selectFrom('mod_log').select(['id', 'actor', 'action', 'post_id', 'thread_id', 'target', 'reason', 'created_at']);
  if (beforeId) q = q.where('id', '<', beforeId);
  if (filter.action) q = q.where('action', '=', filter.action);
  if (filter.actor) q = q.where(sql`lower(actor)`, '=', filter.actor.toLowerCase());
  if (filter.from) q = q.where('created_at', '>=', new Date(filter.from));
  if (filter.to) q = q.where('created_at', '<', new Date(filter.to));
  return q.orderBy('id', 'desc').limit(limit).execute();
}

/**
 * A post was anonymized after a moderator acted on it: the log and the suspensions list
 * name its author by the post's new alias from now on, as every other reader does.
 */
export async function renameAuthorOfPost(db: Exec, postId: string, alias: string) {
  await db.updateTable('mod_log').set({ target: alias }).where('post_id', '=', postId).execute();
  await db.updateTable('suspensions').set({ subject: alias, anonymous: true }).where('post_id', '=', postId).execute();
}

/** Erasure: a suspension made from a named post no longer names the member. */
export async function forgetNameInSuspensions(db: Exec, userId: string, placeholder: string) {
  await db.updateTable('suspensions').set({ subject: placeholder }).where('user_id', '=', userId).where('anonymous', '=', false).execute();
}

export async function insertSuspension(
  db: Exec,
  v: { userId: string | null; postId: string; threadId: string; anonymous: boolean; subject: string; reason: string; until: string },
) {
  await db
    .insertInto('suspensions')
    .values({ user_id: v.userId, post_id: v.postId, thread_id: v.threadId, anonymous: v.anonymous, subject: v.subject, reason: v.reason, until: v.until })
    .execute();
}

const running = sql<boolean>`lifted_at is null and until > now()`;

/** Whether a suspension made from this post is still running (a second one would be a double action). */
export async function runningSuspensionFromPost(db: Exec, postId: string): Promise<boolean> {
  const row = await db.selectFrom('suspensions').select('id').where('post_id', '=', postId).where(running).executeTakeFirst();
  return row !== undefined;
}

const SUSPENSION_COLUMNS = ['id', 'user_id', 'post_id', 'thread_id', 'anonymous', 'subject', 'reason', 'until', 'created_at', 'lifted_at'] as const;

/** Running suspensions, newest first. */
export function listSuspensions(db: Exec, beforeId: string | null, limit: number) {
  let q = db.selectFrom('suspensions').select(SUSPENSION_COLUMNS).where(running);
  if (beforeId) q = q.where('id', '<', beforeId);
  return q.orderBy('id', 'desc').limit(limit).execute();
}

export function suspensionForUpdate(db: Exec, id: string) {
  return db.selectFrom('suspensions').select([...SUSPENSION_COLUMNS, sql<boolean>`until > now()`.as('runs')]).where('id', '=', id).forUpdate().executeTakeFirst();
}
export type SuspensionRow = NonNullable<Awaited<ReturnType<typeof suspensionForUpdate>>>;

export async function markLifted(db: Exec, id: string) {
  await db.updateTable('suspensions').set({ lifted_at: sql`now()` }).where('id', '=', id).execute();
}

/** The member's latest running suspension, if any: what their account is suspended until. */
export function latestRunningSuspension(db: Exec, userId: string) {
  return db.selectFrom('suspensions').select(['until', 'reason']).where('user_id', '=', userId).where(running).orderBy('until', 'desc').limit(1).executeTakeFirst();
}

/** Retention: a suspension that ended or was lifted leaves the list (the log keeps what happened). */
export async function trimFinishedSuspensions(db: Exec) {
  await db.deleteFrom('suspensions').where(sql<boolean>`lifted_at is not null or until <= now()`).execute();
}

/** The flags a member raised, for their export: theirs alone (who resolved them is not theirs to know). */
export function flagsRaisedBy(db: Exec, reporterId: string) {
  return db.selectFrom('flags').select(['post_id', 'reason', 'note', 'status', 'outcome', 'created_at', 'resolved_at']).where('reporter_id', '=', reporterId).orderBy('id').execute();
}
