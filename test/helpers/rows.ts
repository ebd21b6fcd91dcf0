import type { Post, Thread } from '../../server/contract/forum';
import type { Exec } from '../../server/db/executor';
import { aliasFor } from '../../server/forum/aliases';
import * as forum from '../../server/forum/forum.repository';
import { toPost, toThread } from '../../server/forum/forum.views';
import { renderMarkdown } from '../../server/forum/markdown';
import { childPath, ROOT_PATH } from '../../server/forum/tree-path';

/**
 * Row factories for threads and replies, written through forum's repository: a fixture that
 * only needs a post to exist costs a few statements, not an HTTP request through the whole
 * write path. What a write sets off (events, notifications, crisis flags, cached pages) does
 * not happen: tests whose subject that is write over HTTP (ctx.newThread, ctx.reply).
 */

let counter = 0;

/** A post as the HTTP helpers give it: tests read an anonymous author's alias without narrowing first. */
type AnyPost = Post & { author: Post['author'] & { alias?: string; pseudonym?: string } };

export interface ThreadRowOptions {
  slug?: string;
  title?: string;
  body?: string;
  anonymous?: boolean;
  contentWarnings?: string[];
}

export interface ReplyRowOptions {
  parentId?: string;
  body?: string;
  anonymous?: boolean;
  contentWarnings?: string[];
}

/** A thread and its opening post, as its author sees them. */
export async function threadRow(db: Exec, secret: string, author: { id: string }, o: ThreadRowOptions = {}): Promise<{ thread: Thread; post: AnyPost }> {
  const body = o.body ?? `Opening post ${++counter}`;
  const warnings = o.contentWarnings ?? [];
  const community = await forum.findCommunity(db, o.slug ?? 'introductions');
  if (!community) throw new Error(`no community ${o.slug}`);
  await forum.bumpCommunity(db, community.id);
  const { id: threadId } = await forum.insertThread(db, { communityId: community.id, title: o.title ?? `A thread ${++counter}`, authorId: author.id, warnings });
  const alias = o.anonymous ? aliasFor(secret, author.id, threadId) : null;
  if (alias) await forum.setThreadAuthorship(db, threadId, true, alias);
  const post = await forum.insertPost(db, {
    threadId, parentId: null, path: ROOT_PATH, depth: 0, authorId: author.id, anonymous: alias !== null, alias,
    bodyMd: body, bodyHtml: renderMarkdown(body), warnings, duplicateIn: { communityId: community.id },
  });
  const viewer = { id: author.id, pseudonym: '', role: 'member' as const, suspendedUntil: null, createdAt: new Date(), tokenHash: '' };
  return { thread: toThread((await forum.findThread(db, threadId))!), post: toPost(post, viewer, new Set()) as AnyPost };
}

/** A reply (to the opening post, or to `parentId`), as its author sees it. */
export async function replyRow(db: Exec, secret: string, author: { id: string }, threadId: string, o: ReplyRowOptions = {}): Promise<AnyPost> {
  const body = o.body ?? `Reply ${++counter}`;
  const { parent } = await forum.claimReply(db, threadId, o.parentId ?? null);
  if (!parent) throw new Error(`no thread ${threadId} or parent ${o.parentId}`);
  const alias = o.anonymous ? (await forum.existingAlias(db, threadId, author.id)) ?? (await freeAlias(db, secret, author.id, threadId)) : null;
  const post = await forum.insertPost(db, {
    threadId, parentId: parent.id, path: childPath(parent.path, parent.ordinal), depth: parent.depth + 1, authorId: author.id,
    anonymous: alias !== null, alias, bodyMd: body, bodyHtml: renderMarkdown(body), warnings: o.contentWarnings ?? [], duplicateIn: { threadId },
  });
  const viewer = { id: author.id, pseudonym: '', role: 'member' as const, suspendedUntil: null, createdAt: new Date(), tokenHash: '' };
  return toPost(post, viewer, new Set()) as AnyPost;
}

async function freeAlias(db: Exec, secret: string, authorId: string, threadId: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const alias = aliasFor(secret, authorId, threadId, attempt);
    if (!(await forum.aliasTaken(db, threadId, alias, authorId))) return alias;
  }
}
