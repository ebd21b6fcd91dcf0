import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireMember } from '../accounts/session';
import * as c from '../contract/notifications';
import type { Config } from '../config';
import { accountRateLimit } from '../http/rate-limits';
import type { NotificationsService } from './notifications.service';

export default async function notificationsRoutes(fastify: FastifyInstance, opts: { notifications: NotificationsService; config: Config }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { notifications } = opts;

  app.get('/api/notifications', {
    schema: { querystring: c.notificationsQuery, response: { 200: c.notificationsResponse } },
  }, async (request) => {
    const viewer = await requireMember(request);
    return notifications.list(viewer, request.query.cursor, request.query.limit);
  });

  app.post('/api/notifications/read', { config: accountRateLimit(opts.config, 'notifications'), schema: { body: c.markReadBody } }, async (request, reply) => {
    const viewer = await requireMember(request);
    await notifications.markRead(viewer, request.body);
    return reply.code(204).send();
  });
}
