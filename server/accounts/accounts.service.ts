import { createHmac } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Config } from '../config';
import type { User } from '../contract/accounts';
import { CONTENT_WARNING_CATEGORIES, DEFAULT_WARNING_PREFERENCE } from '../contract/content-warnings';
import type { Exec, Trx } from '../db/executor';
import type { DB, Role, StoredPreferences } from '../db/schema';
import { afterCommit, transact } from '../db/transact';
import { conflict, invalidCredentials, notFound, validationFailed } from '../http/errors';
import { todayIn } from '../lib/calendar';
import { TtlCache } from '../lib/ttl-cache';
import { ACCESS_CHANGED, INTERNAL_TOPIC, PROFILE_CHANGED, type OutboxWriter } from '../outbox/outbox.service';
import type { MemberWrites } from './accounts.doors';
import * as repo from './accounts.repository';
import type { UserRow } from './accounts.repository';
import type { PasswordHasher } from './password-hasher';
import { milestonesReached, recoveryDays } from './recovery-days';
import { isReservedPseudonym, skeleton } from './reserved';
import { hashRecoveryCode, newRecoveryCode, newSessionToken, sameHash, sha256Hex } from './tokens';
import { SESSION_IDLE_DAYS, type Viewer } from './viewer';

export { isModerator, isNewAccount, NEW_ACCOUNT_MS, SESSION_IDLE_DAYS, type Viewer } from './viewer';

/** How long an erased member's pseudonym stays unavailable to anyone else. */
export const RETIRED_PSEUDONYM_DAYS = 30;

/** A member's recovery start date changed (set, moved or cleared), in its transaction; `today` is in their zone. */
export type StartDateChange = { userId: string; before: string | null; after: string | null; today: string };
/** A role change, in its transaction; `actor` is null when it came from the command line. */
export type RoleChange = { actor: Viewer | null; userId: string; pseudonym: string; from: Role; to: Role };

export interface AccountsDeps {
  db: Kysely<DB>;
  hasher: PasswordHasher;
  config: Pick<Config, 'admin' | 'sessionMaxDays'>;
  /** Keys the digests of retired pseudonyms. */
  serverSecret: string;
  /** How long a resolved session may be reused without asking the database (ms); 0 = never. */
  viewerCacheMs?: number;
  writes: MemberWrites;
  /** Access and profile changes are told to every process through the outbox. */
  outbox: OutboxWriter;
  /** Forum's page cache: a profile change makes every cached page's authors stale. */
  pages: { forgetAll(): void };
  /** Moderation's log of who was given or lost moderating powers. */
  roleLog: { logRoleChange(trx: Trx, change: RoleChange): Promise<void> };
  /** The journey keeps the streak a restart ends. */
  streaks: { startDateChanged(trx: Trx, change: StartDateChange): Promise<void> };
  /** The unread count GET /api/me carries. */
  unread: { unreadCount(userId: string): Promise<number> };
}

export interface PreferencesInput {
  contentWarnings?: Partial<Record<string, 'show' | 'collapse' | 'hide'>> | undefined;
  recoveryStartDate?: string | null | undefined;
  showRecoveryDays?: boolean | undefined;
  timeZone?: string | undefined;
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

/**
 * Accounts and sessions: joining, logging in and out, recovery, preferences and roles, and
 * resolving a session to its member (cached briefly; writes confirm it again).
 */
export class AccountsService {
  // Sessions resolved recently, so that a member's reads do not each cost a query. Any
  // change to a member's access evicts their entries here at its commit, and the live bus
  // evicts them in every other process; writes re-check the session in their transaction.
  readonly #viewers: TtlCache<Viewer>;
  readonly #tokensOf = new Map<string, Set<string>>();
  readonly #db: Kysely<DB>;

  constructor(private readonly deps: AccountsDeps) {
    this.#db = deps.db;
    this.#viewers = new TtlCache<Viewer>(deps.viewerCacheMs ?? 5_000, 50_000);
  }

