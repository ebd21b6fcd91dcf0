import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { pgTypeParsers } from '../../server/db/database';
import type { DB } from '../../server/db/schema';
import { transact } from '../../server/db/transact';
import { PostgresBus } from '../../server/live/bus';
import { appendEvents, type EventRow } from '../../server/live/events.repository';
import { useApp } from '../helpers/context';
import { until } from '../helpers/wait';

const ctx = useApp();

describe.skipIf(!process.env.DATABASE_URL)('the PostgreSQL bus', () => {
  it('reads the outbox once for its own commit: the NOTIFY that follows the wake costs no second read', async () => {
    const url = ctx.testDb.url!;
    let reads = 0;
    const pool = new pg.Pool({ connectionString: url, max: 2, types: pgTypeParsers });
    const db = new Kysely<DB>({
      dialect: new PostgresDialect({ pool }),
      log: (e) => {
        if (/from "events" where "id" >/.test(e.query.sql)) reads++;
      },
    });
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
      await until(async () => reads >= 1, 'the first read');
      const readsAtStart = reads;

      // A commit here wakes the bus, as the app's own writes do (whichever of the wake and
      // the NOTIFY comes second finds the event read already).
      const last = await transact(db, undefined, (trx) => appendEvents(trx, [event('mine')]));
      bus.wake(last);
      await until(async () => heard.some((e) => e.kind === 'mine'), 'our own event');
      // A commit elsewhere: notifications arrive in commit order, so once this one is
      // heard, our own event's NOTIFY has been handled too.
      await transact(elsewhere, undefined, (trx) => appendEvents(trx, [event('theirs')]));
      await until(async () => heard.some((e) => e.kind === 'theirs'), 'the other process’s event');

      expect(heard.map((e) => e.kind)).toEqual(['mine', 'theirs']);
      // One read for our commit, one for the other process's; none for the second signal.
      expect(reads - readsAtStart).toBe(2);
    } finally {
      await bus.close();
      await db.destroy();
      await elsewhere.destroy();
    }
  });
});
