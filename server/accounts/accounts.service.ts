import { createHmac } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Config } from '../config';
import type { User } from '../contract/accounts';
import { CONTENT_WARNING_CATEGORIES, DEFAULT_WARNING_PREFERENCE } from '../contract/content-warnings';
import type { DB, Role, StoredPreferences } from '../db/schema';
import { afterCommit, transact } from '../db/transact';
import { conflict, invalidCredentials, notFound, validationFailed } from '../http/errors';
import { TtlCache } from '../lib/ttl-cache';
import * as repo from './accounts.repository';
import type { UserRow } from './accounts.repository';
import type { PasswordHasher } from './password-hasher';
import { milestonesReached, recoveryDays } from './recovery-days';
import { todayIn } from '../journey/calendar';
import { isReservedPseudonym, skeleton } from './reserved';
import { hashRecoveryCode, newRecoveryCode, newSessionToken, sameHash, sha256Hex } from './tokens';
import { confirmViewer, SESSION_IDLE_DAYS, type Need, type Viewer } from './viewer';

export { isModerator, isNewAccount, NEW_ACCOUNT_MS, SESSION_IDLE_DAYS, type Viewer } from './viewer';

/** How long an erased member's pseudonym stays unavailable to anyone else. */
export const RETIRED_PSEUDONYM_DAYS = 30;

export interface AccountsDeps {
  db: Kysely<DB>;
  hasher: PasswordHasher;
  config: Pick<Config, 'admin' | 'sessionMaxDays'>;
  /** Keys the digests of retired pseudonyms. */
  serverSecret: string;
  /** How long a resolved session may be reused without asking the database (ms); 0 = never. */
  viewerCacheMs?: number;
}

export function toUser(row: UserRow, now = new Date()): User {
  const stored: StoredPreferences = row.preferences ?? {};
  const contentWarnings = Object.fromEntries(
    CONTENT_WARNING_CATEGORIES.map((c) => [c, stored.contentWarnings?.[c] ?? DEFAULT_WARNING_PREFERENCE]),
  ) as User['preferences']['contentWarnings'];
  const days = recoveryDays(row.recovery_start_date, now, row.time_zone);
  return {
    id: row.id,
    pseudonym: row.pseudonym,
    role: row.role,
    createdAt: row.created_at.toISOString(),
    preferences: {
      contentWarnings,
      recoveryStartDate: row.recovery_start_date,
      showRecoveryDays: row.show_recovery_days,
      timeZone: row.time_zone,
    },
    ...(days !== null ? { recoveryDays: days, milestones: milestonesReached(row.recovery_start_date!, todayIn(row.time_zone, now)).map(({ days: d, label }) => ({ days: d, label })) } : {}),
    ...(row.suspended_until && new Date(row.suspended_until) > now
      ? { suspension: { until: new Date(row.suspended_until).toISOString(), reason: row.suspension_reason ?? '' } }
      : {}),
  };
}

export type ExportSection = (userId: string) => Promise<unknown> | AsyncIterable<unknown>;
/** A member's recovery start date changed (set, moved or cleared), in its transaction; `today` is in their zone. */
export type StartDateChange = { userId: string; before: string | null; after: string | null; today: string };
export type StartDateHook = (trx: Transaction<DB>, change: StartDateChange) => Promise<void>;
export type DeleteHook = (trx: Transaction<DB>, userId: string, erasePosts: boolean, pseudonym: string) => Promise<void>;
/** A role change, in its transaction; `actor` is null when it came from the command line. */
export type RoleChange = { actor: Viewer | null; userId: string; pseudonym: string; from: Role; to: Role };
export type RoleHook = (trx: Transaction<DB>, change: RoleChange) => Promise<void>;
/** Runs in the transaction of a change that other processes must hear of (sessions, role, suspension; or a profile). */
export type AnnounceHook = (trx: Transaction<DB>, userId: string) => Promise<void> | void;