  /** Drops this process's cached sessions of a member (another process changed their access). */
  forgetAccess(userId: string): void {
    for (const tokenHash of this.#tokensOf.get(userId) ?? []) this.#viewers.delete(tokenHash);
    this.#tokensOf.delete(userId);
  }

  /**
   * Sessions ended, role or suspension changed: in the change's own transaction, so every
   * process hears of it exactly when it commits (never before, never lost); this process
   * drops its cached sessions at the commit.
   */
  async announceAccess(trx: Trx, userId: string): Promise<void> {
    this.deps.outbox.append(trx, INTERNAL_TOPIC, ACCESS_CHANGED, { userId });
    afterCommit(trx, () => this.forgetAccess(userId));
  }

  /** How members appear as authors changed (recovery days shown, erasure): every process drops its cached pages. */
  async announceProfile(trx: Trx): Promise<void> {
    this.deps.outbox.append(trx, INTERNAL_TOPIC, PROFILE_CHANGED, { userId: '0' });
    afterCommit(trx, () => this.deps.pages.forgetAll());
  }

  #retiredDigest(pseudonym: string): string {
    return createHmac('sha256', this.deps.serverSecret).update(`retired-pseudonym\u0000${skeleton(pseudonym)}`).digest('base64url');
  }

  async #startSession(executor: Exec, userId: string): Promise<string> {
    const token = newSessionToken();
    await repo.insertSession(executor, sha256Hex(token), userId);
    return token;
  }

