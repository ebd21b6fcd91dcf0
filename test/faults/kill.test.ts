import { afterAll, it } from 'vitest';
import { expectIntact, Rig } from './rig';

const rig = new Rig();
afterAll(() => rig.tearDown());

it('kill -9 of one of two processes under load: clients fail over with since, nothing lost or twice, every event delivered', async () => {
  await rig.setUp(2);
  rig.startReaders(8);
  const BOUND_MS = 20_000;
  rig.startWriting(BOUND_MS);
  const recoveries: number[] = [];
  for (let round = 0; round < 2; round++) {
    await rig.moreAcked(40);
    const victim = rig.apps[1]!;
    const fault = Date.now();
    victim.child.kill('SIGKILL');
    await victim.exited;
    await rig.moreAcked(1);
    recoveries.push(Date.now() - fault); // to the next acknowledged reply, on the survivor
    await rig.moreAcked(40);
    // The killed process comes back on its port; readers pick it again at random.
    rig.apps[1] = await rig.spawnApp(victim.port);
  }
  await rig.moreAcked(40);
  const result = await rig.finish('kill -9 of one of two processes, restarted, twice, under 4 writers and 8 failing-over sockets', recoveries);
  // A request cut by the kill fails as a lost connection; the retry goes to the survivor.
  expectIntact(rig, result, BOUND_MS);
});
