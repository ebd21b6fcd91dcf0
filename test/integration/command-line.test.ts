import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../server/app';
import { makeConfig } from '../../server/config';
import { connectDatabase } from '../../server/db/database';
import { TEST_HASH } from '../helpers/context';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'haven-seed-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const script = (file: string, ...args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd: path.resolve(import.meta.dirname, '../..'),
    // Always the embedded database in a fresh directory, whichever database the suite uses.
    env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
  });
const seed = () => script('scripts/seed-demo.ts');
const admin = (...args: string[]) => script('scripts/admin.ts', ...args).then((r) => ({ code: 0, ...r }), (e) => e);

async function withDatabase<T>(fn: (db: Awaited<ReturnType<typeof connectDatabase>>['db']) => Promise<T>): Promise<T> {
  const database = await connectDatabase({ databaseUrl: undefined, dataDir });
  try {
    return await fn(database.db);
  } finally {
    await database.close();
  }
}

// Seeded once for the file (each run is a process that hashes eight passwords): the tests
// below run in order on the demo data.
let first: Awaited<ReturnType<typeof seed>>;
beforeAll(async () => {
  first = await seed();
}, 120_000);

describe('npm run seed:demo', () => {
  it('fills an empty database, and running it again adds no duplicates', async () => {
    expect(first.stdout).toContain('Demo data is in place.');
    const second = await seed();
    expect(second.stdout).toContain('already there');
    expect(second.stdout).toContain('Demo data is in place.');
    const titles = await withDatabase((db) => db.selectFrom('threads').select('title').execute());
    expect(titles.length).toBeGreaterThan(0);
    expect(new Set(titles.map((t) => t.title)).size).toBe(titles.length);
  }, 120_000);
});

describe('npm run admin -- role', () => {
  it('changes a role, logs it as the command line did it, and never demotes the last admin', async () => {
    expect((await admin('role', 'River_Stone', 'admin')).stdout).toContain('river_stone is now admin.');
    const last = await admin('role', 'river_stone', 'member');
    expect(last.code).toBe(1);
    expect(last.stderr).toContain('last admin');
    expect((await admin('role', 'quiet_harbor', 'moderator')).stdout).toContain('now moderator');
    const unknown = await admin('role', 'nobody_here', 'moderator');
    expect(unknown.code).toBe(1);
    expect((await admin('role', 'quiet_harbor', 'owner')).code).toBe(2);
    const { roles, log } = await withDatabase(async (db) => ({
      roles: await db.selectFrom('users').select(['pseudonym', 'role']).where('pseudonym', 'in', ['river_stone', 'quiet_harbor']).orderBy('pseudonym').execute(),
      log: await db.selectFrom('mod_log').select(['actor', 'action', 'target', 'reason']).orderBy('id').execute(),
    }));
    expect(roles).toEqual([{ pseudonym: 'quiet_harbor', role: 'moderator' }, { pseudonym: 'river_stone', role: 'admin' }]);
    expect(log).toEqual([
      { actor: 'command line', action: 'role-change', target: 'river_stone', reason: 'member → admin' },
      { actor: 'command line', action: 'role-change', target: 'quiet_harbor', reason: 'member → moderator' },
    ]);
  }, 120_000);
});

describe('npm run admin -- recovery-code', () => {
  it('prints a new recovery code once, and it resets the password', async () => {
    const { stdout } = await admin('recovery-code', 'quiet_harbor');
    const code = stdout.trim().split('\n').at(-1)!;
    expect(stdout).toContain('New recovery code for quiet_harbor');
    const app = await buildApp(makeConfig({ dataDir, passwordHash: TEST_HASH, logLevel: 'silent' }));
    try {
      const recover = (recoveryCode: string) =>
        app.inject({ method: 'POST', url: '/api/auth/recover', payload: { pseudonym: 'quiet_harbor', recoveryCode, newPassword: 'a new password, long' } });
      expect((await recover('not-the-code-at-all')).statusCode).toBe(401);
      expect((await recover(code)).statusCode).toBe(200);
      const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { pseudonym: 'quiet_harbor', password: 'a new password, long' } });
      expect(login.statusCode).toBe(200);
    } finally {
      await app.close();
    }
    expect((await admin('recovery-code', 'nobody_here')).code).toBe(1);
  }, 120_000);
});

