import { sql, type Kysely } from 'kysely';

// A member's own journey: their calendar (time zone), earlier streaks, the milestones Haven
// has celebrated, small private goals ticked off per day, saved posts (toolkit), and the
// resources moderators pin per community. Everything a member owns here goes with their
// account (ON DELETE CASCADE) and is in their export.
export async function up(db: Kysely<any>): Promise<void> {
  // The IANA zone a member's days are counted in; null until they choose (counted in UTC).
  await sql`alter table users add column time_zone text`.execute(db);

  // Earlier streaks, kept when a member sets a new start date: the past is never wiped.
  await sql`
    create table recovery_streaks (
      id bigint generated always as identity primary key,
      user_id bigint not null references users (id) on delete cascade,
      start_date date not null,
      end_date date not null check (end_date >= start_date),
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index recovery_streaks_user_idx on recovery_streaks (user_id, start_date)`.execute(db);

  // Each milestone celebrated once per streak (the start date names the streak).
  await sql`
    create table milestones_sent (
      user_id bigint not null references users (id) on delete cascade,
      start_date date not null,
      days integer not null,
      sent_at timestamptz not null default now(),
      primary key (user_id, start_date, days)
    )`.execute(db);

  await sql`
    create table goals (
      id bigint generated always as identity primary key,
      user_id bigint not null references users (id) on delete cascade,
      title text not null,
      created_at timestamptz not null default now(),
      archived_at timestamptz
    )`.execute(db);
  await sql`create index goals_user_idx on goals (user_id, id)`.execute(db);
  await sql`
    create table goal_checks (
      goal_id bigint not null references goals (id) on delete cascade,
      day date not null,
      primary key (goal_id, day)
    )`.execute(db);

  await sql`
    create table toolkit_items (
      user_id bigint not null references users (id) on delete cascade,
      post_id bigint not null references posts (id) on delete cascade,
      created_at timestamptz not null default now(),
      primary key (user_id, post_id)
    )`.execute(db);

  // Pinned by moderators: the pin is the community's, not a member's, and names nobody.
  await sql`
    create table community_resources (
      id bigint generated always as identity primary key,
      community_id bigint not null references communities (id) on delete cascade,
      post_id bigint not null references posts (id) on delete cascade,
      title text not null,
      position integer not null default 0,
      created_at timestamptz not null default now(),
      unique (community_id, post_id)
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['community_resources', 'toolkit_items', 'goal_checks', 'goals', 'milestones_sent', 'recovery_streaks']) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
  await sql`alter table users drop column time_zone`.execute(db);
}
