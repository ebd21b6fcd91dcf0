import type { FastifyInstance } from 'fastify';

export interface HealthOptions {
  /** Whether the database takes writes now, answered within a bound (the outbox's probe). */
  writable: () => Promise<boolean>;
  /** True while the live bus is listening and keeping up (the in-process bus: keeping up). */
  busReady: () => boolean;
}

/** /healthz: the process runs. /readyz: it can serve (the database takes writes, the bus keeps up). */
export default async function healthRoutes(app: FastifyInstance, opts: HealthOptions) {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const database = await opts.writable();
    const bus = opts.busReady();
    return reply.code(database && bus ? 200 : 503).send({ status: database && bus ? 'ready' : 'not_ready', database, bus });
  });
}
