import { sql, type Selectable, type SelectQueryBuilder } from 'kysely';
import type { Exec } from '../db/executor';
import { executePreparedFirst } from '../db/prepared';
import type { DB, Role } from '../db/schema';

/**
 * All SQL of users, sessions and retired pseudonyms. Every function takes the executor it
 * runs on. Other features reach these tables only through accounts.doors.ts.
 */
export type UserRow = Selectable<DB['users']>;

/** What a reader may be shown of a post's or thread's author (the views drop even this for anonymous posts). */
export interface AuthorColumns {
  author_pseudonym: string | null;
  author_show_days: boolean | null;
  author_start_date: string | null;
  author_zone: string | null;
}

// Only what a reader may be shown is ever selected about an author: pseudonym and the
// recovery-day fields.
const READER_COLUMNS = [
  'author.pseudonym as author_pseudonym',
  'author.show_recovery_days as author_show_days',
  'author.recovery_start_date as author_start_date',
  'author.time_zone as author_zone',
] as const;

type Joined<D, T extends keyof D, O, C> = SelectQueryBuilder<D & { author: DB['users'] }, T | 'author', O & C>;

/**
 * The query fragment other features' reads add to stay one statement: a left join of the
 * author (by the column `authorId` names, e.g. 'posts.author_id') and the columns a reader
 * may see. A page of a thread with its authors' names costs no extra round trip, and the
 * SQL that names this table still lives here.
 */
export function joinAuthor<D, T extends keyof D, O>(qb: SelectQueryBuilder<D, T, O>, authorId: string): Joined<D, T, O, AuthorColumns> {
  // Generic over the query it joins onto, so Kysely cannot check the column named by a
  // string here; each caller's statement is exercised by its own tests.
  return (qb as unknown as SelectQueryBuilder<DB, 'users', object>).leftJoin('users as author', 'author.id', authorId as 'users.id').select(READER_COLUMNS) as never;
}

/** The same join for moderation, which must know whether a named author is staff (never who an anonymous one is). */
export function joinAuthorRole<D, T extends keyof D, O>(
  qb: SelectQueryBuilder<D, T, O>,
  authorId: string,
): Joined<D, T, O, { author_pseudonym: string | null; author_role: Role | null }> {
  return (qb as unknown as SelectQueryBuilder<DB, 'users', object>)
    .leftJoin('users as author', 'author.id', authorId as 'users.id')
    .select(['author.pseudonym as author_pseudonym', 'author.role as author_role']) as never;
}

export function pseudonymKey(pseudonym: string): string {
  return pseudonym.toLowerCase();
}

