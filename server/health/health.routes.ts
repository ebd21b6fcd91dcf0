import type { FastifyInstance } from 'fastify';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';

export interface HealthOptions {
  db: Kysely<DB>;
  /** True while the live bus is listening and keeping up (the in-process bus: keeping up). */
  busReady: () => boolean;
}

/** A probe answers within this bound: a stalled database is "not ready", never a hung probe. */
const PROBE_TIMEOUT_MS = 2_000;

/**
 * Whether the database takes writes. A no-op UPDATE is refused by a read-only database
 * (a standby, default_transaction_read_only) just as a real write is, and leaves no row
 * version behind, however often the load balancer asks.
 */
async function databaseWritable(db: Kysely<DB>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const probe = sql`update event_streams set last_seq = last_seq where false`.execute(db).then(() => true, () => false);
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS)));
  try {
    return await Promise.race([probe, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** /healthz: the process runs. /readyz: it can serve (the database takes writes, the bus keeps up). */
export default async function healthRoutes(app: FastifyInstance, opts: HealthOptions) {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const database = await databaseWritable(opts.db);
    const bus = opts.busReady();
    return reply.code(database && bus ? 200 : 503).send({ status: database && bus ? 'ready' : 'not_ready', database, bus });
  });
}
