import { sql, type Kysely } from 'kysely';
import type { Trx } from './executor';
import type { DB } from './schema';

interface Pending {
  before: Array<() => Promise<void>>;
  after: Array<() => void>;
}
const pending = new WeakMap<Trx, Pending>();

/**
 * The one way to open a transaction. Work queued with `beforeCommit` runs last inside it;
 * work queued with `afterCommit` runs once it has committed, never after a rollback. An
 * operation that must be atomic with another opens one transaction and hands it on;
 * nothing opens a transaction inside another.
 */
export async function transact<T>(db: Kysely<DB>, fn: (trx: Trx) => Promise<T>): Promise<T> {
  const queue: Pending = { before: [], after: [] };
  const result = await db.transaction().execute(async (trx) => {
    pending.set(trx, queue);
    const value = await fn(trx);
    for (const work of queue.before) await work();
    return value;
  });
  for (const callback of queue.after) callback();
  return result;
}

/** Queues work for the end of the transaction, just before COMMIT (event rows, under their lock). */
export function beforeCommit(trx: Trx, work: () => Promise<void>): void {
  const queue = pending.get(trx);
  if (!queue) throw new Error('beforeCommit needs a transaction opened through transact()');
  queue.before.push(work);
}

/** Queues work for after the commit (cache invalidation, wake-ups): it must see committed data. */
export function afterCommit(trx: Trx, callback: () => void): void {
  const queue = pending.get(trx);
  if (queue) queue.after.push(callback);
  else callback(); // not opened through transact(): nothing to wait for
}

/**
 * Runs `fn` in a transaction holding the advisory lock `key`, unless another process holds
 * it right now: then it returns undefined at once. For scheduled jobs that N processes each
 * run, of which one round at a time is enough.
 */
export async function exclusively<T>(db: Kysely<DB>, key: number, fn: (trx: Trx) => Promise<T>): Promise<T | undefined> {
  return transact(db, async (trx) => {
    const { rows } = await sql<{ mine: boolean }>`select pg_try_advisory_xact_lock(${key}) as mine`.execute(trx);
    return rows[0]?.mine ? fn(trx) : undefined;
  });
}
