import { sql, type Kysely } from 'kysely';
import { SESSION_IDLE_DAYS } from '../accounts/viewer';
import * as accountsRepo from '../accounts/accounts.repository';
import type { Config } from '../config';
import type { DB } from '../db/schema';
import { exclusively } from '../db/transact';
import * as forumRepo from '../forum/forum.repository';
import type { JourneyService } from '../journey/journey.service';
import { RETENTION_LOCK, trimEventsIn } from '../live/events.repository';
import * as moderationRepo from '../moderation/moderation.repository';

/**
 * How often the retention round runs: every tenth of the event window, but at least hourly
 * and at most every second, so that an event outlives its window by a tenth at the most.
 */
export const trimEveryMs = (retentionHours: number) => Math.min(3_600_000, Math.max(1_000, (retentionHours * 3_600_000) / 10));

/**
 * Haven's scheduled work, in one place. Each round runs under an advisory lock, so N
 * processes do it once between them. It reaches into several features' tables on purpose:
 * what Haven keeps, and for how long, reads best as one list (docs/privacy.md names each
 * window).
 */
export function createMaintenance(deps: { db: Kysely<DB>; config: Pick<Config, 'eventRetentionHours' | 'sessionMaxDays' | 'milestoneEveryMs'>; journey: JourneyService; onError: (err: unknown) => void }) {
  const { db, config } = deps;
  const timers: NodeJS.Timeout[] = [];

  /**
   * What Haven forgets, and when:
   * - events (the live channel's replay log): after EVENT_RETENTION_HOURS;
   * - idempotency keys (a retried post is not posted twice): after 24 hours;
   * - sessions: after SESSION_IDLE_DAYS unused, or SESSION_MAX_DAYS old;
   * - rate-limit counts: when their window ends;
   * - the reserved pseudonyms of erased accounts: after 30 days;
   * - suspensions: when they end or are lifted (the moderation log keeps what happened).
   */
  async function retentionRound(): Promise<boolean> {
    const done = await exclusively(db, RETENTION_LOCK, async (trx) => {
      await trimEventsIn(trx, config.eventRetentionHours);
      await forumRepo.pruneIdempotencyKeys(trx);
      await accountsRepo.deleteDeadSessions(trx, SESSION_IDLE_DAYS, config.sessionMaxDays);
      await trx.deleteFrom('rate_limits').where('reset_at', '<', sql<Date>`now()`).execute();
      await accountsRepo.pruneRetiredPseudonyms(trx);
      await moderationRepo.trimFinishedSuspensions(trx);
      return true;
    });
    return done === true;
  }

  return {
    retentionRound,
    async start() {
      await retentionRound();
      await deps.journey.celebrateMilestones();
      timers.push(setInterval(() => void retentionRound().catch(deps.onError), trimEveryMs(config.eventRetentionHours)).unref());
      timers.push(setInterval(() => void deps.journey.celebrateMilestones().catch(deps.onError), config.milestoneEveryMs).unref());
    },
    stop() {
      for (const t of timers.splice(0)) clearInterval(t);
    },
  };
}

export type Maintenance = ReturnType<typeof createMaintenance>;
