import { z } from 'zod';
import { cursorParam, idParam, isoTime } from './common';
import { contentWarnings, author, crisisResource } from './forum';

/** API.md "Notifications". */
export const NOTIFICATION_KINDS = ['reply', 'moderation', 'milestone'] as const;

/**
 * What a notification says. It names the replier as the thread shows them (an alias for
 * an anonymous reply), and a post with content warnings gives its labels, never an excerpt.
 */
export const notificationData = z.object({
  threadId: z.string().optional(),
  threadTitle: z.string().optional(),
  postId: z.string().optional(),
  by: author.optional(),
  contentWarnings: contentWarnings.optional(),
  excerpt: z.string().nullable().optional(),
  reason: z.string().optional(),
  action: z.string().optional(),
  /** A moderator's own words (reach out), and the resources sent with them. */
  message: z.string().optional(),
  resources: z.array(crisisResource).optional(),
  /** On a suspension: when it ends. */
  until: z.string().optional(),
  days: z.number().int().optional(),
  label: z.string().optional(),
});

export const notification = z.object({
  id: z.string(),
  kind: z.enum(NOTIFICATION_KINDS),
  data: notificationData,
  createdAt: isoTime,
  readAt: isoTime.nullable(),
});
export type Notification = z.infer<typeof notification>;

export const notificationsQuery = z.strictObject({
  cursor: cursorParam,
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
export const notificationsResponse = z.object({ notifications: z.array(notification), nextCursor: z.string().nullable() });

export const markReadBody = z.union([
  z.strictObject({ ids: z.array(idParam).min(1).max(500) }),
  z.strictObject({ all: z.literal(true) }),
]);
