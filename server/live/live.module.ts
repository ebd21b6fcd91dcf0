import type { FastifyBaseLogger } from 'fastify';
import type { AccountsService } from '../accounts/accounts.service';
import type { Config } from '../config';
import type { Database } from '../db/database';
import type { ForumService } from '../forum/forum.service';
import { createNotificationsService } from '../notifications/notifications.service';
import { InProcessBus, PostgresBus, type Bus } from './bus';
import { createRenderer, type EventViewDeps } from './event-views';
import { ACCESS_CHANGED, createEventsService, type EventsService } from './events.service';
import { LiveHub } from './live.hub';

export interface LiveOptions {
  maxBufferedBytes?: number;
  heartbeatMs?: number;
}

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
  const notifications = createNotificationsService({ db: database.db, events });
  const extraViews: NonNullable<EventViewDeps['extra']> = new Map();
  const renderer = createRenderer({ db: database.db, notifications, mutedBy: forum.mutedBy, extra: extraViews });

  const hub = new LiveHub(
    {
      renderer,
      position: () => bus.position(),
      horizon: () => events.horizon(),
      backlog: (topics, afterId, uptoId, limit) => events.backlog(topics, afterId, uptoId, limit),
      reloadViewer: (tokenHash) => accounts.viewerForTokenHash(tokenHash),
      onInternal: (row) => {
        const userId = String(row.data.userId ?? '');
        if (row.kind === ACCESS_CHANGED) {
          accounts.forgetAccess(userId);
          void hub.refreshAccess(userId);
        } else if (row.kind === 'mutes.changed') forum.forgetMutes(userId);
        else if (row.kind === 'profile.changed') forum.forgetPages();
      },
      log,
    },
    {
      maxBufferedBytes: deps.options?.maxBufferedBytes ?? 1024 * 1024,
      maxSocketsPerAccount: 10,
      heartbeatMs: deps.options?.heartbeatMs ?? 30_000,
      messagesPerSecond: 10,
      backlogLimit: 10_000,
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
      if (write.parentAuthorId !== undefined) {
        await notifications.onReply(trx, { ...ref, authorId: write.authorId, anonymous: write.anonymous ?? false, parentAuthorId: write.parentAuthorId });
      }
      await events.append(trx, topic, 'post.created', ref);
      if (write.communitySlug) await events.append(trx, `community:${write.communitySlug}`, 'thread.created', { threadId: write.threadId });
    } else {
      await events.append(trx, topic, write.kind === 'deleted' ? 'post.deleted' : 'post.updated', ref);
    }
  });

  // Local changes: act here at once, and tell the other processes.
  const broadcast = (kind: string, userId: string) =>
    void events.publishInternal(kind, { userId }).catch((err) => log.warn({ err }, 'live: could not publish'));
  accounts.onAccessChanged((userId) => {
    void hub.refreshAccess(userId);
    broadcast(ACCESS_CHANGED, userId);
  });
  forum.onMuteChanged((userId) => broadcast('mutes.changed', userId));
  accounts.onProfileChanged(() => broadcast('profile.changed', '0'));

  let maintenance: NodeJS.Timeout | undefined;
  return {
    bus,
    events,
    notifications,
    hub,
    extraViews,
    async start() {
      await bus.start();
      hub.start();
      await events.trim();
      maintenance = setInterval(() => void events.trim().catch(onError), 3_600_000).unref();
    },
    async stop() {
      clearInterval(maintenance);
      hub.closeAll();
      await bus.close();
    },
  };
}

export type Live = ReturnType<typeof createLive>;