  async signup(input: { pseudonym: string; password: string }) {
    if (isReservedPseudonym(input.pseudonym)) {
      throw validationFailed('That pseudonym is reserved. Please choose another.', [
        { path: 'body.pseudonym', message: 'is reserved' },
      ]);
    }
    const db = this.#db;
    // A name erased lately is "taken", like any other: nothing says whose it was.
    if ((await repo.findUserByPseudonym(db, input.pseudonym)) || (await repo.isRetired(db, this.#retiredDigest(input.pseudonym)))) throw pseudonymTaken();
    const recoveryCode = newRecoveryCode();
    const passwordHash = await this.deps.hasher.hash(input.password);
    const row = await repo.insertUser(db, {
      pseudonym: input.pseudonym,
      passwordHash,
      recoveryCodeHash: hashRecoveryCode(recoveryCode),
    });
    if (!row) throw pseudonymTaken();
    return { user: toUser(row), recoveryCode, token: await this.#startSession(db, row.id) };
  }

  async login(input: { pseudonym: string; password: string }) {
    const { hasher } = this.deps;
    const row = await repo.findUserByPseudonym(this.#db, input.pseudonym);
    if (!row) {
      await hasher.verifyDummy(input.password);
      throw invalidCredentials();
    }
    if (!(await hasher.verify(row.password_hash, input.password))) throw invalidCredentials();
    // Parameters raised since this hash was made: upgrade it now, while we know the password.
    if (hasher.needsRehash(row.password_hash)) {
      await repo.updateUser(this.#db, row.id, { password_hash: await hasher.hash(input.password) });
    }
    return { user: toUser(row), token: await this.#startSession(this.#db, row.id) };
  }

  /** Sets a new password (one of two concurrent changes wins), ending other sessions. */
  async #replacePassword(trx: Trx, row: UserRow, passwordHash: string, recoveryCodeHash: string, keepSession?: string) {
    const result = await repo.replacePassword(trx, row, passwordHash, recoveryCodeHash);
    if (!result) throw invalidCredentials();
    // Whoever knew the old password is logged out everywhere.
    await repo.deleteSessionsOf(trx, row.id, keepSession);
    await this.announceAccess(trx, row.id);
    return result;
  }

  async recover(input: { pseudonym: string; recoveryCode: string; newPassword: string }) {
    const row = await repo.findUserByPseudonym(this.#db, input.pseudonym);
    if (!row || !sameHash(row.recovery_code_hash, hashRecoveryCode(input.recoveryCode))) {
      throw invalidCredentials();
    }
    const recoveryCode = newRecoveryCode();
    const passwordHash = await this.deps.hasher.hash(input.newPassword);
    return transact(this.#db, async (trx) => {
      const updated = await this.#replacePassword(trx, row, passwordHash, hashRecoveryCode(recoveryCode));
      return { user: toUser(updated), recoveryCode, token: await this.#startSession(trx, row.id) };
    });
  }

  /** The member's account, once their password is confirmed (changing it, erasing the account). */
  async withPassword(userId: string, password: string): Promise<UserRow> {
    const row = await repo.findUserById(this.#db, userId);
    if (!row || !(await this.deps.hasher.verify(row.password_hash, password))) throw invalidCredentials();
    return row;
  }

  /** A logged-in member changes their password: the current one is required, every other session ends. */
  async changePassword(viewer: Viewer, currentPassword: string, newPassword: string) {
    const row = await this.withPassword(viewer.id, currentPassword);
    const passwordHash = await this.deps.hasher.hash(newPassword);
    await this.deps.writes.writeAs(viewer, 'member', (trx) => this.#replacePassword(trx, row, passwordHash, row.recovery_code_hash, viewer.tokenHash));
  }

  viewerForToken(token: string): Promise<Viewer | null> {
    return this.viewerForTokenHash(sha256Hex(token));
  }

  async viewerForTokenHash(tokenHash: string): Promise<Viewer | null> {
    const cached = this.#viewers.get(tokenHash);
    if (cached) return cached;
    const row = await repo.findActiveSession(this.#db, tokenHash, SESSION_IDLE_DAYS, this.deps.config.sessionMaxDays);
    if (!row) return null;
    const until = row.suspended_until ? new Date(row.suspended_until) : null;
    const viewer: Viewer = { id: row.id, pseudonym: row.pseudonym, role: row.role, suspendedUntil: until, createdAt: row.created_at, tokenHash };
    this.#viewers.set(tokenHash, viewer);
    let tokens = this.#tokensOf.get(row.id);
    if (!tokens) this.#tokensOf.set(row.id, (tokens = new Set()));
    if (tokens.size > 100) tokens.clear(); // bounded: entries also expire by TTL
    tokens.add(tokenHash);
    return viewer;
  }

  async logout(tokenHash: string) {
    this.#viewers.delete(tokenHash);
    await transact(this.#db, async (trx) => {
      const userId = await repo.deleteSession(trx, tokenHash);
      if (userId) await this.announceAccess(trx, userId);
    });
  }

  async logoutAll(viewer: Viewer) {
    await this.deps.writes.writeAs(viewer, 'member', async (trx) => {
      await repo.deleteSessionsOf(trx, viewer.id);
      await this.announceAccess(trx, viewer.id);
    });
  }

  /** GET /api/me: the member's account and their unread count. */
  async me(viewer: Viewer): Promise<{ user: User; unreadNotifications: number }> {
    const [row, unread] = await Promise.all([repo.findUserById(this.#db, viewer.id), this.deps.unread.unreadCount(viewer.id)]);
    if (!row) throw notFound('Your account');
    return { user: toUser(row), unreadNotifications: unread };
  }

  async updatePreferences(viewer: Viewer, input: PreferencesInput): Promise<User> {
    return this.deps.writes.writeAs(viewer, 'member', async (trx) => {
      const row = await repo.findUserById(trx, viewer.id);
      if (!row) throw notFound('Your account');
      const today = todayIn(input.timeZone ?? row.time_zone);
      if (input.recoveryStartDate && input.recoveryStartDate > today) {
        throw validationFailed('The start date cannot be in the future.', [{ path: 'body.recoveryStartDate', message: 'cannot be in the future' }]);
      }
      const before = row.recovery_start_date;
      const after = input.recoveryStartDate !== undefined ? input.recoveryStartDate : before;
      const updated = await repo.updateUser(trx, viewer.id, preferenceChanges(row, input, after));
      if (after !== before) await this.deps.streaks.startDateChanged(trx, { userId: viewer.id, before, after, today });
      await this.announceProfile(trx);
      return toUser(updated!);
    });
  }

  /** What the export says of the account itself, before the other features' sections. */
  async exportHead(userId: string) {
    const row = await repo.findUserById(this.#db, userId);
    if (!row) throw notFound('Your account');
    const sessions = await repo.listSessions(this.#db, userId);
    return {
      exportedAt: new Date().toISOString(),
      user: toUser(row),
      guidelinesAcceptedAt: row.guidelines_accepted_at.toISOString(),
      sessions: sessions.map((s) => ({ createdAt: s.created_at.toISOString(), lastSeenAt: s.last_seen_at.toISOString() })),
    };
  }

  /**
   * Erasure's own step: the account row goes (sessions and preferences with it, by ON
   * DELETE CASCADE), and its pseudonym stays unavailable for a while. Run by the erasure
   * steps (privacy/erasure.ts) in their transaction.
   */
  async deleteAccountRow(trx: Trx, userId: string, pseudonym: string): Promise<void> {
    await repo.deleteUser(trx, userId);
    await repo.retirePseudonym(trx, this.#retiredDigest(pseudonym), RETIRED_PSEUDONYM_DAYS);
  }

  /** Changes a role (by an admin, or from the command line when `actor` is null). */
  async setRole(target: string, role: Role, actor: Viewer | null) {
    const change = async (trx: Trx, by: Viewer | null) => {
      const row = await repo.findUserByPseudonym(trx, target);
      if (!row) throw notFound('That member');
      if (row.role === 'admin' && role !== 'admin' && (await repo.lockAdmins(trx)) <= 1) {
        throw conflict('This is the last admin; make someone else admin first.');
      }
      const updated = await repo.updateUser(trx, row.id, { role });
      if (row.role !== role) {
        await this.deps.roleLog.logRoleChange(trx, { actor: by, userId: row.id, pseudonym: row.pseudonym, from: row.role, to: role });
        await this.announceAccess(trx, row.id);
      }
      return { pseudonym: updated!.pseudonym, role: updated!.role };
    };
    return actor ? this.deps.writes.writeAs(actor, 'admin', change) : transact(this.#db, (trx) => change(trx, null));
  }

  /**
   * A fresh recovery code, for the operator to hand over (npm run admin -- recovery-code):
   * the way back in for an account whose code was never shown (the configured admin) or
   * was lost. The old code stops working; sessions and password are left alone.
   */
  async issueRecoveryCode(pseudonym: string) {
    const row = await repo.findUserByPseudonym(this.#db, pseudonym);
    if (!row) throw notFound('That member');
    const recoveryCode = newRecoveryCode();
    await repo.updateUser(this.#db, row.id, { recovery_code_hash: hashRecoveryCode(recoveryCode) });
    return { pseudonym: row.pseudonym, recoveryCode };
  }

  /** ADMIN_PSEUDONYM + ADMIN_PASSWORD: create that admin, or promote it; never touch its password. */
  async ensureConfiguredAdmin() {
    const admin = this.deps.config.admin;
    if (!admin) return;
    const existing = await repo.findUserByPseudonym(this.#db, admin.pseudonym);
    if (existing) {
      if (existing.role !== 'admin') await repo.updateUser(this.#db, existing.id, { role: 'admin' });
      return;
    }
    await repo.insertUser(this.#db, {
      pseudonym: admin.pseudonym,
      passwordHash: await this.deps.hasher.hash(admin.password),
      recoveryCodeHash: hashRecoveryCode(newRecoveryCode()),
      role: 'admin',
    });
  }
}

/**
 * The columns a preferences change writes. A new, later start (or none) is a restart: the
 * count others see would fall to zero, so it stops being shown, even when the same form
 * says "show" as before; the member turns it on again later, when they choose.
 */
function preferenceChanges(row: UserRow, input: PreferencesInput, after: string | null) {
  const stored: StoredPreferences = row.preferences ?? {};
  const merged: StoredPreferences = {
    ...stored,
    contentWarnings: { ...stored.contentWarnings, ...(input.contentWarnings as StoredPreferences['contentWarnings']) },
  };
  const before = row.recovery_start_date;
  const restart = before !== null && after !== before && (after === null || after > before);
  const show = restart && row.show_recovery_days ? false : input.showRecoveryDays;
  return {
    preferences: JSON.stringify(merged),
    ...(input.recoveryStartDate !== undefined ? { recovery_start_date: input.recoveryStartDate } : {}),
    ...(show !== undefined ? { show_recovery_days: show } : {}),
    ...(input.timeZone !== undefined ? { time_zone: input.timeZone } : {}),
  };
}

function pseudonymTaken() {
  return conflict('That pseudonym is taken. Please choose another.');
}
