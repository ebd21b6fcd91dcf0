import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Exec } from '../db/executor';
import type { DB } from '../db/schema';

/**
 * The store behind @fastify/rate-limit. Every route shares one table, so a `groupId`
 * (e.g. "posts": new threads and replies together) is one allowance across routes; the
 * plugin's own local store gives each route a separate table, which would let a member
 * spend the posting allowance once per route. Keys are the client key plus the group id.
 *
 * The groups named in `sharedGroups` (login, signup, recovery: what a password-guessing
 * script hits) count in the database, so every app process on it draws on one allowance.
 * The rest (posting) count per process, in memory: N processes allow N times as much,
 * which costs a little spam headroom but no database round trip per post.
 */
type Callback = (err: Error | null, result: { current: number; ttl: number }) => void;

interface Window {
  count: number;
  resetAt: number;
}

interface Counter {
  incr(key: string, cb: Callback, timeWindow: number): void;
  read(key: string, cb: Callback, timeWindow: number): void;
}

class MemoryCounter implements Counter {
  #windows = new Map<string, Window>();

  #sweep(now: number) {
    // Bounded memory: expired windows go whenever the table grows large.
    if (this.#windows.size < 10_000) return;
    for (const [key, w] of this.#windows) if (w.resetAt <= now) this.#windows.delete(key);
  }

  incr(key: string, cb: Callback, timeWindow: number) {
    const now = Date.now();
    let w = this.#windows.get(key);
    if (!w || w.resetAt <= now) {
      this.#sweep(now);
      w = { count: 0, resetAt: now + timeWindow };
      this.#windows.set(key, w);
    }
    w.count++;
    cb(null, { current: w.count, ttl: w.resetAt - now });
  }

  read(key: string, cb: Callback, timeWindow: number) {
    const now = Date.now();
    const w = this.#windows.get(key);
    if (!w || w.resetAt <= now) cb(null, { current: 0, ttl: timeWindow });
    else cb(null, { current: w.count, ttl: w.resetAt - now });
  }
}

/** Expired rows are swept every this many increments (keys rotate daily, so rows pile up). */
const SWEEP_EVERY = 200;

/** A window's count and milliseconds left, as both statements below return them. */
const WINDOW = sql`count, (extract(epoch from reset_at - now()) * 1000)::float8 as ttl`;

class DatabaseCounter implements Counter {
  #increments = 0;
  constructor(private readonly db: Kysely<DB>) {}

  /** Runs a statement returning WINDOW and answers the plugin (no row: an empty window). */
  #answer(query: RawBuilder<{ count: number; ttl: number }>, cb: Callback, timeWindow: number) {
    query.execute(this.db).then(
      ({ rows: [row] }) => cb(null, row ? { current: row.count, ttl: Math.max(0, row.ttl) } : { current: 0, ttl: timeWindow }),
      (err: Error) => cb(err, { current: 0, ttl: 0 }),
    );
  }

  incr(key: string, cb: Callback, timeWindow: number) {
    // One statement: a new or expired window starts at 1, a live one counts up.
    this.#answer(sql`
      insert into rate_limits as w (key, count, reset_at)
      values (${key}, 1, now() + make_interval(secs => ${timeWindow / 1000}))
      on conflict (key) do update set
        count = case when w.reset_at <= now() then 1 else w.count + 1 end,
        reset_at = case when w.reset_at <= now() then excluded.reset_at else w.reset_at end
      returning ${WINDOW}`, cb, timeWindow);
    if (++this.#increments % SWEEP_EVERY === 0) void pruneRateLimits(this.db).catch(() => {});
  }

  read(key: string, cb: Callback, timeWindow: number) {
    this.#answer(sql`select ${WINDOW} from rate_limits where key = ${key} and reset_at > now()`, cb, timeWindow);
  }
}

/** Windows that have ended are forgotten (the retention round, and a sweep every so often). */
export async function pruneRateLimits(db: Exec): Promise<void> {
  await db.deleteFrom('rate_limits').where('reset_at', '<', sql<Date>`now()`).execute();
}

/** The store class the plugin instantiates; routes get a `child` per their group. */
export function rateLimitStore(db: Kysely<DB>, sharedGroups: ReadonlySet<string>) {
  const memory = new MemoryCounter();
  const database = new DatabaseCounter(db);
  return class RateLimitStore implements Counter {
    #counter: Counter;

    /** `params`: the plugin's options, merged with a route's own (which carry its groupId). */
    constructor(params?: object) {
      const groupId = params && 'groupId' in params ? params.groupId : undefined;
      this.#counter = typeof groupId === 'string' && sharedGroups.has(groupId) ? database : memory;
    }

    incr(key: string, cb: Callback, timeWindow: number) {
      this.#counter.incr(key, cb, timeWindow);
    }

    read(key: string, cb: Callback, timeWindow: number) {
      this.#counter.read(key, cb, timeWindow);
    }

    child(params: object): RateLimitStore {
      return new RateLimitStore(params);
    }
  };
}
