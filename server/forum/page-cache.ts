/**
 * A per-process cache of thread pages as the database returned them, before any reader's
 * view is applied (so one entry serves visitors and members alike; toPost still decides
 * per reader what they may see). Any write to a thread drops all of its pages here, and
 * the live bus drops them in every other process. The TTL bounds staleness should an
 * invalidation ever be missed, and the size bound keeps memory flat.
 */
export class PageCache<T> {
  #threads = new Map<string, Map<string, { value: T; expires: number }>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxThreads: number,
  ) {}

  get(threadId: string, pageKey: string): T | undefined {
    const pages = this.#threads.get(threadId);
    const hit = pages?.get(pageKey);
    if (!hit) return undefined;
    if (hit.expires <= Date.now()) {
      pages!.delete(pageKey);
      return undefined;
    }
    return hit.value;
  }

  set(threadId: string, pageKey: string, value: T): void {
    if (this.ttlMs <= 0) return;
    let pages = this.#threads.get(threadId);
    if (!pages) {
      if (this.#threads.size >= this.maxThreads) {
        // Oldest-inserted thread goes first: Map keeps insertion order.
        const oldest = this.#threads.keys().next().value;
        if (oldest !== undefined) this.#threads.delete(oldest);
      }
      pages = new Map();
      this.#threads.set(threadId, pages);
    }
    if (pages.size >= 64) pages.clear();
    pages.set(pageKey, { value, expires: Date.now() + this.ttlMs });
  }

  invalidate(threadId: string): void {
    this.#threads.delete(threadId);
  }

  clear(): void {
    this.#threads.clear();
  }
}

