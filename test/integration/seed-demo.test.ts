import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../../server/db/database';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'haven-seed-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const seed = () =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/seed-demo.ts'], {
    cwd: path.resolve(import.meta.dirname, '../..'),
    // Always the embedded database in a fresh directory, whichever database the suite uses.
    env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
  });

describe('npm run seed:demo', () => {
  it('fills an empty database, and running it again adds no duplicates', async () => {
    const first = await seed();
    expect(first.stdout).toContain('Demo data is in place.');
    const second = await seed();
    expect(second.stdout).toContain('already there');
    expect(second.stdout).toContain('Demo data is in place.');
    const database = await connectDatabase({ databaseUrl: undefined, dataDir });
    try {
      const titles = await database.db.selectFrom('threads').select('title').execute();
      expect(titles.length).toBeGreaterThan(0);
      expect(new Set(titles.map((t) => t.title)).size).toBe(titles.length);
    } finally {
      await database.close();
    }
  }, 120_000);
});
