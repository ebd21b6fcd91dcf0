import { afterAll, expect, it } from 'vitest';
import { until } from '../helpers/wait';
import { expectIntact, readiness, Rig } from './rig';

const rig = new Rig();
afterAll(() => rig.tearDown());

it('a read-only database: writes answer 503 with Retry-After (never 500), reads go on, /readyz says not ready; all is well once it is writable', async () => {
  await rig.setUp(1);
  const app = rig.apps[0]!;
  const writer = rig.writers[0]!;
  rig.startReaders(2);
  const fault = Date.now();
  await rig.cluster.sql(`alter system set default_transaction_read_only = on`);
  await rig.cluster.sql(`select pg_reload_conf()`);
  await until(async () => (await readiness(app)) === 503, 'readyz to notice the database refuses writes', 30_000);
  const ready = await fetch(`http://127.0.0.1:${app.port}/readyz`).then((r) => r.json());
  expect(ready).toMatchObject({ status: 'not_ready', database: false });

  const refused = await rig.post(app, `/api/threads/${rig.threadIds[0]}/posts`, writer, { body: 'while read-only' });
  expect(refused.status).toBe(503);
  expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
  expect((await refused.json()).error.code).toBe('unavailable');
  const read = await fetch(`http://127.0.0.1:${app.port}/api/threads/${rig.threadIds[0]}`);
  expect(read.status).toBe(200);

  await rig.cluster.sql(`alter system reset default_transaction_read_only`);
  await rig.cluster.sql(`select pg_reload_conf()`);
  await until(async () => (await readiness(app)) === 200, 'readyz ready once writable', 30_000);
  const recovery = Date.now() - fault;
  rig.startWriting(20_000);
  await rig.moreAcked(20);
  const result = await rig.finish('database made read-only (default_transaction_read_only), then writable again, 1 process', [recovery], [{ status: 503, ms: 0 }, ...rig.failures]);
  expectIntact(rig, result);
  // The refused write left nothing behind.
  expect(await rig.database.db.selectFrom('posts').select('id').where('body_md', '=', 'while read-only').execute()).toEqual([]);
});

it('SIGTERM with a live socket that stopped reading: exit code 0', async () => {
  const app = rig.apps[0]!;
  const { default: WebSocket } = await import('ws');
  const socket = new WebSocket(`ws://127.0.0.1:${app.port}/api/live`, { headers: { origin: 'http://haven.test' } });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ type: 'subscribe', topics: [`thread:${rig.threadIds[0]}`] }));
  await new Promise((resolve) => socket.once('message', resolve));
  (socket as unknown as { _socket: { pause(): void } })._socket.pause();
  app.child.kill('SIGTERM');
  expect(await app.exited, app.output()).toBe(0);
  socket.terminate();
});
