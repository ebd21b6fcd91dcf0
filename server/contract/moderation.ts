import { z } from 'zod';
import { cursorParam, idParam, isoTime, trimmedText } from './common';
import { contentWarning } from './content-warnings';
import { crisisResource, post } from './forum';
import { FLAG_REASONS, MOD_ACTION_NAMES } from './vocabulary';

export { FLAG_REASONS, MOD_ACTIONS, type FlagReason, type ModAction } from './vocabulary';

/** API.md "Moderation" and the crisis parts. */
export const flagReason = z.enum(FLAG_REASONS);

export const flagBody = z.strictObject({ reason: flagReason, note: trimmedText(500).optional() });
export const flag = z.object({
  id: z.string(),
  postId: z.string(),
  reason: flagReason,
  note: z.string().nullable(),
  status: z.enum(['open', 'resolved']),
  createdAt: isoTime,
});
export const flagResponse = z.object({ flag });

export const flagsQuery = z.strictObject({
  status: z.enum(['open', 'resolved']).default('open'),
  cursor: cursorParam,
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
/**
 * One post in the queue: its flags grouped, with how many and why, and where it stands: its
 * thread, and the post it answers. Reporters are never named; `notes` are every flag's note,
 * oldest first (`note` is the first of them).
 */
export const queueItem = z.object({
  id: z.string(),
  post,
  reason: flagReason,
  note: z.string().nullable(),
  notes: z.array(z.string()),
  createdAt: isoTime,
  count: z.number().int(),
  reasons: z.partialRecord(flagReason, z.number().int()),
  thread: z.object({ id: z.string(), title: z.string() }),
  parent: post.nullable(),
});
export const flagsResponse = z.object({ flags: z.array(queueItem), nextCursor: z.string().nullable() });
export type QueueItem = z.infer<typeof queueItem>;

export const flagParams = z.strictObject({ id: idParam });
export const resolveBody = z.strictObject({ outcome: z.enum(['actioned', 'dismissed']) });
export const resolveResponse = z.object({ resolved: z.number().int(), outcome: z.enum(['actioned', 'dismissed']), post });

export const hideBody = z.strictObject({ reason: trimmedText(500), contentWarnings: z.array(contentWarning).max(8).optional() });
export const warningsBody = z.strictObject({ contentWarnings: z.array(contentWarning).max(8) });
export const modPostResponse = z.object({ post });

export const suspendBody = z.strictObject({
  until: z.iso.datetime({ offset: true }).refine((v) => !Number.isNaN(Date.parse(v)), 'must be a real date and time')
    .refine((v) => Date.parse(v) > Date.now(), 'must be in the future')
    .refine((v) => Date.parse(v) < Date.now() + 10 * 365 * 86_400_000, 'must be within ten years'),
  reason: trimmedText(500),
});
/** Names the author only as the public sees them: an alias stays an alias. */
export const suspendResponse = z.object({ suspension: z.object({ until: isoTime, reason: z.string(), author: z.string() }) });

const instant = z.iso.datetime({ offset: true }).refine((v) => !Number.isNaN(Date.parse(v)), 'must be a real date and time');
/** Filters combine: an action, the moderator's pseudonym (any case), and a time window [from, to). */
export const logQuery = z.strictObject({
  cursor: cursorParam,
  limit: z.coerce.number().int().min(1).max(100).default(50),
  action: z.enum(MOD_ACTION_NAMES).optional(),
  actor: trimmedText(64).optional(),
  from: instant.optional(),
  to: instant.optional(),
});
export const logEntry = z.object({
  id: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.object({ postId: z.string().nullable(), threadId: z.string().nullable(), author: z.string().nullable() }),
  reason: z.string().nullable(),
  at: isoTime,
});
export const logResponse = z.object({ entries: z.array(logEntry), nextCursor: z.string().nullable() });
export type LogEntry = z.infer<typeof logEntry>;

/** A private notice to a post's author; the crisis resources Haven lists go with it unless left out. */
export const reachOutBody = z.strictObject({ message: trimmedText(2000), includeResources: z.boolean().default(true) });
export const reachOutResponse = z.object({ sent: z.literal(true) });

/**
 * A running suspension, named only as the public saw its author on the post it was made
 * from: an alias for an anonymous post (never the account), a pseudonym for a named one,
 * and null for one made before suspensions were listed.
 */
export const suspension = z.object({
  id: z.string(),
  author: z.string().nullable(),
  anonymous: z.boolean(),
  postId: z.string().nullable(),
  threadId: z.string().nullable(),
  reason: z.string(),
  until: isoTime,
  createdAt: isoTime,
});
export type Suspension = z.infer<typeof suspension>;
export const suspensionsQuery = z.strictObject({ cursor: cursorParam, limit: z.coerce.number().int().min(1).max(100).default(50) });
export const suspensionsResponse = z.object({ suspensions: z.array(suspension), nextCursor: z.string().nullable() });
export const suspensionParams = z.strictObject({ id: idParam });
export const liftResponse = z.object({ suspension });

/** Admins find members by the start of their pseudonym (any case). Suspensions are not shown here. */
export const membersQuery = z.strictObject({ q: trimmedText(64) });
export const memberSummary = z.object({ pseudonym: z.string(), role: z.enum(['member', 'moderator', 'admin']), createdAt: isoTime });
export type MemberSummary = z.infer<typeof memberSummary>;
export const membersResponse = z.object({ users: z.array(memberSummary) });

export const crisisConfig = z.object({
  phrases: z.array(z.string().min(2).max(200)).min(1),
  resources: z.array(crisisResource).min(1),
});
export type CrisisConfig = z.infer<typeof crisisConfig>;
export const crisisResponse = crisisConfig;
