import autocannon from 'autocannon';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import pg from 'pg';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectDatabase, connectPostgres } from '../../server/db/database';
import { migrateToLatest } from '../../server/db/migrate';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Starts a process and waits until `url` answers 200. */
export async function startProcess(args: string[], env: Record<string, string>, url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 300; i++) {
    if (await fetch(url).then((r) => r.ok, () => false)) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${args.join(' ')} did not come up at ${url}`);
}

export async function stop(child: ChildProcess) {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

export interface Measured {
  reqPerSec: number;
  p50: number;
  p99: number;
  errors: number;
}

export async function load(url: string, opts: { seconds: number; connections: number; headers?: Record<string, string> }): Promise<Measured> {
  const result = await autocannon({ url, duration: opts.seconds, connections: opts.connections, headers: opts.headers ?? {} });
  return {
    reqPerSec: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

export function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

export function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? Number(args[i + 1]) : fallback;
}

/** `--profile DIR`: node flags that make the Haven process leave a V8 CPU profile in DIR when it stops. */
export function profileFlags(args: string[]): string[] {
  const i = args.indexOf('--profile');
  return i >= 0 && args[i + 1] ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(args[i + 1]!)}`] : [];
}

/** Runs one statement on its own connection to `url`. */
export async function onDatabase(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * A PostgreSQL database of the benchmark's own, under a random name, so that a benchmark is
 * safe on a shared server: it never drops or reuses a database it did not make. `drop`
 * removes that one database and nothing else.
 */
export async function scratchDatabase(baseUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `haven_bench_${randomBytes(6).toString('hex')}`;
  const admin = (statement: string) => onDatabase(baseUrl, statement);
  await admin(`create database ${name}`);
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return { url: u.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

/** Latency without load, to 0.01 ms: `n` sequential requests, their p50 and p99. */
export async function probeLatency(url: string, n: number, headers: Record<string, string> = {}): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await fetch(url, { headers });
    await res.arrayBuffer();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(n * 0.5)]!, p99: times[Math.min(n - 1, Math.floor(n * 0.99))]! };
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** "median [min..max]", with `digits` decimals. */
export const spread = (xs: number[], digits = 1) => `${median(xs).toFixed(digits)} [${Math.min(...xs).toFixed(digits)}..${Math.max(...xs).toFixed(digits)}]`;

/** The 1-minute load, and whether the machine is quiet enough to record a run. */
export function quietEnough(maxLoad: number): boolean {
  const load1 = os.loadavg()[0]!;
  if (load1 <= maxLoad) return true;
  console.error(`the machine is busy (load ${load1.toFixed(2)} > ${maxLoad}): not recording. Run again when it is idle, or pass --max-load.`);
  process.exitCode = 3;
  return false;
}

/**
 * A migrated database of the benchmark's own (a scratch PostgreSQL database when
 * DATABASE_URL is set, else PGlite in a temporary folder) with one author to write as.
 * `cleanup` removes the folder and drops the scratch database.
 */
export async function benchDatabase() {
  const baseUrl = process.env.DATABASE_URL;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'haven-bench-'));
  const scratch = baseUrl ? await scratchDatabase(baseUrl) : undefined;
  const databaseUrl = scratch?.url;
  const database = databaseUrl ? connectPostgres(databaseUrl) : await connectDatabase({ databaseUrl: undefined, dataDir });
  await migrateToLatest(database.db);
  const author = await database.db
    .insertInto('users')
    .values({ pseudonym: 'bench_author', pseudonym_key: 'bench_author', password_hash: 'x', recovery_code_hash: 'x', guidelines_accepted_at: new Date(Date.now() - 7 * 86_400_000) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return {
    database, db: database.db, dataDir, databaseUrl, authorId: author.id,
    async cleanup() {
      fs.rmSync(dataDir, { recursive: true, force: true });
      await scratch?.drop();
    },
  };
}

/** CPU time so far (ms): one process, every PostgreSQL server process, and the machine's idle time. */
export function cpuSnapshot(pid: number | undefined): { process: number; postgres: number; idle: number } {
  const tick = 1000 / 100; // USER_HZ is 100 on Linux
  const used = (stat: string) => {
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * tick;
  };
  let postgres = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.includes('(postgres)')) postgres += used(stat);
    } catch {
      // the process ended while we looked
    }
  }
  const proc = pid ? used(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')) : 0;
  const idle = Number(fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/)[4]) * tick;
  return { process: proc, postgres, idle };
}

/** One case's figures over the rounds of an interleaved benchmark (case against its bare reference). */
export interface CaseStats { haven: number[]; bare: number[]; ratio: number[]; p50: number[]; p99: number[]; bareP50: number[] }

export const caseStats = (): CaseStats => ({ haven: [], bare: [], ratio: [], p50: [], p99: [], bareP50: [] });

/** Adds one round: throughputs, and latency without load. Returns Haven's % of bare. */
export function record(s: CaseStats, m: { haven: number; bare: number; p50: number; p99: number; bareP50: number }): number {
  const ratio = (100 * m.haven) / m.bare;
  s.haven.push(m.haven);
  s.bare.push(m.bare);
  s.ratio.push(ratio);
  s.p50.push(m.p50);
  s.p99.push(m.p99);
  s.bareP50.push(m.bareP50);
  return ratio;
}

/** A markdown row: median [min..max] of each figure. */
export function statsRow(label: string, s: CaseStats): string {
  return `| ${label} | ${spread(s.haven, 0)} | ${spread(s.bare, 0)} | ${spread(s.ratio)} | ${spread(s.p50, 2)} | ${spread(s.p99, 2)} | ${median(s.bareP50).toFixed(2)} |`;
}
