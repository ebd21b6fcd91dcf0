import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import underPressure from '@fastify/under-pressure';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { DestinationStream } from 'pino';
import accountsRoutes from './accounts/accounts.routes';
import { createAccountsService, type AccountsService } from './accounts/accounts.service';
import { PasswordHasher } from './accounts/password-hasher';
import sessionPlugin from './accounts/session';
import type { Config } from './config';
import { connectDatabase, type Database } from './db/database';
import forumRoutes from './forum/forum.routes';
import { createForumService, type ForumService } from './forum/forum.service';
import { loadGuidelines, loadPrivacy } from './forum/guidelines';
import healthRoutes from './health/health.routes';
import { crisisMatcher, loadCrisisConfig } from './moderation/crisis';
import { renderFlagEvents, renderQueueChanged } from './moderation/flag-event';
import { createJourneyService, type JourneyService } from './journey/journey.service';
import journeyRoutes from './journey/journey.routes';
import { createMaintenance, type Maintenance } from './maintenance/maintenance';
import { createResourcesService } from './resources/resources.service';
import resourcesRoutes from './resources/resources.routes';
import moderationRoutes from './moderation/moderation.routes';
import { createModerationService } from './moderation/moderation.service';
import { createLive, type Live, type LiveOptions } from './live/live.module';
import liveRoutes from './live/live.routes';
import notificationsRoutes from './notifications/notifications.routes';
import { createClientKey, trustProxyOption } from './http/client-key';
import errorHandler, { send } from './http/error-handler';
import { rateLimitMessage } from './http/errors';
import { loggerOptions } from './http/logging';
import originCheck from './http/origin-check';
import { rateLimitStore } from './http/rate-limit-store';
import { SHARED_LIMITS } from './http/rate-limits';
import securityHeaders from './http/security-headers';
import spaRoutes from './http/spa';
import { resolveServerSecret } from './secret';

export interface BuildOptions {
  /** An open, migrated database; the caller keeps ownership. Else one is opened from config. */
  database?: Database;
  /** Where logs go (tests capture them); stdout by default. */
  logStream?: DestinationStream;
  /** Directory of the built SPA (tests point it at a fixture). */
  clientDist?: string;
  /** Live-channel limits (tests shrink them). */
  live?: LiveOptions;
}

export interface Haven {
  config: Readonly<Config>;
  /** Every route, as registered; tests walk it so that no route escapes a security check. */
  routes: Array<{ method: string; url: string; rateLimited: boolean }>;
  database: Database;
  accounts: AccountsService;
  forum: ForumService;
  live: Live;
  journey: JourneyService;
  maintenance: Maintenance;
}

declare module 'fastify' {
  interface FastifyInstance {
    haven: Haven;
  }
  interface FastifyRequest {
    /** The client's address group as a keyed daily hash (see http/client-key.ts); never the address. */
    clientKey(): string;
  }
}

/**
 * Builds the whole app without listening. Order is fixed: infrastructure (errors, logging,
 * cookies, origin check, headers, limits), then services, then routes.
 */
