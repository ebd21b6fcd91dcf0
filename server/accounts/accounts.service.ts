import type { Kysely, Transaction } from 'kysely';
import type { Config } from '../config';
import type { User } from '../contract/accounts';
import { CONTENT_WARNING_CATEGORIES, DEFAULT_WARNING_PREFERENCE } from '../contract/content-warnings';
import type { DB, Role, StoredPreferences } from '../db/schema';
import { conflict, forbidden, invalidCredentials, notFound, validationFailed } from '../http/errors';
import * as repo from './accounts.repository';
import type { UserRow } from './accounts.repository';
import type { PasswordHasher } from './password-hasher';
import { milestonesReached, recoveryDays } from './recovery-days';
import { isReservedPseudonym } from './reserved';
import { TtlCache } from '../lib/ttl-cache';
import { hashRecoveryCode, newRecoveryCode, newSessionToken, sameHash, sha256Hex } from './tokens';

export const SESSION_IDLE_DAYS = 30;

export interface AccountsDeps {
  db: Kysely<DB>;
  hasher: PasswordHasher;
  config: Pick<Config, 'admin'>;
  /** How long a resolved session may be reused without asking the database (ms); 0 = never. */
  viewerCacheMs?: number;
}

/** The member behind a request's session. */
export interface Viewer {
  id: string;
  pseudonym: string;
  role: Role;
  suspendedUntil: Date | null;
  createdAt: Date;
  tokenHash: string;
}

/** Accounts younger than a day get smaller allowances: spam and abuse waves use new accounts. */
export const NEW_ACCOUNT_MS = 24 * 3600_000;
export const isNewAccount = (viewer: Pick<Viewer, 'createdAt'>) => Date.now() - viewer.createdAt.getTime() < NEW_ACCOUNT_MS;

export const isModerator = (viewer: Pick<Viewer, 'role'> | null | undefined) =>
  viewer?.role === 'moderator' || viewer?.role === 'admin';

export function toUser(row: UserRow, now = new Date()): User {
  const stored: StoredPreferences = row.preferences ?? {};
  const contentWarnings = Object.fromEntries(
    CONTENT_WARNING_CATEGORIES.map((c) => [c, stored.contentWarnings?.[c] ?? DEFAULT_WARNING_PREFERENCE]),
  ) as User['preferences']['contentWarnings'];
  const days = recoveryDays(row.recovery_start_date, now);
  return {
    id: row.id,
    pseudonym: row.pseudonym,
    role: row.role,
    createdAt: row.created_at.toISOString(),
    preferences: {
      contentWarnings,
      recoveryStartDate: row.recovery_start_date,
      showRecoveryDays: row.show_recovery_days,
    },
    ...(days !== null ? { recoveryDays: days, milestones: milestonesReached(days) } : {}),
  };
}

export type DeleteHook = (trx: Transaction<DB>, userId: string, erasePosts: boolean) => Promise<void>;
/** A role change, in its transaction; `actor` is null when it came from the command line. */
export type RoleChange = { actor: Viewer | null; userId: string; pseudonym: string; from: Role; to: Role };
export type RoleHook = (trx: Transaction<DB>, change: RoleChange) => Promise<void>;

