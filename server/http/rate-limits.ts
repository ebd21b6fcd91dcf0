import type { FastifyRequest } from 'fastify';
import { isNewAccount } from '../accounts/viewer';
import type { Config } from '../config';

/**
 * Every allowance of every rate limit in one place. RATE_LIMIT_FACTOR multiplies them
 * (load tests, acceptance runs from one address); nothing switches a limit off.
 * Every state change has one, and so does every read that costs more than a page.
 */
const LIMITS = {
  // Per address: what a password-guessing script hits.
  signup: { max: 5, timeWindow: 60 * 60_000 },
  login: { max: 10, timeWindow: 5 * 60_000 },
  recover: { max: 5, timeWindow: 15 * 60_000 },
  /** Logout and logout-all: cheap, but state changes all the same. */
  sessions: { max: 30, timeWindow: 10 * 60_000 },
  // Per account (per address for visitors, who are refused by the routes anyway).
  /** Routes that check the password again: changing it, deleting the account. */
  password: { max: 10, timeWindow: 15 * 60_000 },
  /** Threads and replies. */
  posts: { max: 30, timeWindow: 10 * 60_000 },
  /** Threads and replies from an account younger than a day: spam waves come from new accounts. */
  postsNewAccount: { max: 5, timeWindow: 10 * 60_000 },
  /** Each edit stores a revision and reaches every reader of the thread. */
  edits: { max: 30, timeWindow: 10 * 60_000 },
  anonymize: { max: 10, timeWindow: 10 * 60_000 },
  /** Generous: a member taking back what they wrote must not be held up for long. */
  deletes: { max: 60, timeWindow: 10 * 60_000 },
  flags: { max: 20, timeWindow: 10 * 60_000 },
  mutes: { max: 30, timeWindow: 10 * 60_000 },
  preferences: { max: 30, timeWindow: 10 * 60_000 },
  notifications: { max: 120, timeWindow: 10 * 60_000 },
  /** Goals, their daily ticks and the toolkit: small private changes, made often. */
  journey: { max: 120, timeWindow: 10 * 60_000 },
  moderation: { max: 300, timeWindow: 10 * 60_000 },
  admin: { max: 30, timeWindow: 10 * 60_000 },
  // Costly reads.
  search: { max: 30, timeWindow: 60_000 },
  /** Rendering a draft on request ("Preview"). */
  preview: { max: 60, timeWindow: 10 * 60_000 },
  export: { max: 5, timeWindow: 60 * 60_000 },
  modReads: { max: 300, timeWindow: 10 * 60_000 },
  /** WebSocket upgrades (reconnect storms); open sockets are capped separately. */
  live: { max: 60, timeWindow: 60_000 },
} as const;

export type LimitName = keyof typeof LIMITS;

/**
 * Counted in the database, so that every app process shares one allowance (see
 * rate-limit-store.ts): the limits that stop guessing and abuse, which N processes must
 * not multiply. The rest count per process, in memory: they bound what one process does
 * (reads, posting, marking read) and cost no round trip.
 */
export const SHARED_LIMITS: ReadonlySet<string> = new Set<LimitName>([
  'signup', 'login', 'recover', 'sessions', 'password', 'edits', 'anonymize', 'deletes', 'flags', 'mutes',
  'preferences', 'moderation', 'admin', 'export',
]);

export function allowance(config: Pick<Config, 'rateLimitFactor'>, name: LimitName): number {
  return Math.max(1, Math.round(LIMITS[name].max * config.rateLimitFactor));
}

/** A limit per client address (the hashed address group; see client-key.ts). */
export function routeRateLimit(config: Pick<Config, 'rateLimitFactor'>, name: LimitName) {
  // The group id keeps each limit's counters apart in the shared store.
  return { rateLimit: { max: allowance(config, name), timeWindow: LIMITS[name].timeWindow, groupId: name } };
}

/** A limit per account, or per address for visitors. */
export function accountRateLimit(config: Pick<Config, 'rateLimitFactor'>, name: LimitName, max?: (request: FastifyRequest) => Promise<number>) {
  return {
    rateLimit: {
      groupId: name,
      timeWindow: LIMITS[name].timeWindow,
      keyGenerator: async (request: FastifyRequest) => {
        const viewer = await request.viewer();
        return viewer ? `account:${viewer.id}` : `address:${request.clientKey()}`;
      },
      max: max ?? (async () => allowance(config, name)),
    },
  };
}

/** Threads and replies, shared by both routes that create posts; smaller for new accounts. */
export function postingRateLimit(config: Pick<Config, 'rateLimitFactor'>) {
  return accountRateLimit(config, 'posts', async (request) => {
    const viewer = await request.viewer();
    return allowance(config, viewer !== null && isNewAccount(viewer) ? 'postsNewAccount' : 'posts');
  });
}
