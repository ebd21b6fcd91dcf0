import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { connectPostgres, connectDatabase } from '../../server/db/database';
import { migrateToLatest } from '../../server/db/migrate';
import { encodeCursor } from '../../server/forum/forum.views';
import { bulkThread, type Shape } from '../lib/bulk-thread';
import { arg, freePort, load, machine, scratchDatabase, startProcess, stop, type Measured } from './lib';

/**
 * Thread reads under load (autocannon on loopback): page 1 and a middle page of threads
 * of 10 to 100,000 replies, flat and deep, as a visitor and as a member, against the bare
 * node:http reference serving the same bytes, measured in the same run. A second server
 * with the page cache off gives the database cost of page k against page 1.
 */
export async function run(args: string[]) {
  const seconds = arg(args, 'seconds', 5);
  const connections = arg(args, 'connections', 32);
  const sizes = [10, 1_000, 10_000, 100_000];
  const shapes: Shape[] = ['flat', 'deep'];

  // A fresh database: a scratch PostgreSQL database, or a PGlite directory.
  const baseUrl = process.env.DATABASE_URL;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'haven-bench-'));
  // A database of its own, under a random name: safe on a shared server.
  const scratch = baseUrl ? await scratchDatabase(baseUrl) : undefined;
  const databaseUrl = scratch?.url;
  const database = databaseUrl ? connectPostgres(databaseUrl) : await connectDatabase({ databaseUrl: undefined, dataDir });
  await migrateToLatest(database.db);
  const db = database.db;

  console.log(`machine: ${machine()}; database: ${databaseUrl ? 'PostgreSQL' : 'PGlite'}; ${connections} connections, ${seconds} s each`);
  const author = await db
    .insertInto('users')
    .values({ pseudonym: 'bench_author', pseudonym_key: 'bench_author', password_hash: 'x', recovery_code_hash: 'x', guidelines_accepted_at: new Date() })
    .returning('id')
    .executeTakeFirstOrThrow();
  const community = await db.selectFrom('communities').select('id').where('slug', '=', 'alcohol').executeTakeFirstOrThrow();
  const threads: Array<{ size: number; shape: Shape; id: string; middle: string }> = [];
  for (const size of sizes) {
    for (const shape of shapes) {
      const id = await bulkThread(db, { communityId: community.id, authorIds: [author.id], title: `bench ${size} ${shape}`, size, shape });
      const mid = await sql<{ path: string }>`select path from posts where thread_id = ${id} order by path offset ${Math.floor(size / 2)} limit 1`.execute(db);
      threads.push({ size, shape, id, middle: encodeCursor([mid.rows[0]!.path]) });
      process.stdout.write(`seeded ${size} ${shape}\n`);
    }
  }
  await sql`analyze`.execute(db);
  await database.close();

  const env = {
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_FACTOR: '1000000',
    HASH_QUEUE_MAX: '1000',
  };
  const results: Array<{ label: string; m: Measured }> = [];
  const measure = async (label: string, url: string, headers?: Record<string, string>) => {
    // A short warm-up first (JIT, caches, connections), then the measured run.
    await load(url, { seconds: 1, connections, ...(headers ? { headers } : {}) });
    const m = await load(url, { seconds, connections, ...(headers ? { headers } : {}) });
    results.push({ label, m });
    console.log(`${label}: ${m.reqPerSec.toFixed(0)} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms${m.errors ? `, ${m.errors} errors` : ''}`);
  };

  // Haven, with its page cache on (the default).
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  let server = await startProcess(['--import', 'tsx', 'server/main.ts'], { ...env, PORT: String(port) }, `${origin}/healthz`);
  const signup = await fetch(`${origin}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin },
    body: JSON.stringify({ pseudonym: 'bench_reader', password: 'bench reader password', acceptGuidelines: true }),
  });
  const cookie = signup.headers.get('set-cookie')!.split(';')[0]!;
  const sample = await (await fetch(`${origin}/api/threads/${threads.find((t) => t.size === 1_000)!.id}`)).text();

  // The reference, on the same machine in the same run, serving the same bytes. It is
  // measured before and after Haven's runs, and the better figure is the reference.
  const barePort = await freePort();
  const bare = await startProcess(['scripts/bench/bare-json-server.mjs'], { PORT: String(barePort), BODY: sample }, `http://127.0.0.1:${barePort}/`);
  await measure('bare node:http (same bytes), before', `http://127.0.0.1:${barePort}/`);

  for (const t of threads) {
    await measure(`visitor page 1, ${t.size} ${t.shape}`, `${origin}/api/threads/${t.id}`);
    await measure(`visitor page k, ${t.size} ${t.shape}`, `${origin}/api/threads/${t.id}?cursor=${t.middle}`);
    await measure(`member page 1, ${t.size} ${t.shape}`, `${origin}/api/threads/${t.id}`, { cookie });
  }
  await stop(server);
  await measure('bare node:http (same bytes), after', `http://127.0.0.1:${barePort}/`);
  await stop(bare);

  // The database path alone: cache off.
  server = await startProcess(['--import', 'tsx', 'server/main.ts'], { ...env, PORT: String(port), PAGE_CACHE_MS: '0' }, `${origin}/healthz`);
  // limit=10 keeps the response the same size, so the figures compare the tree reads only.
  const ten = threads.find((t) => t.size === 10 && t.shape === 'flat')!;
  await measure('uncached visitor page 1, 10 flat, limit 10', `${origin}/api/threads/${ten.id}?limit=10`);
  for (const shape of shapes) {
    const big = threads.find((t) => t.size === 100_000 && t.shape === shape)!;
    await measure(`uncached visitor page k, 100000 ${shape}, limit 10`, `${origin}/api/threads/${big.id}?limit=10&cursor=${big.middle}`);
  }
  await measure('uncached visitor page 1, 10 flat (11 posts)', `${origin}/api/threads/${ten.id}`);
  for (const shape of shapes) {
    const big = threads.find((t) => t.size === 100_000 && t.shape === shape)!;
    await measure(`uncached visitor page k, 100000 ${shape} (50 posts)`, `${origin}/api/threads/${big.id}?cursor=${big.middle}`);
  }
  await stop(server);
  fs.rmSync(dataDir, { recursive: true, force: true });
  await scratch?.drop();

  const ref = Math.max(...results.filter((r) => r.label.startsWith('bare')).map((r) => r.m.reqPerSec));
  console.log('\n| case | req/s | p50 ms | p99 ms | vs bare |\n| --- | ---: | ---: | ---: | ---: |');
  for (const { label, m } of results) {
    console.log(`| ${label} | ${m.reqPerSec.toFixed(0)} | ${m.p50} | ${m.p99} | ${((100 * m.reqPerSec) / ref).toFixed(1)} % |`);
  }
  const by = (label: string) => results.find((r) => r.label === label)!.m;
  for (const shape of shapes) {
    const same = by('uncached visitor page 1, 10 flat, limit 10').reqPerSec / by(`uncached visitor page k, 100000 ${shape}, limit 10`).reqPerSec;
    const full = by('uncached visitor page 1, 10 flat (11 posts)').reqPerSec / by(`uncached visitor page k, 100000 ${shape} (50 posts)`).reqPerSec;
    console.log(`page k of 100k (${shape}) costs ${same.toFixed(2)}× page 1 of 10 at equal page size, ${full.toFixed(2)}× with default pages (cache off, by req/s)`);
  }
}
