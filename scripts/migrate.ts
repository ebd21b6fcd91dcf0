import { loadConfig } from '../server/config';
import { connectDatabase } from '../server/db/database';
import { migrateToLatest } from '../server/db/migrate';

/** `npm run migrate`: bring the configured database to the latest schema. */
const database = await connectDatabase(loadConfig());
try {
  const { results } = await migrateToLatest(database.db);
  for (const r of results ?? []) console.log(`${r.status}: ${r.migrationName}`);
  console.log(results?.length ? 'Migrated.' : 'Already up to date.');
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
} finally {
  await database.close();
}
