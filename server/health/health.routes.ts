import type { FastifyInstance } from 'fastify';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';

export interface HealthOptions {
  db: Kysely<DB>;
  /** True while the live bus is listening (always true for the in-process bus). */
  busReady: () => boolean;
}

/** /healthz: the process runs. /readyz: it can serve (database answers, bus listens). */
export default async function healthRoutes(app: FastifyInstance, opts: HealthOptions) {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    let database = false;
    try {
      await sql`select 1`.execute(opts.db);
      database = true;
    } catch {
      // reported below; the readiness probe must answer, not throw
    }
    const bus = opts.busReady();
    return reply.code(database && bus ? 200 : 503).send({ status: database && bus ? 'ready' : 'not_ready', database, bus });
  });
}
