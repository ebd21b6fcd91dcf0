import type { ErrorCode } from '../contract/common';

export interface ErrorDetail {
  path: string;
  message: string;
}

/**
 * The one error type the services throw. Its `code` is stable (clients switch on it) and
 * its message is written for the member who will read it; the error handler maps it to
 * API.md's error shape.
 */
export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly statusCode: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export const validationFailed = (message: string, details?: ErrorDetail[]) =>
  new AppError(400, 'validation_failed', message, details);
export const unauthenticated = (message = 'Please log in first.') =>
  new AppError(401, 'unauthenticated', message);
export const invalidCredentials = () =>
  new AppError(401, 'invalid_credentials', 'That pseudonym and password do not match an account.');
export const forbidden = (message = 'You are not allowed to do that.') =>
  new AppError(403, 'forbidden', message);
export const csrfRejected = () =>
  new AppError(403, 'csrf_rejected', 'This request did not come from Haven itself, so it was refused.');
export const suspended = (until: Date) =>
  new AppError(403, 'suspended', `Your account is suspended until ${until.toISOString()}. You can still read.`);
export const notFound = (what = 'That') => new AppError(404, 'not_found', `${what} was not found.`);
export const conflict = (message: string, code: 'conflict' | 'duplicate_post' = 'conflict') =>
  new AppError(409, code, message);
/** "9 minutes", "40 seconds", "2 hours": a wait said the way a person says it. */
export function humanWait(seconds: number): string {
  const say = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (seconds < 60) return say(Math.max(1, Math.ceil(seconds)), 'second');
  if (seconds < 3600) return say(Math.ceil(seconds / 60), 'minute');
  return say(Math.ceil(seconds / 3600), 'hour');
}

export const rateLimitMessage = (retryAfterSeconds: number) => `You have done that a lot just now. You can try again in ${humanWait(retryAfterSeconds)}.`;

export const rateLimited = (retryAfterSeconds: number) =>
  new AppError(429, 'rate_limited', rateLimitMessage(retryAfterSeconds), undefined, {
    'retry-after': String(retryAfterSeconds),
  });
export const unavailable = (retryAfterSeconds = 5, message = 'Haven is busy right now. Please try again shortly.') =>
  new AppError(503, 'unavailable', message, undefined, { 'retry-after': String(retryAfterSeconds) });
