import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { connectPostgres, openPGlite, wrapPGlite } from '../../server/db/database';
import { migrateToLatest } from '../../server/db/migrate';
import { ensureClientBuilt } from './browser';

declare module 'vitest' {
  export interface ProvidedContext {
    /** PostgreSQL: the migrated template database each test file clones. */
    pgTemplate: string | null;
    /** PGlite: a dump of a migrated data directory each test file loads. */
    pgliteDump: string | null;
  }
}

export function databaseUrlFor(base: string, database: string): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Migrates once per run; every test file then starts from a copy of the result. */
export default async function setup(project: TestProject) {
  // The web app is built (if its sources changed) once, here: test files that serve it
  // would otherwise race each other rebuilding it.
  ensureClientBuilt();
  const base = process.env.DATABASE_URL;
  if (base) {
    const template = `haven_tpl_${process.pid}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`drop database if exists ${template}`);
    await admin.query(`create database ${template}`);
    const database = connectPostgres(databaseUrlFor(base, template));
    await migrateToLatest(database.db);
    await database.close();
    project.provide('pgTemplate', template);
    project.provide('pgliteDump', null);
    return async () => {
      // This run's template and its per-file copies only: a run beside this one (another
      // pid, perhaps 1234 beside 123) keeps its own.
      const { rows } = await admin.query<{ datname: string }>(
        `select datname from pg_database where datname = $1 or starts_with(datname, $1 || '_f')`,
        [template],
      );
      for (const { datname } of rows) await admin.query(`drop database if exists ${datname} with (force)`);
      await admin.end();
    };
  }
  const pglite = await openPGlite(undefined);
  await migrateToLatest(wrapPGlite(pglite).db);
  const dump = await pglite.dumpDataDir('none');
  await pglite.close();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'haven-test-'));
  const file = path.join(dir, 'migrated.tar');
  fs.writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  project.provide('pgTemplate', null);
  project.provide('pgliteDump', file);
  return () => fs.rmSync(dir, { recursive: true, force: true });
}
