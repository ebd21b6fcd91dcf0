import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { arg, freePort, onDatabase, profileFlags, machine, quietEnough, ROOT, scratchDatabase, spread, startProcess, stop } from './lib';

/**
 * Live fan-out: reply-to-receipt latency with 1,000 and 5,000 watchers on one thread, and
 * (`--memory-only`) idle sockets' memory, each against bare `ws` references in the same
 * run. Latency is interleaved round by round (bare, Haven, bare with a durable write) for
 * `--rounds` rounds; each figure is the median [min..max] over the rounds. Replies per
 * second are `npm run bench -- writes`. `--profile DIR` leaves a CPU profile of the Haven process.
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

type Latency = { p50: number; p99: number; max: number; n: number };

export async function run(args: string[]) {
  const replies = arg(args, 'replies', 20);
  const rounds = arg(args, 'rounds', 3);
  const onlyMemory = args.includes('--memory-only');
  if (!quietEnough(arg(args, 'max-load', 1.5))) return;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'haven-fanout-'));
  // A database of its own, under a random name: safe on a shared server.
  const scratch = process.env.DATABASE_URL ? await scratchDatabase(process.env.DATABASE_URL) : undefined;
  const databaseUrl = scratch?.url;
  console.log(`machine: ${machine()}; database: ${databaseUrl ? 'PostgreSQL' : 'PGlite'}; ulimit -n ${fs.readFileSync('/proc/self/limits', 'utf8').match(/Max open files\s+(\d+)/)?.[1]}`);
  const env = { ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}), DATA_DIR: dataDir, LOG_LEVEL: 'silent', RATE_LIMIT_FACTOR: '1000000' };
  const children: ChildProcess[] = [];
  try {
    const port = await freePort();
    const origin = ORIGIN_HEADER(port);
    children.push(await startProcess([...profileFlags(args), '--import', 'tsx', 'server/main.ts'], { ...env, PORT: String(port), PUBLIC_ORIGIN: origin }, `${origin}/healthz`));
    const { topic, frame, reply } = await posterOf(origin, port);
    if (onlyMemory) await memory(env, topic, frame);
    else await latencies({ port, origin, topic, frame, reply, replies, rounds, databaseUrl, children });
  } finally {
    for (const child of children) await stop(child);
    fs.rmSync(dataDir, { recursive: true, force: true });
    await scratch?.drop();
  }
}

/** A member who posts, their thread, a real post frame (the references' payload) and a way to reply. */
async function posterOf(origin: string, port: number) {
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
  const probe = new WebSocket(`ws://127.0.0.1:${port}/api/live`, { headers: { origin } });
  await new Promise((r) => probe.once('open', r));
  const subscribed = new Promise((r) => probe.on('message', (d) => String(d).includes('"subscribed"') && r(null)));
  probe.send(JSON.stringify({ type: 'subscribe', topics: [topic] }));
  await subscribed;
  const sampleFrame = new Promise<string>((resolve) => probe.on('message', (d) => String(d).includes('"event"') && resolve(String(d))));
  const probeId = await reply();
  const frame = (await sampleFrame).replace(`"id":"${probeId}"`, '"id":"__ID__"');
  probe.close();
  return { topic, frame, reply };
}

