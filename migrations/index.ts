import type { Migration } from 'kysely';
import * as accounts from './20261122T010000Z_accounts';
import * as forum from './20261122T020000Z_forum';
import * as live from './20261122T030000Z_live';
import * as moderation from './20261122T040000Z_moderation';
import * as cursorPrecision from './20261122T050000Z_cursor-precision';
import * as duplicateCheckIndex from './20261122T060000Z_duplicate-check-index';
import * as rateLimits from './20261122T070000Z_rate-limits';
import * as namesAndAliases from './20261122T080000Z_names-and-aliases';
import * as eventStreams from './20261122T090000Z_event-streams';
import * as suspensions from './20261201T010000Z_suspensions';
import * as journey from './20261201T020000Z_journey';
import * as hotThreadUpdates from './20261201T030000Z_hot-thread-updates';

/**
 * Every migration, by name, in order. A static list (rather than reading the folder at run
 * time) works the same under tsx, vitest and any bundler; a test checks that each file in
 * this folder is listed here.
 */
export const migrations: Record<string, Migration> = {
  '20261122T010000Z_accounts': accounts,
  '20261122T020000Z_forum': forum,
  '20261122T030000Z_live': live,
  '20261122T040000Z_moderation': moderation,
  '20261122T050000Z_cursor-precision': cursorPrecision,
  '20261122T060000Z_duplicate-check-index': duplicateCheckIndex,
  '20261122T070000Z_rate-limits': rateLimits,
  '20261122T080000Z_names-and-aliases': namesAndAliases,
  '20261122T090000Z_event-streams': eventStreams,
  '20261201T010000Z_suspensions': suspensions,
  '20261201T020000Z_journey': journey,
  '20261201T030000Z_hot-thread-updates': hotThreadUpdates,
};
