import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireMember, requireModerator } from '../accounts/session';
import type { Config } from '../config';
import { slugParams } from '../contract/forum';
import { toolkitParams, toolkitResponse } from '../contract/journey';
import * as c from '../contract/resources';
import { accountRateLimit } from '../http/rate-limits';
import type { ResourcesService } from './resources.service';

export default async function resourcesRoutes(fastify: FastifyInstance, opts: { resources: ResourcesService; config: Config }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { resources } = opts;
  const moderating = accountRateLimit(opts.config, 'moderation');
  const saving = accountRateLimit(opts.config, 'journey');

  app.get('/api/communities/:slug/resources', { schema: { params: slugParams, response: { 200: c.resourcesResponse } } }, async (request) =>
    resources.communityResources(request.params.slug, await request.viewer()));

  app.post('/api/mod/communities/:slug/resources', {
    config: moderating,
    schema: { params: slugParams, body: c.pinBody, response: { 201: c.resourceResponse } },
  }, async (request, reply) => reply.code(201).send(await resources.pin(await requireModerator(request), request.params.slug, request.body)));

  app.patch('/api/mod/resources/:id', {
    config: moderating,
    schema: { params: c.resourceParams, body: c.pinPatch, response: { 200: c.resourceResponse } },
  }, async (request) => resources.changePin(await requireModerator(request), request.params.id, request.body));

  app.delete('/api/mod/resources/:id', { config: moderating, schema: { params: c.resourceParams } }, async (request, reply) => {
    await resources.unpin(await requireModerator(request), request.params.id);
    return reply.code(204).send();
  });

  app.get('/api/me/toolkit', { schema: { response: { 200: toolkitResponse } } }, async (request) => resources.toolkit(await requireMember(request)));

  for (const [method, saved] of [['put', true], ['delete', false]] as const) {
    app[method]('/api/me/toolkit/:postId', { config: saving, schema: { params: toolkitParams } }, async (request, reply) => {
      await resources.save(await requireMember(request), request.params.postId, saved);
      return reply.code(204).send();
    });
  }
}
