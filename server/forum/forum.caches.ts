import type { Viewer } from '../accounts/viewer';
import type { Exec } from '../db/executor';
import { TtlCache } from '../lib/ttl-cache';
import * as repo from './forum.repository';
import { PageCache } from './page-cache';

/** A member page encoded in pieces, so a reader's own posts can be swapped in without re-encoding the rest. */
export interface MemberEncoding {
  head: string;
  posts: string[];
  tail: string;
  whole: string;
}

/** A thread page as the database returned it, shared by every reader until a write. */
export interface PageEntry {
  thread: repo.ThreadRow;
  rows: repo.PostRow[];
  nextCursor: string | null;
  visitorJson?: string;
  /** The page as a member sees it who wrote none of it, muted none of its authors and does not moderate. */
  member?: MemberEncoding;
}

export const NO_MUTES: ReadonlySet<string> = new Set();

/**
 * This process's caches of forum reads: thread pages and members' mutes. Writes here drop
 * them at once (and again after the commit); writes in other processes drop them through
 * the live bus. Several features hold this door: accounts (a profile change makes every
 * page's authors stale) and the live side (events from other processes).
 */
export class ForumCaches {
  readonly pages: PageCache<PageEntry>;
  readonly #mutes: TtlCache<Set<string>>;

  constructor(private readonly db: Exec, cacheMs = 30_000) {
    this.pages = new PageCache<PageEntry>(cacheMs, 2_000);
    this.#mutes = new TtlCache<Set<string>>(cacheMs, 10_000);
  }

  /** Drops cached pages: of one thread (a write), or all (how authors appear changed). */
  forgetPages(threadId?: string): void {
    if (threadId) this.pages.invalidate(threadId);
    else this.pages.clear();
  }

  forgetAll(): void {
    this.pages.clear();
  }

  /** Another process saw this member change their mutes, or this one committed a change. */
  forgetMutes(userId: string): void {
    this.#mutes.delete(userId);
  }

  /**
   * The ids this member has muted, cached briefly. Inside a transaction pass it as
   * `executor`: PGlite has one connection, held by the transaction.
   */
  async mutedBy(viewer: Viewer | null, executor: Exec = this.db): Promise<ReadonlySet<string>> {
    if (!viewer) return NO_MUTES;
    const cached = this.#mutes.get(viewer.id);
    if (cached) return cached;
    const loaded = await repo.mutedIdsOf(executor, viewer.id);
    this.#mutes.set(viewer.id, loaded);
    return loaded;
  }
}
