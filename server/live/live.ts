import type { FastifyBaseLogger } from 'fastify';
import { sql, type Kysely } from 'kysely';
import type { Viewer } from '../accounts/viewer';
import type { Config } from '../config';
import type { DB } from '../db/schema';
import type { Bus } from '../outbox/bus';
import type { EventRow } from '../outbox/outbox.service';
import { ACCESS_CHANGED, MUTES_CHANGED, PROFILE_CHANGED, type Outbox } from '../outbox/outbox.service';
import type { Prepared } from './event-views';
import { LiveHub, type HubOptions } from './live.hub';

/** Live-channel limits that tests (and benchmarks) may change; see HubOptions. */
export type LiveOptions = Partial<HubOptions>;

export interface LiveDeps {
  db: Kysely<DB>;
  config: Pick<Config, 'rateLimitFactor'>;
  bus: Bus;
  outbox: Pick<Outbox, 'positions' | 'bounds' | 'backlog' | 'backlogSize'>;
  prepare: (rows: EventRow[]) => Promise<Prepared>;
  /** Sessions: re-read after an access change, and this process's cache of them. */
  sessions: { viewerForTokenHash(tokenHash: string): Promise<Viewer | null>; forgetAccess(userId: string): void };
  /** Forum's caches, which events from every process make stale. */
  caches: { forgetPages(threadId?: string): void; forgetMutes(userId: string): void };
  log: FastifyBaseLogger;
  options?: LiveOptions;
}

const DEFAULTS = (config: Pick<Config, 'rateLimitFactor'>): HubOptions => ({
  maxBufferedBytes: 1024 * 1024,
  maxSocketsPerAccount: 10,
  // A household or a library shares an address; a flood from one does not get far.
  maxVisitorSocketsPerAddress: Math.max(1, Math.round(30 * config.rateLimitFactor)),
  heartbeatMs: 30_000,
  messagesPerSecond: 10,
  backlogLimit: 10_000,
  replayBatch: 500,
  // Replays share the database with every request: a few at a time, a bounded queue.
  replayConcurrency: 2,
  replayQueue: 256,
  maxPendingSubscribes: 4,
  renderTimeoutMs: 3_000,
  outageGraceMs: 30_000,
});

/**
 * The live side of one process: the bus brings every committed event, in id order, and
 * what an arriving event sets off is listed here, in order: this process's caches learn of
 * writes made anywhere, then the hub fans the event out to its sockets.
 */
export class Live {
  readonly hub: LiveHub;

  constructor(private readonly deps: LiveDeps) {
    const { outbox, bus } = deps;
    this.hub = new LiveHub(
      {
        prepare: deps.prepare,
        positions: (streams, asOfId) => outbox.positions(streams, asOfId),
        startedAt: () => bus.startedAt(),
        bounds: (stream) => outbox.bounds(stream),
        backlog: (topics, afterSeq, uptoSeq, limit) => outbox.backlog(topics, afterSeq, uptoSeq, limit),
        backlogSize: (topics, afterSeq, uptoSeq, cap) => outbox.backlogSize(topics, afterSeq, uptoSeq, cap),
        reloadViewer: (tokenHash) => deps.sessions.viewerForTokenHash(tokenHash),
        probe: () => sql`select 1`.execute(deps.db).then(() => true, () => false),
        onInternal: (row) => this.#internal(row),
        log: deps.log,
      },
      { ...DEFAULTS(deps.config), ...deps.options },
    );
    bus.onEvents((rows) => this.#arrived(rows));
  }

  get bus(): Bus {
    return this.deps.bus;
  }

  /** Committed events, from this process or another: writes make this process's cached pages of that thread stale. */
  async #arrived(rows: EventRow[]) {
    for (const row of rows) if (row.kind.startsWith('post.') && row.data.threadId) this.deps.caches.forgetPages(String(row.data.threadId));
    await this.hub.dispatch(rows);
  }

  /** Changes every process must hear of (written in the change's own transaction): each drops its cached copies. */
  #internal(row: EventRow) {
    const userId = String(row.data.userId ?? '');
    if (row.kind === ACCESS_CHANGED) {
      this.deps.sessions.forgetAccess(userId);
      this.hub.refreshAccess(userId).catch((err: unknown) => this.deps.log.warn({ err }, 'live bus'));
    } else if (row.kind === MUTES_CHANGED) this.deps.caches.forgetMutes(userId);
    else if (row.kind === PROFILE_CHANGED) this.deps.caches.forgetPages();
  }

  async start() {
    await this.deps.bus.start();
    await this.hub.start();
  }

  async stop() {
    this.hub.closeAll();
    await this.deps.bus.close();
  }
}
