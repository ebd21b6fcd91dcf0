import { sql, type Kysely } from 'kysely';

// The transactional outbox of live events, and members' notifications.
export async function up(db: Kysely<any>): Promise<void> {
  // Ids come from this sequence, but only under a transaction-level advisory lock taken
  // just before the insert (server/live/events.repository.ts), so that the order in which
  // ids become visible is the commit order and "id > last seen" never skips an event.
  await sql`create sequence events_id_seq`.execute(db);
  // data holds references (post id, thread id, …), never bodies: what a recipient sees is
  // rendered from the current rows when the event is delivered or replayed, so a later
  // delete or hide also covers replays.
  await sql`
    create table events (
      id bigint primary key,
      topic text not null,
      kind text not null,
      data jsonb not null,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index events_topic_id_idx on events (topic, id)`.execute(db);
  await sql`create index events_created_idx on events (created_at)`.execute(db);
  // The highest id trimmed by retention: a client asking from before it must resync.
  await sql`create table event_horizon (only_row boolean primary key default true check (only_row), trimmed_through bigint not null)`.execute(db);
  await sql`insert into event_horizon (trimmed_through) values (0)`.execute(db);

  await sql`
    create table notifications (
      id bigint generated always as identity primary key,
      user_id bigint not null references users (id) on delete cascade,
      kind text not null check (kind in ('reply', 'moderation', 'milestone')),
      data jsonb not null,
      created_at timestamptz not null default now(),
      read_at timestamptz
    )`.execute(db);
  await sql`create index notifications_user_id_idx on notifications (user_id, id desc)`.execute(db);
  await sql`create index notifications_unread_idx on notifications (user_id) where read_at is null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table notifications`.execute(db);
  await sql`drop table event_horizon`.execute(db);
  await sql`drop table events`.execute(db);
  await sql`drop sequence events_id_seq`.execute(db);
}
