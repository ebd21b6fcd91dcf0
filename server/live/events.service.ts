import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema';
import { afterCommit, beforeCommit, transact } from '../db/transact';
import type { Bus } from './bus';
import * as repo from './events.repository';

/** Events nobody subscribes to: how processes tell each other to drop cached state. */
export const INTERNAL_TOPIC = 'internal';
/** Internal kind: a member's sessions, role or suspension changed (data: {userId}). */
export const ACCESS_CHANGED = 'access.changed';

/**
 * Tells every running app process, from outside one (the command line), that a member's
 * access changed: written in the caller's transaction, announced by the same statement.
 */
export function announceAccessChange(trx: Transaction<DB>, userId: string): Promise<void> {
  return repo.appendEvents(trx, [{ topic: INTERNAL_TOPIC, kind: ACCESS_CHANGED, data: { userId } }]);
}

export function createEventsService(deps: { db: Kysely<DB>; bus: Bus; retentionHours: number }) {
  const { db, bus } = deps;

  const queued = new WeakMap<Transaction<DB>, repo.NewEvent[]>();

  /**
   * Queues an event in the caller's transaction. All of a transaction's events are written
   * together as its last statement (keeping the ordering lock short), and this process
   * reads them right after the commit.
   */
  function append(trx: Transaction<DB>, topic: string, kind: string, data: Record<string, unknown>): void {
    let list = queued.get(trx);
    if (!list) {
      queued.set(trx, (list = []));
      beforeCommit(trx, () => repo.appendEvents(trx, list!));
      afterCommit(trx, () => bus.wake());
    }
    list.push({ topic, kind, data });
  }

  /** A process-to-process message (cache invalidation), on the same ordered stream. */
  function publishInternal(kind: string, data: Record<string, unknown>): Promise<void> {
    return transact(db, undefined, async (trx) => append(trx, INTERNAL_TOPIC, kind, data));
  }

  return {
    append,
    publishInternal,
    horizon: () => repo.horizon(db),
    backlog: (topics: string[], afterId: string, uptoId: string, limit: number) => repo.topicEventsBetween(db, topics, afterId, uptoId, limit),
    trim: () => repo.trimEvents(db, deps.retentionHours),
  };
}

export type EventsService = ReturnType<typeof createEventsService>;
