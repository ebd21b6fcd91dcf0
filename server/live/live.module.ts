import type { FastifyBaseLogger } from 'fastify';
import { sql } from 'kysely';
import type { AccountsService } from '../accounts/accounts.service';
import type { Config } from '../config';
import type { Database } from '../db/database';
import type { ForumService } from '../forum/forum.service';
import { createNotificationsService } from '../notifications/notifications.service';
import { InProcessBus, PostgresBus, type Bus } from './bus';
import { createPreparer, type EventViewDeps } from './event-views';
import { ACCESS_CHANGED, createEventsService, INTERNAL_TOPIC, type EventsService } from './events.service';
import { LiveHub, type HubOptions } from './live.hub';


/** Live-channel limits that tests (and benchmarks) may change; see HubOptions. */
export type LiveOptions = Partial<HubOptions>;

/**
 * Wires the live side: the bus (PostgreSQL LISTEN, or in-process for the embedded
 * database), the events outbox, notifications, and the hub that fans events out.
 * Forum writes become events in their own transactions; access, mute and profile
 * changes become internal events so that every process drops its cached copies.
 */
export function createLive(deps: {
  config: Config;
  database: Database;
  accounts: AccountsService;
  forum: ForumService;
  log: FastifyBaseLogger;
  options?: LiveOptions;
}) {
  const { config, database, accounts, forum, log } = deps;
  const onError = (err: unknown) => log.warn({ err }, 'live bus');
  const bus: Bus = database.kind === 'postgres' && database.connectionString
    ? new PostgresBus(database.db, database.connectionString, onError)
    : new InProcessBus(database.db, onError);
  const events: EventsService = createEventsService({ db: database.db, bus, retentionHours: config.eventRetentionHours });
  const notifications = createNotificationsService({ db: database.db, events, writeAs: accounts.writeAs });
  const extraViews: NonNullable<EventViewDeps['extra']> = new Map();
  const prepare = createPreparer({ db: database.db, notifications, mutedBy: forum.mutedBy, extra: extraViews });

  const hub = new LiveHub(
    {
      prepare,
      positions: (streams, asOfId) => events.positions(streams, asOfId),
      startedAt: () => bus.startedAt(),
      bounds: (stream) => events.bounds(stream),
      backlog: (topics, afterSeq, uptoSeq, limit) => events.backlog(topics, afterSeq, uptoSeq, limit),
      backlogSize: (topics, afterSeq, uptoSeq, cap) => events.backlogSize(topics, afterSeq, uptoSeq, cap),
      reloadViewer: (tokenHash) => accounts.viewerForTokenHash(tokenHash),
      probe: () => sql`select 1`.execute(database.db).then(() => true, () => false),
      onInternal: (row) => {
        const userId = String(row.data.userId ?? '');
        if (row.kind === ACCESS_CHANGED) {
          accounts.forgetAccess(userId);
          hub.refreshAccess(userId).catch(onError);
        } else if (row.kind === 'mutes.changed') forum.forgetMutes(userId);
        else if (row.kind === 'profile.changed') forum.forgetPages();
      },
      log,
    },
    {
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
      ...deps.options,
    },
  );
  bus.onEvents(async (rows) => {
    // Writes from any process make this process's cached pages of that thread stale.
    for (const row of rows) if (row.kind.startsWith('post.') && row.data.threadId) forum.forgetPages(String(row.data.threadId));
    await hub.dispatch(rows);
  });

  // Forum writes → events (and reply notifications), in the writing transaction.
  forum.onWrite(async (trx, write) => {
    const topic = `thread:${write.threadId}`;
    const ref = { postId: write.postId, threadId: write.threadId };
    if (write.kind === 'created') {
      if (write.parentAuthorId !== undefined && write.authorId) {
        await notifications.onReply(trx, { ...ref, authorId: write.authorId, anonymous: write.anonymous ?? false, parentAuthorId: write.parentAuthorId });
      }
      await events.append(trx, topic, 'post.created', ref);
      if (write.communitySlug) await events.append(trx, `community:${write.communitySlug}`, 'thread.created', { threadId: write.threadId });
    } else {
      await events.append(trx, topic, write.kind === 'deleted' ? 'post.deleted' : 'post.updated', ref);
    }
  });

  // Changes every process must hear of, written in the change's own transaction: they
  // reach the others exactly when it commits, and are never lost between the two. Each
  // process (this one too) acts on them in onInternal, above.
  accounts.onAccessAnnounced((trx, userId) => events.append(trx, INTERNAL_TOPIC, ACCESS_CHANGED, { userId }));
  forum.onMuteChanged((trx, userId) => events.append(trx, INTERNAL_TOPIC, 'mutes.changed', { userId }));
  accounts.onProfileAnnounced((trx) => events.append(trx, INTERNAL_TOPIC, 'profile.changed', { userId: '0' }));

  return {
    bus,
    events,
    notifications,
    hub,
    extraViews,
    async start() {
      await bus.start();
      await hub.start();
    },
    async stop() {
      hub.closeAll();
      await bus.close();
    },
  };
}

export type Live = ReturnType<typeof createLive>;
