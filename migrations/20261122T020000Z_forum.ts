import { sql, type Kysely } from 'kysely';

// Communities, threads and the post tree. Seeded communities are part of the schema's
// meaning (the needs Haven serves), so they are created here, not by a seed script.
const COMMUNITIES = [
  ['alcohol', 'Alcohol', 'Recovery from alcohol: early days, long-term sobriety, cutting down, and everything between.'],
  ['drugs-and-medication', 'Drugs and medication', 'Recovery from drug use, including prescription medication, and support with medication-assisted treatment.'],
  ['family-and-friends', 'Family and friends', 'For the people around someone with an addiction: partners, parents, children, friends.'],
  ['dual-diagnosis', 'Mental health alongside addiction', 'Dual diagnosis: living with mental-health conditions and addiction at the same time.'],
  ['milestones', 'Milestones and success stories', 'Days, months and years: share what you have reached and what helped.'],
  ['coping-and-relapse-prevention', 'Coping strategies and relapse prevention', 'Cravings, triggers, hard days, and what to do after a slip.'],
  ['introductions', 'Introductions', 'New here? Say hello, as much or as little as you like.'],
] as const;

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table communities (
      id bigint generated always as identity primary key,
      slug text not null unique,
      name text not null,
      description text not null,
      thread_count integer not null default 0,
      created_at timestamptz not null default now()
    )`.execute(db);
  for (const [slug, name, description] of COMMUNITIES) {
    await sql`insert into communities (slug, name, description) values (${slug}, ${name}, ${description})`.execute(db);
  }

  // author_id is kept for anonymous posts too (for "mine", edits, suspensions and erasure)
  // but no response ever carries it; alias is what the public sees.
  await sql`
    create table threads (
      id bigint generated always as identity primary key,
      community_id bigint not null references communities (id),
      title text not null,
      author_id bigint references users (id) on delete set null,
      anonymous boolean not null default false,
      alias text,
      content_warnings text[] not null default '{}',
      reply_count integer not null default 0,
      created_at timestamptz not null default now(),
      last_activity_at timestamptz not null default now(),
      search tsvector generated always as (to_tsvector('english', title)) stored
    )`.execute(db);
  await sql`create index threads_community_activity_idx on threads (community_id, last_activity_at desc, id desc)`.execute(db);
  await sql`create index threads_search_idx on threads using gin (search)`.execute(db);
  await sql`create index threads_author_idx on threads (author_id)`.execute(db);

  // path: the materialized depth-first key (see server/forum/tree-path.ts), byte-ordered
  // (collation "C") so that one range scan over (thread_id, path) reads a page in order.
  await sql`
    create table posts (
      id bigint generated always as identity primary key,
      thread_id bigint not null references threads (id) on delete cascade,
      parent_id bigint references posts (id),
      path text collate "C" not null,
      depth integer not null,
      child_count integer not null default 0,
      author_id bigint references users (id) on delete set null,
      anonymous boolean not null default false,
      alias text,
      body_md text not null,
      body_html text not null,
      content_warnings text[] not null default '{}',
      created_at timestamptz not null default now(),
      edited_at timestamptz,
      deleted_at timestamptz,
      hidden_reason text,
      hidden_by text check (hidden_by in ('moderator', 'community')),
      search tsvector generated always as (to_tsvector('english', body_md)) stored
    )`.execute(db);
  await sql`create unique index posts_thread_path_idx on posts (thread_id, path)`.execute(db);
  await sql`create index posts_author_created_idx on posts (author_id, created_at)`.execute(db);
  await sql`create index posts_search_idx on posts using gin (search)`.execute(db);

  // Earlier revisions of edited posts, kept for moderators.
  await sql`
    create table post_revisions (
      id bigint generated always as identity primary key,
      post_id bigint not null references posts (id) on delete cascade,
      body_md text not null,
      content_warnings text[] not null,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index post_revisions_post_idx on post_revisions (post_id)`.execute(db);

  await sql`
    create table mutes (
      muter_id bigint not null references users (id) on delete cascade,
      muted_id bigint not null references users (id) on delete cascade,
      created_at timestamptz not null default now(),
      primary key (muter_id, muted_id)
    )`.execute(db);

  // A POST retried with the same Idempotency-Key returns the first result (kept 24 h).
  await sql`
    create table idempotency_keys (
      user_id bigint not null references users (id) on delete cascade,
      key text not null,
      request_hash text not null,
      status integer,
      response jsonb,
      created_at timestamptz not null default now(),
      primary key (user_id, key)
    )`.execute(db);
  await sql`create index idempotency_keys_created_idx on idempotency_keys (created_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['idempotency_keys', 'mutes', 'post_revisions', 'posts', 'threads', 'communities']) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
}
