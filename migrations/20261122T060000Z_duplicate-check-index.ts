import { sql, type Kysely } from 'kysely';

// The "same body twice within 5 minutes" check used to walk every post the member wrote in
// the window and compare bodies. Keying the author index on a digest of the body turns it
// into one index probe however much the member posts; the index still serves every
// by-author query (erasure, export), so the write path keeps the same number of indexes.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index posts_author_body_idx on posts (author_id, md5(body_md), created_at)`.execute(db);
  await sql`drop index posts_author_created_idx`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`create index posts_author_created_idx on posts (author_id, created_at)`.execute(db);
  await sql`drop index posts_author_body_idx`.execute(db);
}
