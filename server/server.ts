import type { FastifyInstance } from 'fastify';
import { buildApp, type BuildOptions } from './app';
import type { Config } from './config';
import { connectDatabase } from './db/database';
import { migrateToLatest } from './db/migrate';

/**
 * What `npm start` does, minus signal handling: open the database, bring it to the latest
 * schema, build the app and listen. Tests use it to start and restart a real server.
 */
export async function startServer(config: Readonly<Config>, options: Omit<BuildOptions, 'database'> = {}): Promise<FastifyInstance> {
  const database = await connectDatabase(config);
  try {
    await migrateToLatest(database.db);
    const app = await buildApp(config, { ...options, database });
    app.addHook('onClose', async () => database.close());
    await app.listen({ port: config.port, host: config.host });
    return app;
  } catch (err) {
    await database.close().catch(() => {});
    throw err;
  }
}
