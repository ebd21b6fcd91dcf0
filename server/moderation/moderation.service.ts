import type { Kysely, Transaction } from 'kysely';
import type { AccountsService, RoleHook } from '../accounts/accounts.service';
import { isNewAccount, type Viewer } from '../accounts/viewer';
import type { Config } from '../config';
import type { ContentWarning } from '../contract/content-warnings';
import type { CrisisConfig } from '../contract/moderation';
import type { DB, FlagReason } from '../db/schema';
import { afterCommit } from '../db/transact';
import type { ForumService } from '../forum/forum.service';
import { CURSOR_ID, CURSOR_TIME, decodeCursor, DELETED_MEMBER, encodeCursor } from '../forum/forum.views';
import * as forumRepo from '../forum/forum.repository';
import { conflict, forbidden, notFound, rateLimited } from '../http/errors';
import type { EventsService } from '../live/events.service';
import type { NotificationsService } from '../notifications/notifications.service';
import * as repo from './moderation.repository';

const NEW_ACCOUNT_DAILY_FLAGS = 10;
export const COMMUNITY_HIDE_REASON = 'Hidden after several members flagged it; a moderator will review it.';

export interface ModerationDeps {
  db: Kysely<DB>;
  config: Pick<Config, 'autoHideFlags' | 'rateLimitFactor'>;
  events: EventsService;
  notifications: NotificationsService;
  forum: ForumService;
  accounts: AccountsService;
  crisis: CrisisConfig;
}

/** Two moderators reaching out about one post within this window would be one notice too many. */
const REACH_OUT_WINDOW_MINUTES = 60;

/** How the public sees a post's author: the alias, the pseudonym, or "deleted member". */
function publicAuthor(post: Pick<repo.ModPost, 'anonymous' | 'alias' | 'author_pseudonym'>): string {
  if (post.anonymous) return post.alias ?? 'Anonymous';
  return post.author_pseudonym ?? DELETED_MEMBER;
}

/** Who was given or lost moderating powers, by whom and when, is moderation history too. */
export const logRoleChange: RoleHook = (trx, change) =>
  repo.insertLog(trx, {
    actorId: change.actor?.id ?? null, actor: change.actor?.pseudonym ?? 'command line', action: 'role-change',
    postId: null, threadId: null, target: change.pseudonym, reason: `${change.from} → ${change.to}`,
  });

const sameSet = (a: readonly string[], b: readonly string[]) => new Set(a).size === new Set(b).size && b.every((w) => a.includes(w));

