import { afterAll, it } from 'vitest';
import { expectIntact, Rig } from './rig';

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
  const result = await rig.finish('5 PostgreSQL restarts (pg_ctl restart -m fast) under 4 writers and 6 live sockets, 2 processes', recoveries);
  expectIntact(rig, result, BOUND_MS);
});
