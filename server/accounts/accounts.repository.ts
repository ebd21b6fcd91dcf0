import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { executePreparedFirst } from '../db/prepared';
import type { DB, Role } from '../db/schema';

/** All SQL of accounts and sessions. Every function takes the executor it runs on. */
export type Exec = Kysely<DB> | Transaction<DB>;
export type UserRow = Selectable<DB['users']>;

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