async function latencies(o: {
  port: number; origin: string; topic: string; frame: string; reply: () => Promise<string>; replies: number; rounds: number;
  databaseUrl: string | undefined; children: ChildProcess[];
}) {
  // The references: a bare broadcast, and (on PostgreSQL) one that commits a bare write first.
  const refs: Array<{ label: string; port: number }> = [];
  for (const durable of o.databaseUrl ? [false, true] : [false]) {
    const port = await freePort();
    if (durable) await onDatabase(o.databaseUrl!, 'create table bench_bare (id bigserial primary key, thread_id bigint, body text)');
    o.children.push(await startProcess(['scripts/bench/bare-ws-server.mjs'], { PORT: String(port), FRAME: o.frame, DATABASE_URL: durable ? o.databaseUrl! : '' }, `http://127.0.0.1:${port}/`));
    refs.push({ label: durable ? 'bare ws + tx' : 'bare ws', port });
  }
  let bareSeq = 0;
  const bareReply = (port: number) => async () => {
    const id = `bare${++bareSeq}`;
    const res = await fetch(`http://127.0.0.1:${port}/post`, { method: 'POST', body: JSON.stringify({ id }) });
    if (res.status !== 201) throw new Error(`bare post answered ${res.status}`);
    return id;
  };
  const rows: string[] = [];
  const loads: string[] = [];
  for (const n of [1_000, 5_000]) {
    // Every server's watchers stay open through the rounds; a broadcast reaches only its own.
    const haven = await Swarm.open(`ws://127.0.0.1:${o.port}/api/live`, n, o.topic, o.origin);
    const bares = [];
    for (const ref of refs) bares.push(await Swarm.open(`ws://127.0.0.1:${ref.port}/`, n, null, o.origin));
    const results: Record<string, Latency[]> = { haven: [], ...Object.fromEntries(refs.map((r) => [r.label, []])) };
    try {
      for (let r = 0; r < o.rounds; r++) {
        loads.push(os.loadavg()[0]!.toFixed(2));
        for (const [i, ref] of refs.entries()) {
          results[ref.label]!.push(await latency(bares[i]!, n, o.replies, bareReply(ref.port)));
          if (i === 0) results.haven!.push(await latency(haven, n, o.replies, o.reply));
        }
        const line = Object.entries(results).map(([k, v]) => `${k} p50 ${v.at(-1)!.p50.toFixed(2)} p99 ${v.at(-1)!.p99.toFixed(2)}`).join('; ');
        console.log(`${n} watchers, round ${r + 1}: ${line}`);
      }
    } finally {
      await haven.close();
      for (const b of bares) await b.close();
    }
    const h = results.haven!;
    const cell = (xs: Latency[]) => `${spread(xs.map((x) => x.p50), 2)} / ${spread(xs.map((x) => x.p99), 2)}`;
    const ratio = (ref: Latency[], k: 'p50' | 'p99') => spread(h.map((x, i) => x[k] / ref[i]![k]), 2);
    for (const ref of refs) {
      const b = results[ref.label]!;
      rows.push(`| ${n.toLocaleString('en')} | ${ref.label} | ${cell(h)} | ${cell(b)} | ${ratio(b, 'p50')}× | ${ratio(b, 'p99')}× |`);
    }
  }
  console.log(`\n${o.replies} replies per case per round, ${o.rounds} rounds; load at each round: ${loads.join(', ')}`);
  console.log('\n| watchers | reference | Haven p50 / p99 ms | reference p50 / p99 ms | p50 vs reference | p99 vs reference |\n| ---: | --- | --- | --- | ---: | ---: |');
  console.log(rows.join('\n'));
}

/**
 * Idle sockets: memory per socket, Haven (visitors subscribed to the thread) and bare.
 * Each count gets fresh server processes (memory freed by an earlier count stays in RSS and
 * would hide the next one's growth). Each server runs with --expose-gc and reports RSS and
 * JS heap after a full GC (IPC "gc").
 */
async function memory(env: Record<string, string>, topic: string, frame: string) {
  const rows: string[] = [];
  for (const n of [5_000, 10_000, 19_500]) {
    const perSocket: Array<{ rss: number; heap: number }> = [];
    for (const [label, start, live, t] of [
      ['haven', (port: number) => forkServer('scripts/bench/gc-server.ts', { ...env, PORT: String(port), PUBLIC_ORIGIN: ORIGIN_HEADER(port) }, `${ORIGIN_HEADER(port)}/healthz`), '/api/live', topic],
      ['bare', (port: number) => forkServer('scripts/bench/bare-ws-server.mjs', { PORT: String(port), FRAME: frame, DATABASE_URL: '' }, `http://127.0.0.1:${port}/`), '/', null],
    ] as const) {
      // A port is picked just before its server starts: thousands of client sockets take
      // ephemeral ports in between, and one of them may be a port picked earlier.
      const port = await freePort();
      const child = await start(port);
      try {
        const before = await gcRss(child);
        const swarm = await Swarm.open(`ws://127.0.0.1:${port}${live}`, n, t, ORIGIN_HEADER(port), 9_750);
        await new Promise((r) => setTimeout(r, 1_000));
        const after = await gcRss(child);
        perSocket.push({ rss: (after.rss - before.rss) / n, heap: (after.heap - before.heap) / n });
        await swarm.close();
      } finally {
        await stop(child);
      }
      console.log(`${label}, ${n} idle sockets: ${kib(perSocket.at(-1)!.rss)} KiB RSS and ${kib(perSocket.at(-1)!.heap)} KiB JS heap per socket`);
    }
    const [h, b] = perSocket as [{ rss: number; heap: number }, { rss: number; heap: number }];
    rows.push(`| ${n.toLocaleString('en')} | ${kib(h.rss)} / ${kib(h.heap)} KiB | ${kib(b.rss)} / ${kib(b.heap)} KiB | ${(h.rss / b.rss).toFixed(2)}× / ${(h.heap / b.heap).toFixed(2)}× |`);
  }
  console.log('\n| idle sockets | Haven RSS / heap per socket | bare ws RSS / heap per socket | ratio RSS / heap |\n| ---: | ---: | ---: | ---: |');
  console.log(rows.join('\n'));
}
