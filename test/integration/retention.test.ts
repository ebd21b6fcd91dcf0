import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { transact } from '../../server/db/transact';
import { appendEvents } from '../../server/live/events.repository';
import { trimEveryMs } from '../../server/maintenance/maintenance';
import { useApp } from '../helpers/context';
import { until } from '../helpers/wait';

// A window of 1.8 s: trimmed every second.
const ctx = useApp({ eventRetentionHours: 0.0005 });
const onPostgres = Boolean(process.env.DATABASE_URL);

async function oldEvent(): Promise<string> {
  await transact(ctx.db, undefined, (trx) => appendEvents(trx, [{ topic: 'internal', stream: 'internal', kind: 'test.old', data: {} }]));
  const { rows } = await sql<{ id: string }>`
    update events set created_at = now() - interval '1 day'
    where id = (select max(id) from events where kind = 'test.old') returning id::text`.execute(ctx.db);
  return rows[0]!.id;
}
const exists = async (id: string) => (await ctx.db.selectFrom('events').select('id').where('id', '=', id).execute()).length > 0;

describe('event retention', () => {
  it('trims on a cadence tied to EVENT_RETENTION_HOURS, not only at start and hourly', async () => {
    expect(trimEveryMs(48)).toBe(3_600_000);
    expect(trimEveryMs(0.1)).toBe(36_000);
    expect(trimEveryMs(0.0005)).toBe(1_000);
    const id = await oldEvent();
    expect(await exists(id)).toBe(true);
    await until(async () => !(await exists(id)), 'the running server to trim an event past the window');
  });

  it.skipIf(!onPostgres)('one process trims at a time: while another holds the trim lock, this one skips the round', async () => {
    const other = new pg.Client({ connectionString: ctx.testDb.url });
    await other.connect();
    try {
      await other.query('select pg_advisory_lock($1)', [0x48617666]);
      const id = await oldEvent();
      expect(await ctx.app.haven.live.events.trim()).toBe(false);
      expect(await exists(id)).toBe(true);
      await other.query('select pg_advisory_unlock($1)', [0x48617666]);
      await until(async () => !(await exists(id)), 'the trim once the lock is free');
    } finally {
      await other.end();
    }
  });
});
