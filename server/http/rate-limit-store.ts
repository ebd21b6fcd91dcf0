/**
 * An in-memory store for @fastify/rate-limit in which every route shares one table, so a
 * `groupId` (e.g. "posts": new threads and replies together) is one allowance across
 * routes. The plugin's own local store gives each route a separate table, which would
 * let a member spend the posting allowance once per route. Keys are the client key plus
 * the group id, so routes in different groups never mix. Counters are per process.
 */
interface Window {
  count: number;
  resetAt: number;
}

export class SharedRateLimitStore {
  #windows: Map<string, Window>;

  constructor(_options?: unknown, shared?: Map<string, Window>) {
    this.#windows = shared ?? new Map();
  }

  #sweep(now: number) {
    // Bounded memory: expired windows go whenever the table grows large.
    if (this.#windows.size < 10_000) return;
    for (const [key, w] of this.#windows) if (w.resetAt <= now) this.#windows.delete(key);
  }

  incr(key: string, cb: (err: Error | null, result: { current: number; ttl: number }) => void, timeWindow: number) {
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

  read(key: string, cb: (err: Error | null, result: { current: number; ttl: number }) => void, timeWindow: number) {
    const now = Date.now();
    const w = this.#windows.get(key);
    if (!w || w.resetAt <= now) cb(null, { current: 0, ttl: timeWindow });
    else cb(null, { current: w.count, ttl: w.resetAt - now });
  }

  child(): SharedRateLimitStore {
    return new SharedRateLimitStore(undefined, this.#windows);
  }
}
