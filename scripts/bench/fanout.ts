import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import WebSocket from 'ws';
import { buildApp } from '../../server/app';
import { makeConfig } from '../../server/config';
import { connectDatabase, connectPostgres } from '../../server/db/database';
import { migrateToLatest } from '../../server/db/migrate';
import { transact } from '../../server/db/transact';
import { arg, freePort, machine, ROOT, scratchDatabase, startProcess, stop } from './lib';

/**
 * Live fan-out: reply-to-receipt latency with 1,000 and 5,000 watchers on one thread,
 * idle sockets' memory, and replies written per second, each against a bare reference
 * (a plain `ws` broadcast; a plain INSERT + pg_notify transaction) in the same run.
 */
const now = () => performance.timeOrigin + performance.now();
const ORIGIN_HEADER = (port: number) => `http://127.0.0.1:${port}`;

function percentile(sorted: number[], p: number) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
}

class Swarm {
  workers: ChildProcess[] = [];
  static async open(url: string, count: number, topic: string | null, origin: string, perWorker = 5_000) {
    const swarm = new Swarm();
    const jobs = [];
    for (let left = count; left > 0; left -= perWorker) {
      const worker = fork(path.join(ROOT, 'scripts/bench/fanout-swarm.mjs'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      swarm.workers.push(worker);
      jobs.push(swarm.#ask(worker, { open: { url, count: Math.min(perWorker, left), topic, origin } }));
    }
    await Promise.all(jobs);
    return swarm;
  }
  #ask(worker: ChildProcess, msg: unknown): Promise<any> {
    return new Promise((resolve, reject) => {
      worker.once('message', (m: any) => (m.error ? reject(new Error(m.error)) : resolve(m)));
      worker.send(msg as object);
    });
  }
  async collect(): Promise<Array<[string, number]>> {
    const parts = await Promise.all(this.workers.map((w) => this.#ask(w, { collect: true })));
    return parts.flatMap((p) => p.receipts);
  }
  async close() {
    await Promise.all(this.workers.map((w) => new Promise((r) => { w.once('exit', r); w.send({ close: true }); })));
  }
}

/** A server process with an IPC channel and --expose-gc, for RSS after a full GC. */
async function forkServer(script: string, env: Record<string, string>, readyUrl: string): Promise<ChildProcess> {
  const child = fork(path.join(ROOT, script), [], {
    cwd: ROOT, env: { ...process.env, ...env }, execArgv: ['--expose-gc', '--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  for (let i = 0; i < 300; i++) {
    if (await fetch(readyUrl).then((r) => r.ok, () => false)) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${script} did not start`);
}

const kib = (bytes: number) => (bytes / 1024).toFixed(2);

/** RSS and JS heap in use after a full GC in the child. */
function gcRss(child: ChildProcess): Promise<{ rss: number; heap: number }> {
  return new Promise((resolve) => {
    child.once('message', (m: any) => resolve({ rss: m.rss, heap: m.heap }));
    child.send('gc');
  });
}

/** Sends `replies` posts one after another and measures each watcher's receipt. */
async function latency(swarm: Swarm, watchers: number, replies: number, post: () => Promise<string>) {
  const samples: number[] = [];
  for (let i = 0; i < replies; i++) {
    const t0 = now();
    const id = await post();
    let got: Array<[string, number]> = [];
    const deadline = Date.now() + 15_000;
    while (got.length < watchers && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      got = got.concat((await swarm.collect()).filter(([pid]) => pid === id));
    }
    for (const [, at] of got) samples.push(at - t0);
    if (got.length < watchers) console.log(`  reply ${i}: only ${got.length}/${watchers} watchers received it`);
    await new Promise((r) => setTimeout(r, 100));
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), max: samples.at(-1) ?? NaN, n: samples.length };
}

export async function run(args: string[]) {
  const replies = arg(args, 'replies', 20);
  // --writes-only: just the write-throughput part; --memory-only: just idle sockets.
  const onlyWrites = args.includes('--writes-only');
  const onlyMemory = args.includes('--memory-only');
  const writeSeconds = arg(args, 'seconds', 5);
  const capacity = [5_000, 10_000, 19_500];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'haven-fanout-'));
  // A database of its own, under a random name: safe on a shared server.
  const scratch = process.env.DATABASE_URL ? await scratchDatabase(process.env.DATABASE_URL) : undefined;
  const databaseUrl = scratch?.url;
  console.log(`machine: ${machine()}; database: ${databaseUrl ? 'PostgreSQL' : 'PGlite'}; ulimit -n ${fs.readFileSync('/proc/self/limits', 'utf8').match(/Max open files\s+(\d+)/)?.[1]}`);
  const env = { ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}), DATA_DIR: dataDir, LOG_LEVEL: 'silent', RATE_LIMIT_FACTOR: '1000000' };
  const rows: string[] = [];
  const memRows: string[] = [];

  if (!onlyWrites) await sockets();
  if (onlyMemory) {
    console.log('\n| idle sockets | Haven RSS / heap per socket | bare ws RSS / heap per socket | ratio RSS / heap |\n| ---: | ---: | ---: | ---: |');
    console.log(memRows.join('\n'));
    fs.rmSync(dataDir, { recursive: true, force: true });
    await scratch?.drop();
    return;
  }
  async function sockets() {
  // --- Latency: Haven.
  const port = await freePort();
  const origin = ORIGIN_HEADER(port);
  const server = await startProcess(['--import', 'tsx', 'server/main.ts'], { ...env, PORT: String(port), PUBLIC_ORIGIN: origin }, `${origin}/healthz`);
  const signup = await fetch(`${origin}/api/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json', origin }, body: JSON.stringify({ pseudonym: 'fanout_poster', password: 'fanout poster password', acceptGuidelines: true }) });
  const cookie = signup.headers.get('set-cookie')!.split(';')[0]!;
  const postJson = async (url: string, body: unknown) => {
    const res = await fetch(`${origin}${url}`, { method: 'POST', headers: { 'content-type': 'application/json', origin, cookie }, body: JSON.stringify(body) });
    return res.json() as Promise<any>;
  };
  const { thread } = await postJson('/api/communities/introductions/threads', { title: 'fanout', body: 'fanout thread' });
  const topic = `thread:${thread.id}`;
  const body = 'Sending you strength for tonight. You are not alone in this. '.repeat(3);
  let seq = 0; // bodies must differ: the same body twice within 5 minutes is refused
  const reply = async () => {
    const res = await postJson(`/api/threads/${thread.id}/posts`, { body: `${body} ${++seq}` });
    if (!res.post) throw new Error(`reply refused: ${JSON.stringify(res)}`);
    return res.post.id as string;
  };

  // A real frame, as the reference's payload.
  const probe = new WebSocket(`ws://127.0.0.1:${port}/api/live`, { headers: { origin } });
  await new Promise((r) => probe.once('open', r));
  probe.send(JSON.stringify({ type: 'subscribe', topics: [topic] }));
  const sampleFrame = new Promise<string>((resolve) => probe.on('message', (d) => String(d).includes('"event"') && resolve(String(d))));
  await new Promise((r) => setTimeout(r, 200));
  const probeId = await reply();
  const frame = (await sampleFrame).replace(`"id":"${probeId}"`, '"id":"__ID__"');
  probe.close();

  const results: Record<string, { p50: number; p99: number; max: number; n: number }> = {};
  for (const n of onlyMemory ? [] : [1_000, 5_000]) {
    const swarm = await Swarm.open(`ws://127.0.0.1:${port}/api/live`, n, topic, origin);
    results[`haven ${n}`] = await latency(swarm, n, replies, reply);
    await swarm.close();
    console.log(`haven, ${n} watchers: ${JSON.stringify(results[`haven ${n}`])}`);
  }

  // --- Latency: the bare ws broadcast.
  const barePort = await freePort();
  const bare = await startProcess(['scripts/bench/bare-ws-server.mjs'], { PORT: String(barePort), FRAME: frame }, `http://127.0.0.1:${barePort}/`);
  let bareSeq = 0;
  const bareReply = async () => {
    const id = `bare${++bareSeq}`;
    await fetch(`http://127.0.0.1:${barePort}/post`, { method: 'POST', body: JSON.stringify({ id }) });
    return id;
  };
  for (const n of onlyMemory ? [] : [1_000, 5_000]) {
    const swarm = await Swarm.open(`ws://127.0.0.1:${barePort}/`, n, null, origin);
    results[`bare ${n}`] = await latency(swarm, n, replies, bareReply);
    await swarm.close();
    console.log(`bare ws, ${n} watchers: ${JSON.stringify(results[`bare ${n}`])}`);
  }
  for (const n of onlyMemory ? [] : [1_000, 5_000]) {
    const h = results[`haven ${n}`]!;
    const b = results[`bare ${n}`]!;
    rows.push(`| ${n.toLocaleString('en')} watchers | ${h.p50.toFixed(1)} / ${h.p99.toFixed(1)} / ${h.max.toFixed(1)} | ${b.p50.toFixed(1)} / ${b.p99.toFixed(1)} / ${b.max.toFixed(1)} | ${(h.p99 / b.p99).toFixed(2)}× |`);
  }

  // --- Idle sockets: memory per socket, Haven (visitors subscribed to the thread) and bare.
  // Each count gets fresh server processes (memory freed by an earlier count stays in RSS
  // and would hide the next one's growth). Each server runs with --expose-gc and reports
  // RSS and JS heap after a full GC (IPC "gc").
  for (const n of capacity) {
    const perSocket: Array<{ rss: number; heap: number }> = [];
    const memPort = await freePort();
    const memOrigin = ORIGIN_HEADER(memPort);
    const bareMemPort = await freePort();
    for (const [label, start, url, t] of [
      ['haven', () => forkServer('scripts/bench/gc-server.ts', { ...env, PORT: String(memPort), PUBLIC_ORIGIN: memOrigin }, `${memOrigin}/healthz`), `ws://127.0.0.1:${memPort}/api/live`, topic],
      ['bare', () => forkServer('scripts/bench/bare-ws-server.mjs', { PORT: String(bareMemPort), FRAME: frame }, `http://127.0.0.1:${bareMemPort}/`), `ws://127.0.0.1:${bareMemPort}/`, null],
    ] as const) {
      const child = await start();
      const before = await gcRss(child);
      const swarm = await Swarm.open(url, n, t, memOrigin, 9_750);
      await new Promise((r) => setTimeout(r, 1_000));
      const after = await gcRss(child);
      perSocket.push({ rss: (after.rss - before.rss) / n, heap: (after.heap - before.heap) / n });
      await swarm.close();
      await stop(child);
      console.log(`${label}, ${n} idle sockets: +${((after.rss - before.rss) / 2 ** 20).toFixed(1)} MiB RSS, ${kib(perSocket.at(-1)!.rss)} KiB RSS and ${kib(perSocket.at(-1)!.heap)} KiB JS heap per socket`);
    }
    const [h, b] = perSocket as [{ rss: number; heap: number }, { rss: number; heap: number }];
    memRows.push(`| ${n.toLocaleString('en')} | ${kib(h.rss)} / ${kib(h.heap)} KiB | ${kib(b.rss)} / ${kib(b.heap)} KiB | ${(h.rss / b.rss).toFixed(2)}× / ${(h.heap / b.heap).toFixed(2)}× |`);
  }
  await stop(bare);
  await stop(server);
  }

  // --- Writes per second, 16 concurrent writers, in-process.
  const database = databaseUrl ? connectPostgres(databaseUrl) : await connectDatabase({ databaseUrl: undefined, dataDir });
  await migrateToLatest(database.db);
  const app = await buildApp(makeConfig({ dataDir, logLevel: 'silent', rateLimitFactor: 1e6, ...(databaseUrl ? { databaseUrl } : {}) }), { database });
  await app.ready();
  const { accounts, forum } = app.haven;
  const writers: Array<{ viewer: NonNullable<Awaited<ReturnType<typeof accounts.viewerForToken>>>; threadId: string; parentId: string }> = [];
  for (let i = 0; i < 16; i++) {
    const a = await accounts.signup({ pseudonym: `writer_a${i}`, password: 'writer password' });
    const b = await accounts.signup({ pseudonym: `writer_b${i}`, password: 'writer password' });
    const va = (await accounts.viewerForToken(a.token))!;
    const vb = (await accounts.viewerForToken(b.token))!;
    const t = await forum.createThread(va, 'alcohol', { title: `writer ${i}`, body: `writer thread ${i}` });
    writers.push({ viewer: vb, threadId: t.thread.id, parentId: t.post.id });
  }
  const loop = async (work: (i: number) => Promise<void>) => {
    const until = Date.now() + writeSeconds * 1000;
    let count = 0;
    await Promise.all(Array.from({ length: 16 }, async (_, w) => {
      for (let i = 0; Date.now() < until; i++) {
        await work(w * 1_000_000 + i);
        count++;
      }
    }));
    return count / writeSeconds;
  };
  const havenWrites = await loop(async (i) => {
    const w = writers[Math.floor(i / 1_000_000)]!; // one thread per writer
    await forum.createPost(w.viewer, w.threadId, { body: `reply number ${i}`, parentId: w.parentId });
  });
  await sql`create table bench_bare (id bigserial primary key, thread_id bigint, body text)`.execute(database.db);
  const bareWrites = await loop(async (i) => {
    await transact(database.db, undefined, async (trx) => {
      const { rows: r } = await sql<{ id: string }>`insert into bench_bare (thread_id, body) values (${i % 16}, ${`reply number ${i}`}) returning id`.execute(trx);
      await sql`select pg_notify('bench_bare', ${r[0]!.id})`.execute(trx);
    });
  });
  await sql`drop table bench_bare`.execute(database.db);
  await app.close();
  await database.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  await scratch?.drop();

  console.log('\n| watchers | Haven p50 / p99 / max (ms) | bare ws p50 / p99 / max (ms) | p99 vs bare |\n| --- | --- | --- | ---: |');
  console.log(rows.join('\n'));
  console.log('\n| idle sockets | Haven RSS / heap per socket | bare ws RSS / heap per socket | ratio RSS / heap |\n| ---: | ---: | ---: | ---: |');
  console.log(memRows.join('\n'));
  console.log(`\nreplies written per second, 16 concurrent writers: Haven ${havenWrites.toFixed(0)}/s (post, counters, event, notification, notify); bare INSERT + pg_notify ${bareWrites.toFixed(0)}/s; ratio ${((100 * havenWrites) / bareWrites).toFixed(1)} %`);
}
