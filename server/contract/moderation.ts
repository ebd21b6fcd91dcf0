import { z } from 'zod';
import { cursorParam, idParam, isoTime, memberText } from './common';
import { contentWarning } from './content-warnings';
import { crisisResource, post } from './forum';
import { FLAG_REASONS } from './vocabulary';

export { FLAG_REASONS, type FlagReason } from './vocabulary';

/** API.md "Moderation" and the crisis parts. */
export const flagReason = z.enum(FLAG_REASONS);

const shortText = (max: number) => memberText().pipe(z.string().trim().min(1, 'must not be empty').max(max));

export const flagBody = z.strictObject({ reason: flagReason, note: shortText(500).optional() });
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
/** One post in the queue: its flags grouped, with how many and why. Reporters are never named. */
export const queueItem = z.object({
  id: z.string(),
  post,
  reason: flagReason,
  note: z.string().nullable(),
  createdAt: isoTime,
  count: z.number().int(),
  reasons: z.partialRecord(flagReason, z.number().int()),
});
export const flagsResponse = z.object({ flags: z.array(queueItem), nextCursor: z.string().nullable() });
export type QueueItem = z.infer<typeof queueItem>;

export const flagParams = z.strictObject({ id: idParam });
export const resolveBody = z.strictObject({ outcome: z.enum(['actioned', 'dismissed']) });
export const resolveResponse = z.object({ resolved: z.number().int(), outcome: z.enum(['actioned', 'dismissed']), post });

export const hideBody = z.strictObject({ reason: shortText(500), contentWarnings: z.array(contentWarning).max(8).optional() });
export const warningsBody = z.strictObject({ contentWarnings: z.array(contentWarning).max(8) });
export const modPostResponse = z.object({ post });

export const suspendBody = z.strictObject({
  until: z.iso.datetime({ offset: true }).refine((v) => !Number.isNaN(Date.parse(v)), 'must be a real date and time')
    .refine((v) => Date.parse(v) > Date.now(), 'must be in the future')
    .refine((v) => Date.parse(v) < Date.now() + 10 * 365 * 86_400_000, 'must be within ten years'),
  reason: shortText(500),
});
/** Names the author only as the public sees them: an alias stays an alias. */
export const suspendResponse = z.object({ suspension: z.object({ until: isoTime, reason: z.string(), author: z.string() }) });

export const logQuery = z.strictObject({ cursor: cursorParam, limit: z.coerce.number().int().min(1).max(100).default(50) });
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

export const crisisConfig = z.object({
  phrases: z.array(z.string().min(2).max(200)).min(1),
  resources: z.array(crisisResource).min(1),
});
export type CrisisConfig = z.infer<typeof crisisConfig>;
export const crisisResponse = crisisConfig;
