import { afterAll, expect, it } from 'vitest';
import { report } from './report';
import { Rig } from './rig';

const rig = new Rig();
afterAll(() => rig.tearDown());

it('5 PostgreSQL restarts under writes and live sockets: nothing lost, nothing twice, every event delivered in order', async () => {
  await rig.setUp(2);
  rig.startReaders(6);
  const BOUND_MS = 20_000;
  rig.startWriting(BOUND_MS);
  const recoveries: number[] = [];
  for (let round = 0; round < 5; round++) {
    await rig.moreAcked(30);
    const fault = Date.now();
    await rig.cluster.restart();
    await rig.moreAcked(1);
    recoveries.push(Date.now() - fault); // from the restart's start to the next acknowledged reply
  }
  await rig.moreAcked(30);
  await rig.stopWriting();
  const result = await rig.verify();
  report('5 PostgreSQL restarts (pg_ctl restart -m fast) under 4 writers and 6 live sockets, 2 processes', result, rig.failures, recoveries);
  expect(rig.unexpected).toEqual([]);
  expect(result.lost).toBe(0);
  expect(result.duplicated).toBe(0);
  for (const s of result.streams) expect(s).toEqual({ missing: 0, twice: 0, disorder: 0, resyncs: 0 });
  for (const f of rig.failures) expect(f.ms).toBeLessThan(BOUND_MS);
});