export function createAccountsService(deps: AccountsDeps) {
  const { db, hasher } = deps;
  const maxDays = deps.config.sessionMaxDays;
  const deleteHooks: DeleteHook[] = [];
  const roleHooks: RoleHook[] = [];
  const accessHooks: AnnounceHook[] = [];
  const profileHooks: AnnounceHook[] = [];
  const profileListeners: Array<() => void> = [];
  // Sessions resolved recently, so that a member's reads do not each cost a query. Any
  // change to a member's access evicts their entries here at its commit, and the live bus
  // evicts them in every other process; writes re-check the session in their transaction.
  const viewers = new TtlCache<Viewer>(deps.viewerCacheMs ?? 5_000, 50_000);
  const tokensOf = new Map<string, Set<string>>();

  function forgetAccess(userId: string) {
    for (const tokenHash of tokensOf.get(userId) ?? []) viewers.delete(tokenHash);
    tokensOf.delete(userId);
  }

  /**
   * Sessions ended, role or suspension changed: in the change's own transaction, so every
   * process hears of it exactly when it commits (never before, never lost); this process
   * drops its cached sessions at the commit.
   */
  async function announceAccess(trx: Transaction<DB>, userId: string) {
    for (const hook of accessHooks) await hook(trx, userId);
    afterCommit(trx, () => forgetAccess(userId));
  }

  /** How a member appears as an author changed (recovery days shown, erasure). */
  async function announceProfile(trx: Transaction<DB>, userId: string) {
    for (const hook of profileHooks) await hook(trx, userId);
    afterCommit(trx, () => profileListeners.forEach((l) => l()));
  }

  /** A write on behalf of a member: its first statement confirms the session (see confirmViewer). */
  function writeAs<T>(viewer: Viewer, need: Need, fn: (trx: Transaction<DB>, me: Viewer) => Promise<T>, outer?: Transaction<DB>): Promise<T> {
    return transact(db, outer, async (trx) => fn(trx, await confirmViewer(trx, viewer, need, maxDays)));
  }

  function retiredDigest(pseudonym: string): string {
    return createHmac('sha256', deps.serverSecret).update(`retired-pseudonym\u0000${skeleton(pseudonym)}`).digest('base64url');
  }

  async function startSession(executor: repo.Exec, userId: string): Promise<string> {
    const token = newSessionToken();
    await repo.insertSession(executor, sha256Hex(token), userId);
    return token;
  }

  async function signup(input: { pseudonym: string; password: string }) {
    if (isReservedPseudonym(input.pseudonym)) {
      throw validationFailed('That pseudonym is reserved. Please choose another.', [
        { path: 'body.pseudonym', message: 'is reserved' },
      ]);
    }
    // A name erased lately is "taken", like any other: nothing says whose it was.
    if ((await repo.findUserByPseudonym(db, input.pseudonym)) || (await repo.isRetired(db, retiredDigest(input.pseudonym)))) throw pseudonymTaken();
    const recoveryCode = newRecoveryCode();
    const passwordHash = await hasher.hash(input.password);
    const row = await repo.insertUser(db, {
      pseudonym: input.pseudonym,
      passwordHash,
      recoveryCodeHash: hashRecoveryCode(recoveryCode),
    });
    if (!row) throw pseudonymTaken();
    return { user: toUser(row), recoveryCode, token: await startSession(db, row.id) };
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
    return { user: toUser(row), token: await startSession(db, row.id) };
  }

  /** Sets a new password, compare-and-set on the old hash (two concurrent changes: one wins), ending other sessions. */
  async function replacePassword(trx: Transaction<DB>, row: UserRow, passwordHash: string, recoveryCodeHash: string, keepSession?: string) {
    const result = await trx
      .updateTable('users')
      .set({ password_hash: passwordHash, recovery_code_hash: recoveryCodeHash })
      .where('id', '=', row.id)
      .where('password_hash', '=', row.password_hash)
      .where('recovery_code_hash', '=', row.recovery_code_hash)
      .returningAll()
      .executeTakeFirst();
    if (!result) throw invalidCredentials();
    // Whoever knew the old password is logged out everywhere.
    await repo.deleteSessionsOf(trx, row.id, keepSession);
    await announceAccess(trx, row.id);
    return result;
  }

  async function recover(input: { pseudonym: string; recoveryCode: string; newPassword: string }) {
    const row = await repo.findUserByPseudonym(db, input.pseudonym);
    if (!row || !sameHash(row.recovery_code_hash, hashRecoveryCode(input.recoveryCode))) {
      throw invalidCredentials();
    }
    const recoveryCode = newRecoveryCode();
    const passwordHash = await hasher.hash(input.newPassword);
    return transact(db, undefined, async (trx) => {
      const updated = await replacePassword(trx, row, passwordHash, hashRecoveryCode(recoveryCode));
      return { user: toUser(updated), recoveryCode, token: await startSession(trx, row.id) };
    });
  }

  /** A logged-in member changes their password: the current one is required, every other session ends. */
  async function changePassword(viewer: Viewer, currentPassword: string, newPassword: string) {
    const row = await repo.findUserById(db, viewer.id);
    if (!row || !(await hasher.verify(row.password_hash, currentPassword))) throw invalidCredentials();
    const passwordHash = await hasher.hash(newPassword);
    await writeAs(viewer, 'member', (trx) => replacePassword(trx, row, passwordHash, row.recovery_code_hash, viewer.tokenHash));
  }

  async function viewerForToken(token: string): Promise<Viewer | null> {
    return viewerForTokenHash(sha256Hex(token));
  }

  async function viewerForTokenHash(tokenHash: string): Promise<Viewer | null> {
    const cached = viewers.get(tokenHash);
    if (cached) return cached;
    const row = await repo.findActiveSession(db, tokenHash, SESSION_IDLE_DAYS, maxDays);
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
    viewers.delete(tokenHash);
    await transact(db, undefined, async (trx) => {
      const userId = await repo.deleteSession(trx, tokenHash);
      if (userId) await announceAccess(trx, userId);
    });
  }

  async function logoutAll(viewer: Viewer) {
    await writeAs(viewer, 'member', async (trx) => {
      await repo.deleteSessionsOf(trx, viewer.id);
      await announceAccess(trx, viewer.id);
    });
  }

  async function me(userId: string): Promise<User> {
    const row = await repo.findUserById(db, userId);
    if (!row) throw notFound('Your account');
    return toUser(row);
  }

  async function updatePreferences(
    viewer: Viewer,
    input: {
      contentWarnings?: Partial<Record<string, 'show' | 'collapse' | 'hide'>> | undefined;
      recoveryStartDate?: string | null | undefined;
      showRecoveryDays?: boolean | undefined;
      timeZone?: string | undefined;
    },
  ): Promise<User> {
    return writeAs(viewer, 'member', async (trx) => {
      const row = await repo.findUserById(trx, viewer.id);
      if (!row) throw notFound('Your account');
      const stored: StoredPreferences = row.preferences ?? {};
      const merged: StoredPreferences = {
        ...stored,
        contentWarnings: { ...stored.contentWarnings, ...(input.contentWarnings as StoredPreferences['contentWarnings']) },
      };
      const today = todayIn(input.timeZone ?? row.time_zone);
      if (input.recoveryStartDate && input.recoveryStartDate > today) {
        throw validationFailed('The start date cannot be in the future.', [{ path: 'body.recoveryStartDate', message: 'cannot be in the future' }]);
      }
      const before = row.recovery_start_date;
      const after = input.recoveryStartDate !== undefined ? input.recoveryStartDate : before;
      // A new, later start (or none) is a restart. The count others see would fall to zero,
      // so it stops being shown, even when the same form says "show" as before: the member
      // turns it on again later, when they choose.
      const restart = before !== null && after !== before && (after === null || after > before);
      const show = restart && row.show_recovery_days ? false : input.showRecoveryDays;
      const updated = await repo.updateUser(trx, viewer.id, {
        preferences: JSON.stringify(merged),
        ...(input.recoveryStartDate !== undefined ? { recovery_start_date: input.recoveryStartDate } : {}),
        ...(show !== undefined ? { show_recovery_days: show } : {}),
        ...(input.timeZone !== undefined ? { time_zone: input.timeZone } : {}),
      });
      if (after !== before) for (const hook of startDateHooks) await hook(trx, { userId: viewer.id, before, after, today });
      await announceProfile(trx, viewer.id);
      return toUser(updated!);
    });
  }

  const startDateHooks: StartDateHook[] = [];
  /** Export sections, in document order: a value, or (for long lists) an async iterable of items. */
  const exportSections: Array<[string, ExportSection]> = [];

  /**
   * The member's export as JSON text, piece by piece: the account first (a missing account
   * fails before anything is sent), then each section, long lists an item at a time.
   */
  async function exportJson(userId: string): Promise<AsyncIterable<string>> {
    const row = await repo.findUserById(db, userId);
    if (!row) throw notFound('Your account');
    const sessions = await repo.listSessions(db, userId);
    const head = {
      exportedAt: new Date().toISOString(),
      user: toUser(row),
      guidelinesAcceptedAt: row.guidelines_accepted_at.toISOString(),
      sessions: sessions.map((s) => ({ createdAt: s.created_at.toISOString(), lastSeenAt: s.last_seen_at.toISOString() })),
    };
    return (async function* () {
      yield JSON.stringify(head).slice(0, -1);
      for (const [name, section] of exportSections) {
        const value = await section(userId);
        if (value && typeof value === 'object' && Symbol.asyncIterator in value) {
          yield `,${JSON.stringify(name)}:[`;
          let first = true;
          for await (const item of value as AsyncIterable<unknown>) {
            yield `${first ? '' : ','}${JSON.stringify(item)}`;
            first = false;
          }
          yield ']';
        } else yield `,${JSON.stringify(name)}:${JSON.stringify(value)}`;
      }
      yield '}';
    })();
  }

  async function deleteAccount(viewer: Viewer, password: string, erasePosts: boolean) {
    const row = await repo.findUserById(db, viewer.id);
    if (!row || !(await hasher.verify(row.password_hash, password))) throw invalidCredentials();
    await writeAs(viewer, 'member', async (trx) => {
      // Other features detach or erase what the account wrote, in the same transaction.
      for (const hook of deleteHooks) await hook(trx, viewer.id, erasePosts, row.pseudonym);
      // Sessions and preferences go with the row (ON DELETE CASCADE).
      await repo.deleteUser(trx, viewer.id);
      await repo.retirePseudonym(trx, retiredDigest(row.pseudonym), RETIRED_PSEUDONYM_DAYS);
      await announceProfile(trx, viewer.id);
      await announceAccess(trx, viewer.id);
    });
  }

  /** Changes a role (by an admin, or from the command line when `actor` is null). */
  async function setRole(target: string, role: Role, actor: Viewer | null) {
    const change = async (trx: Transaction<DB>, by: Viewer | null) => {
      const row = await repo.findUserByPseudonym(trx, target);
      if (!row) throw notFound('That member');
      if (row.role === 'admin' && role !== 'admin' && (await repo.lockAdmins(trx)) <= 1) {
        throw conflict('This is the last admin; make someone else admin first.');
      }
      const updated = await repo.updateUser(trx, row.id, { role });
      if (row.role !== role) {
        for (const hook of roleHooks) await hook(trx, { actor: by, userId: row.id, pseudonym: row.pseudonym, from: row.role, to: role });
        await announceAccess(trx, row.id);
      }
      return { pseudonym: updated!.pseudonym, role: updated!.role };
    };
    return actor ? writeAs(actor, 'admin', change) : transact(db, undefined, (trx) => change(trx, null));
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
    changePassword,
    viewerForToken,
    viewerForTokenHash,
    logout,
    logoutAll,
    me,
    updatePreferences,
    exportJson,
    deleteAccount,
    setRole,
    issueRecoveryCode,
    ensureConfiguredAdmin,
    writeAs,
    announceAccess,
    /** Lets a feature take part in account deletion (posts, notifications, mutes, the log). */
    onDelete: (hook: DeleteHook) => void deleteHooks.push(hook),
    /** Lets a feature record role changes in the same transaction (the moderation log). */
    onRoleChanged: (hook: RoleHook) => void roleHooks.push(hook),
    /** In the transaction of every access change (the live bus tells the other processes). */
    onAccessAnnounced: (hook: AnnounceHook) => void accessHooks.push(hook),
    /** In the transaction of every profile change (recovery days shown, erasure). */
    onProfileAnnounced: (hook: AnnounceHook) => void profileHooks.push(hook),
    /** Another process changed this member's access: drop what this one has cached. */
    forgetAccess,
    /** After the commit of a change to how a member appears as an author, in this process. */
    onProfileChanged: (listener: () => void) => void profileListeners.push(listener),
    /** Lets a feature keep a member's earlier streaks when their start date changes. */
    onStartDateChanged: (hook: StartDateHook) => void startDateHooks.push(hook),
    /** Lets a feature add a section to the export (in the order registered). */
    onExport: (name: string, section: ExportSection) => void exportSections.push([name, section]),
  };
}

export type AccountsService = ReturnType<typeof createAccountsService>;

function pseudonymTaken() {
  return conflict('That pseudonym is taken. Please choose another.');
}
