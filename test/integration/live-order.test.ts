import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useApp } from '../helpers/context';
import { connect, listenOnce, subscribe } from '../helpers/live-client';

const ctx = useApp();

describe('event order is commit order', () => {
  it('many concurrent writers, each pausing inside its transaction: every event arrives once, ids strictly increasing, live and replayed', async () => {
    const url = await listenOnce(ctx);
    const members = await Promise.all(Array.from({ length: 12 }, () => ctx.newMember()));
    // One thread per writer: replies to one thread queue on its row lock, so writers to
    // different threads are what can commit out of id order.
    const threads = [];
    for (const m of members) threads.push(await ctx.newThread(m));
    const topics = threads.map((t) => `thread:${t.thread.id}`);
    const openings = new Set(threads.map((t) => t.post.id as string));
    const live = await connect(url);
    await subscribe(live, topics);
    const since = (await live.next((m) => m.type === 'subscribed')).lastEventId;

    // A pause of up to 30 ms inside each writing transaction, right after its post takes
    // its id: commits land in a random order relative to the order in which ids were taken.
    await sql`
      create function test_pause() returns trigger language plpgsql as $$
      begin perform pg_sleep(random() * 0.03); return new; end $$`.execute(ctx.db);
    await sql`create trigger test_pause after insert on posts for each row execute function test_pause()`.execute(ctx.db);
    const writes = [];
    for (let round = 0; round < 5; round++) {
      for (const [i, m] of members.entries()) writes.push(ctx.reply(m, threads[i]!.thread.id, { body: `round ${round} from ${i}` }));
    }
    const posted = (await Promise.all(writes)).map((p) => p.id).sort();
    const replies = (events: any[]) => events.filter((e) => !openings.has(e.data.post.id));
    for (let i = 0; i < 100 && replies(live.events()).length < posted.length; i++) await new Promise((r) => setTimeout(r, 50));

    const check = (all: any[]) => {
      const events = replies(all);
      expect(events.map((e) => e.data.post.id).sort()).toEqual(posted);
      const ids = all.map((e) => BigInt(e.id));
      for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
    };
    check(live.events());

    const replay = await connect(url);
    await subscribe(replay, topics, since);
    check(replay.events());
    const fromZero = await connect(url);
    await subscribe(fromZero, topics, '0');
    check(fromZero.events());
    expect(fromZero.events().length).toBe(posted.length + threads.length);
    for (const s of [live, replay, fromZero]) s.close();
  });
});
