import type { Kysely, Transaction } from 'kysely';
import type { DB } from './schema';

/** What every repository function runs on: the database itself, or the caller's transaction. */
export type Exec = Kysely<DB> | Transaction<DB>;
/** A transaction opened through transact() (db/transact.ts), the one way in. */
export type Trx = Transaction<DB>;
