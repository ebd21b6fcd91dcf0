import type { Kysely } from 'kysely';
import type { Exec, Trx } from '../db/executor';
import type { DB, Role } from '../db/schema';
import { transact } from '../db/transact';
import * as repo from './accounts.repository';
import { SESSION_IDLE_DAYS } from './viewer';
import { confirmViewer, type Need, type Viewer } from './viewer';

/**
 * What other features may ask of accounts: small typed doors onto users, sessions and
 * retired pseudonyms, built from the repository alone (no service), so that any feature
 * can be given one without a cycle. Nothing else outside accounts/ names those tables.
 */
export { joinAuthor, joinAuthorRole, type AuthorColumns } from './accounts.repository';

/** Opens a member's write transaction; its first statement confirms the session (viewer.ts). */
export interface MemberWrites {
  writeAs<T>(viewer: Viewer, need: Need, fn: (trx: Trx, me: Viewer) => Promise<T>): Promise<T>;
}

export function memberWrites(db: Kysely<DB>, sessionMaxDays: number): MemberWrites {
  return {
    writeAs: (viewer, need, fn) => transact(db, async (trx) => fn(trx, await confirmViewer(trx, viewer, need, sessionMaxDays))),
  };
}

/** Who a pseudonym is, and the pseudonyms of ids (mutes list them by name). */
export interface MemberLookup {
  idOf(pseudonym: string): Promise<string | undefined>;
  pseudonymsOf(db: Exec, ids: string[]): Promise<Map<string, string>>;
}

/** Suspending and lifting, for moderation: the account's own columns. */
export interface AccountSuspensions {
  suspend(trx: Trx, userId: string | null, until: string, reason: string): Promise<void>;
  setSuspension(trx: Trx, userId: string, running: { until: Date | string; reason: string } | null): Promise<void>;
  clearEnded(trx: Trx): Promise<void>;
  findMembers(prefix: string, limit: number): Promise<Array<{ pseudonym: string; role: Role; created_at: Date }>>;
}

/** Where members count their days, for the journey. */
export interface MemberCalendars {
  calendarOf(db: Exec, userId: string): Promise<{ recovery_start_date: string | null; time_zone: string | null } | undefined>;
  countingMembers(db: Exec, afterId: string, limit: number): Promise<Array<{ id: string; start: string | null; zone: string | null }>>;
}

/** What the retention round trims of accounts' tables. */
export interface AccountsRetention {
  deleteDeadSessions(trx: Trx, sessionMaxDays: number): Promise<void>;
  pruneRetiredPseudonyms(trx: Trx): Promise<void>;
}

export function accountsDoors(db: Kysely<DB>) {
  const lookup: MemberLookup = {
    idOf: async (pseudonym) => (await repo.findUserByPseudonym(db, pseudonym))?.id,
    pseudonymsOf: repo.pseudonymsOf,
  };
  const suspensions: AccountSuspensions = {
    suspend: repo.suspend,
    setSuspension: repo.setSuspension,
    clearEnded: repo.clearEndedSuspensions,
    findMembers: (prefix, limit) => repo.findMembers(db, prefix, limit),
  };
  const calendars: MemberCalendars = { calendarOf: repo.calendarOf, countingMembers: repo.countingMembers };
  const retention: AccountsRetention = {
    deleteDeadSessions: (trx, sessionMaxDays) => repo.deleteDeadSessions(trx, SESSION_IDLE_DAYS, sessionMaxDays),
    pruneRetiredPseudonyms: repo.pruneRetiredPseudonyms,
  };
  return { lookup, suspensions, calendars, retention };
}
