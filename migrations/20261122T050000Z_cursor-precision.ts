import { sql, type Kysely } from 'kysely';

// Keyset cursors carry times as JavaScript dates (milliseconds). A column with microseconds
// would compare unequal to its own cursor, skipping or repeating rows at a page edge, so
// the columns that cursors order by keep millisecond precision.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table threads alter column last_activity_at type timestamptz(3)`.execute(db);
  await sql`alter table flags alter column created_at type timestamptz(3)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table threads alter column last_activity_at type timestamptz`.execute(db);
  await sql`alter table flags alter column created_at type timestamptz`.execute(db);
}
