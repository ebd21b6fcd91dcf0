import { sql } from 'kysely';
import type { Exec } from '../forum/forum.repository';

/** All SQL of the events outbox. */

export interface EventRow {
  id: string;
  topic: string;
  kind: string;
  data: Record<string, unknown>;
  created_at: Date;
}

/** Any fixed number: the key of the advisory lock that orders event ids by commit. */
const EVENT_ORDER_LOCK = 0x48617665;
export const NOTIFY_CHANNEL = 'haven_events';

export interface NewEvent {
  topic: string;
  kind: string;
  data: Record<string, unknown>;
}

/**
 * Writes a transaction's events in one statement, which must be its last before COMMIT.
 * The transaction-level advisory lock, taken before nextval, is held until commit, so no
 * other transaction can take a higher id and commit first: ids become visible in
 * increasing order, and the lock is held only for this statement and the commit.
 * pg_notify is transactional too: listeners hear of the new ids only on commit.
 */
export async function appendEvents(trx: Exec, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  await sql`
    with appended as (
      insert into events (id, topic, kind, data)
      select nextval('events_id_seq'), e.topic, e.kind, e.data
      from (select pg_advisory_xact_lock(${EVENT_ORDER_LOCK})) as ordered,
           unnest(${events.map((e) => e.topic)}::text[], ${events.map((e) => e.kind)}::text[], ${events.map((e) => JSON.stringify(e.data))}::jsonb[]) as e(topic, kind, data)
      returning id
    )
    select pg_notify(${NOTIFY_CHANNEL}, max(id)::text) from appended
  `.execute(trx);
}

export function eventsAfter(db: Exec, afterId: string, limit: number): Promise<EventRow[]> {
  return db
    .selectFrom('events')
    .select(['id', 'topic', 'kind', 'data', 'created_at'])
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute() as Promise<EventRow[]>;
}

/** The backlog of some topics in (afterId, uptoId], in order: what a reconnecting client missed. */
export function topicEventsBetween(db: Exec, topics: string[], afterId: string, uptoId: string, limit: number): Promise<EventRow[]> {
  return db
    .selectFrom('events')
    .select(['id', 'topic', 'kind', 'data', 'created_at'])
    .where('topic', 'in', topics)
    .where('id', '>', afterId)
    .where('id', '<=', uptoId)
    .orderBy('id')
    .limit(limit)
    .execute() as Promise<EventRow[]>;
}

export async function lastEventId(db: Exec): Promise<string> {
  const { rows } = await sql<{ id: string }>`select coalesce(max(id), 0)::bigint as id from events`.execute(db);
  return rows[0]!.id;
}

export async function horizon(db: Exec): Promise<string> {
  const row = await db.selectFrom('event_horizon').select('trimmed_through').executeTakeFirstOrThrow();
  return row.trimmed_through;
}

/** Drops events older than the retention window and moves the horizon past them. */
export async function trimEvents(db: Exec, olderThanHours: number): Promise<void> {
  const { rows } = await sql<{ max: string | null }>`
    with gone as (delete from events where created_at < now() - make_interval(secs => ${olderThanHours * 3600}) returning id)
    select max(id)::bigint as max from gone
  `.execute(db);
  const max = rows[0]?.max;
  if (max) await sql`update event_horizon set trimmed_through = greatest(trimmed_through, ${max}::bigint)`.execute(db);
}