export async function insertUser(
  db: Exec,
  values: { pseudonym: string; passwordHash: string; recoveryCodeHash: string; role?: Role },
): Promise<UserRow | undefined> {
  // ON CONFLICT keeps a race between two signups for one pseudonym a clean 409.
  return db
    .insertInto('users')
    .values({
      pseudonym: values.pseudonym,
      pseudonym_key: pseudonymKey(values.pseudonym),
      password_hash: values.passwordHash,
      recovery_code_hash: values.recoveryCodeHash,
      role: values.role ?? 'member',
      guidelines_accepted_at: new Date(),
    })
    .onConflict((oc) => oc.column('pseudonym_key').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export function findUserByPseudonym(db: Exec, pseudonym: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('pseudonym_key', '=', pseudonymKey(pseudonym)).executeTakeFirst();
}

export function findUserById(db: Exec, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function updateUser(
  db: Exec,
  id: string,
  values: Partial<{
    password_hash: string;
    recovery_code_hash: string;
    role: Role;
    preferences: string;
    recovery_start_date: string | null;
    show_recovery_days: boolean;
    time_zone: string | null;
  }>,
): Promise<UserRow | undefined> {
  return db.updateTable('users').set(values).where('id', '=', id).returningAll().executeTakeFirst();
}

/**
 * Sets a new password and recovery code, compare-and-set on the old hashes: of two
 * concurrent changes one wins, and the other finds no row.
 */
export function replacePassword(db: Exec, row: UserRow, passwordHash: string, recoveryCodeHash: string): Promise<UserRow | undefined> {
  return db
    .updateTable('users')
    .set({ password_hash: passwordHash, recovery_code_hash: recoveryCodeHash })
    .where('id', '=', row.id)
    .where('password_hash', '=', row.password_hash)
    .where('recovery_code_hash', '=', row.recovery_code_hash)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteUser(db: Exec, id: string): Promise<void> {
  await db.deleteFrom('users').where('id', '=', id).execute();
}

/** Counts the admins and locks their rows, so two demotions cannot both leave none. */
export async function lockAdmins(db: Exec): Promise<number> {
  const rows = await db.selectFrom('users').select('id').where('role', '=', 'admin').orderBy('id').forUpdate().execute();
  return rows.length;
}

export async function insertSession(db: Exec, tokenHash: string, userId: string): Promise<void> {
  await db.insertInto('sessions').values({ token_hash: tokenHash, user_id: userId }).execute();
}

/** A session is live while used within `idleDays` and younger than `maxDays`. */
function liveSession(db: Exec, tokenHash: string, idleDays: number, maxDays: number) {
  return db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .where('sessions.token_hash', '=', tokenHash)
    .where('sessions.last_seen_at', '>', sql<Date>`now() - make_interval(days => ${idleDays})`)
    .where('sessions.created_at', '>', sql<Date>`now() - make_interval(days => ${maxDays})`);
}

/**
 * The session and its member, if the session is live. Touches last_seen_at at most hourly
 * so that reads do not each turn into a write.
 */
export async function findActiveSession(db: Exec, tokenHash: string, idleDays: number, maxDays: number) {
  const row = await executePreparedFirst(db, liveSession(db, tokenHash, idleDays, maxDays)
    .selectAll('users')
    .select(['sessions.last_seen_at as session_last_seen_at']));
  if (row && Date.now() - row.session_last_seen_at.getTime() > 3_600_000) {
    await db.updateTable('sessions').set({ last_seen_at: sql`now()` }).where('token_hash', '=', tokenHash).execute();
  }
  return row;
}

/**
 * The live session's member, with the session row share-locked until the transaction ends:
 * a logout (a DELETE) waits for the writing transaction instead of slipping in between.
 */
export function lockLiveSession(db: Exec, tokenHash: string, idleDays: number, maxDays: number) {
  return executePreparedFirst(db, liveSession(db, tokenHash, idleDays, maxDays)
    .select(['users.id', 'users.pseudonym', 'users.role', 'users.suspended_until', 'users.created_at'])
    .forKeyShare('sessions'));
}

export async function deleteSession(db: Exec, tokenHash: string): Promise<string | undefined> {
  const row = await db.deleteFrom('sessions').where('token_hash', '=', tokenHash).returning('user_id').executeTakeFirst();
  return row?.user_id;
}

/** Ends every session of the member, or every one but `keep` (the one changing the password). */
export async function deleteSessionsOf(db: Exec, userId: string, keep?: string): Promise<void> {
  let q = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (keep) q = q.where('token_hash', '<>', keep);
  await q.execute();
}

export async function deleteDeadSessions(db: Exec, idleDays: number, maxDays: number): Promise<void> {
  await db
    .deleteFrom('sessions')
    .where((eb) => eb.or([
      eb('last_seen_at', '<=', sql<Date>`now() - make_interval(days => ${idleDays})`),
      eb('created_at', '<=', sql<Date>`now() - make_interval(days => ${maxDays})`),
    ]))
    .execute();
}

// Retired pseudonyms: an erased member's name stays unavailable for a while, so nobody can
// step into their identity at once. Only a keyed digest of the name is kept.
export async function retirePseudonym(db: Exec, digest: string, days: number): Promise<void> {
  await db
    .insertInto('retired_pseudonyms')
    .values({ digest, until: sql<Date>`now() + make_interval(days => ${days})` })
    .onConflict((oc) => oc.column('digest').doUpdateSet({ until: sql<Date>`greatest(retired_pseudonyms.until, excluded.until)` }))
    .execute();
}

export async function isRetired(db: Exec, digest: string): Promise<boolean> {
  const row = await db.selectFrom('retired_pseudonyms').select('digest').where('digest', '=', digest).where('until', '>', sql<Date>`now()`).executeTakeFirst();
  return row !== undefined;
}

export async function pruneRetiredPseudonyms(db: Exec): Promise<void> {
  await db.deleteFrom('retired_pseudonyms').where('until', '<=', sql<Date>`now()`).execute();
}

export function listSessions(db: Exec, userId: string) {
  return db
    .selectFrom('sessions')
    .select(['created_at', 'last_seen_at'])
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .execute();
}

/** Pseudonyms of these members, by id (erased ones are simply missing). */
export async function pseudonymsOf(db: Exec, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('users').select(['id', 'pseudonym']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, r.pseudonym]));
}

/** Where a member counts their days: their start date and time zone. */
export function calendarOf(db: Exec, userId: string) {
  return db.selectFrom('users').select(['id', 'recovery_start_date', 'time_zone']).where('id', '=', userId).executeTakeFirst();
}

/** Members who count days, a page at a time by id. */
export function countingMembers(db: Exec, afterId: string, limit: number) {
  return db
    .selectFrom('users')
    .select(['id', 'recovery_start_date as start', 'time_zone as zone'])
    .where('recovery_start_date', 'is not', null)
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
}

/**
 * Suspends until the later of `until` and any suspension already running (a second
 * suspension never shortens the first). With no account (an erased author) the same
 * statement runs and changes nothing.
 */
export async function suspend(db: Exec, userId: string | null, until: string, reason: string) {
  await db
    .updateTable('users')
    .set({ suspended_until: sql<Date>`greatest(suspended_until, ${until}::timestamptz)`, suspension_reason: reason })
    .where(sql<boolean>`id = ${userId}::bigint`)
    .execute();
}

/** The member's suspension as it now stands: until a time with its reason, or none. */
export async function setSuspension(db: Exec, userId: string, running: { until: Date | string; reason: string } | null) {
  await db
    .updateTable('users')
    .set({ suspended_until: running?.until ?? null, suspension_reason: running?.reason ?? null })
    .where('id', '=', userId)
    .execute();
}

/** An account whose suspension has run out no longer carries its end or reason. */
export async function clearEndedSuspensions(db: Exec) {
  await db.updateTable('users').set({ suspended_until: null, suspension_reason: null }).where('suspended_until', '<=', sql<Date>`now()`).execute();
}

/** Members whose pseudonym starts with `prefix` (any case), for admins. */
export function findMembers(db: Exec, prefix: string, limit: number) {
  return db
    .selectFrom('users')
    .select(['pseudonym', 'role', 'created_at'])
    .where(sql<boolean>`starts_with(pseudonym_key, ${prefix.toLowerCase()})`)
    .orderBy('pseudonym_key')
    .limit(limit)
    .execute();
}
