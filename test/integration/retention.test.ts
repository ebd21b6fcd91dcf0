import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { transact } from '../../server/db/transact';
import { appendEvents } from '../../server/outbox/outbox.repository';
import { trimEveryMs } from '../../server/maintenance/maintenance';
import { useApp } from '../helpers/context';
import { until } from '../helpers/wait';

// A window of 1.8 s: trimmed every second.
const ctx = useApp({ eventRetentionHours: 0.0005 });
const onPostgres = Boolean(process.env.DATABASE_URL);

async function oldEvent(): Promise<string> {
  await transact(ctx.db, (trx) => appendEvents(trx, [{ topic: 'internal', stream: 'internal', kind: 'test.old', data: {} }]));
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
      expect(await ctx.app.haven.maintenance.retentionRound()).toBe(false);
      expect(await exists(id)).toBe(true);
      await other.query('select pg_advisory_unlock($1)', [0x48617666]);
      await until(async () => !(await exists(id)), 'the trim once the lock is free');
    } finally {
      await other.end();
    }
  });

  it('one round forgets each kind at its window: idempotency keys, sessions, rate limits, retired names, finished suspensions', async () => {
    const m = await ctx.newMember();
    const ago = (ms: number) => new Date(Date.now() - ms);
    const H = 3_600_000;
    const D = 24 * H;
    await ctx.db.insertInto('idempotency_keys').values([
      { user_id: m.id, key: 'old', request_hash: 'x', created_at: ago(25 * H) },
      { user_id: m.id, key: 'new', request_hash: 'x', created_at: ago(H) },
    ]).execute();
    const hashOf = (cookie: string) => createHash('sha256').update(cookie.slice('sid='.length)).digest('hex');
    const idle = hashOf(await ctx.newSession(m.id));
    await ctx.db.updateTable('sessions').set({ last_seen_at: ago(31 * D) }).where('token_hash', '=', idle).execute();
    const fresh = hashOf(await ctx.newSession(m.id));
    await ctx.db.insertInto('rate_limits').values([
      { key: `gone-${m.id}`, count: 3, reset_at: ago(1000) },
      { key: `kept-${m.id}`, count: 3, reset_at: new Date(Date.now() + H) },
    ]).execute();
    await ctx.db.insertInto('retired_pseudonyms').values([
      { digest: `gone-${m.id}`, until: ago(1000) },
      { digest: `kept-${m.id}`, until: new Date(Date.now() + D) },
    ]).execute();
    const suspended = await ctx.newMember();
    await ctx.db.updateTable('users').set({ suspended_until: ago(1000), suspension_reason: 'over' }).where('id', '=', suspended.id).execute();
    await ctx.db.insertInto('suspensions').values([
      { user_id: suspended.id, anonymous: false, subject: 'x', reason: 'ended', until: ago(1000) },
      { user_id: suspended.id, anonymous: false, subject: 'x', reason: 'lifted', until: new Date(Date.now() + D), lifted_at: ago(1000) },
      { user_id: suspended.id, anonymous: false, subject: 'x', reason: 'running', until: new Date(Date.now() + D) },
    ]).execute();

    // Another round may be running this very moment (the server's own timer): wait for one of ours.
    await until(async () => ctx.app.haven.maintenance.retentionRound(), 'a retention round of this test’s own');
    const keys = await ctx.db.selectFrom('idempotency_keys').select('key').where('user_id', '=', m.id).execute();
    expect(keys.map((k) => k.key)).toEqual(['new']);
    const sessions = (await ctx.db.selectFrom('sessions').select('token_hash').where('user_id', '=', m.id).execute()).map((r) => r.token_hash);
    expect(sessions).toContain(fresh);
    expect(sessions).not.toContain(idle);
    const limits = await ctx.db.selectFrom('rate_limits').select('key').where('key', 'in', [`gone-${m.id}`, `kept-${m.id}`]).execute();
    expect(limits.map((l) => l.key)).toEqual([`kept-${m.id}`]);
    const retired = await ctx.db.selectFrom('retired_pseudonyms').select('digest').where('digest', 'in', [`gone-${m.id}`, `kept-${m.id}`]).execute();
    expect(retired.map((r) => r.digest)).toEqual([`kept-${m.id}`]);
    const left = await ctx.db.selectFrom('suspensions').select('reason').where('user_id', '=', suspended.id).execute();
    expect(left.map((r) => r.reason)).toEqual(['running']);
    const user = await ctx.db.selectFrom('users').select(['suspended_until', 'suspension_reason']).where('id', '=', suspended.id).executeTakeFirstOrThrow();
    expect(user).toEqual({ suspended_until: null, suspension_reason: null });
  });
});
