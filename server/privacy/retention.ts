import type { Kysely } from 'kysely';
import type { AccountsRetention } from '../accounts/accounts.doors';
import type { Config } from '../config';
import type { Trx } from '../db/executor';
import type { DB } from '../db/schema';
import { exclusively } from '../db/transact';
import type { ForumPrivacy } from '../forum/forum.doors';
import type { ModerationPrivacy } from '../moderation/moderation.doors';
import type { AccountSuspensions } from '../accounts/accounts.doors';

/** The key of the advisory lock one process holds while it runs the round: the others skip that round. */
const RETENTION_LOCK = 0x48617666;

export interface RetentionDoors {
  db: Kysely<DB>;
  config: Pick<Config, 'eventRetentionHours' | 'sessionMaxDays'>;
  outbox: { trim(trx: Trx, olderThanHours: number): Promise<unknown> };
  forum: Pick<ForumPrivacy, 'pruneIdempotencyKeys'>;
  accounts: AccountsRetention;
  suspensions: Pick<AccountSuspensions, 'clearEnded'>;
  rateLimits: { prune(trx: Trx): Promise<void> };
  moderation: Pick<ModerationPrivacy, 'trimFinishedSuspensions'>;
}

/**
 * What Haven forgets, and when, in order: the one place that says it (docs/privacy.md
 * names each window).
 */
async function retentionSteps(d: RetentionDoors, trx: Trx) {
  // 1. Events (the live channel's replay log): after EVENT_RETENTION_HOURS.
  await d.outbox.trim(trx, d.config.eventRetentionHours);
  // 2. Idempotency keys (a retried post is not posted twice): after 24 hours.
  await d.forum.pruneIdempotencyKeys(trx);
  // 3. Sessions: after SESSION_IDLE_DAYS unused, or SESSION_MAX_DAYS old.
  await d.accounts.deleteDeadSessions(trx, d.config.sessionMaxDays);
  // 4. Rate-limit counts: when their window ends.
  await d.rateLimits.prune(trx);
  // 5. The reserved pseudonyms of erased accounts: after 30 days.
  await d.accounts.pruneRetiredPseudonyms(trx);
  // 6. Suspensions: when they end or are lifted (the moderation log keeps what happened);
  //    an account whose suspension ran out no longer carries its end or reason.
  await d.moderation.trimFinishedSuspensions(trx);
  await d.suspensions.clearEnded(trx);
}

/**
 * One retention round, under an advisory lock so that N processes run it once between
 * them. False when another process holds the round right now.
 */
export async function retentionRound(d: RetentionDoors): Promise<boolean> {
  const done = await exclusively(d.db, RETENTION_LOCK, async (trx) => {
    await retentionSteps(d, trx);
    return true;
  });
  return done === true;
}
