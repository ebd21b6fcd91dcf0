import { z } from 'zod';
import { user } from './accounts';
import { calendarDate, isoTime } from './common';
import { notification } from './notifications';

/**
 * GET /api/me/export: everything Haven keeps about the member, as one JSON document, sent
 * as a stream. Strict objects: a field not named here is a test failure, not a leak.
 */
const date = calendarDate;

export const exportedPost = z.strictObject({
  id: z.string(),
  threadId: z.string(),
  /** The thread's title and community: public context, as any reader sees it. */
  threadTitle: z.string(),
  community: z.string(),
  parentId: z.string().nullable(),
  anonymous: z.boolean(),
  alias: z.string().nullable(),
  bodyMarkdown: z.string(),
  contentWarnings: z.array(z.string()),
  createdAt: isoTime,
  editedAt: isoTime.nullable(),
  deleted: z.boolean(),
  hidden: z.strictObject({ by: z.string(), reason: z.string() }).nullable(),
  /** Earlier versions, oldest first. */
  revisions: z.array(z.strictObject({ bodyMarkdown: z.string(), contentWarnings: z.array(z.string()), createdAt: isoTime })),
});

export const exportDocument = z.strictObject({
  exportedAt: isoTime,
  user,
  guidelinesAcceptedAt: isoTime,
  /** Times only: a session's secret is never exported. */
  sessions: z.array(z.strictObject({ createdAt: isoTime, lastSeenAt: isoTime })),
  posts: z.array(exportedPost),
  /** Flags this member raised: the post, the reason and note, and what came of it; nobody else's data. */
  flagsRaised: z.array(z.strictObject({ postId: z.string(), reason: z.string(), note: z.string().nullable(), status: z.string(), outcome: z.string().nullable(), createdAt: isoTime, resolvedAt: isoTime.nullable() })),
  notifications: z.array(notification),
  mutes: z.array(z.strictObject({ pseudonym: z.string(), since: isoTime })),
  streaks: z.array(z.strictObject({ startDate: date, endDate: date, keptAt: isoTime })),
  milestonesCelebrated: z.array(z.strictObject({ streakStart: date, days: z.number().int(), label: z.string(), at: isoTime })),
  goals: z.array(z.strictObject({ title: z.string(), createdAt: isoTime, archivedAt: isoTime.nullable(), done: z.array(date) })),
  toolkit: z.array(z.strictObject({ postId: z.string(), savedAt: isoTime })),
});
