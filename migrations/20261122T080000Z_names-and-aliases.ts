import { sql, type Kysely } from 'kysely';

// Retired pseudonyms and solo aliases.
export async function up(db: Kysely<any>): Promise<void> {
  // An erased member's name stays unavailable for a while, so that nobody can step into
  // their identity at once. Only a keyed digest (HMAC with the server secret) of the name's
  // confusable skeleton is kept: the table cannot be read back into names.
  await sql`
    create table retired_pseudonyms (
      digest text primary key,
      until timestamptz not null
    )`.execute(db);
  // A post anonymized after it was shown under a name gets an alias of its own, never
  // shared (see server/forum/forum.service.ts, soloAlias).
  await sql`alter table posts add column alias_solo boolean not null default false`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table posts drop column alias_solo`.execute(db);
  await sql`drop table retired_pseudonyms`.execute(db);
}
