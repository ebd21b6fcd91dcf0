import closeWithGrace from 'close-with-grace';
import { ConfigError, loadConfig } from './config';
import { startServer } from './server';

/** `npm start`: read config, migrate, listen, and shut down gracefully on SIGTERM/SIGINT. */
async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const app = await startServer(config);
  app.log.info(
    { origin: config.publicOrigin, database: config.databaseUrl ? 'postgres' : 'embedded' },
    `Haven is listening on http://${config.host}:${config.port}`,
  );
  // Stop accepting, let requests in flight finish, close sockets with 1001, then exit 0.
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
  });
}

main().catch((err) => {
  console.error('Haven could not start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
