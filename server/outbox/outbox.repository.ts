import { sql } from 'kysely';
import type { Exec } from '../db/executor';
import { executePrepared } from '../db/prepared';

/** All SQL of the events outbox: events and event_streams. */

export interface EventRow {
  /** Global, in commit order: how processes read the outbox. Never shown to a client. */
  id: string;
  topic: string;
  /** The audience this event is counted in (contract/live.ts, streamOf). */
  stream: string;
  /** The event's id as its readers see it: gap-free and increasing within its stream. */
  seq: string;
  kind: string;
  data: Record<string, unknown>;
  created_at: Date;
}

/** Any fixed number: the key of the advisory lock that orders event ids by commit. */
const EVENT_ORDER_LOCK = 0x48617665;
export const NOTIFY_CHANNEL = 'haven_events';

export interface NewEvent {
  topic: string;
  stream: string;
  kind: string;
  data: Record<string, unknown>;
}

const columns = ['id', 'topic', 'stream', 'seq', 'kind', 'data', 'created_at'] as const;

/**
 * Writes a transaction's events in one statement, which must be its last before COMMIT.
 * The transaction-level advisory lock, taken first, is held until commit, so no other
 * transaction can take higher numbers and commit first: global ids and every stream's
 * seqs become visible in increasing order. The statement reserves a block of global ids
 * and counts each stream on from its row in event_streams, so ids and seqs follow the
 * order of `events` exactly. pg_notify is transactional too: listeners hear on commit.
 * Returns the rows as stored, in id order, and the id just before them: once committed,
 * this process's bus can hand them on without reading them back (Bus.committed).
 */
export async function appendEvents(trx: Exec, events: NewEvent[]): Promise<Appended | undefined> {
  if (events.length === 0) return undefined;
  const n = events.length;
  const rows = await executePrepared(trx, sql<EventRow>`
    with ordered as (select pg_advisory_xact_lock(${EVENT_ORDER_LOCK}) as locked),
    input as (
      select e.topic, e.stream, e.kind, e.data, e.ord
      from ordered cross join unnest(
        ${events.map((e) => e.topic)}::text[], ${events.map((e) => e.stream)}::text[],
        ${events.map((e) => e.kind)}::text[], ${events.map((e) => JSON.stringify(e.data))}::jsonb[]
      ) with ordinality as e(topic, stream, kind, data, ord)
    ),
    block as (select setval('events_id_seq', nextval('events_id_seq') + ${n}::bigint - 1) as last from ordered),
    counts as (select stream, count(*)::bigint as n from input group by stream),
    bumped as (
      insert into event_streams as s (stream, last_seq)
      select stream, n from counts
      on conflict (stream) do update set last_seq = s.last_seq + excluded.last_seq
      returning s.stream, s.last_seq
    ),
    appended as (
      insert into events (id, topic, stream, seq, kind, data)
      select block.last - ${n}::bigint + i.ord, i.topic, i.stream,
             b.last_seq - c.n + row_number() over (partition by i.stream order by i.ord), i.kind, i.data
      from input i cross join block join bumped b on b.stream = i.stream join counts c on c.stream = i.stream
      returning id, topic, stream, seq, kind, data, created_at
    ),
    -- Once per statement, after the rows (a CTE with a volatile call is evaluated once).
    notified as (select pg_notify(${NOTIFY_CHANNEL}, (select last::text from block)) from (select count(*) from appended) as done)
    select a.id, a.topic, a.stream, a.seq, a.kind, a.data, a.created_at
    from appended a cross join notified
    order by a.id
  `);
  return { rows, after: String(BigInt(rows[0]!.id) - 1n) };
}

/** A transaction's events as written: `after` is the global id just before the first. */
export interface Appended {
  rows: EventRow[];
  after: string;
}

export function eventsAfter(db: Exec, afterId: string, limit: number): Promise<EventRow[]> {
  return executePrepared(db, db.selectFrom('events').select(columns).where('id', '>', afterId).orderBy('id').limit(limit)) as Promise<EventRow[]>;
}

