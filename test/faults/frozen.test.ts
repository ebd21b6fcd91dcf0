import { afterAll, expect, it } from 'vitest';
import { until } from '../helpers/wait';
import { expectIntact, readiness, Rig } from './rig';

// Short statement bounds, so that requests caught by the freeze end soon.
const rig = new Rig({ DB_QUERY_TIMEOUT_MS: '2000' });
afterAll(() => rig.tearDown());

it('a database frozen (SIGSTOP) for 20 s: requests end in 503 within their bound, /readyz says so, and nothing is lost after', async () => {
  await rig.setUp(2);
  rig.startReaders(6);
  // Checkout (5 s) + a statement (2 s + 2 s client grace) + its rollback (4 s), with room.
  const BOUND_MS = 20_000;
  rig.startWriting(BOUND_MS);
  await rig.moreAcked(40);
  const fault = Date.now();
  rig.cluster.freeze();
  try {
    // Readiness notices: a probe that cannot write in time, a LISTEN heartbeat unanswered.
    for (const app of rig.apps) await until(async () => (await readiness(app)) === 503, 'readyz to say not ready during the freeze', 30_000);
    const frozenFor = 20_000 - (Date.now() - fault);
    if (frozenFor > 0) await new Promise((r) => setTimeout(r, frozenFor)); // the fault's length, not a wait for a result
  } finally {
    rig.cluster.thaw();
  }
  await rig.moreAcked(1, 60_000);
  const recovery = Date.now() - fault - 20_000;
  for (const app of rig.apps) await until(async () => (await readiness(app)) === 200, 'readyz ready again after the thaw', 60_000);
  await rig.moreAcked(40);
  const result = await rig.finish('database frozen (SIGSTOP) for 20 s under 4 writers and 6 live sockets, 2 processes, DB_QUERY_TIMEOUT_MS=2000', [Math.max(0, recovery)]);
  expect(rig.failures.length).toBeGreaterThan(0); // the freeze was felt
  for (const f of rig.failures) expect(f).toMatchObject({ status: 503 });
  expectIntact(rig, result, BOUND_MS);
});