export function createAccountsService(deps: AccountsDeps) {
  const { db, hasher } = deps;
  const deleteHooks: DeleteHook[] = [];
  const roleHooks: RoleHook[] = [];
  const profileListeners: Array<() => void> = [];
  const accessListeners: Array<(userId: string) => void> = [];
  // Sessions resolved recently, so that a member's reads do not each cost a query. Any
  // change to a member's access evicts their entries here at once, and the live bus
  // evicts them in every other process; the TTL bounds what a lost message could cost.
  const viewers = new TtlCache<Viewer>(deps.viewerCacheMs ?? 5_000, 50_000);
  const tokensOf = new Map<string, Set<string>>();

  function forgetAccess(userId: string) {
    for (const tokenHash of tokensOf.get(userId) ?? []) viewers.delete(tokenHash);
    tokensOf.delete(userId);
  }

  /** Sessions ended, role or suspension changed: forget cached sessions and tell listeners. */
  function accessChanged(userId: string) {
    forgetAccess(userId);
    for (const listener of accessListeners) listener(userId);
  }
  const exportSections: Array<(userId: string) => Promise<Record<string, unknown>>> = [];

  async function startSession(userId: string): Promise<string> {
    const token = newSessionToken();
    await repo.insertSession(db, sha256Hex(token), userId);
    return token;
  }

  async function signup(input: { pseudonym: string; password: string }) {
    if (isReservedPseudonym(input.pseudonym)) {
      throw validationFailed('That pseudonym is reserved. Please choose another.', [
        { path: 'body.pseudonym', message: 'is reserved' },
      ]);
    }
    if (await repo.findUserByPseudonym(db, input.pseudonym)) throw pseudonymTaken();
    const recoveryCode = newRecoveryCode();
    const passwordHash = await hasher.hash(input.password);
    const row = await repo.insertUser(db, {
      pseudonym: input.pseudonym,
      passwordHash,
      recoveryCodeHash: hashRecoveryCode(recoveryCode),
    });
    if (!row) throw pseudonymTaken();
    return { user: toUser(row), recoveryCode, token: await startSession(row.id) };
  }

  async function login(input: { pseudonym: string; password: string }) {
    const row = await repo.findUserByPseudonym(db, input.pseudonym);
    if (!row) {
      await hasher.verifyDummy(input.password);
      throw invalidCredentials();
    }
    if (!(await hasher.verify(row.password_hash, input.password))) throw invalidCredentials();
    // Parameters raised since this hash was made: upgrade it now, while we know the password.
    if (hasher.needsRehash(row.password_hash)) {
      await repo.updateUser(db, row.id, { password_hash: await hasher.hash(input.password) });
    }
    return { user: toUser(row), token: await startSession(row.id) };
  }

  async function recover(input: { pseudonym: string; recoveryCode: string; newPassword: string }) {
    const row = await repo.findUserByPseudonym(db, input.pseudonym);
    if (!row || !sameHash(row.recovery_code_hash, hashRecoveryCode(input.recoveryCode))) {
      throw invalidCredentials();
    }
    const recoveryCode = newRecoveryCode();
    const passwordHash = await hasher.hash(input.newPassword);
    const updated = await db.transaction().execute(async (trx) => {
      // Compare-and-set on the old hash: two concurrent uses of one code, only one wins.
      const result = await trx
        .updateTable('users')
        .set({ password_hash: passwordHash, recovery_code_hash: hashRecoveryCode(recoveryCode) })
        .where('id', '=', row.id)
        .where('recovery_code_hash', '=', row.recovery_code_hash)
        .returningAll()
        .executeTakeFirst();
      if (!result) throw invalidCredentials();
      // Whoever knew the old password is logged out everywhere.
      await repo.deleteSessionsOf(trx, row.id);
      return result;
    });
    accessChanged(row.id);
    return { user: toUser(updated), recoveryCode, token: await startSession(row.id) };
  }

  async function viewerForToken(token: string): Promise<Viewer | null> {
    return viewerForTokenHash(sha256Hex(token));
  }

  async function viewerForTokenHash(tokenHash: string): Promise<Viewer | null> {
    const cached = viewers.get(tokenHash);
    if (cached) return cached;
    const row = await repo.findActiveSession(db, tokenHash, SESSION_IDLE_DAYS);
    if (!row) return null;
    const until = row.suspended_until ? new Date(row.suspended_until) : null;
    const viewer: Viewer = { id: row.id, pseudonym: row.pseudonym, role: row.role, suspendedUntil: until, createdAt: row.created_at, tokenHash };
    viewers.set(tokenHash, viewer);
    let tokens = tokensOf.get(row.id);
    if (!tokens) tokensOf.set(row.id, (tokens = new Set()));
    if (tokens.size > 100) tokens.clear(); // bounded: entries also expire by TTL
    tokens.add(tokenHash);
    return viewer;
  }

  async function logout(tokenHash: string) {
    const userId = await repo.deleteSession(db, tokenHash);
    if (userId) accessChanged(userId);
    viewers.delete(tokenHash);
  }

  async function logoutAll(userId: string) {
    await repo.deleteSessionsOf(db, userId);
    accessChanged(userId);
  }

  async function me(userId: string): Promise<User> {
    const row = await repo.findUserById(db, userId);
    if (!row) throw notFound('Your account');
    return toUser(row);
  }

  async function updatePreferences(
    userId: string,
    input: {
      contentWarnings?: Partial<Record<string, 'show' | 'collapse' | 'hide'>> | undefined;
      recoveryStartDate?: string | null | undefined;
      showRecoveryDays?: boolean | undefined;
    },
  ): Promise<User> {
    return db.transaction().execute(async (trx) => {
      const row = await repo.findUserById(trx, userId);
      if (!row) throw notFound('Your account');
      const stored: StoredPreferences = row.preferences ?? {};
      const merged: StoredPreferences = {
        ...stored,
        contentWarnings: { ...stored.contentWarnings, ...(input.contentWarnings as StoredPreferences['contentWarnings']) },
      };
      const updated = await repo.updateUser(trx, userId, {
        preferences: JSON.stringify(merged),
        ...(input.recoveryStartDate !== undefined ? { recovery_start_date: input.recoveryStartDate } : {}),
        ...(input.showRecoveryDays !== undefined ? { show_recovery_days: input.showRecoveryDays } : {}),
      });
      return toUser(updated!);
    }).finally(() => profileListeners.forEach((l) => l()));
  }

  async function exportData(userId: string) {
    const row = await repo.findUserById(db, userId);
    if (!row) throw notFound('Your account');
    const sessions = await repo.listSessions(db, userId);
    return {
      exportedAt: new Date().toISOString(),
      user: toUser(row),
      guidelinesAcceptedAt: row.guidelines_accepted_at.toISOString(),
      sessions: sessions.map((s) => ({ createdAt: s.created_at.toISOString(), lastSeenAt: s.last_seen_at.toISOString() })),
      ...Object.assign({}, ...(await Promise.all(exportSections.map((section) => section(userId))))),
    };
  }

  async function deleteAccount(userId: string, password: string, erasePosts: boolean) {
    const row = await repo.findUserById(db, userId);
    if (!row || !(await hasher.verify(row.password_hash, password))) throw invalidCredentials();
    await db.transaction().execute(async (trx) => {
      // Other features detach or erase what the account wrote, in the same transaction.
      for (const hook of deleteHooks) await hook(trx, userId, erasePosts);
      // Sessions and preferences go with the row (ON DELETE CASCADE).
      await repo.deleteUser(trx, userId);
    });
    profileListeners.forEach((l) => l());
    accessChanged(userId);
  }

  /** Changes a role (by an admin, or from the command line when `actor` is null). */
  async function setRole(target: string, role: Role, actor: Viewer | null) {
    if (actor && actor.role !== 'admin') throw forbidden('Only admins can change roles.');
    const result = await db.transaction().execute(async (trx) => {
      const row = await repo.findUserByPseudonym(trx, target);
      if (!row) throw notFound('That member');
      if (row.role === 'admin' && role !== 'admin' && (await repo.lockAdmins(trx)) <= 1) {
        throw conflict('This is the last admin; make someone else admin first.');
      }
      const updated = await repo.updateUser(trx, row.id, { role });
      if (row.role !== role) for (const hook of roleHooks) await hook(trx, { actor, userId: row.id, pseudonym: row.pseudonym, from: row.role, to: role });
      return { id: row.id, pseudonym: updated!.pseudonym, role: updated!.role };
    });
    accessChanged(result.id);
    return { pseudonym: result.pseudonym, role: result.role };
  }

  /**
   * A fresh recovery code, for the operator to hand over (npm run admin -- recovery-code):
   * the way back in for an account whose code was never shown (the configured admin) or
   * was lost. The old code stops working; sessions and password are left alone.
   */
  async function issueRecoveryCode(pseudonym: string) {
    const row = await repo.findUserByPseudonym(db, pseudonym);
    if (!row) throw notFound('That member');
    const recoveryCode = newRecoveryCode();
    await repo.updateUser(db, row.id, { recovery_code_hash: hashRecoveryCode(recoveryCode) });
    return { pseudonym: row.pseudonym, recoveryCode };
  }

  /** ADMIN_PSEUDONYM + ADMIN_PASSWORD: create that admin, or promote it; never touch its password. */
  async function ensureConfiguredAdmin() {
    const admin = deps.config.admin;
    if (!admin) return;
    const existing = await repo.findUserByPseudonym(db, admin.pseudonym);
    if (existing) {
      if (existing.role !== 'admin') await repo.updateUser(db, existing.id, { role: 'admin' });
      return;
    }
    await repo.insertUser(db, {
      pseudonym: admin.pseudonym,
      passwordHash: await hasher.hash(admin.password),
      recoveryCodeHash: hashRecoveryCode(newRecoveryCode()),
      role: 'admin',
    });
  }

  return {
    signup,
    login,
    recover,
    viewerForToken,
    viewerForTokenHash,
    logout,
    logoutAll,
    me,
    updatePreferences,
    exportData,
    deleteAccount,
    setRole,
    issueRecoveryCode,
    ensureConfiguredAdmin,
    /** Lets a feature take part in account deletion (posts, notifications, mutes). */
    onDelete: (hook: DeleteHook) => void deleteHooks.push(hook),
    /** Lets a feature record role changes in the same transaction (the moderation log). */
    onRoleChanged: (hook: RoleHook) => void roleHooks.push(hook),
    /** Listeners learn of ended sessions and changed roles or suspensions (live sockets, the bus). */
    onAccessChanged: (listener: (userId: string) => void) => void accessListeners.push(listener),
    /** Another process changed this member's access: drop what this one has cached. */
    forgetAccess,
    accessChanged,
    /** Called after a change to how a member appears as an author (recovery days, erasure). */
    onProfileChanged: (listener: () => void) => void profileListeners.push(listener),
    /** Lets a feature add its section to the member's export. */
    onExport: (section: (userId: string) => Promise<Record<string, unknown>>) => void exportSections.push(section),
    pruneIdleSessions: () => repo.deleteIdleSessions(db, SESSION_IDLE_DAYS),
  };
}

export type AccountsService = ReturnType<typeof createAccountsService>;

function pseudonymTaken() {
  return conflict('That pseudonym is taken. Please choose another.');
}
