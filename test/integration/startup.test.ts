import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { freePort } from '../helpers/net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { makeConfig } from '../../server/config';
import { connectDatabase } from '../../server/db/database';
import { migrateToLatest } from '../../server/db/migrate';
import { startServer } from '../../server/server';
import { TEST_HASH } from '../helpers/context';

const dirs: string[] = [];
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'haven-start-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
// Every test here starts real processes (each loads TypeScript through tsx) or opens an
// embedded database on disk: seconds each on a busy machine, so the bound is wider.
const SLOW = { timeout: 120_000 };


describe('the embedded database on disk', SLOW, () => {
  it('starts against an empty DATA_DIR, and a restart keeps the data and the secret', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const config = makeConfig({ port, dataDir, passwordHash: TEST_HASH, logLevel: 'silent', maxEventLoopDelayMs: 0 });
    const origin = `http://127.0.0.1:${port}`;
    const body = JSON.stringify({ pseudonym: 'steady_oak', password: 'one day at a time', acceptGuidelines: true });

    const first = await startServer(config);
    const signup = await fetch(`${origin}/api/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json', origin }, body });
    expect(signup.status).toBe(201);
    await first.close();
    const secret = fs.readFileSync(path.join(dataDir, 'server-secret'), 'utf8');
    expect(fs.statSync(path.join(dataDir, 'server-secret')).mode & 0o077).toBe(0);

    const second = await startServer(config);
    try {
      const login = await fetch(`${origin}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin },
        body: JSON.stringify({ pseudonym: 'steady_oak', password: 'one day at a time' }),
      });
      expect(login.status).toBe(200);
      expect(fs.readFileSync(path.join(dataDir, 'server-secret'), 'utf8')).toBe(secret);
    } finally {
      await second.close();
    }
  });
});

const ROOT = path.resolve(import.meta.dirname, '../..');
const children = new Set<ChildProcess>();
// Servers and commands this file started are killed even when an assertion failed.
afterEach(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
});

/** Runs a script of Haven's (the server by default) as `npm start` would, collecting its output. */
function run(env: Record<string, string>, script: string[] = ['server/main.ts']) {
  const child = spawn(process.execPath, ['--import', 'tsx', ...script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  const watchers: Array<() => void> = [];
  const onData = (d: Buffer) => {
    output += d;
    for (const w of watchers) w();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  /** Resolves once the output says `text`; rejects if the process exits first. */
  const says = (text: string) => new Promise<void>((resolve, reject) => {
    const check = () => output.includes(text) && resolve();
    watchers.push(check);
    check();
    void exited.then((code) => reject(new Error(`exited with ${code} before saying "${text}":\n${output}`)));
  });
  return { child, exited, says, output: () => output };
}

/**
 * A migrated DATA_DIR, made once and copied for each server that need not start from
 * nothing: a copy opens in a fraction of the time a fresh directory takes.
 */
let template: Promise<string> | undefined;
async function migratedDir(): Promise<string> {
  template ??= (async () => {
    const dir = tempDir();
    const database = await connectDatabase({ databaseUrl: undefined, dataDir: dir });
    await migrateToLatest(database.db);
    await database.close();
    return dir;
  })();
  const copy = tempDir();
  fs.cpSync(await template, copy, { recursive: true });
  return copy;
}

/** A server on a migrated copy (or the given DATA_DIR), once it says it listens. */
async function server(dataDir?: string) {
  dataDir ??= await migratedDir();
  const port = await freePort();
  // No load shedding: these tests are not about it, and a busy machine stalls a starting
  // process for longer than the default bound allows (its first requests would get 503).
  const proc = run({ PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'info', MAX_EVENT_LOOP_DELAY_MS: '0' });
  await proc.says('Haven is listening');
  return { ...proc, port, dataDir };
}

describe('server/main.ts (what npm start runs)', SLOW, () => {
  it('migrates, serves /healthz, and exits 0 on SIGTERM', async () => {
    const proc = await server(tempDir());
    expect((await fetch(`http://127.0.0.1:${proc.port}/healthz`)).ok).toBe(true);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    // Request log lines name the route, never the client's address.
    expect(proc.output()).toContain('"route":"/healthz"');
    expect(proc.output()).not.toMatch(/remoteAddress|remotePort|x-forwarded-for/i);
  });

  it('exits 0 on SIGTERM even when a live socket has stopped reading', async () => {
    const proc = await server();
    const socket = new WebSocket(`ws://127.0.0.1:${proc.port}/api/live`, { headers: { origin: `http://127.0.0.1:${proc.port}` } });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    socket.send(JSON.stringify({ type: 'subscribe', topics: ['community:introductions'] }));
    await new Promise((resolve) => socket.once('message', resolve));
    // The client stops reading: it will never see, or answer, the server's close frame.
    (socket as unknown as { _socket: { pause(): void } })._socket.pause();
    proc.child.kill('SIGTERM');
    // A forced exit after the shutdown grace is code 1; a clean one, 0.
    expect(await proc.exited, proc.output()).toBe(0);
    socket.terminate();
  });

  it('refuses a bad setting with a message naming the variable', async () => {
    const proc = run({ PORT: 'three thousand', DATA_DIR: tempDir() });
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toContain('PORT');
  });
});

describe('one process per embedded database', SLOW, () => {
  it('a second server, npm run admin and npm run seed:demo on a running server’s DATA_DIR stop with a message naming it, and touch nothing', async () => {
    const first = await server();
    const pid = String(first.child.pid);
    const second = run({ PORT: String(await freePort()), DATA_DIR: first.dataDir, MAX_EVENT_LOOP_DELAY_MS: '0' });
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain(`pid ${pid}`);
    expect(second.output()).toMatch(/stop that process first/);
    const admin = run({ DATA_DIR: first.dataDir }, ['scripts/admin.ts', 'role', 'nobody_here', 'member']);
    expect(await admin.exited).toBe(1);
    expect(admin.output()).toContain(`pid ${pid}`);
    const seed = run({ DATA_DIR: first.dataDir }, ['scripts/seed-demo.ts']);
    expect(await seed.exited).toBe(1);
    expect(seed.output()).toContain(`pid ${pid}`);
    // The first server still writes and reads as before.
    const origin = `http://127.0.0.1:${first.port}`;
    const signup = await fetch(`${origin}/api/auth/signup`, {
      method: 'POST', headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify({ pseudonym: 'lock_keeper', password: 'one day at a time', acceptGuidelines: true }),
    });
    expect(signup.status).toBe(201);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(fs.existsSync(path.join(first.dataDir, 'pglite.lock'))).toBe(false);
  });

  it('a lock left by a process that was killed does not keep the next one out', async () => {
    const first = await server();
    first.child.kill('SIGKILL');
    await first.exited;
    expect(fs.existsSync(path.join(first.dataDir, 'pglite.lock'))).toBe(true);
    const next = await server(first.dataDir);
    next.child.kill('SIGTERM');
    expect(await next.exited).toBe(0);
  });
});
