import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, type PostgresPool } from 'kysely';
import pg from 'pg';
import type { Config } from '../config';
import { lockDataDir } from './data-dir-lock';
import { PGlitePool } from './pglite-pool';
import { preparedName } from './prepared';
import type { DB } from './schema';

/** A connected database: the Kysely instance plus what the live bus needs to know. */
export interface Database {
  readonly db: Kysely<DB>;
  readonly kind: 'postgres' | 'pglite';
  /** For the PostgreSQL bus: how to open its own LISTEN connection. */
  readonly connectionString?: string;
  close(): Promise<void>;
}

const INT8 = 20;
const DATE = 1082;

/** bigint stays a string (JSON-safe ids); a date stays 'YYYY-MM-DD' (no time-zone shift). */
export const pgTypeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8 || oid === DATE) return (value: string) => value;
    return pg.types.getTypeParser(oid, format);
  },
};

/** How long the client waits, past the statement timeout, for a database that does not answer at all. */
const CLIENT_GRACE_MS = 2_000;

export function connectPostgres(connectionString: string, queryTimeoutMs = 10_000): Database {
  const pool = new pg.Pool({
    connectionString,
    max: 10,
    // A database that is down or restarting must give quick 503s, never hung requests.
    connectionTimeoutMillis: 5_000,
    // The server cancels a long statement itself; a stalled (frozen, partitioned) server
    // cannot, so the client gives up a little later on its own.
    statement_timeout: queryTimeoutMs,
    query_timeout: queryTimeoutMs + CLIENT_GRACE_MS,
    keepAlive: true,
    idleTimeoutMillis: 30_000,
    types: pgTypeParsers,
  });
  // Without a listener, an idle client's error (e.g. the server restarting) crashes the
  // process. The pool discards that client and makes a new one on the next checkout.
  pool.on('error', () => {});
  // A client that is checked out when its connection dies (mid-transaction, say) has no
  // pool listener, and its 'error' event would crash the process. Its query fails on its
  // own (a 503), and the pool drops the dead client when it is released.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: closingTimedOut(pool) }) });
  return { db, kind: 'postgres', connectionString, close: () => db.destroy() };
}

/**
 * A client whose query timed out on our side still has that query (and perhaps an open
 * transaction whose ROLLBACK never went out) on its connection. Handed to the next caller,
 * its BEGIN would join that transaction and its COMMIT commit the abandoned writes. So such
 * a client is destroyed on release: the server rolls its transaction back when it sees the
 * connection close.
 */
function closingTimedOut(pool: pg.Pool): PostgresPool {
  const broken = new WeakSet<pg.PoolClient>();
  const patched = new WeakSet<pg.PoolClient>();
  const connect = async () => {
    const client = await pool.connect();
    if (!patched.has(client)) {
      patched.add(client);
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as { query: unknown }).query = (...args: unknown[]) => {
        // A statement marked hot runs under its name: parsed and planned once per connection.
        const name = typeof args[0] === 'string' ? preparedName(args[0]) : undefined;
        const result = name ? query({ name, text: args[0], values: args[1] }) : query(...args);
        if (result instanceof Promise) {
          result.catch((err: unknown) => {
            if (err instanceof Error && /Query read timeout/.test(err.message)) broken.add(client);
          });
        }
        return result;
      };
    }
    // The pool gives each checkout its own release; ours destroys a broken client.
    const release = client.release.bind(client);
    client.release = (err?: Error | boolean) => release(err ?? (broken.has(client) ? new Error('a query timed out on this connection') : undefined));
    return client;
  };
  return { connect, end: () => pool.end() };
}

export async function openPGlite(dataDir: string | undefined, loadDataDir?: Blob): Promise<PGlite> {
  if (dataDir) fs.mkdirSync(dataDir, { recursive: true });
  return PGlite.create(dataDir, {
    ...(loadDataDir ? { loadDataDir } : {}),
    parsers: { [INT8]: (v: string) => v, [DATE]: (v: string) => v },
  });
}

export function wrapPGlite(pglite: PGlite): Database {
  const pool = new PGlitePool(pglite);
  // The cast is the one seam between PGlite and Kysely's pg-shaped driver; the shape
  // PostgresDialect uses (connect, query, release, end) is implemented in pglite-pool.ts.
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: pool as unknown as pg.Pool }) });
  return { db, kind: 'pglite', close: () => db.destroy() };
}

/**
 * PostgreSQL when DATABASE_URL is set, else PGlite keeping its files in DATA_DIR/pglite,
 * held by this process alone (DATA_DIR/pglite.lock) until it closes.
 */
export async function connectDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'> & { dbQueryTimeoutMs?: number }): Promise<Database> {
  if (config.databaseUrl) return connectPostgres(config.databaseUrl, config.dbQueryTimeoutMs);
  fs.mkdirSync(config.dataDir, { recursive: true });
  const release = lockDataDir(path.join(config.dataDir, 'pglite.lock'));
  try {
    const database = wrapPGlite(await openPGlite(path.join(config.dataDir, 'pglite')));
    return {
      ...database,
      close: async () => {
        try {
          await database.close();
        } finally {
          release();
        }
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}
