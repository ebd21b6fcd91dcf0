import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrations } from '../../migrations/index';
import { schema } from '../../server/db/schema';
import { useApp } from '../helpers/context';

const ctx = useApp();

describe('the hand-written table types', () => {
  it('match the migrated schema column by column', async () => {
    const { rows } = await sql<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>`
      select table_name, column_name, data_type, is_nullable from information_schema.columns
      where table_schema = 'public' and table_name not like 'kysely_%'
      order by table_name, ordinal_position
    `.execute(ctx.db);
    const actual: Record<string, Record<string, { pgType: string; nullable: boolean }>> = {};
    for (const r of rows) {
      (actual[r.table_name] ??= {})[r.column_name] = { pgType: r.data_type, nullable: r.is_nullable === 'YES' };
    }
    const declared = Object.fromEntries(
      Object.entries(schema).map(([table, cols]) => [
        table,
        Object.fromEntries(Object.entries(cols).map(([c, spec]) => [c, { pgType: spec.pgType, nullable: spec.nullable }])),
      ]),
    );
    expect(declared).toEqual(actual);
  });

  it('list every migration file in migrations/index.ts', () => {
    const dir = path.resolve(import.meta.dirname, '../../migrations');
    const files = fs.readdirSync(dir).filter((f) => f !== 'index.ts').map((f) => f.replace(/\.ts$/, ''));
    expect(Object.keys(migrations).sort()).toEqual(files.sort());
    for (const name of files) expect(name).toMatch(/^\d{8}T\d{6}Z_[a-z0-9-]+$/);
  });
});
