import { z } from 'zod';
import { isoTime, isTimeZone, memberText, realDate, shortString } from './common';
import { CONTENT_WARNING_CATEGORIES, warningPreference } from './content-warnings';

/** API.md "Accounts and sessions": request and response shapes, shared with the client. */

export const ROLES = ['member', 'moderator', 'admin'] as const;
export const role = z.enum(ROLES);

export const PSEUDONYM_PATTERN = /^[A-Za-z0-9_-]{3,24}$/;
export const pseudonym = z
  .string()
  .regex(PSEUDONYM_PATTERN, 'must be 3 to 24 letters, digits, "_" or "-"');
export const password = memberText()
  .pipe(z.string()
  .min(10, 'must be at least 10 characters')
  .max(256, 'must be at most 256 characters'));
export const recoveryCode = shortString(64);



export const preferences = z.object({
  contentWarnings: z.record(z.enum(CONTENT_WARNING_CATEGORIES), warningPreference),
  recoveryStartDate: z.string().nullable(),
  showRecoveryDays: z.boolean(),
  /** The IANA zone the member's days are counted in; null until chosen (UTC). */
  timeZone: z.string().nullable(),
});

export const milestone = z.object({ days: z.number().int(), label: z.string() });

export const user = z.object({
  id: z.string(),
  pseudonym: z.string(),
  role,
  createdAt: isoTime,
  preferences,
  recoveryDays: z.number().int().optional(),
  milestones: z.array(milestone).optional(),
  /** Only the member's own: present while they are suspended from posting. */
  suspension: z.object({ until: isoTime, reason: z.string() }).optional(),
});
export type User = z.infer<typeof user>;

export const signupBody = z.strictObject({
  pseudonym,
  password,
  acceptGuidelines: z.literal(true, { error: 'the community guidelines must be accepted' }),
});
export const signupResponse = z.object({ user, recoveryCode: z.string() });

export const loginBody = z.strictObject({
  // Any string up to the limits: a malformed pseudonym simply matches no account, and
  // answering "invalid_credentials" keeps login from telling what exists.
  pseudonym: shortString(64),
  password: shortString(256),
});
export const userResponse = z.object({ user });

export const recoverBody = z.strictObject({
  pseudonym: shortString(64),
  recoveryCode,
  newPassword: password,
});

export const meResponse = z.object({ user, unreadNotifications: z.number().int() });

export const preferencesBody = z.strictObject({
  contentWarnings: z.partialRecord(z.enum(CONTENT_WARNING_CATEGORIES), warningPreference).optional(),
  recoveryStartDate: realDate
    .refine((v) => v >= '1900-01-01', 'must be after 1900')
    // Today where the member lives may already be tomorrow in UTC: the service checks their own today.
    .refine((v) => v <= new Date(Date.now() + 86_400_000).toISOString().slice(0, 10), 'cannot be in the future')
    .nullable()
    .optional(),
  showRecoveryDays: z.boolean().optional(),
  timeZone: z.string().max(64).refine(isTimeZone, 'must be a time zone such as "Europe/Paris"').optional(),
});

export const changePasswordBody = z.strictObject({
  currentPassword: shortString(256),
  newPassword: password,
});

export const deleteMeBody = z.strictObject({
  password: shortString(256),
  erasePosts: z.boolean(),
});

export const roleParams = z.strictObject({ pseudonym: shortString(64) });
export const roleBody = z.strictObject({ role });
export const roleResponse = z.object({ user: z.object({ pseudonym: z.string(), role }) });
