import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import pg from 'pg';
import { inject } from 'vitest';
import { connectPostgres, openPGlite, wrapPGlite, type Database } from '../../server/db/database';
import { databaseUrlFor } from './global-setup';

export interface TestDatabase {
  database: Database;
  /** Set on PostgreSQL: the per-file database's URL (for a second app instance). */
  url: string | undefined;
  drop(): Promise<void>;
}

/** A fresh, migrated database for one test file: a clone of the template, or a PGlite copy. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const template = inject('pgTemplate');
  const base = process.env.DATABASE_URL;
  if (template && base) {
    const name = `${template}_f${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`create database ${name} template ${template}`);
    const url = databaseUrlFor(base, name);
    const database = connectPostgres(url);
    return {
      database,
      url,
      async drop() {
        await database.close();
        await admin.query(`drop database if exists ${name} with (force)`);
        await admin.end();
      },
    };
  }
  const dump = inject('pgliteDump');
  if (!dump) throw new Error('global setup provided no database');
  const pglite = await openPGlite(undefined, new Blob([fs.readFileSync(dump)]));
  const database = wrapPGlite(pglite);
  return { database, url: undefined, drop: () => database.close() };
}