/** Some topics' events (one stream) with seq in (afterSeq, uptoSeq], in order: what a reconnecting client missed. */
export function topicEventsBetween(db: Exec, topics: string[], afterSeq: string, uptoSeq: string, limit: number): Promise<EventRow[]> {
  return db
    .selectFrom('events')
    .select(columns)
    .where('topic', 'in', topics)
    .where('seq', '>', afterSeq)
    .where('seq', '<=', uptoSeq)
    .orderBy('seq')
    .limit(limit)
    .execute() as Promise<EventRow[]>;
}

/** How many events a backlog holds, counting no further than `cap` (an index-only walk at most that long). */
export async function countTopicEventsBetween(db: Exec, topics: string[], afterSeq: string, uptoSeq: string, cap: number): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from (
      select 1 from events where topic in (${sql.join(topics)}) and seq > ${afterSeq}::bigint and seq <= ${uptoSeq}::bigint limit ${cap}
    ) as capped
  `.execute(db);
  return rows[0]!.n;
}

/** A probe answers within this bound: a stalled database is "not ready", never a hung probe. */
const PROBE_TIMEOUT_MS = 2_000;

/**
 * Whether the database takes writes. A no-op UPDATE is refused by a read-only database
 * (a standby, default_transaction_read_only) just as a real write is, and leaves no row
 * version behind, however often the load balancer asks.
 */
export async function databaseWritable(db: Exec): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const probe = sql`update event_streams set last_seq = last_seq where false`.execute(db).then(() => true, () => false);
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS)));
  try {
    return await Promise.race([probe, late]);
  } finally {
    clearTimeout(timer);
  }
}

export async function lastEventId(db: Exec): Promise<string> {
  const { rows } = await sql<{ id: string }>`select coalesce(max(id), 0)::bigint as id from events`.execute(db);
  return rows[0]!.id;
}

/**
 * Each stream's position as of global id `asOfId`: the seq of its last event at or below
 * it. Seqs are gap-free, so it is one less than the first seq above it, or, when nothing of
 * the stream lies above it, the stream's last seq. One statement, one snapshot.
 */
export async function streamPositions(db: Exec, streams: string[], asOfId: string): Promise<Map<string, bigint>> {
  const { rows } = await sql<{ stream: string; position: string }>`
    select s.stream, coalesce(
      (select min(e.seq) - 1 from events e where e.stream = s.stream and e.id > ${asOfId}::bigint),
      (select last_seq from event_streams where stream = s.stream),
      0)::bigint as position
    from unnest(${streams}::text[]) as s(stream)
  `.execute(db);
  return new Map(rows.map((r) => [r.stream, BigInt(r.position)]));
}

/**
 * What is stored of a stream: the highest seq trimmed by retention (a client asking from
 * before it must resync) and the last seq written (a client may not ask from beyond it).
 */
export async function streamBounds(db: Exec, stream: string): Promise<{ horizon: bigint; last: bigint }> {
  const row = await db.selectFrom('event_streams').select(['trimmed_through', 'last_seq']).where('stream', '=', stream).executeTakeFirst();
  return { horizon: BigInt(row?.trimmed_through ?? '0'), last: BigInt(row?.last_seq ?? '0') };
}

/**
 * Drops events older than the retention window and moves each stream's horizon past them,
 * in the retention round's transaction (server/privacy/retention.ts).
 */
export async function trimEventsIn(trx: Exec, olderThanHours: number): Promise<true> {
  await sql`
    with gone as (delete from events where created_at < now() - make_interval(secs => ${olderThanHours * 3600}) returning stream, seq),
    per as (select stream, max(seq) as top from gone group by stream)
    update event_streams s set trimmed_through = greatest(s.trimmed_through, per.top) from per where s.stream = per.stream
  `.execute(trx);
  return true;
}
