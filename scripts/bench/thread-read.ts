import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { newSessionToken, sha256Hex } from '../../server/accounts/tokens';
import { encodeCursor } from '../../server/lib/pagination';
import { bulkThread, type Shape } from '../lib/bulk-thread';
import { arg, benchDatabase, caseStats, freePort, load, machine, probeLatency, quietEnough, record, startProcess, statsRow, stop } from './lib';

/**
 * Thread reads under load (autocannon on loopback), each case measured against a bare
 * node:http server sending exactly the bytes that case sends, interleaved (bare, case,
 * bare, case, …) for `--rounds` rounds. Reports req/s and the ratio to bare as median
 * [min..max] over rounds, and latency without load to 0.01 ms. Cases: page 1 and a middle
 * page of 10-reply and 100,000-reply threads, flat and deep, as a visitor, as a member the
 * page does not touch, and as a member who wrote one of its posts, with the page cache on (as shipped) and off (PAGE_CACHE_MS=0: the database path).
 * Refuses to record when the machine is busy; makes its own database and drops only it.
 */
export async function run(args: string[]) {
  const seconds = arg(args, 'seconds', 3);
  const connections = arg(args, 'connections', 32);
  const rounds = arg(args, 'rounds', 3);
  if (!quietEnough(arg(args, 'max-load', 1.5))) return;
  const sizes = [10, 100_000];
  const shapes: Shape[] = ['flat', 'deep'];

  const { database, db, dataDir, databaseUrl, authorId, cleanup } = await benchDatabase();
  const author = { id: authorId };
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
  // A member who wrote one post on page 1 of every thread: their page differs from the shared one.
  const writer = await db
    .insertInto('users')
    .values({ pseudonym: 'bench_writer', pseudonym_key: 'bench_writer', password_hash: 'x', recovery_code_hash: 'x', guidelines_accepted_at: new Date() })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (const t of threads) {
    await sql`update posts set author_id = ${writer.id}
      where id = (select id from posts where thread_id = ${t.id} order by path offset 2 limit 1)`.execute(db);
  }
  const writerToken = newSessionToken();
  await db.insertInto('sessions').values({ token_hash: sha256Hex(writerToken), user_id: writer.id }).execute();
  const writerCookie = `sid=${writerToken}`;
  await sql`analyze`.execute(db);
  await database.close();

  const env = {
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_FACTOR: '1000000',
    HASH_QUEUE_MAX: '1000',
  };
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const cachedEnv = { ...env, PORT: String(port) };
  let server = await startProcess(['--import', 'tsx', 'server/main.ts'], cachedEnv, `${origin}/healthz`);
  const signup = await fetch(`${origin}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin },
    body: JSON.stringify({ pseudonym: 'bench_reader', password: 'bench reader password', acceptGuidelines: true }),
  });
  const cookie = signup.headers.get('set-cookie')!.split(';')[0]!;

  interface Case { label: string; path: string; cookie?: string; cached: boolean }
  const cases: Case[] = [];
  for (const cached of [true, false]) {
    for (const t of threads) {
      if (!cached && t.size === 10 && t.shape === 'deep') continue;
      cases.push({ label: `visitor page 1, ${t.size} ${t.shape}`, path: `/api/threads/${t.id}`, cached });
      if (t.size > 10) cases.push({ label: `visitor page k, ${t.size} ${t.shape}`, path: `/api/threads/${t.id}?cursor=${t.middle}`, cached });
      cases.push({ label: `member page 1, ${t.size} ${t.shape}`, path: `/api/threads/${t.id}`, cookie, cached });
      cases.push({ label: `member page 1 with a post of theirs, ${t.size} ${t.shape}`, path: `/api/threads/${t.id}`, cookie: writerCookie, cached });
    }
  }
  // The reference serves, for each case, the bytes Haven sends for it.
  const bodies: string[] = [];
  for (const c of cases) bodies.push(await (await fetch(`${origin}${c.path}`, { headers: c.cookie ? { cookie: c.cookie } : {} })).text());
  const bodiesFile = path.join(dataDir, 'bodies.json');
  fs.writeFileSync(bodiesFile, JSON.stringify(bodies));
  const barePort = await freePort();
  const bare = await startProcess(['scripts/bench/bare-json-server.mjs'], { PORT: String(barePort), BODIES_FILE: bodiesFile }, `http://127.0.0.1:${barePort}/`);

  const stats = cases.map(() => caseStats());
  const loads: string[] = [];
  const measure = async (url: string, headers?: Record<string, string>) => {
    await load(url, { seconds: 0.5, connections, ...(headers ? { headers } : {}) });
    return (await load(url, { seconds, connections, ...(headers ? { headers } : {}) })).reqPerSec;
  };
  try {
    for (const cached of [true, false]) {
      if (!cached) {
        await stop(server);
        server = await startProcess(['--import', 'tsx', 'server/main.ts'], { ...cachedEnv, PAGE_CACHE_MS: '0' }, `${origin}/healthz`);
      }
      for (let r = 0; r < rounds; r++) {
        loads.push(os.loadavg()[0]!.toFixed(2));
        for (const [i, c] of cases.entries()) {
          if (c.cached !== cached) continue;
          const headers = c.cookie ? { cookie: c.cookie } : undefined;
          const bareUrl = `http://127.0.0.1:${barePort}/${i}`;
          const b = await measure(bareUrl);
          const h = await measure(`${origin}${c.path}`, headers);
          const lat = await probeLatency(`${origin}${c.path}`, 200, headers);
          const bareLat = await probeLatency(bareUrl, 200);
          const ratio = record(stats[i]!, { haven: h, bare: b, p50: lat.p50, p99: lat.p99, bareP50: bareLat.p50 });
          console.log(`round ${r + 1}, ${cached ? '' : 'uncached '}${c.label}: ${h.toFixed(0)} req/s, bare ${b.toFixed(0)} (${ratio.toFixed(1)} %), p50 ${lat.p50.toFixed(2)} ms`);
        }
      }
    }
  } finally {
    await stop(server);
    await stop(bare);
    await cleanup();
  }

  console.log(`\nmachine: ${machine()}; database: ${databaseUrl ? 'PostgreSQL' : 'PGlite'}; ${connections} connections, ${seconds} s per measurement, ${rounds} rounds; load at each round: ${loads.join(', ')}`);
  console.log('\n| case | Haven req/s | same-bytes bare req/s | % of bare | p50 ms (no load) | p99 ms (no load) | bare p50 ms |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [i, c] of cases.entries()) {
    if (stats[i]!.haven.length === 0) continue;
    console.log(statsRow(`${c.cached ? '' : 'uncached '}${c.label}`, stats[i]!));
  }
}
