import type { FastifyBaseLogger } from 'fastify';
import { accountsDoors, memberWrites } from './accounts/accounts.doors';
import { AccountsService } from './accounts/accounts.service';
import { PasswordHasher } from './accounts/password-hasher';
import type { Config } from './config';
import type { Database } from './db/database';
import { ForumCaches } from './forum/forum.caches';
import { forumDoors } from './forum/forum.doors';
import { ForumService } from './forum/forum.service';
import { postWriteSteps } from './forum/post-write';
import { pruneRateLimits } from './http/rate-limit-store';
import { JourneyService, streakKeeper } from './journey/journey.service';
import { createPreparer, type EventRenderer } from './live/event-views';
import { Live, type LiveOptions } from './live/live';
import { Maintenance } from './maintenance/maintenance';
import { crisisMatcher, loadCrisisConfig } from './moderation/crisis';
import { renderFlagEvents, renderQueueChanged } from './moderation/flag-event';
import { moderationPrivacy, roleLog } from './moderation/moderation.doors';
import { ModerationService } from './moderation/moderation.service';
import { NotificationsService } from './notifications/notifications.service';
import { createBus } from './outbox/bus';
import { Outbox } from './outbox/outbox.service';
import { PrivacyService } from './privacy/privacy.service';
import { ResourcesService } from './resources/resources.service';

export interface ComposeOptions {
  database: Database;
  config: Readonly<Config>;
  serverSecret: string;
  log: FastifyBaseLogger;
  live?: LiveOptions;
  /** More event kinds and their renderers, beside the app's own (tests inject faults through one). */
  renderers?: ReadonlyMap<string, EventRenderer>;
}

/**
 * Builds every feature: first each one's data doors (from its repository alone, so any
 * feature can be given one without a cycle), then the services in dependency order, each
 * handed the narrow doors it needs, then the ordered step lists. No rules live here: what a
 * post write does is forum/post-write.ts, what an export, an erasure and the retention
 * round do is privacy/.
 */
export function compose(o: ComposeOptions) {
  const { database, config } = o;
  const { db } = database;
  const hasher = new PasswordHasher(config.passwordHash, config.hashConcurrency, config.hashQueueMax);
  const writes = memberWrites(db, config.sessionMaxDays);
  const bus = createBus(database, (err) => o.log.warn({ err }, 'live bus'));
  const outbox = new Outbox(db, bus);
  const crisisConfig = loadCrisisConfig(config.crisisConfigPath);
  const readsLikeCrisis = crisisMatcher(crisisConfig.phrases);

  // Data doors.
  const members = accountsDoors(db);
  const caches = new ForumCaches(db, config.pageCacheMs);
  const posts = forumDoors(db, caches, members.lookup);

  // Services, each after what it needs.
  const notifications = new NotificationsService({ db, outbox, writes, reader: posts.reader });
  const accounts = new AccountsService({
    db, hasher, config, serverSecret: o.serverSecret, viewerCacheMs: config.sessionCacheMs,
    writes, outbox, pages: caches, roleLog, streaks: streakKeeper, unread: notifications,
  });
  const moderation = new ModerationService({
    db, config, writes, outbox, notifications, reader: posts.reader, posts: posts.moderated, pages: caches,
    suspensions: members.suspensions, access: accounts, crisis: crisisConfig,
  });
  const forum = new ForumService({
    db, serverSecret: o.serverSecret, writes, caches, reader: posts.reader, lookup: members.lookup, outbox,
    crisis: { readsLikeCrisis, resources: crisisConfig.resources },
    afterPostWrite: postWriteSteps({ caches, notifications, outbox, moderation }),
  });
  const journey = new JourneyService({ db, writes, calendars: members.calendars, notifications });
  const resources = new ResourcesService({ db, writes, reader: posts.reader, places: posts.places, modLog: moderation });
  const modPrivacy = moderationPrivacy(db);
  const privacy = new PrivacyService({
    exports: { accounts, forum: posts.privacy, moderation: modPrivacy, notifications, journey, resources },
    erasure: { writes, accounts, forum: posts.privacy, moderation: modPrivacy },
    retention: {
      db, config, outbox, forum: posts.privacy, accounts: members.retention, suspensions: members.suspensions,
      rateLimits: { prune: pruneRateLimits }, moderation: modPrivacy,
    },
  });

  // The live side and the schedule.
  const renderers = new Map<string, EventRenderer>([
    ['flag.created', renderFlagEvents(db, posts.reader)],
    ['queue.changed', renderQueueChanged],
    ...(o.renderers ?? []),
  ]);
  const live = new Live({
    db, config, bus, outbox, caches, sessions: accounts, log: o.log,
    prepare: createPreparer({ db, reader: posts.reader, notifications, renderers }),
    ...(o.live ? { options: o.live } : {}),
  });
  const maintenance = new Maintenance({
    config,
    retentionRound: () => privacy.retentionRound(),
    celebrateMilestones: () => journey.celebrateMilestones(),
    onError: (err) => o.log.error({ err }, 'scheduled maintenance failed'),
  });

  return { accounts, forum, moderation, notifications, journey, resources, privacy, outbox, live, maintenance, crisis: crisisConfig };
}

export type Composed = ReturnType<typeof compose>;
