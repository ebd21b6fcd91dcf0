import { afterAll, expect, it } from 'vitest';
import { report } from './report';
import { Rig } from './rig';

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
  await rig.stopWriting();
  const result = await rig.verify();
  report('kill -9 of one of two processes, restarted, twice, under 4 writers and 8 failing-over sockets', result, rig.failures, recoveries);
  expect(rig.unexpected).toEqual([]);
  expect(result.lost).toBe(0);
  expect(result.duplicated).toBe(0);
  for (const s of result.streams) expect(s).toEqual({ missing: 0, twice: 0, disorder: 0, resyncs: 0 });
  // A request cut by the kill fails as a lost connection; the retry goes to the survivor.
  for (const f of rig.failures) expect(f.ms).toBeLessThan(BOUND_MS);
});
