import { isBigintId, isCursorTime } from '../contract/common';
import { validationFailed } from '../http/errors';

/**
 * Keyset pages, one way for every list: a repository reads `limit + 1` rows after the
 * cursor's position, and `pageOf` cuts the page and makes the next cursor from its last
 * row. Cursors are opaque to clients: base64url of a small JSON array of strings, each
 * part checked by its own rule when it comes back. A bad one is a 400, never a 500.
 */

/** Checks one part of a cursor. */
export type CursorPart = (part: string) => boolean;

export const CURSOR_ID: CursorPart = isBigintId;
export const CURSOR_TIME: CursorPart = isCursorTime;
export const CURSOR_PATH: CursorPart = (p) => /^[0-9A-Za-z]+$/.test(p);

export function encodeCursor(parts: Array<string | number>): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function badCursor() {
  return validationFailed('That cursor is not valid.', [{ path: 'query.cursor', message: 'is not a cursor this server made' }]);
}

/** The cursor's parts, each checked by its own rule; null when there is no cursor. */
export function decodeCursor(cursor: string | undefined, patterns: CursorPart[]): string[] | null {
  if (cursor === undefined) return null;
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  const ok =
    Array.isArray(parts) &&
    parts.length === patterns.length &&
    parts.every((p, i) => typeof p === 'string' && p.length <= 4000 && patterns[i]!(p));
  if (!ok) throw badCursor();
  return parts as string[];
}

/**
 * The page in `rows` (read with `limit + 1`): its first `limit` rows, and the cursor after
 * the last of them when there is more to read.
 */
export function pageOf<R>(rows: R[], limit: number, cursorOf: (last: R) => Array<string | number>): { page: R[]; nextCursor: string | null } {
  const page = rows.length > limit ? rows.slice(0, limit) : rows;
  const last = page.at(-1);
  return { page, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(cursorOf(last)) : null };
}
