import { z } from 'zod';

/** Shared pieces of the API contract (API.md "Conventions"), used by server and client. */

export const ERROR_CODES = [
  'validation_failed',
  'unauthenticated',
  'invalid_credentials',
  'forbidden',
  'csrf_rejected',
  'suspended',
  'not_found',
  'conflict',
  'duplicate_post',
  'too_large',
  'unsupported_media_type',
  'rate_limited',
  'internal',
  'unavailable',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const errorBody = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBody>;

/** PostgreSQL's bigint maximum: a longer or larger number is not an id we could have made. */
const MAX_BIGINT = 9223372036854775807n;
const DIGITS = /^[1-9][0-9]{0,18}$/;
/** Ids are strings of digits within bigint range (anything else would reach SQL as an overflow). */
export const isBigintId = (v: string): boolean => DIGITS.test(v) && BigInt(v) <= MAX_BIGINT;
export const idParam = z.string().regex(DIGITS, 'must be an id').refine(isBigintId, 'must be an id');
/** A non-negative position (event ids, where 0 means "from the beginning"). */
export const isPosition = (v: string): boolean => v === '0' || isBigintId(v);

/**
 * A time as the server writes it in cursors: ISO with milliseconds, a real calendar date
 * (2024-02-30 is not one) and a year PostgreSQL and JavaScript agree on.
 */
export function isCursorTime(v: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(v)) return false;
  const at = Date.parse(v);
  return !Number.isNaN(at) && new Date(at).toISOString() === v && v >= '1970' && v < '9000';
}

export const isoTime = z.string();

/**
 * Text a member typed. PostgreSQL text cannot hold NUL, and a lone UTF-16 surrogate
 * would not survive the trip to UTF-8, so both are refused rather than silently changed.
 */
export const memberText = () =>
  z
    .string()
    .refine((v) => !v.includes('\u0000'), 'must not contain NUL characters')
    .refine((v) => v.isWellFormed(), 'must be valid Unicode');

/** Any short string input (params, names, codes): member text with bounds. */
export const shortString = (max: number, min = 1) => memberText().pipe(z.string().min(min).max(max));

/** What a member wrote in a short field (a reason, a note, a title): trimmed, 1 to `max` characters. */
export const trimmedText = (max: number) =>
  memberText().pipe(z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`));

/** A calendar date as the API writes it, 'YYYY-MM-DD' (responses). */
export const calendarDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date, YYYY-MM-DD');
/** A calendar date a client sends: the same form, and a day that exists (2026-02-30 does not). */
export const realDate = calendarDate.refine(
  (v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v),
  'must be a real date',
);

/** Whether `zone` is an IANA time zone this runtime knows ("Europe/Paris", "UTC"). */
export function isTimeZone(zone: string): boolean {
  if (zone.length === 0 || zone.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const cursorParam = shortString(300).optional();

export const pageQuery = z.strictObject({
  cursor: cursorParam,
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
