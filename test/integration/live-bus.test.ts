import { Kysely, PostgresDialect, type KyselyPlugin } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { pgTypeParsers } from '../../server/db/database';
import type { DB } from '../../server/db/schema';
import { transact } from '../../server/db/transact';
import { InProcessBus, PostgresBus } from '../../server/outbox/bus';
import { appendEvents, type EventRow } from '../../server/outbox/outbox.repository';
import { useApp } from '../helpers/context';
import { until } from '../helpers/wait';

const ctx = useApp();

describe.skipIf(!process.env.DATABASE_URL)('the PostgreSQL bus', () => {
  it('hands its own commit on without reading the outbox, and the NOTIFY that follows costs no read either', async () => {
    const url = ctx.testDb.url!;
    const counter = countingReads();
    const pool = new pg.Pool({ connectionString: url, max: 2, types: pgTypeParsers });
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) }).withPlugin(counter);
    // Another process's writes: heard only through NOTIFY.
    const elsewhere = new Kysely<DB>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }) });
    const bus = new PostgresBus(db, url, (err) => {
      throw err;
    }, 60_000, 60_000);
    const heard: EventRow[] = [];
    bus.onEvents(async (rows) => void heard.push(...rows));
    try {
      await bus.start();
      await until(async () => bus.ready(), 'the bus listening');
      const event = (kind: string) => ({ topic: 'bus-test', stream: 'public', kind, data: {} });
      // The catch-up read every (re)connection makes.
      await until(async () => counter.finished >= 1, 'the first read');
      const atStart = counter.reads;

      // A commit here hands its rows to the bus, as the app's own writes do: the bus has read
      // everything before them, so they go on as written, and the NOTIFY finds them read.
      const written = await transact(db, (trx) => appendEvents(trx, [event('mine')]));
      // The commit's NOTIFY races the commit's answer: when it is handled first, its read
      // fetches the rows (as it would in the app), and the hand-off must then add nothing.
      const byNotify = counter.reads - atStart;
      expect(byNotify).toBeLessThanOrEqual(1);
      bus.committed(written!);
      expect(counter.reads - atStart).toBe(byNotify);
      await until(async () => heard.some((e) => e.kind === 'mine'), 'our own event');
      // A commit elsewhere: notifications arrive in commit order, so once this one is
      // heard, our own event's NOTIFY has been handled too.
      await transact(elsewhere, (trx) => appendEvents(trx, [event('theirs')]));
      await until(async () => heard.some((e) => e.kind === 'theirs'), 'the other process’s event');

      expect(heard.map((e) => e.kind)).toEqual(['mine', 'theirs']);
      // No read for the hand-off or a NOTIFY of rows already handed on; one for the other process's.
      expect(counter.reads - atStart).toBe(byNotify + 1);
    } finally {
      await bus.close();
      await db.destroy();
      await elsewhere.destroy();
    }
  });
});

/**
 * Counts the bus's reads of the outbox (a select from events), on either database: `reads`
 * as they are built, so a read that a call starts is counted before the call returns, and
 * `finished` as their rows come back.
 */
function countingReads(): KyselyPlugin & { reads: number; finished: number } {
  const outboxReads = new WeakSet<object>();
  const plugin = {
    reads: 0,
    finished: 0,
    transformQuery(args: { node: any; queryId: object }) {
      const node = args.node;
      if (node.kind === 'SelectQueryNode' && node.from?.froms?.[0]?.table?.identifier?.name === 'events') {
        plugin.reads++;
        outboxReads.add(args.queryId);
      }
      return node;
    },
    async transformResult(args: { result: any; queryId: object }) {
      if (outboxReads.has(args.queryId)) plugin.finished++;
      return args.result;
    },
  };
  return plugin;
}

describe('the bus and this process’s own commits', () => {
  it('reads the outbox when a commit elsewhere came first, so events still arrive in id order', async () => {
    const counter = countingReads();
    const db = ctx.db.withPlugin(counter);
    // No LISTEN and no polling: only this process's commits move this bus.
    const bus = new InProcessBus(db, (err) => {
      throw err;
    }, 600_000);
    const heard: EventRow[] = [];
    bus.onEvents(async (rows) => void heard.push(...rows));
    const event = (kind: string) => ({ topic: 'bus-test', stream: 'public', kind, data: { n: kind } });
    try {
      await bus.start();
      const mine = await transact(db, (trx) => appendEvents(trx, [event('first'), event('second')]));
      bus.committed(mine!);
      await until(async () => heard.length === 2, 'our own events');
      expect(counter.reads).toBe(0);
      expect(heard).toEqual(mine!.rows);
      expect(heard.map((e) => [e.kind, e.data])).toEqual([['first', { n: 'first' }], ['second', { n: 'second' }]]);

      // Written by "another process" (not through this bus), then ours: ours does not follow
      // what this bus has read, so it reads, and gets both, in order.
      await transact(ctx.db, (trx) => appendEvents(trx, [event('theirs')]));
      const later = await transact(db, (trx) => appendEvents(trx, [event('later')]));
      bus.committed(later!);
      await until(async () => heard.length === 4, 'both events');
      expect(heard.map((e) => e.kind)).toEqual(['first', 'second', 'theirs', 'later']);
      expect(counter.reads).toBe(1);
      expect(heard.map((e) => BigInt(e.id))).toEqual([...heard.map((e) => BigInt(e.id))].sort((a, b) => (a < b ? -1 : 1)));
    } finally {
      await bus.close();
    }
  });
});
