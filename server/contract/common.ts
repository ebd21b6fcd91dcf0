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

/** Ids are strings of digits (bigint-safe); anything else is not an id we could have made. */
export const idParam = z.string().regex(/^[1-9][0-9]{0,18}$/, 'must be an id');

export const isoTime = z.string();

export const pageQuery = z.strictObject({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

/**
 * Text a member typed. PostgreSQL text cannot hold NUL, and a lone UTF-16 surrogate
 * would not survive the trip to UTF-8, so both are refused rather than silently changed.
 */
export const memberText = () =>
  z
    .string()
    .refine((v) => !v.includes('\u0000'), 'must not contain NUL characters')
    .refine((v) => v.isWellFormed(), 'must be valid Unicode');
