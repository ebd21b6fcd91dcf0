import autocannon from 'autocannon';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { newSessionToken, sha256Hex } from '../../server/accounts/tokens';
import { bulkThread } from '../lib/bulk-thread';
import { arg, benchDatabase, caseStats, cpuSnapshot, freePort, machine, profileFlags, median, quietEnough, record, startProcess, statsRow, stop } from './lib';

/**
 * Replies over HTTP (session, origin check, validation, rendering, serialization
 * included): `--connections` writers, each on a thread of its own, replying to the thread
 * (no parentId, as the web app does) or to a reply in it. The reference is a bare node:http
 * and pg server doing BEGIN, INSERT, pg_notify, COMMIT per POST and answering with the same
 * bytes, measured interleaved with each case (bare, case, bare, case) for `--rounds`
 * rounds. Latency without load comes from sequential POSTs, to 0.01 ms. `--profile DIR`
 * leaves a CPU profile of the Haven process in DIR. PostgreSQL only:
 * the bare reference needs a server. Makes its own database and drops only it.
 */
export async function run(args: string[]) {
  const seconds = arg(args, 'seconds', 5);
  const rounds = arg(args, 'rounds', 3);
  const connections = arg(args, 'connections', 16);
  if (!process.env.DATABASE_URL) {
    console.log('writes: skipped, it needs PostgreSQL (set DATABASE_URL)');
    return;
  }
  if (!quietEnough(arg(args, 'max-load', 1.5))) return;

  const { database, db, dataDir, databaseUrl, authorId, cleanup } = await benchDatabase();
  const community = await db.selectFrom('communities').select('id').where('slug', '=', 'alcohol').executeTakeFirstOrThrow();
  const writers: Array<{ cookie: string; threadId: string; parentId: string }> = [];
  for (let i = 0; i < connections; i++) {
    const user = await db
      .insertInto('users')
      .values({ pseudonym: `bench_writer${i}`, pseudonym_key: `bench_writer${i}`, password_hash: 'x', recovery_code_hash: 'x', guidelines_accepted_at: new Date(Date.now() - 7 * 86_400_000) })
      .returning('id')
      .executeTakeFirstOrThrow();
    const token = newSessionToken();
    await db.insertInto('sessions').values({ token_hash: sha256Hex(token), user_id: user.id }).execute();
    const threadId = await bulkThread(db, { communityId: community.id, authorIds: [authorId], title: `writes ${i}`, size: 10, shape: 'flat' });
    const parent = await db.selectFrom('posts').select('id').where('thread_id', '=', threadId).where('depth', '=', 1).orderBy('path').limit(1).executeTakeFirstOrThrow();
    writers.push({ cookie: `sid=${token}`, threadId, parentId: parent.id });
  }
  await sql`create table bench_bare (id bigserial primary key, thread_id bigint, body text)`.execute(db);
  await sql`analyze`.execute(db);
  await database.close();

  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const server = await startProcess([...profileFlags(args), '--import', 'tsx', 'server/main.ts'], {
    DATABASE_URL: databaseUrl!, DATA_DIR: dataDir, LOG_LEVEL: 'silent', RATE_LIMIT_FACTOR: '1000000', PORT: String(port), PUBLIC_ORIGIN: origin,
  }, `${origin}/healthz`);
  let seq = 0;
  const post = (base: string, w: (typeof writers)[number], nested: boolean) => ({
    method: 'POST' as const,
    path: `/api/threads/${w.threadId}/posts`,
    headers: { 'content-type': 'application/json', origin, cookie: w.cookie },
    // Bodies differ: the same body twice within five minutes is refused as a duplicate.
    body: JSON.stringify({ body: `Checking in from ${base === origin ? 'here' : 'there'}, day ${++seq}. One day at a time.`, ...(nested ? { parentId: w.parentId } : {}) }),
  });
  const sample = await fetch(`${origin}${post(origin, writers[0]!, false).path}`, post(origin, writers[0]!, false));
  const bodyFile = path.join(dataDir, 'reply.json');
  fs.writeFileSync(bodyFile, await sample.text());
  const barePort = await freePort();
  const bareOrigin = `http://127.0.0.1:${barePort}`;
  const bare = await startProcess(['scripts/bench/bare-write-server.mjs'], { DATABASE_URL: databaseUrl!, PORT: String(barePort), BODY_FILE: bodyFile }, `${bareOrigin}/`);

  /** CPU per write during the last Haven measurement: Haven's process, PostgreSQL, and the machine's idle time. */
  let cpu = { node: 0, postgres: 0, idle: 0 };
  /** Replies per second with one connection per writer, each on its own thread. */
  const measure = async (base: string, nested: boolean, secs: number) => {
    let next = 0;
    const before = cpuSnapshot(server.pid);
    const result = await autocannon({
      url: base, connections, duration: secs,
      setupClient(client: autocannon.Client) {
        const w = writers[next++ % writers.length]!;
        // This connection's writer; every request gets a fresh body.
        client.setRequests([{ ...post(base, w, nested), setupRequest: (req) => ({ ...req, body: post(base, w, nested).body }) }]);
      },
    });
    const failed = result.errors + result.non2xx;
    if (failed > 0) throw new Error(`${failed} failed writes against ${base}`);
    const after = cpuSnapshot(server.pid);
    const n = result.requests.total;
    cpu = { node: (after.process - before.process) / n, postgres: (after.postgres - before.postgres) / n, idle: (after.idle - before.idle) / (2 * 1000 * secs) };
    return result.requests.average;
  };
  /** Sequential replies, without load: p50 and p99 to 0.01 ms. */
  const latency = async (base: string, nested: boolean, n: number) => {
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const req = post(base, writers[i % writers.length]!, nested);
      const t0 = performance.now();
      const res = await fetch(`${base}${req.path}`, req);
      await res.arrayBuffer();
      if (res.status !== 201) throw new Error(`write answered ${res.status}`);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return { p50: times[Math.floor(n / 2)]!, p99: times[Math.min(n - 1, Math.floor(n * 0.99))]! };
  };

  const cases = [{ label: 'top-level replies', nested: false }, { label: 'nested replies', nested: true }];
  const stats = cases.map(() => ({ ...caseStats(), cpu: [] as Array<typeof cpu> }));
  const loads: string[] = [];
  try {
    await measure(origin, false, 1);
    await measure(bareOrigin, false, 1);
    for (let r = 0; r < rounds; r++) {
      loads.push(os.loadavg()[0]!.toFixed(2));
      for (const [i, c] of cases.entries()) {
        const s0 = stats[i]!;
        const b = await measure(bareOrigin, c.nested, seconds);
        const h = await measure(origin, c.nested, seconds);
        s0.cpu.push(cpu);
        const lat = await latency(origin, c.nested, 200);
        const bareLat = await latency(bareOrigin, c.nested, 200);
        const ratio = record(s0, { haven: h, bare: b, p50: lat.p50, p99: lat.p99, bareP50: bareLat.p50 });
        console.log(`round ${r + 1}, ${c.label}: Haven ${h.toFixed(0)}/s, bare ${b.toFixed(0)}/s (${ratio.toFixed(1)} %), p50 ${lat.p50.toFixed(2)} ms; per reply: Haven process ${cpu.node.toFixed(2)} ms CPU, PostgreSQL ${cpu.postgres.toFixed(2)} ms; machine idle ${(100 * cpu.idle).toFixed(0)} %`);
      }
    }
  } finally {
    await stop(server);
    await stop(bare);
    await cleanup();
  }
  console.log(`\nmachine: ${machine()}; PostgreSQL; ${connections} writers, ${seconds} s per measurement, ${rounds} rounds; load at each round: ${loads.join(', ')}`);
  console.log('\n| case | Haven replies/s | bare tx/s | % of bare | p50 ms (no load) | p99 ms (no load) | bare p50 ms |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [i, c] of cases.entries()) {
    console.log(statsRow(c.label, stats[i]!));
  }
  console.log('\nWhere a reply’s time goes (median over rounds): CPU per reply in the Haven process and in PostgreSQL, and how idle the machine was while Haven was measured.');
  for (const [i, c] of cases.entries()) {
    const s = stats[i]!;
    console.log(`- ${c.label}: Haven ${median(s.cpu.map((x) => x.node)).toFixed(2)} ms, PostgreSQL ${median(s.cpu.map((x) => x.postgres)).toFixed(2)} ms, idle ${(100 * median(s.cpu.map((x) => x.idle))).toFixed(0)} %`);
  }
}
