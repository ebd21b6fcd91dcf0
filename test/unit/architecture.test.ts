import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { schema } from '../../server/db/schema';

/**
 * The structure DESIGN.md promises, held by reading the server's source (no database):
 * each table has one owner, and only the owner's folder names it in a statement; nobody
 * imports another feature's repository (they use its doors); the contract imports only
 * zod and itself; no function grows past about 80 lines.
 */
const SERVER = path.resolve(__dirname, '../../server');

/** Which feature folder owns which tables (DESIGN.md "Table owners"). */
const OWNERS: Record<string, readonly string[]> = {
  accounts: ['users', 'sessions', 'retired_pseudonyms'],
  forum: ['communities', 'threads', 'posts', 'post_revisions', 'mutes', 'idempotency_keys'],
  http: ['rate_limits'],
  outbox: ['events', 'event_streams'],
  notifications: ['notifications'],
  moderation: ['flags', 'mod_log', 'suspensions'],
  journey: ['recovery_streaks', 'milestones_sent', 'goals', 'goal_checks'],
  resources: ['community_resources', 'toolkit_items'],
};
/** Every table named meeting… belongs to meetings. */
const ownerOf = (table: string): string | undefined =>
  table.startsWith('meeting') ? 'meetings' : Object.entries(OWNERS).find(([, tables]) => tables.includes(table))?.[0];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

/** The feature folder a file belongs to ('' for server/ itself). */
const featureOf = (file: string) => path.relative(SERVER, file).split(path.sep).slice(0, -1)[0] ?? '';

/** What a file's statements name: Kysely's builders with a table argument, and the tables raw SQL reads or writes. */
export function tablesNamed(source: string): string[] {
  const found = new Set<string>();
  const builder = /\b(?:selectFrom|updateTable|insertInto|deleteFrom|innerJoin|leftJoin|rightJoin|fullJoin|mergeInto|table)\(\s*['"`]([a-z_][a-z0-9_]*)/g;
  for (const m of source.matchAll(builder)) found.add(m[1]!);
  // Raw SQL: the text of every sql`…` template (interpolations left out).
  for (const m of source.matchAll(/\bsql(?:<[^`]*?>)?`((?:[^`\\]|\\.)*)`/g)) {
    const text = m[1]!.replace(/\$\{[^}]*\}/g, ' ');
    for (const t of text.matchAll(/\b(?:from|join|into|update|table|exists\s*\(\s*select\s+1\s+from)\s+([a-z_][a-z0-9_]*)/gi)) found.add(t[1]!.toLowerCase());
  }
  return [...found].filter((t) => ownerOf(t) !== undefined);
}

/** Relative imports of a file, resolved to paths under server/. */
function importsOf(file: string, source: string): string[] {
  return [...source.matchAll(/\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => path.resolve(path.dirname(file), m[1]!));
}

const files = sourceFiles(SERVER).map((file) => ({ file, rel: path.relative(SERVER, file), source: fs.readFileSync(file, 'utf8') }));

describe('table owners', () => {
  it('every table of the schema has an owner', () => {
    expect(Object.keys(schema).filter((t) => !ownerOf(t))).toEqual([]);
  });

  it('only the owner’s folder names its tables in a statement', () => {
    const strays = files.flatMap(({ file, rel, source }) =>
      tablesNamed(source).filter((t) => ownerOf(t) !== featureOf(file)).map((t) => `${rel} names ${t} (owned by ${ownerOf(t)})`),
    );
    expect(strays).toEqual([]);
  });

  it('the check sees a stray statement, in a builder and in raw SQL', () => {
    expect(tablesNamed(`db.selectFrom('posts as p').select('id')`)).toEqual(['posts']);
    expect(tablesNamed('sql`update users set role = ${r} where id = ${id}`')).toEqual(['users']);
    expect(tablesNamed('sql<boolean>`exists (select 1 from mutes where muter_id = ${a})`')).toEqual(['mutes']);
    expect(tablesNamed('// read the posts from users later')).toEqual([]);
  });

  it('no feature imports another feature’s repository: it is given the owner’s door', () => {
    const strays = files.flatMap(({ file, rel, source }) =>
      importsOf(file, source)
        .filter((target) => /\.repository$/.test(target) && featureOf(`${target}.ts`) !== featureOf(file))
        .map((target) => `${rel} imports ${path.relative(SERVER, target)}`),
    );
    expect(strays).toEqual([]);
  });
});

describe('the contract', () => {
  it('is a leaf: server/contract imports only zod and itself', () => {
    const strays = files
      .filter(({ rel }) => rel.startsWith(`contract${path.sep}`))
      .flatMap(({ rel, source }) =>
        [...source.matchAll(/\bfrom\s+['"]([^'"]+)['"]/g)].map((m) => m[1]!).filter((spec) => spec !== 'zod' && !spec.startsWith('./')).map((spec) => `${rel} imports ${spec}`),
      );
    expect(strays).toEqual([]);
  });
});

describe('operations', () => {
  const MAX_LINES = 80;
  /** A function's own name, or the name of what it is assigned to. */
  function nameOf(node: ts.SignatureDeclaration): string {
    const named = (n: ts.Node | undefined) => (n && (ts.isIdentifier(n) || ts.isPrivateIdentifier(n)) ? n.text : undefined);
    const parent = node.parent;
    const holder = ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent) ? named(parent.name) : undefined;
    return named(node.name) ?? holder ?? '(anonymous)';
  }

  /** Functions, methods and arrow functions longer than MAX_LINES, by name and length. */
  function longFunctions(rel: string, source: string): string[] {
    const file = ts.createSourceFile(rel, source, ts.ScriptTarget.Latest, true);
    const long: string[] = [];
    const visit = (node: ts.Node) => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const lines = file.getLineAndCharacterOfPosition(node.getEnd()).line - file.getLineAndCharacterOfPosition(node.getStart()).line + 1;
        const name = nameOf(node);
        if (lines > MAX_LINES) long.push(`${rel}: ${name} is ${lines} lines`);
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
    return long;
  }

  it(`are named and short: no function in server/ over ${MAX_LINES} lines`, () => {
    expect(files.flatMap(({ rel, source }) => longFunctions(rel, source))).toEqual([]);
  });
});
