import type { Kysely, Transaction } from 'kysely';
import { streamOf } from '../contract/live';
import type { DB } from '../db/schema';
import { afterCommit, beforeCommit } from '../db/transact';
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
export async function announceAccessChange(trx: Transaction<DB>, userId: string): Promise<void> {
  await repo.appendEvents(trx, [{ topic: INTERNAL_TOPIC, stream: INTERNAL_TOPIC, kind: ACCESS_CHANGED, data: { userId } }]);
}

/**
 * Within a transaction, public events are written (and so dispatched) before private ones:
 * delivering a reply to a thread's readers never waits on rendering someone's notification.
 */
const RANK: Record<string, number> = { public: 0, mod: 1, internal: 3 };
const rank = (stream: string) => RANK[stream] ?? 2;

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
      let written: repo.Appended | undefined;
      beforeCommit(trx, async () => {
        written = await repo.appendEvents(trx, list!.sort((a, b) => rank(a.stream) - rank(b.stream)));
      });
      // The rows go on as written when the bus has read up to them; else it reads up to them.
      afterCommit(trx, () => written && bus.committed(written));
    }
    list.push({ topic, stream: streamOf(topic), kind, data });
  }

  return {
    append,
    bounds: (stream: string) => repo.streamBounds(db, stream),
    backlog: (topics: string[], afterSeq: string, uptoSeq: string, limit: number) => repo.topicEventsBetween(db, topics, afterSeq, uptoSeq, limit),
    backlogSize: (topics: string[], afterSeq: string, uptoSeq: string, cap: number) => repo.countTopicEventsBetween(db, topics, afterSeq, uptoSeq, cap),
    positions: (streams: string[], asOfId: string) => repo.streamPositions(db, streams, asOfId),
  };
}

export type EventsService = ReturnType<typeof createEventsService>;
