import type { PGlite } from '@electric-sql/pglite';

/**
 * Presents one PGlite instance to Kysely's PostgresDialect as a pool of exactly one
 * connection. PGlite is a single backend: two transactions interleaving their statements
 * on it would corrupt each other, so a connection is lent to one caller at a time and
 * everyone else waits in FIFO order. We reuse Kysely's own Postgres driver rather than
 * write a dialect, so both databases go through the same compiler and transaction code.
 */
const ACQUIRE_TIMEOUT_MS = 15_000;

export class PGlitePool {
  #waiters: Array<() => void> = [];
  #busy = false;
  #client: PGliteClient;

  constructor(readonly pglite: PGlite) {
    this.#client = new PGliteClient(pglite, () => this.#release());
  }

  async connect(): Promise<PGliteClient> {
    if (this.#busy) {
      await new Promise<void>((resolve, reject) => {
        const waiter = () => {
          clearTimeout(timer);
          resolve();
        };
        // A caller that queries `db` while holding a transaction would wait for itself
        // forever; fail like a pool checkout timeout (a 503) instead of hanging.
        const timer = setTimeout(() => {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          reject(Object.assign(new Error('timeout exceeded when trying to connect'), { code: 'ETIMEDOUT' }));
        }, ACQUIRE_TIMEOUT_MS);
        this.#waiters.push(waiter);
      });
    }
    this.#busy = true;
    return this.#client;
  }

  #release(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#busy = false;
  }

  async end(): Promise<void> {
    await this.pglite.close();
  }
}

class PGliteClient {
  constructor(
    private readonly pglite: PGlite,
    readonly release: () => void,
  ) {}

  async query(sql: string, parameters: readonly unknown[]) {
    const result = await this.pglite.query<Record<string, unknown>>(sql, parameters as unknown[]);
    // Kysely reads the affected-row count only for writes and ignores it on reads, so the
    // command name need not be exact: PGlite does not report it.
    return { command: 'UPDATE', rowCount: result.affectedRows ?? 0, rows: result.rows };
  }
}