export async function buildApp(config: Readonly<Config>, options: BuildOptions = {}): Promise<FastifyInstance> {
  const serverSecret = resolveServerSecret(config);
  const clientKey = createClientKey(serverSecret);
  const ownsDatabase = !options.database;
  const database = options.database ?? (await connectDatabase(config));

  const app = Fastify({
    logger: loggerOptions(config.logLevel, options.logStream),
    trustProxy: trustProxyOption(config.trustProxy),
    bodyLimit: 256 * 1024,
    // Request ids are counters, not anything derived from the client.
    requestIdHeader: false,
    // A URL that cannot be decoded, or a param past Fastify's length cap, is the client's
    // mistake: answer it in the contract's error shape like every other 400.
    frameworkErrors: (err, _request, reply) => {
      void send(reply, 400, 'validation_failed', 'That address is not valid.', [{ path: 'url', message: err.message.replace(/'.*'/, 'the address') }]);
    },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const routes: Haven['routes'] = [];
  app.addHook('onRoute', (route) => {
    const rateLimited = Boolean((route.config as { rateLimit?: unknown } | undefined)?.rateLimit);
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, rateLimited });
  });
  app.decorateRequest('clientKey', function (this: FastifyRequest) {
    return clientKey(this.ip);
  });

  // Infrastructure.
  await app.register(errorHandler);
  await app.register(cookie);
  await app.register(originCheck, { allowedOrigins: config.allowedOrigins });
  await app.register(securityHeaders, { https: config.secureCookies });
  await app.register(underPressure, {
    // 0 turns shedding off (the test suite, which runs on machines busier than any server).
    maxEventLoopDelay: config.maxEventLoopDelayMs,
    retryAfter: 5,
    pressureHandler: (_request, reply) => {
      reply.header('retry-after', '5');
      void send(reply, 503, 'unavailable', 'Haven is under heavy load. Please try again shortly.');
    },
  });
  await app.register(rateLimit, {
    global: false,
    store: rateLimitStore(database.db, SHARED_LIMITS),
    keyGenerator: (request) => request.clientKey(),
    errorResponseBuilder: (_request, context) => {
      const seconds = Math.max(1, Math.ceil(context.ttl / 1000));
      return Object.assign(new Error(rateLimitMessage(seconds)), {
        statusCode: 429,
        code: 'rate_limited',
      });
    },
  });
  // Our own preClose: the plugin's default closes sockets with no status code, and the
  // contract wants 1001 ("going away") so that clients reconnect elsewhere at once.
  let closeSockets = () => {};
  await app.register(websocket, {
    options: { maxPayload: 64 * 1024, perMessageDeflate: false },
    preClose(done) {
      closeSockets();
      this.websocketServer.close();
      done();
    },
  });
  await app.register(swagger, {
    openapi: { info: { title: 'Haven API', version: '1' } },
    transform: jsonSchemaTransform,
  });

  // Services.
  const hasher = new PasswordHasher(config.passwordHash, config.hashConcurrency, config.hashQueueMax);
  const accounts = createAccountsService({ db: database.db, hasher, config, serverSecret, viewerCacheMs: config.sessionCacheMs });
  const forum = createForumService({ db: database.db, serverSecret, writeAs: accounts.writeAs, pageCacheMs: config.pageCacheMs });
  accounts.onDelete((trx, userId, erasePosts) => forum.onAccountDeleted(trx, userId, erasePosts));
  accounts.onProfileChanged(() => forum.forgetPages());
  const live = createLive({ config, database, accounts, forum, log: app.log, ...(options.live ? { options: options.live } : {}) });
  closeSockets = () => live.hub.closeAll();

  const crisis = loadCrisisConfig(config.crisisConfigPath);
  const readsLikeCrisis = crisisMatcher(crisis.phrases);
  const moderation = createModerationService({ db: database.db, config, events: live.events, notifications: live.notifications, forum, accounts, crisis });
  const journey = createJourneyService({ db: database.db, accounts, notifications: live.notifications });
  const resources = createResourcesService({ db: database.db, accounts, forum, moderation });
  // The export's sections, in document order (server/contract/export.ts).
  accounts.onExport('posts', (userId) => forum.exportPosts(userId));
  accounts.onExport('flagsRaised', (userId) => moderation.exportFlags(userId));
  accounts.onExport('notifications', (userId) => live.notifications.exportAll(userId));
  accounts.onExport('mutes', (userId) => forum.exportMutes(userId));
  for (const [name, section] of Object.entries(journey.exportSections)) accounts.onExport(name, section);
  accounts.onExport('toolkit', (userId) => resources.exportToolkit(userId));
  const maintenance = createMaintenance({ db: database.db, config, journey, onError: (err) => app.log.error({ err }, 'scheduled maintenance failed') });
  live.extraViews.set('flag.created', renderFlagEvents(database.db));
  live.extraViews.set('queue.changed', renderQueueChanged);
  forum.onWrite(async (trx, write) => {
    // A post that reads like a crisis is never blocked: it goes to the top of the queue.
    if (write.kind === 'created' && write.bodyMd && readsLikeCrisis(write.bodyMd)) await moderation.raiseCrisisFlag(trx, write.postId);
    if (write.kind === 'deleted' && write.actor && write.actor.id !== write.authorId) await moderation.onModeratorDelete(trx, write.actor, write.postId);
  });
  app.decorate('haven', { config, routes, database, accounts, forum, live, journey, maintenance });
  await app.register(sessionPlugin, { accounts });

  // Routes.
  await app.register(healthRoutes, { db: database.db, busReady: () => live.bus.ready() });
  await app.register(accountsRoutes, { accounts, config, unreadNotifications: live.notifications.unreadCount });
  await app.register(forumRoutes, {
    forum, config, guidelines: loadGuidelines(), privacy: loadPrivacy(),
    crisisResourcesFor: (body) => (readsLikeCrisis(body) ? crisis.resources : undefined),
  });
  await app.register(moderationRoutes, { moderation, crisis, config });
  await app.register(notificationsRoutes, { notifications: live.notifications, config });
  await app.register(journeyRoutes, { journey, config });
  await app.register(resourcesRoutes, { resources, config });
  await app.register(liveRoutes, { hub: live.hub, config });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(spaRoutes, { ...(options.clientDist ? { root: options.clientDist } : {}) });

  app.addHook('onReady', async () => {
    await accounts.ensureConfiguredAdmin();
    await live.start();
    await maintenance.start();
  });
  // Sockets get their 1001 close frame before the server stops accepting.
  app.addHook('preClose', async () => {
    maintenance.stop();
    await live.stop();
  });
  if (ownsDatabase) app.addHook('onClose', async () => database.close());
  return app;
}
