import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
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

/**
 * The session and its member, if the session has been used within `idleDays`. Touches
 * last_seen_at at most hourly so that reads do not each turn into a write.
 */
export async function findActiveSession(db: Exec, tokenHash: string, idleDays: number) {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .selectAll('users')
    .select(['sessions.last_seen_at as session_last_seen_at'])
    .where('sessions.token_hash', '=', tokenHash)
    .where('sessions.last_seen_at', '>', sql<Date>`now() - make_interval(days => ${idleDays})`)
    .executeTakeFirst();
  if (row && Date.now() - row.session_last_seen_at.getTime() > 3_600_000) {
    await db.updateTable('sessions').set({ last_seen_at: sql`now()` }).where('token_hash', '=', tokenHash).execute();
  }
  return row;
}

export async function deleteSession(db: Exec, tokenHash: string): Promise<string | undefined> {
  const row = await db.deleteFrom('sessions').where('token_hash', '=', tokenHash).returning('user_id').executeTakeFirst();
  return row?.user_id;
}

export async function deleteSessionsOf(db: Exec, userId: string): Promise<void> {
  await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
}

export async function deleteIdleSessions(db: Exec, idleDays: number): Promise<void> {
  await db
    .deleteFrom('sessions')
    .where('last_seen_at', '<=', sql<Date>`now() - make_interval(days => ${idleDays})`)
    .execute();
}

export function listSessions(db: Exec, userId: string) {
  return db
    .selectFrom('sessions')
    .select(['created_at', 'last_seen_at'])
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .execute();
}
