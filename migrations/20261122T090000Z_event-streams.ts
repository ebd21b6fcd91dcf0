import { sql, type Kysely } from 'kysely';

// Event ids that readers see are counted per audience ("stream"): all public topics
// (threads, communities) share one, `mod` has one, every `user:<id>` topic has its own,
// and internal messages have theirs. What a reader can observe of ids and positions then
// depends only on events of their own audience: a private notification, written or not
// (a reply to one's own post, a muted replier), moves no public id. The global `id` stays:
// it is the commit-ordered cursor each process reads the outbox by, and is never shown.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table events add column stream text, add column seq bigint`.execute(db);
  await sql`
    update events set stream = case when topic like 'thread:%' or topic like 'community:%' then 'public' else topic end,
                      seq = id`.execute(db);
  await sql`alter table events alter column stream set not null, alter column seq set not null`.execute(db);
  await sql`create unique index events_stream_seq_idx on events (stream, seq)`.execute(db);
  await sql`create index events_topic_seq_idx on events (topic, seq)`.execute(db);
  await sql`drop index events_topic_id_idx`.execute(db);

  // Each stream's last seq, and how far retention has trimmed it. Events written before
  // this migration keep their global id as their seq, and every stream continues from the
  // highest id: a client resuming with an id it saw before the upgrade gets exactly what
  // it missed, and one from before the trimmed horizon gets `resync`.
  await sql`
    create table event_streams (
      stream text primary key,
      last_seq bigint not null,
      trimmed_through bigint not null default 0
    )`.execute(db);
  await sql`
    insert into event_streams (stream, last_seq, trimmed_through)
    select s.stream, (select coalesce(max(id), 0) from events), (select trimmed_through from event_horizon)
    from (select distinct stream from events union select 'public' union select 'mod') s`.execute(db);
  await sql`drop table event_horizon`.execute(db);

  // Notification ids are random, not drawn from one sequence for everyone: the gaps between
  // a member's own notification ids would otherwise count everyone else's notifications
  // (and so tell whether an anonymous reply notified its parent's author). Lists are
  // ordered by time instead, to the millisecond as cursors carry it.
  await sql`alter table notifications alter column id drop identity`.execute(db);
  await sql`alter table notifications alter column created_at type timestamptz(3)`.execute(db);
  await sql`create index notifications_user_created_idx on notifications (user_id, created_at desc, id desc)`.execute(db);
  await sql`drop index notifications_user_id_idx`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`create index notifications_user_id_idx on notifications (user_id, id desc)`.execute(db);
  await sql`drop index notifications_user_created_idx`.execute(db);
  await sql`alter table notifications alter column created_at type timestamptz`.execute(db);
  await sql`alter table notifications alter column id add generated always as identity`.execute(db);
  await sql`select setval(pg_get_serial_sequence('notifications', 'id'), (select coalesce(max(id), 0) + 1 from notifications), false)`.execute(db);
  await sql`create table event_horizon (only_row boolean primary key default true check (only_row), trimmed_through bigint not null)`.execute(db);
  await sql`insert into event_horizon (trimmed_through) select coalesce(max(trimmed_through), 0) from event_streams`.execute(db);
  await sql`drop table event_streams`.execute(db);
  await sql`create index events_topic_id_idx on events (topic, id)`.execute(db);
  await sql`drop index events_topic_seq_idx`.execute(db);
  await sql`drop index events_stream_seq_idx`.execute(db);
  await sql`alter table events drop column stream, drop column seq`.execute(db);
}
