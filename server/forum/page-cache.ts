/**
 * A per-process cache of thread pages as the database returned them, before any reader's
 * view is applied (so one entry serves visitors and members alike; toPost still decides
 * per reader what they may see). Any write to a thread drops all of its pages here, and
 * the live bus drops them in every other process. The TTL bounds staleness should an
 * invalidation ever be missed, and the size bound keeps memory flat.
 *
 * A read that began before a write's invalidation must not store what it read after it:
 * it may hold the rows as they were before the write (a post still under its author's
 * name after "Make anonymous" returned). So a reader takes a `version()` before it reads,
 * and `set` keeps its page only if nothing invalidated that thread (or everything) since.
 */
export class PageCache<T> {
  #threads = new Map<string, Map<string, { value: T; expires: number }>>();
  /** Counts invalidations: a reader's version is the count when it began. */
  #generation = 0;
  /** The generation of each thread's last invalidation (bounded; see #forgetOld). */
  #invalidatedAt = new Map<string, number>();
  /** The generation of the last invalidation of everything. */
  #clearedAt = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxThreads: number,
  ) {}

  /** Taken before reading the rows a page is made of. */
  version(): number {
    return this.#generation;
  }

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

  /** Keeps a page read since `version`, unless its thread (or everything) was invalidated since. */
  set(threadId: string, pageKey: string, value: T, version: number): void {
    if (this.ttlMs <= 0) return;
    if (this.#clearedAt > version || (this.#invalidatedAt.get(threadId) ?? 0) > version) return;
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
    this.#invalidatedAt.delete(threadId); // re-inserted last, so the oldest go first
    this.#invalidatedAt.set(threadId, ++this.#generation);
    this.#forgetOld();
  }

  clear(): void {
    this.#threads.clear();
    this.#invalidatedAt.clear();
    this.#clearedAt = ++this.#generation;
  }

  /**
   * The record of invalidations stays bounded: the oldest ones are folded into "everything
   * was invalidated then", which can only make a slow read skip storing its page.
   */
  #forgetOld() {
    if (this.#invalidatedAt.size <= this.maxThreads * 4) return;
    for (const [threadId, at] of this.#invalidatedAt) {
      if (this.#invalidatedAt.size <= this.maxThreads * 2) break;
      this.#clearedAt = Math.max(this.#clearedAt, at);
      this.#invalidatedAt.delete(threadId);
    }
  }
}
