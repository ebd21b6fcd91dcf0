import type { FastifyInstance } from 'fastify';
import { requireActiveMember, requireAdmin, requireModerator } from '../accounts/session';
import { idParams } from '../contract/forum';
import * as c from '../contract/moderation';
import type { Config } from '../config';
import { accountRateLimit } from '../http/rate-limits';
import { withZod, type ZodApp } from '../http/zod-app';
import type { ModerationService } from './moderation.service';

interface ModerationRoutesOptions {
  moderation: ModerationService;
  crisis: c.CrisisConfig;
  config: Config;
}

/** Flags, the queue and moderators' actions (API.md "Moderation"): validate, one service call, reply. */
export default async function moderationRoutes(fastify: FastifyInstance, opts: ModerationRoutesOptions) {
  const app = withZod(fastify);
  const { moderation } = opts;
  app.get('/api/support/crisis', { schema: { response: { 200: c.crisisResponse } } }, async () => opts.crisis);

  app.post('/api/posts/:id/flags', {
    config: accountRateLimit(opts.config, 'flags'),
    schema: { params: idParams, body: c.flagBody, response: { 201: c.flagResponse } },
  }, async (request, reply) => reply.code(201).send(await moderation.flagPost(await requireActiveMember(request), request.params.id, request.body)));

  const limits = { acting: accountRateLimit(opts.config, 'moderation'), reading: accountRateLimit(opts.config, 'modReads') };
  moderatorRoutes(app, moderation, limits);
  adminRoutes(app, moderation, limits);
}

type Limits = Record<'acting' | 'reading', ReturnType<typeof accountRateLimit>>;

/** The queue, the log and moderators' actions on posts. */
function moderatorRoutes(app: ZodApp, moderation: ModerationService, { acting, reading }: Limits) {
  app.get('/api/mod/flags', {
    config: reading,
    schema: { querystring: c.flagsQuery, response: { 200: c.flagsResponse } },
  }, async (request) => {
    const viewer = await requireModerator(request);
    return moderation.queue(viewer, request.query.status, request.query.cursor, request.query.limit);
  });

  app.post('/api/mod/flags/:id/resolve', {
    config: acting,
    schema: { params: c.flagParams, body: c.resolveBody, response: { 200: c.resolveResponse } },
  }, async (request) => moderation.resolve(await requireModerator(request), request.params.id, request.body.outcome));

  app.post('/api/mod/posts/:id/hide', {
    config: acting,
    schema: { params: idParams, body: c.hideBody, response: { 200: c.modPostResponse } },
  }, async (request) => moderation.hide(await requireModerator(request), request.params.id, request.body));

  app.post('/api/mod/posts/:id/restore', {
    config: acting,
    schema: { params: idParams, response: { 200: c.modPostResponse } },
  }, async (request) => moderation.restore(await requireModerator(request), request.params.id));

  app.put('/api/mod/posts/:id/content-warnings', {
    config: acting,
    schema: { params: idParams, body: c.warningsBody, response: { 200: c.modPostResponse } },
  }, async (request) => moderation.setWarnings(await requireModerator(request), request.params.id, request.body.contentWarnings));

  app.post('/api/mod/posts/:id/suspend-author', {
    config: acting,
    schema: { params: idParams, body: c.suspendBody, response: { 200: c.suspendResponse } },
  }, async (request) => moderation.suspendAuthor(await requireModerator(request), request.params.id, request.body));

  app.get('/api/mod/log', {
    config: reading,
    schema: { querystring: c.logQuery, response: { 200: c.logResponse } },
  }, async (request) => {
    await requireModerator(request);
    const { cursor, limit, ...filter } = request.query;
    return moderation.log(cursor, limit, filter);
  });

  app.post('/api/mod/posts/:id/reach-out', {
    config: acting,
    schema: { params: idParams, body: c.reachOutBody, response: { 200: c.reachOutResponse } },
  }, async (request) => moderation.reachOut(await requireModerator(request), request.params.id, request.body));

}

/** Admins: suspensions and members. */
function adminRoutes(app: ZodApp, moderation: ModerationService, { acting, reading }: Limits) {
  app.get('/api/admin/suspensions', {
    config: reading,
    schema: { querystring: c.suspensionsQuery, response: { 200: c.suspensionsResponse } },
  }, async (request) => {
    await requireAdmin(request);
    return moderation.suspensions(request.query.cursor, request.query.limit);
  });

  app.post('/api/admin/suspensions/:id/lift', {
    config: acting,
    schema: { params: c.suspensionParams, response: { 200: c.liftResponse } },
  }, async (request) => moderation.liftSuspension(await requireAdmin(request), request.params.id));

  app.get('/api/admin/users', {
    config: reading,
    schema: { querystring: c.membersQuery, response: { 200: c.membersResponse } },
  }, async (request) => {
    await requireAdmin(request);
    return moderation.findMembers(request.query.q);
  });
}
