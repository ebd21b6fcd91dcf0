import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import underPressure from '@fastify/under-pressure';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { DestinationStream } from 'pino';
import accountsRoutes from './accounts/accounts.routes';
import sessionPlugin from './accounts/session';
import { compose, type Composed } from './compose';
import type { Config } from './config';
import { connectDatabase, type Database } from './db/database';
import forumRoutes from './forum/forum.routes';
import { loadGuidelines, loadPrivacy } from './forum/guidelines';
import healthRoutes from './health/health.routes';
import { createClientKey, trustProxyOption } from './http/client-key';
import errorHandler, { send } from './http/error-handler';
import { rateLimitMessage } from './http/errors';
import { loggerOptions } from './http/logging';
import originCheck from './http/origin-check';
import { rateLimitStore } from './http/rate-limit-store';
import { SHARED_LIMITS } from './http/rate-limits';
import securityHeaders from './http/security-headers';
import spaRoutes from './http/spa';
import journeyRoutes from './journey/journey.routes';
import type { EventRenderer } from './live/event-views';
import type { LiveOptions } from './live/live';
import liveRoutes from './live/live.routes';
import moderationRoutes from './moderation/moderation.routes';
import notificationsRoutes from './notifications/notifications.routes';
import privacyRoutes from './privacy/privacy.routes';
import resourcesRoutes from './resources/resources.routes';
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
  /** More event kinds and their renderers (tests inject a failing load through one). */
  renderers?: ReadonlyMap<string, EventRenderer>;
}

export type Haven = Composed & {
  config: Readonly<Config>;
  /** Every route, as registered; tests walk it so that no route escapes a security check. */
  routes: Array<{ method: string; url: string; rateLimited: boolean }>;
  database: Database;
};

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
 * cookies, origin check, headers, limits), then services (compose.ts), then routes. No
 * business rule lives here.
 */
export async function buildApp(config: Readonly<Config>, options: BuildOptions = {}): Promise<FastifyInstance> {
  const serverSecret = resolveServerSecret(config);
  const ownsDatabase = !options.database;
  const database = options.database ?? (await connectDatabase(config));
  const app = createFastify(config, options, createClientKey(serverSecret));
  const routes: Haven['routes'] = [];
  app.addHook('onRoute', (route) => {
    const rateLimited = Boolean((route.config as { rateLimit?: unknown } | undefined)?.rateLimit);
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, rateLimited });
  });
  // Our own preClose for the sockets: the plugin's default closes them with no status code,
  // and the contract wants 1001 ("going away") so that clients reconnect elsewhere at once.
  let closeSockets = () => {};
  await registerInfrastructure(app, config, database, () => closeSockets());

  const haven = compose({
    database, config, serverSecret, log: app.log,
    ...(options.live ? { live: options.live } : {}),
    ...(options.renderers ? { renderers: options.renderers } : {}),
  });
  const { accounts, live, maintenance } = haven;
  closeSockets = () => live.hub.closeAll();
  app.decorate('haven', { ...haven, config, routes, database });
  await app.register(sessionPlugin, { accounts });
  await registerRoutes(app, haven, config, options);

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

function createFastify(config: Readonly<Config>, options: BuildOptions, clientKey: (ip: string) => string): FastifyInstance {
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
  // Haven's API speaks JSON only: a body of any other type (text/plain included, which
  // Fastify would otherwise hand to the schema as a string) is 415, as docs/api.md says.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('clientKey', function (this: FastifyRequest) {
    return clientKey(this.ip);
  });
  return app;
}

/** Errors, cookies, the origin check, headers, load shedding, rate limits, WebSockets and the OpenAPI document, in that order. */
async function registerInfrastructure(app: FastifyInstance, config: Readonly<Config>, database: Database, closeSockets: () => void) {
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
      return Object.assign(new Error(rateLimitMessage(seconds)), { statusCode: 429, code: 'rate_limited' });
    },
  });
  await app.register(websocket, {
    options: { maxPayload: 64 * 1024, perMessageDeflate: false },
    preClose(done) {
      closeSockets();
      this.websocketServer.close();
      done();
    },
  });
  await app.register(swagger, { openapi: { info: { title: 'Haven API', version: '1' } }, transform: jsonSchemaTransform });
}

/** Every feature's routes, each handed its one service; then the OpenAPI document and the web app. */
async function registerRoutes(app: FastifyInstance, haven: Composed, config: Readonly<Config>, options: BuildOptions) {
  const { live } = haven;
  await app.register(healthRoutes, { writable: () => haven.outbox.writable(), busReady: () => live.bus.ready() });
  await app.register(accountsRoutes, { accounts: haven.accounts, config });
  await app.register(privacyRoutes, { privacy: haven.privacy, config });
  await app.register(forumRoutes, { forum: haven.forum, config, guidelines: loadGuidelines(), privacy: loadPrivacy() });
  await app.register(moderationRoutes, { moderation: haven.moderation, crisis: haven.crisis, config });
  await app.register(notificationsRoutes, { notifications: haven.notifications, config });
  await app.register(journeyRoutes, { journey: haven.journey, config });
  await app.register(resourcesRoutes, { resources: haven.resources, config });
  await app.register(liveRoutes, { hub: live.hub, config });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(spaRoutes, { ...(options.clientDist ? { root: options.clientDist } : {}) });
}
