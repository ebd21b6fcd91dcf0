import type { FastifyBaseLogger } from 'fastify';
import type { Viewer } from '../accounts/viewer';
import type { EventRow } from '../outbox/outbox.service';
import type { Prepared } from './event-views';

export interface HubOptions {
  /** Past this many bytes waiting to go out, a socket is cut off (it resyncs on reconnect). */
  maxBufferedBytes: number;
  maxSocketsPerAccount: number;
  /** Visitors' sockets per address group (members are counted per account). */
  maxVisitorSocketsPerAddress: number;
  heartbeatMs: number;
  /** Client frames allowed per second, with a burst of twice that. */
  messagesPerSecond: number;
  /** Past this many events, a replay gives up with `resync`. */
  backlogLimit: number;
  /** Events read and rendered together in a replay: a fixed number of queries each. */
  replayBatch: number;
  /** Replays running at once in this process, and waiting; past that, `resync` at once. */
  replayConcurrency: number;
  replayQueue: number;
  /** Subscribe frames one socket may have waiting while its earlier ones run. */
  maxPendingSubscribes: number;
  /**
   * How long loading a batch of events for delivery may take. Dispatch runs in order, so
   * one slow load (a locked table, a stalled database) would hold every topic back: past
   * this bound the batch is tried once more, and then its recipients are told to resync.
   */
  renderTimeoutMs: number;
  /**
   * While the database is away (a restart, a freeze), the live path waits this long for it,
   * trying again, before it gives up and sends resync: an outage loses no event.
   */
  outageGraceMs: number;
}

export interface HubDeps {
  prepare: (rows: EventRow[]) => Promise<Prepared>;
  /** Each stream's last seq as of a global event id. */
  positions: (streams: string[], asOfId: string) => Promise<Map<string, bigint>>;
  /** The global id the bus started after: what this hub dispatches comes after it. */
  startedAt: () => string;
  /** What is stored of a stream: trimmed through, and written through. */
  bounds: (stream: string) => Promise<{ horizon: bigint; last: bigint }>;
  backlog: (topics: string[], afterSeq: string, uptoSeq: string, limit: number) => Promise<EventRow[]>;
  /** The backlog's length, counted no further than `cap`. */
  backlogSize: (topics: string[], afterSeq: string, uptoSeq: string, cap: number) => Promise<number>;
  /** Re-reads a session after an access change; null when it has ended. */
  reloadViewer: (tokenHash: string) => Promise<Viewer | null>;
  /** Whether the database answers a trivial question now (tells an outage from one stuck load). */
  probe: () => Promise<boolean>;
  /** Cross-process cache drops, for the internal topic, in dispatch order. */
  onInternal: (row: EventRow) => void;
  log: FastifyBaseLogger;
}

export const big = (id: string) => BigInt(id);
