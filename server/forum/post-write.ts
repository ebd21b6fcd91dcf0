import { isModerator, type Viewer } from '../accounts/viewer';
import type { Trx } from '../db/executor';
import { afterCommit } from '../db/transact';
import type { OutboxWriter } from '../outbox/outbox.service';
import type { ForumCaches } from './forum.caches';

/** What a post write did, for the steps that follow it in the same transaction. */
export interface PostWritten {
  kind: 'created' | 'updated' | 'deleted' | 'anonymized';
  postId: string;
  threadId: string;
  authorId: string | null;
  anonymous?: boolean;
  /** On a reply: who wrote the post replied to (null for a deleted member). */
  parentAuthorId?: string | null;
  /** On a new thread: its community, for the community topic. */
  communitySlug?: string;
  /** On a create: the text read like a crisis (checked once, by the forum service). */
  crisis?: boolean;
  /** Who made the change (on deletes: the author or a moderator). */
  actor?: Viewer;
}

/** Runs what a post write sets off, in the writing transaction. */
export type AfterPostWrite = (trx: Trx, write: PostWritten) => Promise<void>;

export interface PostWriteDoors {
  caches: Pick<ForumCaches, 'forgetPages'>;
  notifications: { onReply(trx: Trx, reply: { postId: string; threadId: string; authorId: string; anonymous: boolean; parentAuthorId: string | null }): Promise<void> };
  outbox: OutboxWriter;
  moderation: {
    raiseCrisisFlag(trx: Trx, postId: string): Promise<void>;
    followAnonymizedPost(trx: Trx, postId: string): Promise<void>;
    logModeratorDelete(trx: Trx, actor: Viewer, postId: string): Promise<void>;
  };
}

/**
 * What a post write (a new thread, a reply, an edit, an anonymization, a delete) sets off,
 * in order, inside the writing transaction: the one place that says it. Wired once, in
 * compose.ts. Events are queued here and written as the transaction's last statement
 * (outbox), in the order queued.
 */
export function postWriteSteps(doors: PostWriteDoors): AfterPostWrite {
  return async function afterPostWrite(trx, write) {
    dropCachedPages(doors, trx, write);
    await notifyReply(doors, trx, write);
    announcePost(doors, trx, write);
    await followAnonymized(doors, trx, write);
    await flagCrisis(doors, trx, write);
    await logModeratorDelete(doors, trx, write);
  };
}

/**
 * 1. The thread's cached pages are stale: dropped now and again after the commit, so a read
 * racing the transaction cannot leave pre-commit rows in the cache.
 */
function dropCachedPages({ caches }: PostWriteDoors, trx: Trx, write: PostWritten) {
  caches.forgetPages(write.threadId);
  afterCommit(trx, () => caches.forgetPages(write.threadId));
}

/** 2. A reply tells the author of the post replied to (notifications decides whether it is due). */
async function notifyReply({ notifications }: PostWriteDoors, trx: Trx, write: PostWritten) {
  if (write.kind !== 'created' || write.parentAuthorId === undefined || !write.authorId) return;
  await notifications.onReply(trx, {
    postId: write.postId, threadId: write.threadId, authorId: write.authorId,
    anonymous: write.anonymous ?? false, parentAuthorId: write.parentAuthorId,
  });
}

/** 3. The thread's readers (and, for a new thread, the community's) hear of it live. */
function announcePost({ outbox }: PostWriteDoors, trx: Trx, write: PostWritten) {
  const topic = `thread:${write.threadId}`;
  const ref = { postId: write.postId, threadId: write.threadId };
  if (write.kind === 'created') {
    outbox.append(trx, topic, 'post.created', ref);
    if (write.communitySlug) outbox.append(trx, `community:${write.communitySlug}`, 'thread.created', { threadId: write.threadId });
  } else {
    outbox.append(trx, topic, write.kind === 'deleted' ? 'post.deleted' : 'post.updated', ref);
  }
}

/** 4. A post made anonymous after a moderator acted on it: the moderation records follow its new alias. */
async function followAnonymized({ moderation }: PostWriteDoors, trx: Trx, write: PostWritten) {
  if (write.kind === 'anonymized') await moderation.followAnonymizedPost(trx, write.postId);
}

/** 5. A post that reads like a crisis is never blocked: it goes to the top of the moderators' queue. */
async function flagCrisis({ moderation }: PostWriteDoors, trx: Trx, write: PostWritten) {
  if (write.kind === 'created' && write.crisis) await moderation.raiseCrisisFlag(trx, write.postId);
}

/**
 * 6. A delete by a moderator is logged and announced to the moderators, whoever wrote the
 * post: sparing their own posts would tell anyone who knows who pressed Delete that the
 * moderator wrote an anonymous one. A member deleting their own words is not logged.
 */
async function logModeratorDelete({ moderation }: PostWriteDoors, trx: Trx, write: PostWritten) {
  if (write.kind === 'deleted' && write.actor && isModerator(write.actor)) await moderation.logModeratorDelete(trx, write.actor, write.postId);
}
