import { sql, type Kysely } from 'kysely';

// Login, signup and recovery allowances live in the database so that N app processes
// share one allowance instead of granting N. Keys are keyed hashes (never an address).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table rate_limits (
      key text primary key,
      count integer not null,
      reset_at timestamptz not null
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table rate_limits`.execute(db);
}
