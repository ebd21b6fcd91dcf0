import { sql, type Kysely } from 'kysely';

// Accounts hold no email, phone or real name: a pseudonym, two hashes and preferences.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table users (
      id bigint generated always as identity primary key,
      pseudonym text not null,
      pseudonym_key text not null unique,
      password_hash text not null,
      recovery_code_hash text not null,
      role text not null default 'member' check (role in ('member', 'moderator', 'admin')),
      preferences jsonb not null default '{}'::jsonb,
      recovery_start_date date,
      show_recovery_days boolean not null default false,
      guidelines_accepted_at timestamptz not null,
      suspended_until timestamptz,
      suspension_reason text,
      created_at timestamptz not null default now()
    )`.execute(db);

  // Only the SHA-256 of a session token is stored: a database leak yields no live session.
  await sql`
    create table sessions (
      token_hash text primary key,
      user_id bigint not null references users (id) on delete cascade,
      created_at timestamptz not null default now(),
      last_seen_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index sessions_user_id_idx on sessions (user_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table sessions`.execute(db);
  await sql`drop table users`.execute(db);
}
