import os from 'node:os';
import { sql } from 'kysely';
import { newSessionToken, sha256Hex } from '../../server/accounts/tokens';
import { bulkThread } from '../lib/bulk-thread';
import { arg, benchDatabase, freePort, machine, quietEnough, startProcess, stop } from './lib';

/**
 * Does a reply cost more in a big thread? Sequential replies over HTTP (session, checks,
 * serialization and all) into a 10-reply and a 100,000-reply thread, top-level (no
 * parentId, as the web app sends a reply to the thread) and nested, interleaved round by
 * round (10, 100k, 10, 100k, …) so that the machine's drift hits both alike. Reports the
 * median [min..max] over rounds of each round's p50, in milliseconds to 0.01.
 *
 * Safe on a shared server: it makes a database of its own, with a random name, and drops
 * only that one; it listens on free ports. It refuses to record while the machine is busy.
 */
export async function run(args: string[]) {
  const rounds = arg(args, 'rounds', 3);
  const perRound = arg(args, 'replies', 200);
  const maxLoad = arg(args, 'max-load', 1.5);
  if (!quietEnough(maxLoad)) return;
  const { database, db, dataDir, databaseUrl, authorId, cleanup } = await benchDatabase();
  const author = { id: authorId };
  const token = newSessionToken();
  await db.insertInto('sessions').values({ token_hash: sha256Hex(token), user_id: author.id }).execute();
  const community = await db.selectFrom('communities').select('id').where('slug', '=', 'alcohol').executeTakeFirstOrThrow();
  const threads: Record<string, string> = {};
  for (const size of [10, 100_000]) {
    threads[size] = await bulkThread(db, { communityId: community.id, authorIds: [author.id], title: `bench ${size}`, size, shape: 'flat' });
  }
  const nestedParent: Record<string, string> = {};
  for (const [size, id] of Object.entries(threads)) {
    const { rows } = await sql<{ id: string }>`select id::text from posts where thread_id = ${id} and depth = 1 order by path offset ${Math.floor(Number(size) / 2)} limit 1`.execute(db);
    nestedParent[size] = rows[0]!.id;
  }
  await sql`analyze`.execute(db);
  await database.close();

  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const env = { ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}), DATA_DIR: dataDir, LOG_LEVEL: 'silent', RATE_LIMIT_FACTOR: '1000000' };
  const server = await startProcess(['--import', 'tsx', 'server/main.ts'], { ...env, PORT: String(port) }, `${origin}/healthz`);
  const headers = { 'content-type': 'application/json', origin, cookie: `sid=${token}` };
  let n = 0;
  const reply = async (threadId: string, parentId?: string) => {
    const t0 = performance.now();
    const res = await fetch(`${origin}/api/threads/${threadId}/posts`, { method: 'POST', headers, body: JSON.stringify({ body: `bench reply ${n++}`, ...(parentId ? { parentId } : {}) }) });
    await res.arrayBuffer();
    if (res.status !== 201) throw new Error(`reply answered ${res.status}`);
    return performance.now() - t0;
  };
  const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

  const cases = ['10 top-level', '100000 top-level', '10 nested', '100000 nested'] as const;
  const p50s: Record<string, number[]> = Object.fromEntries(cases.map((c) => [c, []]));
  const p99s: Record<string, number[]> = Object.fromEntries(cases.map((c) => [c, []]));
  const loads: string[] = [];
  try {
    for (let i = 0; i < 20; i++) await reply(threads[10]!); // warm-up
    for (let r = 0; r < rounds; r++) {
      loads.push(os.loadavg()[0]!.toFixed(2));
      for (const c of cases) {
        const [size, kind] = c.split(' ') as [string, string];
        const times = [];
        for (let i = 0; i < perRound; i++) times.push(await reply(threads[size]!, kind === 'nested' ? nestedParent[size] : undefined));
        p50s[c]!.push(pct(times, 50));
        p99s[c]!.push(pct(times, 99));
        console.log(`round ${r + 1}, ${c}: p50 ${pct(times, 50).toFixed(2)} ms, p99 ${pct(times, 99).toFixed(2)} ms`);
      }
    }
  } finally {
    await stop(server);
    await cleanup();
  }

  const med = (xs: number[]) => pct(xs, 50);
  const span = (xs: number[]) => `${med(xs).toFixed(2)} [${Math.min(...xs).toFixed(2)}..${Math.max(...xs).toFixed(2)}]`;
  console.log(`\nmachine: ${machine()}; database: ${databaseUrl ? 'PostgreSQL' : 'PGlite'}; ${rounds} rounds of ${perRound} sequential replies per case; load at each round: ${loads.join(', ')}`);
  console.log('\n| case | p50 ms, median [min..max] | p99 ms, median [min..max] |\n| --- | ---: | ---: |');
  for (const c of cases) console.log(`| ${c} | ${span(p50s[c]!)} | ${span(p99s[c]!)} |`);
  for (const kind of ['top-level', 'nested']) {
    const ratios = p50s[`10 ${kind}`]!.map((small, i) => p50s[`100000 ${kind}`]![i]! / small);
    console.log(`${kind}: a reply in a 100,000-reply thread costs ${span(ratios)}× one in a 10-reply thread (p50, round by round)`);
  }
}
