import { sql, type Kysely } from 'kysely';

// Flags from members (and the system's crisis flags), and the moderation log.
export async function up(db: Kysely<any>): Promise<void> {
  // reporter_id is null for flags raised by Haven itself (crisis phrases). It is never
  // shown to anyone: not to the author, not to other members, not in the queue.
  await sql`
    create table flags (
      id bigint generated always as identity primary key,
      post_id bigint not null references posts (id) on delete cascade,
      reporter_id bigint references users (id) on delete set null,
      reason text not null check (reason in ('triggering', 'harassment', 'spam', 'crisis', 'other')),
      note text,
      status text not null default 'open' check (status in ('open', 'resolved')),
      outcome text check (outcome in ('actioned', 'dismissed')),
      created_at timestamptz not null default now(),
      resolved_at timestamptz,
      resolved_by bigint references users (id) on delete set null
    )`.execute(db);
  await sql`create unique index flags_one_open_per_member on flags (post_id, reporter_id) where status = 'open' and reporter_id is not null`.execute(db);
  await sql`create index flags_open_idx on flags (post_id) where status = 'open'`.execute(db);
  await sql`create index flags_reporter_created_idx on flags (reporter_id, created_at)`.execute(db);
  await sql`create index flags_status_created_idx on flags (status, created_at)`.execute(db);

  // target is what the public sees of the post's author (alias or pseudonym), never an
  // account id, so the log cannot link an anonymous post to its writer either.
  await sql`
    create table mod_log (
      id bigint generated always as identity primary key,
      actor_id bigint references users (id) on delete set null,
      actor text not null,
      action text not null,
      post_id bigint references posts (id) on delete set null,
      thread_id bigint,
      target text,
      reason text,
      created_at timestamptz not null default now()
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table mod_log`.execute(db);
  await sql`drop table flags`.execute(db);
}
