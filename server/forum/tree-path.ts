/**
 * Materialized depth-first keys for the post tree.
 *
 * A post's path is its parent's path plus one segment encoding its ordinal among its
 * siblings (0 for the first reply, 1 for the next, ...). Segments are prefix-free and
 * order-preserving under byte comparison: a length digit, then that many base-62 digits.
 * So sorting paths bytewise (collation "C") gives exactly the depth-first pre-order with
 * siblings oldest first, and a page is one index range scan: `path > cursor ORDER BY path`.
 *
 * Ordinals are small in practice, so a level costs 2 bytes: the btree's ~2,700-byte entry
 * limit allows about 1,300 levels (see MAX_PATH_BYTES).
 */
const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Stays well under PostgreSQL's btree entry limit (~2,704 bytes), leaving room for thread_id. */
export const MAX_PATH_BYTES = 2_600;

export function segment(ordinal: number): string {
  if (!Number.isSafeInteger(ordinal) || ordinal < 0) throw new RangeError(`bad ordinal ${ordinal}`);
  let digits = '';
  let n = ordinal;
  do {
    digits = DIGITS[n % 62] + digits;
    n = Math.floor(n / 62);
  } while (n > 0);
  // Length 1..9 digits covers ordinals up to 62^9, far beyond any thread.
  return String(digits.length) + digits;
}

/** The opening post's path: every thread's tree starts here. */
export const ROOT_PATH = segment(0);

export function childPath(parentPath: string, ordinal: number): string {
  return parentPath + segment(ordinal);
}

/** The ordinals along a path, for tests and debugging. */
export function parsePath(path: string): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < path.length) {
    const len = Number(path[i]);
    if (!(len >= 1 && len <= 9)) throw new Error('malformed path');
    let n = 0;
    for (const ch of path.slice(i + 1, i + 1 + len)) n = n * 62 + DIGITS.indexOf(ch);
    out.push(n);
    i += 1 + len;
  }
  return out;
}
