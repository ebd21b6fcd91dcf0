import type { Kysely } from 'kysely';
import type { AccountSuspensions, MemberWrites } from '../accounts/accounts.doors';
import { isNewAccount, type Viewer } from '../accounts/viewer';
import type { Config } from '../config';
import type { ContentWarning } from '../contract/content-warnings';
import type { CrisisConfig } from '../contract/moderation';
import type { Trx } from '../db/executor';
import type { DB, FlagReason } from '../db/schema';
import { afterCommit } from '../db/transact';
import { DELETED_MEMBER, type ModeratedPosts, type ModPost, type PostReader } from '../forum/forum.doors';
import { conflict, forbidden, notFound, rateLimited } from '../http/errors';
import { CURSOR_ID, CURSOR_TIME, decodeCursor, pageOf } from '../lib/pagination';
import type { OutboxWriter } from '../outbox/outbox.service';
import * as repo from './moderation.repository';

const NEW_ACCOUNT_DAILY_FLAGS = 10;
export const COMMUNITY_HIDE_REASON = 'Hidden after several members flagged it; a moderator will review it.';

/** Two moderators reaching out about one post within this window would be one notice too many. */
const REACH_OUT_WINDOW_MINUTES = 60;

export interface ModerationDeps {
  db: Kysely<DB>;
  config: Pick<Config, 'autoHideFlags' | 'rateLimitFactor'>;
  writes: MemberWrites;
  outbox: OutboxWriter;
  notifications: { notify(trx: Trx, userId: string, kind: 'moderation', data: Record<string, unknown>): Promise<void> };
  reader: PostReader;
  posts: ModeratedPosts;
  /** Forum's page cache: a moderator's change makes the thread's cached pages stale. */
  pages: { forgetPages(threadId?: string): void };
  suspensions: AccountSuspensions;
  /** Accounts tells every process that a member's access changed (suspended, lifted). */
  access: { announceAccess(trx: Trx, userId: string): Promise<void> };
  crisis: CrisisConfig;
}

/** How the public sees a post's author: the alias, the pseudonym, or "deleted member". */
function publicAuthor(post: Pick<ModPost, 'anonymous' | 'alias' | 'author_pseudonym'>): string {
  if (post.anonymous) return post.alias ?? 'Anonymous';
  return post.author_pseudonym ?? DELETED_MEMBER;
}

const sameSet = (a: readonly string[], b: readonly string[]) => new Set(a).size === new Set(b).size && b.every((w) => a.includes(w));

type Recorded = { event?: 'post.hidden' | 'post.restored' | 'post.updated'; notify?: Record<string, unknown> };

function toSuspension(r: Pick<repo.SuspensionRow, 'id' | 'subject' | 'anonymous' | 'post_id' | 'thread_id' | 'reason' | 'until' | 'created_at'>) {
  return {
    id: r.id, author: r.subject, anonymous: r.anonymous, postId: r.post_id, threadId: r.thread_id, reason: r.reason,
    until: new Date(r.until).toISOString(), createdAt: r.created_at.toISOString(),
  };
}

/**
 * Flags, the queue, hiding and restoring, warnings, suspensions, reaching out, and the log.
 * Moderators learn nothing of who wrote an anonymous post: every action answers, logs and
 * runs the same statements whoever the author is.
 */
export class ModerationService {
  readonly #db: Kysely<DB>;

  constructor(private readonly deps: ModerationDeps) {
    this.#db = deps.db;
  }

