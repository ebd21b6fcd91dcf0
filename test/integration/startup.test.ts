import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers/net';
import { afterAll, describe, expect, it } from 'vitest';
import { makeConfig } from '../../server/config';
import { startServer } from '../../server/server';
import { TEST_HASH } from '../helpers/context';

const dirs: string[] = [];
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'haven-start-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));


describe('the embedded database on disk', () => {
  it('starts against an empty DATA_DIR, and a restart keeps the data and the secret', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const config = makeConfig({ port, dataDir, passwordHash: TEST_HASH, logLevel: 'silent' });
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

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: path.resolve(import.meta.dirname, '../..'),
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

describe('server/main.ts (what npm start runs)', () => {
  it('migrates, serves /healthz, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const proc = run({ PORT: String(port), DATA_DIR: tempDir(), LOG_LEVEL: 'info' });
    let healthy = false;
    for (let i = 0; i < 100 && !healthy; i++) {
      await new Promise((r) => setTimeout(r, 200));
      healthy = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    }
    expect(healthy, proc.output()).toBe(true);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    // Request log lines name the route, never the client's address.
    expect(proc.output()).toContain('"route":"/healthz"');
    expect(proc.output()).not.toMatch(/remoteAddress|remotePort|x-forwarded-for/i);
  });

  it('refuses a bad setting with a message naming the variable', async () => {
    const proc = run({ PORT: 'three thousand', DATA_DIR: tempDir() });
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toContain('PORT');
  });
});
