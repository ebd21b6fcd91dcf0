import type { FastifyRequest } from 'fastify';
import { isNewAccount } from '../accounts/accounts.service';
import type { Config } from '../config';

/**
 * Every allowance of every rate limit in one place. RATE_LIMIT_FACTOR multiplies them
 * (load tests, acceptance runs from one address); nothing switches a limit off.
 */
const LIMITS = {
  signup: { max: 5, timeWindow: 60 * 60_000 },
  login: { max: 10, timeWindow: 5 * 60_000 },
  recover: { max: 5, timeWindow: 15 * 60_000 },
  /** Threads and replies, per account. */
  posts: { max: 30, timeWindow: 10 * 60_000 },
  /** Threads and replies from an account younger than a day: spam waves come from new accounts. */
  postsNewAccount: { max: 5, timeWindow: 10 * 60_000 },
} as const;

export type LimitName = keyof typeof LIMITS;

/** Counted in the database, so that every app process shares one allowance (see rate-limit-store.ts). */
export const SHARED_LIMITS: ReadonlySet<string> = new Set<LimitName>(['signup', 'login', 'recover']);

export function allowance(config: Pick<Config, 'rateLimitFactor'>, name: LimitName): number {
  return Math.max(1, Math.round(LIMITS[name].max * config.rateLimitFactor));
}

export function routeRateLimit(config: Pick<Config, 'rateLimitFactor'>, name: LimitName) {
  // The group id keeps each limit's counters apart in the shared store.
  return { rateLimit: { max: allowance(config, name), timeWindow: LIMITS[name].timeWindow, groupId: name } };
}


/**
 * Posting limits key on the account (the address for visitors, who are refused anyway),
 * shared by every route that creates posts.
 */
export function postingRateLimit(config: Pick<Config, 'rateLimitFactor'>) {
  return {
    rateLimit: {
      groupId: 'posts',
      timeWindow: LIMITS.posts.timeWindow,
      keyGenerator: async (request: FastifyRequest) => {
        const viewer = await request.viewer();
        // Visitors are refused with 401 by the route itself; they need no bucket of their own.
        return viewer ? `account:${viewer.id}` : `visitor:${request.id}`;
      },
      max: async (request: FastifyRequest) => {
        const viewer = await request.viewer();
        const young = viewer !== null && isNewAccount(viewer);
        return allowance(config, young ? 'postsNewAccount' : 'posts');
      },
    },
  };
}
