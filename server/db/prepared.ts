import type { CompiledQuery } from 'kysely';
import type { Exec } from './executor';

/**
 * Statements run as named prepared statements on PostgreSQL: each connection parses and
 * plans them once instead of on every run, which is most of the database's work for the
 * short, hot statements of a thread page and a reply. Only statements the repositories
 * name here are prepared, so the set stays small (a handful per connection) and a
 * one-off statement never takes server memory for the connection's lifetime.
 * PGlite ignores the names: it is in process, and has no per-statement round trip to save.
 */
const names = new Map<string, string>();

/** The statement name for this SQL text, if it was marked hot. */
export function preparedName(sqlText: string): string | undefined {
  return names.size === 0 ? undefined : names.get(sqlText);
}

/** A query builder, or a raw `sql` statement (which compiles against the executor). */
type Preparable<R> = { compile(db: Exec): CompiledQuery<R> };

/** Runs a query as a prepared statement; the same rows as executing it. */
export async function executePrepared<R>(db: Exec, query: Preparable<R>): Promise<R[]> {
  const compiled = query.compile(db);
  if (!names.has(compiled.sql)) names.set(compiled.sql, `haven_${names.size + 1}`);
  return (await db.executeQuery(compiled)).rows;
}

export async function executePreparedFirst<R>(db: Exec, query: Preparable<R>): Promise<R | undefined> {
  return (await executePrepared(db, query))[0];
}
