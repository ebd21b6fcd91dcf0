import { sql, type Kysely } from 'kysely';

// Each suspension a moderator makes, so admins can list and lift them. users.suspended_until
// stays what enforcement reads; it is the latest `until` of the account's running rows.
//
// subject is what the public saw of the author on the post it was made from: the alias of
// an anonymous post, or the pseudonym of a named one. The list shows only that, so an
// anonymous author is never named by it. user_id is kept only so that lifting reaches the
// account; no response carries it.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table suspensions (
      id bigint generated always as identity primary key,
      user_id bigint references users (id) on delete set null,
      post_id bigint references posts (id) on delete set null,
      thread_id bigint,
      anonymous boolean not null,
      subject text,
      reason text not null,
      until timestamptz not null,
      created_at timestamptz not null default now(),
      lifted_at timestamptz
    )`.execute(db);
  await sql`create index suspensions_running_idx on suspensions (id) where lifted_at is null`.execute(db);
  await sql`create index suspensions_user_idx on suspensions (user_id) where lifted_at is null`.execute(db);
  await sql`create index suspensions_post_idx on suspensions (post_id) where lifted_at is null`.execute(db);

  // Suspensions from before this table existed may have come from anonymous posts, so they
  // are listed without any name: only their reason and end.
  await sql`
    insert into suspensions (user_id, anonymous, subject, reason, until)
    select id, true, null, coalesce(suspension_reason, ''), suspended_until from users where suspended_until > now()
  `.execute(db);

  // The log's filters: by action and by the moderator who acted, newest first.
  await sql`create index mod_log_action_idx on mod_log (action, id)`.execute(db);
  await sql`create index mod_log_actor_idx on mod_log (lower(actor), id)`.execute(db);
  await sql`create index mod_log_created_idx on mod_log (created_at)`.execute(db);
  await sql`create index mod_log_post_idx on mod_log (post_id, action)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index mod_log_post_idx`.execute(db);
  await sql`drop index mod_log_created_idx`.execute(db);
  await sql`drop index mod_log_actor_idx`.execute(db);
  await sql`drop index mod_log_action_idx`.execute(db);
  await sql`drop table suspensions`.execute(db);
}
