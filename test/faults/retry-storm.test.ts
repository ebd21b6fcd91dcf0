import { randomUUID } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { expectIntact, Rig } from './rig';

const rig = new Rig();
afterAll(() => rig.tearDown());

it('a retry storm: 1,000 replies sent 1 to 3 times at once, to either process, each stored exactly once', async () => {
  await rig.setUp(2, 10);
  rig.startReaders(4);
  const REPLIES = 1_000;
  const answers = new Map<string, Set<string>>();
  const statuses = new Map<number, number>();
  let next = 0;
  const worker = async () => {
    for (let n = next++; n < REPLIES; n = next++) {
      const writer = rig.writers[n % rig.writers.length]!;
      const key = randomUUID();
      const copies = 1 + Math.floor(Math.random() * 3);
      const threadId = rig.threadIds[n % 2]!;
      const results = await Promise.all(Array.from({ length: copies }, async () => {
        const app = rig.apps[Math.floor(Math.random() * rig.apps.length)]!;
        const res = await rig.post(app, `/api/threads/${threadId}/posts`, writer, { body: `storm ${n}` }, { 'idempotency-key': key });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        return res.ok ? String((await res.json()).post.id) : (await res.arrayBuffer(), null);
      }));
      const ids = new Set(results.filter((id): id is string => id !== null));
      answers.set(key, ids);
      if (ids.size === 1) rig.acked.set(key, [...ids][0]!);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  const result = await rig.finish('retry storm: 1,000 replies, each sent 1–3 times at once to one of 2 processes', [], [...statuses].filter(([s]) => s >= 300).map(([status]) => ({ status, ms: 0 })));
  // Every copy of a request got the same post, and every request got one.
  expect([...answers.values()].filter((ids) => ids.size !== 1)).toEqual([]);
  expect([...statuses.keys()].filter((s) => s !== 201 && s !== 200)).toEqual([]);
  expect(result.acknowledged).toBe(REPLIES);
  expectIntact(rig, result);
});
