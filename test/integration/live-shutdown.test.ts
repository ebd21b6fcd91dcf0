import type { FastifyInstance } from 'fastify';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeConfig } from '../../server/config';
import { startServer } from '../../server/server';
import { ORIGIN, TEST_HASH } from '../helpers/context';
import { connect, subscribe } from '../helpers/live-client';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'haven-live-restart-'));
let scratch: TestDatabase | undefined;
// The server this test runs, closed even when an assertion failed halfway.
let running: FastifyInstance | undefined;
afterAll(async () => {
  await running?.close().catch(() => {});
  fs.rmSync(dir, { recursive: true, force: true });
  await scratch?.drop();
});

describe('graceful shutdown and restart', () => {
  it('closes sockets with 1001; after a restart a client reconnecting with since loses nothing', async () => {
    // On PostgreSQL, a database of this file's own (a clone of the migrated template).
    if (process.env.DATABASE_URL) scratch = await createTestDatabase();
    const config = makeConfig({
      port: 0, dataDir: dir, publicOrigin: ORIGIN, passwordHash: TEST_HASH, logLevel: 'silent', rateLimitFactor: 1000,
      // No load shedding: this test is not about it, and a busy machine would get 503s.
      maxEventLoopDelayMs: 0,
      ...(scratch?.url ? { databaseUrl: scratch.url } : {}),
    });
    const start = async () => {
      const app = await startServer(config);
      running = app;
      const { port } = app.server.address() as { port: number };
      return { app, http: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}/api/live` };
    };
    const post = (base: string, url: string, cookie: string, body: unknown) =>
      fetch(`${base}${url}`, { method: 'POST', headers: { 'content-type': 'application/json', origin: ORIGIN, cookie }, body: JSON.stringify(body) }).then((r) => r.json());

    let server = await start();
    const pseudonym = `restart_${process.pid}`;
    const signup = await fetch(`${server.http}/api/auth/signup`, {
      method: 'POST', headers: { 'content-type': 'application/json', origin: ORIGIN },
      body: JSON.stringify({ pseudonym, password: 'restart password', acceptGuidelines: true }),
    });
    const cookie = signup.headers.get('set-cookie')!.split(';')[0]!;
    const { thread } = await post(server.http, '/api/communities/introductions/threads', cookie, { title: 'restart', body: 'before the restart' });
    const topic = `thread:${thread.id}`;
    const client = await connect(server.ws);
    await subscribe(client, [topic]);
    const first = await post(server.http, `/api/threads/${thread.id}/posts`, cookie, { body: 'seen live' });
    const seen = await client.next((e) => e.type === 'event' && e.data.post.id === first.post.id);

    await server.app.close();
    expect((await client.closed).code).toBe(1001);

    server = await start();
    const missed = [];
    for (let i = 0; i < 3; i++) missed.push((await post(server.http, `/api/threads/${thread.id}/posts`, cookie, { body: `while away ${i}` })).post.id);
    const back = await connect(server.ws);
    await subscribe(back, [topic], seen.id);
    expect(back.events().map((e) => e.data.post.id)).toEqual(missed);
    back.close();
    await server.app.close();
    // Two servers started and stopped, the embedded one on disk: seconds each on a busy machine.
  }, 120_000);
});