  async #loadPost(trx: Trx, postId: string) {
    const post = await this.deps.posts.lockForModeration(trx, postId);
    if (!post || post.deleted_at) throw notFound('That post');
    return post;
  }

  /** Logs the action, tells the author, and pushes the change to the thread and the moderators. */
  async #record(trx: Trx, actor: Viewer | null, action: string, post: ModPost, reason: string | null, extra: Recorded = {}) {
    const { outbox } = this.deps;
    await repo.insertLog(trx, {
      actorId: actor?.id ?? null, actor: actor?.pseudonym ?? 'community', action,
      postId: post.id, threadId: post.thread_id, target: publicAuthor(post), reason,
    });
    if (extra.notify && post.author_id) {
      await this.deps.notifications.notify(trx, post.author_id, 'moderation', { action, postId: post.id, threadId: post.thread_id, ...(reason ? { reason } : {}), ...extra.notify });
    }
    if (extra.event) outbox.append(trx, `thread:${post.thread_id}`, extra.event, { postId: post.id, threadId: post.thread_id });
    // Every open console learns that this item changed, whoever acted.
    outbox.append(trx, 'mod', 'queue.changed', { postId: post.id });
    afterCommit(trx, () => this.deps.pages.forgetPages(post.thread_id));
  }

  async flagPost(viewer: Viewer, postId: string, input: { reason: FlagReason; note?: string | undefined }) {
    return this.deps.writes.writeAs(viewer, 'active', async (trx) => {
      const post = await this.#loadPost(trx, postId);
      if (post.author_id === viewer.id) throw forbidden('You cannot flag your own post.');
      if (isNewAccount(viewer)) {
        const cap = Math.max(1, Math.round(NEW_ACCOUNT_DAILY_FLAGS * this.deps.config.rateLimitFactor));
        if ((await repo.flagsSince(trx, viewer.id, 24)) >= cap) throw rateLimited(3600);
      }
      const flag = await repo.insertFlag(trx, { postId, reporterId: viewer.id, reason: input.reason, note: input.note ?? null });
      if (!flag) throw conflict('You have already flagged this post; moderators will look at it.');
      this.deps.outbox.append(trx, 'mod', 'flag.created', { flagId: flag.id, postId });
      if (!post.hidden_by && (await repo.hidingFlagCount(trx, postId)) >= this.deps.config.autoHideFlags) {
        await this.deps.posts.setHidden(trx, postId, { by: 'community', reason: COMMUNITY_HIDE_REASON });
        await this.#record(trx, null, 'community-hide', post, COMMUNITY_HIDE_REASON, { event: 'post.hidden', notify: {} });
      }
      return { flag: { id: flag.id, postId, reason: input.reason, note: input.note ?? null, status: 'open' as const, createdAt: flag.created_at.toISOString() } };
    });
  }

  /** A post that reads like a crisis: a system flag at the top of the queue. The post is never blocked. */
  async raiseCrisisFlag(trx: Trx, postId: string) {
    const flag = await repo.insertFlag(trx, { postId, reporterId: null, reason: 'crisis', note: 'Matched the crisis phrases.' });
    if (flag) this.deps.outbox.append(trx, 'mod', 'flag.created', { flagId: flag.id, postId });
  }

  /** A post made anonymous after a moderator acted on it: the records follow its new alias. */
  async followAnonymizedPost(trx: Trx, postId: string) {
    const post = await this.deps.posts.lockForModeration(trx, postId);
    if (post?.alias) await repo.renameAuthorOfPost(trx, post.id, post.alias);
  }

  /**
   * A moderator deleted a post: logged, announced to the moderators and told to the author,
   * in the same way whoever wrote it. Only the author's own inbox is spared a notice of
   * their own deletion; nobody else can see whether it was sent.
   */
  async logModeratorDelete(trx: Trx, actor: Viewer, postId: string) {
    const post = await this.deps.posts.lockForModeration(trx, postId);
    if (post) await this.#record(trx, actor, 'delete', post, null, post.author_id === actor.id ? {} : { notify: {} });
  }

  async queue(viewer: Viewer, status: 'open' | 'resolved', cursor: string | undefined, limit: number) {
    const after = decodeCursor(cursor, [(p) => p === '0' || p === '1', CURSOR_TIME, CURSOR_ID]);
    const rows = await repo.flagQueue(this.#db, status, after ? { rank: Number(after[0]), at: after[1]!, postId: after[2]! } : null, limit + 1);
    const { page, nextCursor } = pageOf(rows, limit, (last) => [String(last.rank), new Date(last.first_at).toISOString(), last.post_id]);
    return { flags: await this.#queueItems(viewer, page), nextCursor };
  }

  /**
   * A page of queue items is read in three queries, however many it holds: it is read
   * again on every open console each time any moderator acts.
   */
  async #queueItems(viewer: Viewer, page: Awaited<ReturnType<typeof repo.flagQueue>>) {
    const { reader } = this.deps;
    const db = this.#db;
    const posts = new Map((await reader.postViews(db, page.map((r) => r.post_id), viewer)).map((p) => [p.id, p]));
    const parentIds = [...new Set([...posts.values()].flatMap((p) => (p.parentId ? [p.parentId] : [])))];
    const [parents, threads] = await Promise.all([
      reader.postViews(db, parentIds, viewer).then((list) => new Map(list.map((p) => [p.id, p]))),
      reader.threads(db, [...new Set([...posts.values()].map((p) => p.threadId))]).then((list) => new Map(list.map((t) => [t.id, t]))),
    ]);
    return page.flatMap((r) => {
      const post = posts.get(r.post_id);
      if (!post) return [];
      const notes = r.notes ?? [];
      return [{
        id: r.id, post, reason: r.lead_reason, note: notes[0] ?? null, notes,
        createdAt: new Date(r.first_at).toISOString(), count: r.count, reasons: r.reasons,
        thread: { id: post.threadId, title: threads.get(post.threadId)?.title ?? '' },
        parent: (post.parentId && parents.get(post.parentId)) || null,
      }];
    });
  }

  async resolve(viewer: Viewer, flagId: string, outcome: 'actioned' | 'dismissed') {
    const done = await this.deps.writes.writeAs(viewer, 'moderator', async (trx) => {
      const flag = await repo.findFlag(trx, flagId);
      if (!flag) throw notFound('That flag');
      const post = await this.deps.posts.lockForModeration(trx, flag.post_id);
      if (!post) throw notFound('That post');
      // Read again under the post's lock (every action on a post takes it first): a second
      // moderator's click waits here for the first, then sees the flag resolved.
      if ((await repo.findFlag(trx, flagId))?.status !== 'open') throw conflict('That flag has already been resolved.');
      const resolved = await repo.resolveFlagsOf(trx, post.id, outcome, viewer.id);
      if (post.hidden_by === 'community' && !post.deleted_at) await this.#settleCommunityHide(trx, viewer, post, outcome);
      else await this.#record(trx, viewer, `resolve-${outcome}`, post, null);
      return { id: post.id, resolved };
    });
    return { resolved: done.resolved, outcome, post: await this.deps.reader.postView(this.#db, done.id, viewer) };
  }

  /** Dismissing the flags behind a community hide restores the post; confirming makes the hide the moderator's. */
  async #settleCommunityHide(trx: Trx, viewer: Viewer, post: ModPost, outcome: 'actioned' | 'dismissed') {
    if (outcome === 'dismissed') {
      await this.deps.posts.setHidden(trx, post.id, null);
      await this.#record(trx, viewer, 'dismiss-and-restore', post, null, { event: 'post.restored', notify: {} });
    } else {
      await this.deps.posts.setHidden(trx, post.id, { by: 'moderator', reason: COMMUNITY_HIDE_REASON });
      await this.#record(trx, viewer, 'confirm-hide', post, COMMUNITY_HIDE_REASON, { event: 'post.hidden' });
    }
  }

  async hide(viewer: Viewer, postId: string, input: { reason: string; contentWarnings?: ContentWarning[] | undefined }) {
    await this.deps.writes.writeAs(viewer, 'moderator', async (trx) => {
      const post = await this.#loadPost(trx, postId);
      if (post.hidden_by === 'moderator') throw conflict('That post is already hidden.');
      await this.deps.posts.setHidden(trx, postId, { by: 'moderator', reason: input.reason });
      if (input.contentWarnings) await this.deps.posts.setWarnings(trx, post, [...new Set(input.contentWarnings)]);
      await repo.resolveFlagsOf(trx, postId, 'actioned', viewer.id);
      await this.#record(trx, viewer, 'hide', post, input.reason, { event: 'post.hidden', notify: {} });
    });
    return { post: await this.deps.reader.postView(this.#db, postId, viewer) };
  }

  async restore(viewer: Viewer, postId: string) {
    await this.deps.writes.writeAs(viewer, 'moderator', async (trx) => {
      const post = await this.#loadPost(trx, postId);
      if (!post.hidden_by) throw conflict('That post is not hidden.');
      await this.deps.posts.setHidden(trx, postId, null);
      // A restored post starts afresh: its open flags are dismissed, so they cannot re-hide it.
      await repo.resolveFlagsOf(trx, postId, 'dismissed', viewer.id);
      await this.#record(trx, viewer, 'restore', post, null, { event: 'post.restored', notify: {} });
    });
    return { post: await this.deps.reader.postView(this.#db, postId, viewer) };
  }

  async setWarnings(viewer: Viewer, postId: string, warnings: ContentWarning[]) {
    await this.deps.writes.writeAs(viewer, 'moderator', async (trx) => {
      const post = await this.#loadPost(trx, postId);
      const before = post.content_warnings.join(', ') || 'none';
      // The same warnings again (a second moderator's identical click) change nothing and say nothing.
      if (sameSet(post.content_warnings, warnings)) return;
      const after = [...new Set(warnings)];
      await this.deps.posts.setWarnings(trx, post, after);
      await this.#record(trx, viewer, 'content-warnings', post, `${before} → ${after.join(', ') || 'none'}`, {
        event: 'post.updated', notify: { contentWarnings: after },
      });
    });
    return { post: await this.deps.reader.postView(this.#db, postId, viewer) };
  }

  /**
   * Suspends the author of a post from posting, flagging and editing. On an anonymous post
   * the moderator must learn nothing about who wrote it, so every author gets the same
   * answer, the same log entry and the same statements run: a member, a moderator or admin
   * (who wrote as a member there, and is suspended from posting like one), or an erased
   * account (nothing to suspend, and the answer does not say so). Only a named post by
   * staff is refused, which tells nobody anything the post does not already show.
   */
  async suspendAuthor(viewer: Viewer, postId: string, input: { until: string; reason: string }) {
    const until = new Date(input.until).toISOString();
    const suspension = await this.deps.writes.writeAs(viewer, 'moderator', async (trx, me) => {
      const post = await this.deps.posts.lockForModeration(trx, postId);
      if (!post) throw notFound('That post');
      if (!post.anonymous && post.author_role !== null && post.author_role !== 'member') {
        throw forbidden('Moderators and admins cannot be suspended here.');
      }
      if (await repo.runningSuspensionFromPost(trx, post.id)) throw conflict('The author of this post is already suspended for it.');
      await this.deps.suspensions.suspend(trx, post.author_id, until, input.reason);
      await repo.insertSuspension(trx, {
        userId: post.author_id, postId: post.id, threadId: post.thread_id, anonymous: post.anonymous, subject: publicAuthor(post), reason: input.reason, until,
      });
      await this.#record(trx, me, 'suspend-author', post, input.reason, { notify: { until } });
      // Their cached sessions and open sockets learn of it when this commits.
      if (post.author_id) await this.deps.access.announceAccess(trx, post.author_id);
      return { until, reason: input.reason, author: publicAuthor(post) };
    });
    return { suspension };
  }

  /**
   * A private notice to a post's author, with Haven's crisis resources. The moderator learns
   * nothing of who the author is: an erased author gets nothing, and the answer is the same.
   */
  async reachOut(viewer: Viewer, postId: string, input: { message: string; includeResources: boolean }) {
    await this.deps.writes.writeAs(viewer, 'moderator', async (trx, me) => {
      const post = await this.#loadPost(trx, postId); // its row lock orders two moderators' clicks
      if (await repo.loggedSince(trx, post.id, 'reach-out', REACH_OUT_WINDOW_MINUTES)) {
        throw conflict('A moderator has already reached out about this post in the last hour.');
      }
      await this.#record(trx, me, 'reach-out', post, input.message, {
        notify: input.includeResources ? { resources: this.deps.crisis.resources } : {},
      });
    });
    return { sent: true as const };
  }

  async suspensions(cursor: string | undefined, limit: number) {
    const before = decodeCursor(cursor, [CURSOR_ID]);
    const rows = await repo.listSuspensions(this.#db, before ? before[0]! : null, limit + 1);
    const { page, nextCursor } = pageOf(rows, limit, (last) => [last.id]);
    return { suspensions: page.map(toSuspension), nextCursor };
  }

  /**
   * Admins lift a suspension by its entry: the account behind an alias stays unknown to
   * them. The account stays suspended until the latest of its other running suspensions,
   * with that one's reason, or is free when none is left.
   */
  async liftSuspension(viewer: Viewer, id: string) {
    return this.deps.writes.writeAs(viewer, 'admin', async (trx, me) => {
      const row = await repo.suspensionForUpdate(trx, id);
      if (!row) throw notFound('That suspension');
      if (row.lifted_at || !row.runs) throw conflict('That suspension has already ended.');
      await repo.markLifted(trx, row.id);
      if (row.user_id) await this.deps.suspensions.setSuspension(trx, row.user_id, (await repo.latestRunningSuspension(trx, row.user_id)) ?? null);
      await repo.insertLog(trx, {
        actorId: me.id, actor: me.pseudonym, action: 'lift-suspension', postId: row.post_id, threadId: row.thread_id, target: row.subject, reason: row.reason,
      });
      if (row.user_id) {
        await this.deps.notifications.notify(trx, row.user_id, 'moderation', { action: 'lift-suspension' });
        await this.deps.access.announceAccess(trx, row.user_id);
      }
      return { suspension: toSuspension(row) };
    });
  }

  async findMembers(prefix: string) {
    const rows = await this.deps.suspensions.findMembers(prefix, 20);
    return { users: rows.map((r) => ({ pseudonym: r.pseudonym, role: r.role, createdAt: r.created_at.toISOString() })) };
  }

  async log(cursor: string | undefined, limit: number, filter: repo.LogFilter = {}) {
    const before = decodeCursor(cursor, [CURSOR_ID]);
    const rows = await repo.listLog(this.#db, before ? before[0]! : null, limit + 1, filter);
    const { page, nextCursor } = pageOf(rows, limit, (last) => [last.id]);
    return {
      entries: page.map((r) => ({
        id: r.id, actor: r.actor, action: r.action, reason: r.reason, at: r.created_at.toISOString(),
        target: { postId: r.post_id, threadId: r.thread_id, author: r.target },
      })),
      nextCursor,
    };
  }

  /** Another feature's moderator action on a post (pinning a resource): logged, and told to the author when `notify`. */
  async logPostAction(trx: Trx, actor: Viewer, action: string, postId: string, reason: string | null, notify: boolean) {
    const post = await this.#loadPost(trx, postId);
    await this.#record(trx, actor, action, post, reason, notify ? { notify: {} } : {});
  }
}
