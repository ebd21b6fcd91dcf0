import path from 'node:path';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { isPrivateNetwork, isSingleAddress } from './lib/networks';

/**
 * Haven's configuration, read once from the environment and frozen.
 * Every variable is optional; a bad value stops the start with a message naming it.
 * There is deliberately no NODE_ENV branching: tests build their config explicitly.
 */
const intFrom = (min: number, max: number) =>
  z.coerce.number().int().min(min).max(max);

const envSchema = z.object({
  PORT: intFrom(0, 65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_ORIGIN: z
    .url()
    .refine((v) => URL.canParse(v) && new URL(v).origin === v.replace(/\/$/, ''), 'must be an origin: scheme://host[:port]')
    .optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  SERVER_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  AUTO_HIDE_FLAGS: intFrom(1, 1000).default(3),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ADMIN_PSEUDONYM: z.string().regex(/^[A-Za-z0-9_-]{3,24}$/, 'must be 3 to 24 of A-Z a-z 0-9 _ -').optional(),
  ADMIN_PASSWORD: z.string().min(10, 'must be at least 10 characters').max(256).optional(),
  RATE_LIMIT_FACTOR: z.coerce.number().positive().max(1_000_000).default(1),
  HASH_CONCURRENCY: intFrom(1, 64).default(2),
  HASH_QUEUE_MAX: intFrom(0, 100_000).default(64),
  EVENT_RETENTION_HOURS: z.coerce.number().positive().max(24 * 365).default(48),
  MILESTONE_EVERY_MS: intFrom(100, 86_400_000).default(600_000),
  CRISIS_CONFIG: z.string().min(1).optional(),
  TRUST_PROXY: z.string().default('false').transform((v, ctx) => {
    const parsed = parseTrustProxy(v);
    if (typeof parsed === 'string') {
      ctx.addIssue({ code: 'custom', message: parsed });
      return z.NEVER;
    }
    return parsed;
  }),
  SESSION_MAX_DAYS: intFrom(1, 3650).default(90),
  PAGE_CACHE_MS: intFrom(0, 3_600_000).default(30_000),
  SESSION_CACHE_MS: intFrom(0, 60_000).default(5_000),
  DB_QUERY_TIMEOUT_MS: intFrom(500, 600_000).default(10_000),
  MAX_EVENT_LOOP_DELAY_MS: intFrom(0, 600_000).default(2_000),
});

export interface PasswordHashParams {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export interface Config {
  port: number;
  host: string;
  /** The origin that CSRF and WebSocket checks compare against. */
  publicOrigin: string;
  /** Every origin accepted as "ours" (the public one, plus 127.0.0.1 when defaulted). */
  allowedOrigins: readonly string[];
  secureCookies: boolean;
  databaseUrl: string | undefined;
  dataDir: string;
  serverSecret: string | undefined;
  autoHideFlags: number;
  logLevel: string;
  admin: { pseudonym: string; password: string } | undefined;
  rateLimitFactor: number;
  hashConcurrency: number;
  hashQueueMax: number;
  passwordHash: PasswordHashParams;
  eventRetentionHours: number;
  /** How often milestones are looked for and celebrated (ms). */
  milestoneEveryMs: number;
  crisisConfigPath: string | undefined;
  /**
   * Behind a load balancer: how far X-Forwarded-For is believed. false: not at all; a
   * number: that many proxies in front of Haven; a list: the proxies' addresses or CIDRs.
   */
  trustProxy: TrustProxy;
  /** A session ends this many days after login, however often it is used. */
  sessionMaxDays: number;
  /** How long a thread page may be served from the per-process cache; 0 disables it. */
  pageCacheMs: number;
  /** How long a resolved session is reused in this process (access changes evict it at once). */
  sessionCacheMs: number;
  /**
   * PostgreSQL: a statement may run this long (the server cancels it), and the client
   * waits at most 2 s more for any answer, so that a stalled database gives 503s, not hangs.
   */
  dbQueryTimeoutMs: number;
  /** Past this event-loop delay requests are shed with 503 (0: never). */
  maxEventLoopDelayMs: number;
}

export type TrustProxy = false | number | readonly string[];

/**
 * TRUST_PROXY: "false", a hop count, or a comma-separated list of proxy addresses/CIDRs.
 * "true" is refused: trusting every hop makes the left-most X-Forwarded-For value, which
 * any client can write, the address that rate limits count, so they would never hold.
 * Returns the message to show when the value is not acceptable.
 */
export function parseTrustProxy(value: string): TrustProxy | string {
  const v = value.trim();
  if (v === 'false' || v === '0') return false;
  if (v === 'true') {
    return 'must not be "true" (any client could then pick the address rate limits count). Write how many proxies stand in front of Haven (e.g. 1), or their addresses or networks (e.g. 10.0.0.0/8,192.168.1.5)';
  }
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    return hops >= 1 && hops <= 10 ? hops : 'must be a number of proxies from 1 to 10, or addresses';
  }
  const entries = v.split(',').map((e) => e.trim()).filter(Boolean);
  const valid = (e: string) =>
    e.includes('/')
      ? ipaddr.IPv4.isValidCIDRFourPartDecimal(e) || ipaddr.IPv6.isValidCIDR(e)
      : ipaddr.IPv4.isValidFourPartDecimal(e) || ipaddr.IPv6.isValid(e);
  const bad = entries.filter((e) => !valid(e));
  if (entries.length === 0 || bad.length) return `must be "false", a number of proxies, or proxy addresses/CIDRs; not valid: ${bad.join(', ') || v}`;
  // A network is believed for every address in it: one that reaches public space would let
  // any client there choose the address rate limits count. A single public address (one
  // proxy, e.g. a load balancer's) is fine.
  const open = entries.filter((e) => e.includes('/') && !isSingleAddress(e) && !isPrivateNetwork(e));
  if (open.length) {
    return `must not name a network that covers public addresses (${open.join(', ')}): every client there could choose the address rate limits count. Name private networks (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7) or each proxy's own address`;
  }
  return Object.freeze(entries);
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** OWASP's argon2id minimum: m=19 MiB, t=2, p=1. */
export const DEFAULT_PASSWORD_HASH: PasswordHashParams = Object.freeze({
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
});

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  // Empty strings count as unset, as shells and compose files often export them.
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (Boolean(e.ADMIN_PSEUDONYM) !== Boolean(e.ADMIN_PASSWORD)) {
    throw new ConfigError(
      'Invalid configuration:\n  ADMIN_PSEUDONYM, ADMIN_PASSWORD: set both or neither',
    );
  }
  return makeConfig({
    port: e.PORT,
    host: e.HOST,
    publicOrigin: e.PUBLIC_ORIGIN,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    serverSecret: e.SERVER_SECRET,
    autoHideFlags: e.AUTO_HIDE_FLAGS,
    logLevel: e.LOG_LEVEL,
    admin: e.ADMIN_PSEUDONYM ? { pseudonym: e.ADMIN_PSEUDONYM, password: e.ADMIN_PASSWORD! } : undefined,
    rateLimitFactor: e.RATE_LIMIT_FACTOR,
    hashConcurrency: e.HASH_CONCURRENCY,
    hashQueueMax: e.HASH_QUEUE_MAX,
    eventRetentionHours: e.EVENT_RETENTION_HOURS,
    milestoneEveryMs: e.MILESTONE_EVERY_MS,
    crisisConfigPath: e.CRISIS_CONFIG,
    trustProxy: e.TRUST_PROXY,
    sessionMaxDays: e.SESSION_MAX_DAYS,
    pageCacheMs: e.PAGE_CACHE_MS,
    sessionCacheMs: e.SESSION_CACHE_MS,
    dbQueryTimeoutMs: e.DB_QUERY_TIMEOUT_MS,
    maxEventLoopDelayMs: e.MAX_EVENT_LOOP_DELAY_MS,
  });
}

export type ConfigInput = Partial<Omit<Config, 'allowedOrigins' | 'secureCookies' | 'publicOrigin'>> & {
  publicOrigin?: string | undefined;
};

/** Fills defaults and derived fields; used by loadConfig and by tests. */
export function makeConfig(input: ConfigInput): Readonly<Config> {
  const port = input.port ?? 3000;
  const explicitOrigin = input.publicOrigin?.replace(/\/$/, '');
  const publicOrigin = explicitOrigin ?? `http://localhost:${port}`;
  // The README sends newcomers to http://127.0.0.1:3000 while the contract's default
  // origin is localhost; with no explicit origin both loopback spellings are ours.
  const allowedOrigins = explicitOrigin ? [explicitOrigin] : [publicOrigin, `http://127.0.0.1:${port}`];
  return Object.freeze({
    port,
    host: input.host ?? '127.0.0.1',
    publicOrigin,
    allowedOrigins: Object.freeze(allowedOrigins),
    secureCookies: publicOrigin.startsWith('https:'),
    databaseUrl: input.databaseUrl,
    dataDir: path.resolve(input.dataDir ?? './data'),
    serverSecret: input.serverSecret,
    autoHideFlags: input.autoHideFlags ?? 3,
    logLevel: input.logLevel ?? 'info',
    admin: input.admin,
    rateLimitFactor: input.rateLimitFactor ?? 1,
    hashConcurrency: input.hashConcurrency ?? 2,
    hashQueueMax: input.hashQueueMax ?? 64,
    passwordHash: Object.freeze({ ...(input.passwordHash ?? DEFAULT_PASSWORD_HASH) }),
    eventRetentionHours: input.eventRetentionHours ?? 48,
    milestoneEveryMs: input.milestoneEveryMs ?? 600_000,
    crisisConfigPath: input.crisisConfigPath,
    trustProxy: input.trustProxy ?? false,
    sessionMaxDays: input.sessionMaxDays ?? 90,
    pageCacheMs: input.pageCacheMs ?? 30_000,
    sessionCacheMs: input.sessionCacheMs ?? 5_000,
    dbQueryTimeoutMs: input.dbQueryTimeoutMs ?? 10_000,
    maxEventLoopDelayMs: input.maxEventLoopDelayMs ?? 2_000,
  });
}
