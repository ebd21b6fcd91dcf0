import type { Transaction } from 'kysely';
import type { DB, Role } from '../db/schema';
import { forbidden, suspended, unauthenticated } from '../http/errors';
import * as repo from './accounts.repository';

/** The member behind a request's session. */
export interface Viewer {
  id: string;
  pseudonym: string;
  role: Role;
  suspendedUntil: Date | null;
  createdAt: Date;
  tokenHash: string;
}

/** Sessions end after this long without use, and after SESSION_MAX_DAYS whatever their use. */
export const SESSION_IDLE_DAYS = 30;

/** Accounts younger than a day get smaller allowances: spam and abuse waves use new accounts. */
export const NEW_ACCOUNT_MS = 24 * 3600_000;
export const isNewAccount = (viewer: Pick<Viewer, 'createdAt'>) => Date.now() - viewer.createdAt.getTime() < NEW_ACCOUNT_MS;

export const isModerator = (viewer: Pick<Viewer, 'role'> | null | undefined) =>
  viewer?.role === 'moderator' || viewer?.role === 'admin';

export const isSuspended = (viewer: Pick<Viewer, 'suspendedUntil'>) =>
  viewer.suspendedUntil !== null && viewer.suspendedUntil.getTime() > Date.now();

/** What a write needs of its member: any session, an unsuspended one, or a staff role. */
export type Need = 'member' | 'active' | 'moderator' | 'admin';

/**
 * The first statement of every write: the member's session, read (and share-locked) inside
 * the write's own transaction. A request resolves its member from a cache that another
 * process's logout, suspension or demotion reaches only over the bus; checking here means
 * no write commits on a session that has already ended, nor with a role or suspension that
 * has already changed. The lock makes a concurrent logout wait for this write, so the two
 * are ordered. Returns the member as they are now.
 */
export async function confirmViewer(trx: Transaction<DB>, viewer: Viewer, need: Need, maxDays: number): Promise<Viewer> {
  const row = await repo.lockLiveSession(trx, viewer.tokenHash, SESSION_IDLE_DAYS, maxDays);
  if (!row) throw unauthenticated('Your session has ended. Please log in again.');
  const fresh: Viewer = {
    id: row.id, pseudonym: row.pseudonym, role: row.role, createdAt: row.created_at, tokenHash: viewer.tokenHash,
    suspendedUntil: row.suspended_until ? new Date(row.suspended_until) : null,
  };
  if (need === 'active' && isSuspended(fresh)) throw suspended(fresh.suspendedUntil!);
  if (need === 'moderator' && !isModerator(fresh)) throw forbidden('Only moderators can do that.');
  if (need === 'admin' && fresh.role !== 'admin') throw forbidden('Only admins can do that.');
  return fresh;
}