export function createModerationService(deps: ModerationDeps) {
  const { db, events, notifications, forum } = deps;
  const { writeAs } = deps.accounts;
  deps.accounts.onRoleChanged(logRoleChange);
  // An erased member leaves no name behind in moderation records: not as the author the
  // log names, not as the moderator who acted, and not in the notes of flags they raised.
  deps.accounts.onDelete(async (trx, userId, _erasePosts, pseudonym) => {
    await repo.forgetNameInLog(trx, userId, pseudonym, DELETED_MEMBER);
    await repo.forgetNameInSuspensions(trx, userId, DELETED_MEMBER);
    await repo.eraseFlagNotesBy(trx, userId);
  });
  // A post made anonymous after a moderator acted on it: the records follow its new alias.
  forum.onWrite(async (trx, write) => {
    if (write.kind !== 'anonymized') return;
    const post = await repo.postForModeration(trx, write.postId);
    if (post?.alias) await repo.renameAuthorOfPost(trx, post.id, post.alias);
  });

  async function loadPost(trx: Transaction<DB>, postId: string) {
    const post = await repo.postForModeration(trx, postId);
    if (!post || post.deleted_at) throw notFound('That post');
    return post;
  }

  /** Logs the action, tells the author, and pushes the change to the thread. */
  async function record(
    trx: Transaction<DB>,
    actor: Viewer | null,
    action: string,
    post: repo.ModPost,
    reason: string | null,
    extra: { event?: 'post.hidden' | 'post.restored' | 'post.updated'; notify?: Record<string, unknown> } = {},
  ) {
    await repo.insertLog(trx, {
      actorId: actor?.id ?? null, actor: actor?.pseudonym ?? 'community', action,
      postId: post.id, threadId: post.thread_id, target: publicAuthor(post), reason,
    });
    if (extra.notify && post.author_id) {
      await notifications.notify(trx, post.author_id, 'moderation', { action, postId: post.id, threadId: post.thread_id, ...(reason ? { reason } : {}), ...extra.notify });
    }
    if (extra.event) events.append(trx, `thread:${post.thread_id}`, extra.event, { postId: post.id, threadId: post.thread_id });
    // Every open console learns that this item changed, whoever acted.
    events.append(trx, 'mod', 'queue.changed', { postId: post.id });
    afterCommit(trx, () => forum.forgetPages(post.thread_id));
  }

  async function flagPost(viewer: Viewer, postId: string, input: { reason: FlagReason; note?: string | undefined }) {
    return writeAs(viewer, 'active', async (trx) => {
      const post = await loadPost(trx, postId);
      if (post.author_id === viewer.id) throw forbidden('You cannot flag your own post.');
      if (isNewAccount(viewer)) {
        const cap = Math.max(1, Math.round(NEW_ACCOUNT_DAILY_FLAGS * deps.config.rateLimitFactor));
        if ((await repo.flagsSince(trx, viewer.id, 24)) >= cap) throw rateLimited(3600);
      }
      const flag = await repo.insertFlag(trx, { postId, reporterId: viewer.id, reason: input.reason, note: input.note ?? null });
      if (!flag) throw conflict('You have already flagged this post; moderators will look at it.');
      events.append(trx, 'mod', 'flag.created', { flagId: flag.id, postId });
      if (!post.hidden_by && (await repo.hidingFlagCount(trx, postId)) >= deps.config.autoHideFlags) {
        await repo.setHidden(trx, postId, { by: 'community', reason: COMMUNITY_HIDE_REASON });
        await record(trx, null, 'community-hide', post, COMMUNITY_HIDE_REASON, { event: 'post.hidden', notify: {} });
      }
      return { id: flag.id, postId, reason: input.reason, note: input.note ?? null, status: 'open' as const, createdAt: flag.created_at.toISOString() };
    });
  }

  /** A post that reads like a crisis: a system flag at the top of the queue. The post is never blocked. */
  async function raiseCrisisFlag(trx: Transaction<DB>, postId: string) {
    const flag = await repo.insertFlag(trx, { postId, reporterId: null, reason: 'crisis', note: 'Matched the crisis phrases.' });
    if (flag) events.append(trx, 'mod', 'flag.created', { flagId: flag.id, postId });
  }

  async function queue(viewer: Viewer, status: 'open' | 'resolved', cursor: string | undefined, limit: number) {
    const after = decodeCursor(cursor, [(p) => p === '0' || p === '1', CURSOR_TIME, CURSOR_ID]);
    const rows = await repo.flagQueue(db, status, after ? { rank: Number(after[0]), at: after[1]!, postId: after[2]! } : null, limit + 1);
    const page = rows.slice(0, limit);
    // A page of items is read in three queries, however many it holds: it is read again
    // on every open console each time any moderator acts.
    const posts = new Map((await forum.postViews(db, page.map((r) => r.post_id), viewer)).map((p) => [p.id, p]));
    const parentIds = [...new Set([...posts.values()].flatMap((p) => (p.parentId ? [p.parentId] : [])))];
    const [parents, threads] = await Promise.all([
      forum.postViews(db, parentIds, viewer).then((list) => new Map(list.map((p) => [p.id, p]))),
      forumRepo.findThreads(db, [...new Set([...posts.values()].map((p) => p.threadId))]).then((list) => new Map(list.map((t) => [t.id, t]))),
    ]);
    const items = page.flatMap((r) => {
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
    const last = page.at(-1);
    return { flags: items, nextCursor: rows.length > limit && last ? encodeCursor([String(last.rank), new Date(last.first_at).toISOString(), last.post_id]) : null };
  }

  async function resolve(viewer: Viewer, flagId: string, outcome: 'actioned' | 'dismissed') {
    const postId = await writeAs(viewer, 'moderator', async (trx) => {
      const flag = await repo.findFlag(trx, flagId);
      if (!flag) throw notFound('That flag');
      const post = await repo.postForModeration(trx, flag.post_id);
      if (!post) throw notFound('That post');
      // Read again under the post's lock (every action on a post takes it first): a second
      // moderator's click waits here for the first, then sees the flag resolved.
      if ((await repo.findFlag(trx, flagId))?.status !== 'open') throw conflict('That flag has already been resolved.');
      const resolved = await repo.resolveFlagsOf(trx, post.id, outcome, viewer.id);
      if (post.hidden_by === 'community' && !post.deleted_at) {
        if (outcome === 'dismissed') {
          await repo.setHidden(trx, post.id, null);
          await record(trx, viewer, 'dismiss-and-restore', post, null, { event: 'post.restored', notify: {} });
        } else {
          // Confirming the community's hide makes it the moderator's.
          await repo.setHidden(trx, post.id, { by: 'moderator', reason: COMMUNITY_HIDE_REASON });
          await record(trx, viewer, 'confirm-hide', post, COMMUNITY_HIDE_REASON, { event: 'post.hidden' });
        }
      } else {
        await record(trx, viewer, `resolve-${outcome}`, post, null);
      }
      return { id: post.id, resolved };
    });
    return { resolved: postId.resolved, outcome, post: await forum.postView(db, postId.id, viewer) };
  }

  async function hide(viewer: Viewer, postId: string, input: { reason: string; contentWarnings?: ContentWarning[] | undefined }) {
    await writeAs(viewer, 'moderator', async (trx) => {
      const post = await loadPost(trx, postId);
      if (post.hidden_by === 'moderator') throw conflict('That post is already hidden.');
      await repo.setHidden(trx, postId, { by: 'moderator', reason: input.reason });
      if (input.contentWarnings) await setPostWarnings(trx, post, input.contentWarnings);
      await repo.resolveFlagsOf(trx, postId, 'actioned', viewer.id);
      await record(trx, viewer, 'hide', post, input.reason, { event: 'post.hidden', notify: {} });
    });
    return forum.postView(db, postId, viewer);
  }

  async function restore(viewer: Viewer, postId: string) {
    await writeAs(viewer, 'moderator', async (trx) => {
      const post = await loadPost(trx, postId);
      if (!post.hidden_by) throw conflict('That post is not hidden.');
      await repo.setHidden(trx, postId, null);
      // A restored post starts afresh: its open flags are dismissed, so they cannot re-hide it.
      await repo.resolveFlagsOf(trx, postId, 'dismissed', viewer.id);
      await record(trx, viewer, 'restore', post, null, { event: 'post.restored', notify: {} });
    });
    return forum.postView(db, postId, viewer);
  }

  async function setPostWarnings(trx: Transaction<DB>, post: repo.ModPost, warnings: ContentWarning[]) {
    const unique = [...new Set(warnings)];
    await repo.setWarnings(trx, post.id, unique);
    if (post.depth === 0) await forumRepo.setThreadWarnings(trx, post.thread_id, unique);
    return unique;
  }

  async function setWarnings(viewer: Viewer, postId: string, warnings: ContentWarning[]) {
    await writeAs(viewer, 'moderator', async (trx) => {
      const post = await loadPost(trx, postId);
      const before = post.content_warnings.join(', ') || 'none';
      // The same warnings again (a second moderator's identical click) change nothing and say nothing.
      if (sameSet(post.content_warnings, warnings)) return;
      const after = await setPostWarnings(trx, post, warnings);
      await record(trx, viewer, 'content-warnings', post, `${before} → ${after.join(', ') || 'none'}`, {
        event: 'post.updated', notify: { contentWarnings: after },
      });
    });
    return forum.postView(db, postId, viewer);
  }

  /**
   * Suspends the author of a post from posting, flagging and editing. On an anonymous post
   * the moderator must learn nothing about who wrote it, so every author gets the same
   * answer, the same log entry and the same statements run: a member, a moderator or admin
   * (who wrote as a member there, and is suspended from posting like one), or an erased
   * account (nothing to suspend, and the answer does not say so). Only a named post by
   * staff is refused, which tells nobody anything the post does not already show.
   */
  async function suspendAuthor(viewer: Viewer, postId: string, input: { until: string; reason: string }) {
    const until = new Date(input.until).toISOString();
    return writeAs(viewer, 'moderator', async (trx, me) => {
      const post = await repo.postForModeration(trx, postId);
      if (!post) throw notFound('That post');
      if (!post.anonymous && post.author_role !== null && post.author_role !== 'member') {
        throw forbidden('Moderators and admins cannot be suspended here.');
      }
      if (await repo.runningSuspensionFromPost(trx, post.id)) throw conflict('The author of this post is already suspended for it.');
      await repo.suspend(trx, post.author_id, until, input.reason);
      await repo.insertSuspension(trx, {
        userId: post.author_id, postId: post.id, threadId: post.thread_id, anonymous: post.anonymous, subject: publicAuthor(post), reason: input.reason, until,
      });
      await record(trx, me, 'suspend-author', post, input.reason, { notify: { until } });
      // Their cached sessions and open sockets learn of it when this commits.
      if (post.author_id) await deps.accounts.announceAccess(trx, post.author_id);
      return { until, reason: input.reason, author: publicAuthor(post) };
    });
  }

  /** A moderator deleted someone else's post: log it and tell the author. */
  async function onModeratorDelete(trx: Transaction<DB>, actor: Viewer, postId: string) {
    const post = await repo.postForModeration(trx, postId);
    if (post) await record(trx, actor, 'delete', post, null, { notify: {} });
  }

  /**
   * A private notice to a post's author, with Haven's crisis resources. The moderator learns
   * nothing of who the author is: an erased author gets nothing, and the answer is the same.
   */
  async function reachOut(viewer: Viewer, postId: string, input: { message: string; includeResources: boolean }) {
    await writeAs(viewer, 'moderator', async (trx, me) => {
      const post = await loadPost(trx, postId); // its row lock orders two moderators' clicks
      if (await repo.loggedSince(trx, post.id, 'reach-out', REACH_OUT_WINDOW_MINUTES)) {
        throw conflict('A moderator has already reached out about this post in the last hour.');
      }
      await record(trx, me, 'reach-out', post, input.message, {
        notify: input.includeResources ? { resources: deps.crisis.resources } : {},
      });
    });
    return { sent: true as const };
  }

  function toSuspension(r: Pick<repo.SuspensionRow, 'id' | 'subject' | 'anonymous' | 'post_id' | 'thread_id' | 'reason' | 'until' | 'created_at'>) {
    return {
      id: r.id, author: r.subject, anonymous: r.anonymous, postId: r.post_id, threadId: r.thread_id, reason: r.reason,
      until: new Date(r.until).toISOString(), createdAt: r.created_at.toISOString(),
    };
  }

  async function suspensions(cursor: string | undefined, limit: number) {
    const before = decodeCursor(cursor, [CURSOR_ID]);
    const rows = await repo.listSuspensions(db, before ? before[0]! : null, limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { suspensions: page.map(toSuspension), nextCursor: rows.length > limit && last ? encodeCursor([last.id]) : null };
  }

  /** Admins lift a suspension by its entry: the account behind an alias stays unknown to them. */
  async function liftSuspension(viewer: Viewer, id: string) {
    return writeAs(viewer, 'admin', async (trx, me) => {
      const row = await repo.suspensionForUpdate(trx, id);
      if (!row) throw notFound('That suspension');
      if (row.lifted_at || !row.runs) throw conflict('That suspension has already ended.');
      await repo.liftSuspension(trx, row);
      await repo.insertLog(trx, {
        actorId: me.id, actor: me.pseudonym, action: 'lift-suspension', postId: row.post_id, threadId: row.thread_id, target: row.subject, reason: row.reason,
      });
      if (row.user_id) {
        await notifications.notify(trx, row.user_id, 'moderation', { action: 'lift-suspension' });
        await deps.accounts.announceAccess(trx, row.user_id);
      }
      return { suspension: toSuspension(row) };
    });
  }

  async function findMembers(prefix: string) {
    const rows = await repo.findMembers(db, prefix, 20);
    return { users: rows.map((r) => ({ pseudonym: r.pseudonym, role: r.role, createdAt: r.created_at.toISOString() })) };
  }

  async function log(cursor: string | undefined, limit: number, filter: repo.LogFilter = {}) {
    const before = decodeCursor(cursor, [CURSOR_ID]);
    const rows = await repo.listLog(db, before ? before[0]! : null, limit + 1, filter);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      entries: page.map((r) => ({
        id: r.id, actor: r.actor, action: r.action, reason: r.reason, at: r.created_at.toISOString(),
        target: { postId: r.post_id, threadId: r.thread_id, author: r.target },
      })),
      nextCursor: rows.length > limit && last ? encodeCursor([last.id]) : null,
    };
  }

  /** Another feature's moderator action on a post (pinning a resource): logged, and told to the author when `notify`. */
  async function logPostAction(trx: Transaction<DB>, actor: Viewer, action: string, postId: string, reason: string | null, notify: boolean) {
    const post = await loadPost(trx, postId);
    await record(trx, actor, action, post, reason, notify ? { notify: {} } : {});
  }

  async function exportFlags(userId: string) {
    return (await repo.flagsRaisedBy(db, userId)).map((f) => ({
      postId: f.post_id, reason: f.reason, note: f.note, status: f.status, outcome: f.outcome,
      createdAt: f.created_at.toISOString(), resolvedAt: f.resolved_at ? new Date(f.resolved_at).toISOString() : null,
    }));
  }

  return {
    logPostAction, exportFlags,
    flagPost, raiseCrisisFlag, queue, resolve, hide, restore, setWarnings, suspendAuthor, onModeratorDelete, log,
    reachOut, suspensions, liftSuspension, findMembers,
  };
}

export type ModerationService = ReturnType<typeof createModerationService>;
