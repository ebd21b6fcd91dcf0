import { sql, type Kysely } from 'kysely';

// A reply updates its thread's row (reply count, last activity) and its parent post's
// child count. Neither counter is indexed, and last activity now moves at most every few
// seconds (see bumpThread), so such an update can stay on its page as a heap-only tuple
// (HOT): no new entry in any index, the search GIN index included. That needs room on the
// page, which a fill factor leaves; rows written from now on get it.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table threads set (fillfactor = 80)`.execute(db);
  await sql`alter table posts set (fillfactor = 90)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table posts reset (fillfactor)`.execute(db);
  await sql`alter table threads reset (fillfactor)`.execute(db);
}
