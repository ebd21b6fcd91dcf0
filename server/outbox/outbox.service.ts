import type { Kysely } from 'kysely';
import { streamOf } from '../contract/live';
import type { Trx } from '../db/executor';
import type { DB } from '../db/schema';
import { afterCommit, beforeCommit } from '../db/transact';
import type { Bus } from './bus';
import * as repo from './outbox.repository';

export type { Appended, EventRow } from './outbox.repository';

/** Events nobody subscribes to: how processes tell each other to drop cached state. */
export const INTERNAL_TOPIC = 'internal';
/** Internal kind: a member's sessions, role or suspension changed (data: {userId}). */
export const ACCESS_CHANGED = 'access.changed';
/** Internal kind: a member changed their mutes (data: {userId}). */
export const MUTES_CHANGED = 'mutes.changed';
/** Internal kind: how members appear as authors changed (recovery days shown, erasure). */
export const PROFILE_CHANGED = 'profile.changed';

/**
 * Within a transaction, public events are written (and so dispatched) before private ones:
 * delivering a reply to a thread's readers never waits on rendering someone's notification.
 */
const RANK: Record<string, number> = { public: 0, mod: 1, internal: 3 };
const rank = (stream: string) => RANK[stream] ?? 2;

/** The door every writing feature gets: queue an event in the writing transaction. */
export interface OutboxWriter {
  append(trx: Trx, topic: string, kind: string, data: Record<string, unknown>): void;
}

/**
 * The transactional outbox: every change peers must see writes its events in the change's
 * own transaction, and they reach every process when it commits (bus.ts).
 */
export class Outbox implements OutboxWriter {
  readonly #queued = new WeakMap<Trx, repo.NewEvent[]>();

  /** `bus`: this process's reader, handed its own commits' rows; none for a one-off command. */
  constructor(private readonly db: Kysely<DB>, private readonly bus?: Pick<Bus, 'committed'>) {}

  /**
   * Queues an event in the caller's transaction. All of a transaction's events are written
   * together as its last statement (keeping the ordering lock short), and this process
   * reads them right after the commit.
   */
  append(trx: Trx, topic: string, kind: string, data: Record<string, unknown>): void {
    let list = this.#queued.get(trx);
    if (!list) {
      const events: repo.NewEvent[] = (list = []);
      this.#queued.set(trx, events);
      let written: repo.Appended | undefined;
      beforeCommit(trx, async () => {
        written = await repo.appendEvents(trx, events.sort((a, b) => rank(a.stream) - rank(b.stream)));
      });
      // The rows go on as written when the bus has read up to them; else it reads up to them.
      afterCommit(trx, () => written && this.bus?.committed(written));
    }
    list.push({ topic, stream: streamOf(topic), kind, data });
  }

  bounds(stream: string) {
    return repo.streamBounds(this.db, stream);
  }

  backlog(topics: string[], afterSeq: string, uptoSeq: string, limit: number) {
    return repo.topicEventsBetween(this.db, topics, afterSeq, uptoSeq, limit);
  }

  backlogSize(topics: string[], afterSeq: string, uptoSeq: string, cap: number) {
    return repo.countTopicEventsBetween(this.db, topics, afterSeq, uptoSeq, cap);
  }

  positions(streams: string[], asOfId: string) {
    return repo.streamPositions(this.db, streams, asOfId);
  }

  /** Whether the database takes writes now (the readiness probe). */
  writable() {
    return repo.databaseWritable(this.db);
  }

  /** The retention round's step: events older than the window go. */
  trim(trx: Trx, olderThanHours: number) {
    return repo.trimEventsIn(trx, olderThanHours);
  }
}
