import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { errorBody } from '../../server/contract/common';
import { useApp, type Member } from '../helpers/context';
import { NAUGHTY } from '../helpers/naughty';

/**
 * Every route of the app, taken from the route table (a route added later is fuzzed without
 * anyone listing it), gets hostile params, queries and bodies from every kind of caller.
 * Whatever comes in: no 5xx, no hang, an error in the contract's shape, and a refused
 * request leaves every table as it was.
 */
const ctx = useApp();

const HUGE_IDS = ['9999999999999999999', '9223372036854775808', '99999999999999999999999', '-1', '0', '1e3', '0x1F', ' 7', '1.5', '00012'];
const NUL_TEXT = ['\u0000', 'a\u0000b', 'ok\u0000'];
const BAD_TIMES = ['2024-99-99T99:99:99.999Z', '0000-01-01T00:00:00.000Z', '2024-02-30T00:00:00.000Z', '1969-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'];
const RAW_PATH = ['%00', '%ED%A0%80', '%FF', '%', '..%2F..', '%2e%2e'];
const hostileText = fc.oneof(
  fc.constantFrom(...HUGE_IDS, ...NUL_TEXT, ...BAD_TIMES, ...NAUGHTY.slice(0, 400)),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 300 }),
);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** Cursors the server could never have made: well-formed containers, hostile parts. */
const hostileCursor = fc.oneof(
  fc.array(fc.oneof(hostileText, fc.constantFrom(...BAD_TIMES, ...HUGE_IDS), fc.integer()), { maxLength: 3 }).map(b64),
  fc.tuple(fc.constantFrom('0', '1'), fc.constantFrom(...BAD_TIMES), fc.constantFrom(...HUGE_IDS)).map(b64),
  fc.tuple(fc.constantFrom(...BAD_TIMES), fc.constantFrom('1', ...HUGE_IDS)).map(b64),
  hostileText,
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileText,
  fc.jsonValue({ maxDepth: 2 }),
  fc.array(hostileText, { maxLength: 4 }),
  fc.constantFrom(true, false, null, 0, -1, 1e308, 9999999999999999999),
);
/** Field names from every request schema of the contract, plus strangers. */
const FIELDS = [
  'pseudonym', 'password', 'newPassword', 'currentPassword', 'recoveryCode', 'acceptGuidelines', 'erasePosts',
  'contentWarnings', 'recoveryStartDate', 'showRecoveryDays', 'title', 'body', 'parentId', 'anonymous', 'reason',
  'note', 'outcome', 'until', 'role', 'ids', 'all', 'text', 'constructor', '__proto__',
];
const hostileBody = fc.oneof(
  fc.constant(undefined),
  fc.dictionary(fc.constantFrom(...FIELDS), hostileValue, { maxKeys: 6 }),
  fc.jsonValue({ maxDepth: 3 }),
);
const QUERY_KEYS = ['cursor', 'limit', 'q', 'status', 'since'];
const hostileQuery = fc.dictionary(fc.constantFrom(...QUERY_KEYS, 'x'), fc.oneof(hostileText, hostileCursor), { maxKeys: 4 });

function encodeSegment(value: string, raw: boolean): string {
  if (raw) return value;
  return value.isWellFormed() ? encodeURIComponent(value) : encodeURIComponent(value.toWellFormed());
}

type Who = 'visitor' | 'member' | 'moderator' | 'admin';
interface Fixtures {
  people: Record<Exclude<Who, 'visitor'>, Member>;
  valid: Record<string, string[]>;
}
let fx: Fixtures;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} hung`)), 15_000)));
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer));
}

describe('every route, fuzzed from the route table', () => {
  beforeAll(async () => {
    const member = await ctx.newMember();
    const moderator = await ctx.newMember('moderator');
    const admin = await ctx.newMember('admin');
    const author = await ctx.newMember();
    const { thread, post } = await ctx.threadRow(author);
    const reply = await ctx.replyRow(author, thread.id, { body: 'a reply to fuzz around' });
    const flag = await ctx.request('POST', `/api/posts/${reply.id}/flags`, { as: member, body: { reason: 'spam' } });
    fx = {
      people: { member, moderator, admin },
      valid: { id: [thread.id, post.id, reply.id, flag.body.flag.id], slug: ['introductions'], pseudonym: [author.pseudonym] },
    };
  });

  const routes = () =>
    ctx.app.haven.routes.filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS');

  it('walks every registered route', () => {
    expect(routes().length).toBeGreaterThanOrEqual(30);
  });

  it('answers hostile input with a 4xx in the error shape or a 2xx, never a 5xx, and a refusal stores nothing', async () => {
    for (const { method, url } of routes()) {
      const params = [...url.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]!);
      const paramValue = (name: string) =>
        fc.oneof(
          fc.constantFrom(...(fx.valid[name] ?? ['1'])).map((v) => ({ v, raw: false })),
          hostileText.map((v) => ({ v, raw: false })),
          fc.constantFrom(...HUGE_IDS, ...NUL_TEXT).map((v) => ({ v, raw: false })),
          fc.constantFrom(...RAW_PATH).map((v) => ({ v, raw: true })),
        );
      const input = fc.record({
        who: fc.constantFrom<Who>('visitor', 'member', 'moderator', 'admin'),
        params: fc.tuple(...params.map(paramValue)),
        query: hostileQuery,
        body: method === 'GET' ? fc.constant(undefined) : hostileBody,
      });
      await fc.assert(
        fc.asyncProperty(input, async ({ who, params: values, query, body }) => {
          let path = url;
          params.forEach((name, i) => (path = path.replace(`:${name}`, encodeSegment(values[i]!.v, values[i]!.raw))));
          path = path.replace('*', 'x');
          const qs = Object.entries(query)
            .map(([k, v]) => `${k}=${encodeSegment(v, false)}`)
            .join('&');
          // A fresh session per request: a fuzzed logout must not end the next case's session.
          const cookie = who === 'visitor' ? undefined : await ctx.newSession(fx.people[who].id);
          const before = await ctx.snapshot();
          const what = `${method} ${path}${qs ? `?${qs}` : ''} as ${who} with ${JSON.stringify(body)?.slice(0, 200)}`;
          const send = () =>
            withTimeout(
              ctx.app.inject({
                method: method as 'GET',
                url: qs ? `${path}?${qs}` : path,
                headers: { origin: ctx.config.publicOrigin, ...(cookie ? { cookie } : {}) },
                ...(body !== undefined ? { payload: body as object } : {}),
              }),
              what,
            );
          let res = await send();
          // The load shedder's 503 (with Retry-After) is the contract's answer to a busy
          // process, not a defect: wait for the process to settle and ask again.
          for (let i = 0; i < 50 && res.statusCode === 503 && res.headers['retry-after'] && res.json().error?.code === 'unavailable'; i++) {
            await new Promise((r) => setTimeout(r, 200));
            res = await send();
          }
          expect(res.statusCode, `${what} → ${res.body.slice(0, 300)}`).toBeLessThan(500);
          if (res.statusCode >= 400) {
            let parsed: unknown;
            try {
              parsed = JSON.parse(res.body);
            } catch {
              parsed = undefined;
            }
            expect(errorBody.safeParse(parsed).success, `${what} → ${res.statusCode} ${res.body.slice(0, 300)}`).toBe(true);
            expect(await ctx.snapshot(), `${what} changed stored data`).toBe(before);
          }
        }),
        { numRuns: 30, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 100_000), endOnFailure: true },
      );
    }
  }, 600_000);
});
