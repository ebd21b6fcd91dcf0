import { z } from 'zod';
import { calendarDate, idParam, isoTime, realDate, trimmedText } from './common';
import { post } from './forum';

/** A member's own journey (docs/api.md "Journey"): only ever their own, never shown to others. */
const date = calendarDate;

export const milestoneOn = z.object({ days: z.number().int(), label: z.string(), on: date });
export const streak = z.object({ startDate: date, endDate: date, days: z.number().int() });
export const goal = z.object({
  id: z.string(),
  title: z.string(),
  createdAt: isoTime,
  /** The days of `week` on which it was ticked. */
  done: z.array(date),
});
export type Goal = z.infer<typeof goal>;

export const journeyResponse = z.object({
  /** Today, and the week ending today, in the member's own zone. */
  today: date,
  timeZone: z.string().nullable(),
  week: z.array(date),
  current: z.object({
    startDate: date,
    days: z.number().int(),
    reached: z.array(milestoneOn),
    next: milestoneOn.extend({ inDays: z.number().int() }).nullable(),
  }).nullable(),
  /** Earlier streaks, newest first: kept, never wiped, and seen by nobody else. */
  streaks: z.array(streak),
  totalDays: z.number().int(),
  longestStreak: z.number().int(),
  goals: z.array(goal),
});
export type Journey = z.infer<typeof journeyResponse>;

export const MAX_GOAL_CHARS = 120;
export const goalBody = z.strictObject({ title: trimmedText(MAX_GOAL_CHARS) });
export const goalPatch = z.strictObject({ title: trimmedText(MAX_GOAL_CHARS).optional(), archived: z.boolean().optional() });
export const goalParams = z.strictObject({ id: idParam });
export const goalDayParams = z.strictObject({ id: idParam, date: realDate });
export const goalResponse = z.object({ goal });

export const toolkitItem = z.object({ post, savedAt: isoTime });
export type ToolkitItem = z.infer<typeof toolkitItem>;
export const toolkitResponse = z.object({ items: z.array(toolkitItem) });
export const toolkitParams = z.strictObject({ postId: idParam });
