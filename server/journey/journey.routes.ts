import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireMember } from '../accounts/session';
import type { Config } from '../config';
import * as c from '../contract/journey';
import { accountRateLimit } from '../http/rate-limits';
import type { JourneyService } from './journey.service';

/** A member's own journey and goals. Suspended members keep them: these are private, not posting. */
export default async function journeyRoutes(fastify: FastifyInstance, opts: { journey: JourneyService; config: Config }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { journey } = opts;
  const changing = accountRateLimit(opts.config, 'journey');

  app.get('/api/me/journey', { schema: { response: { 200: c.journeyResponse } } }, async (request) => journey.journey(await requireMember(request)));

  app.post('/api/me/goals', { config: changing, schema: { body: c.goalBody, response: { 201: c.goalResponse } } }, async (request, reply) =>
    reply.code(201).send(await journey.addGoal(await requireMember(request), request.body.title)));

  app.patch('/api/me/goals/:id', { config: changing, schema: { params: c.goalParams, body: c.goalPatch } }, async (request, reply) => {
    await journey.changeGoal(await requireMember(request), request.params.id, request.body);
    return reply.code(204).send();
  });

  app.delete('/api/me/goals/:id', { config: changing, schema: { params: c.goalParams } }, async (request, reply) => {
    await journey.deleteGoal(await requireMember(request), request.params.id);
    return reply.code(204).send();
  });

  for (const [method, done] of [['put', true], ['delete', false]] as const) {
    app[method]('/api/me/goals/:id/days/:date', { config: changing, schema: { params: c.goalDayParams } }, async (request, reply) => {
      await journey.checkGoal(await requireMember(request), request.params.id, request.params.date, done);
      return reply.code(204).send();
    });
  }
}
