import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { expect } from 'vitest';
import WebSocket from 'ws';
import { connectPostgres, type Database } from '../../server/db/database';
import { migrateToLatest } from '../../server/db/migrate';
import { memberRows, ORIGIN, type Member } from '../helpers/context';
import { freePort } from '../helpers/net';
import { startOwnCluster, type OwnCluster } from '../helpers/own-cluster';
import { until } from '../helpers/wait';
import { report } from './report';

/**
 * A fault rig: a PostgreSQL cluster of its own, Haven server processes on it (real ones,
 * as `npm start` runs them, so that they can be killed), writers posting replies with
 * idempotency keys and retrying on failure, and live readers that fail over with `since`.
 * It records what the members would see; `verify` checks it against the database.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const SECRET = 'fault-rig-secret-fault-rig-secret-0123456789';

export interface AppProcess {
  port: number;
  child: ChildProcess;
  alive: boolean;
  output: () => string;
  exited: Promise<number | null>;
}

export interface Failure {
  status: number | string;
  ms: number;
}

export class Rig {
  cluster!: OwnCluster;
  database!: Database;
  apps: AppProcess[] = [];
  writers: Member[] = [];
  threadIds: string[] = [];
  start = '0';
  /** Acknowledged replies: idempotency key → post id. */
  readonly acked = new Map<string, string>();
  readonly failures: Failure[] = [];
  readonly unexpected: string[] = [];
  readonly readers: Reader[] = [];
  #stop = false;
  #writing: Promise<void>[] = [];

  constructor(readonly env: Record<string, string> = {}) {}

  async setUp(processes: number, writers = 4) {
    this.cluster = await startOwnCluster();
    this.database = connectPostgres(this.cluster.url);
    await migrateToLatest(this.database.db);
    for (let i = 0; i < writers; i++) this.writers.push(await memberRows(this.database.db, 'member', `writer_${i}`));
    for (let i = 0; i < processes; i++) this.apps.push(await this.spawnApp());
    for (let i = 0; i < 2; i++) {
      const res = await this.post(this.apps[0]!, `/api/communities/introductions/threads`, this.writers[i]!, { title: `Fault thread ${i}`, body: `opening ${i}` });
      if (res.status !== 201) throw new Error(`could not open a thread: ${res.status}`);
      this.threadIds.push((await res.json()).thread.id);
    }
    this.start = String((await this.database.db.selectFrom('event_streams').select('last_seq').where('stream', '=', 'public').executeTakeFirstOrThrow()).last_seq);
  }

  get topics() {
    return this.threadIds.map((id) => `thread:${id}`);
  }

  async spawnApp(port?: number): Promise<AppProcess> {
    port ??= await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '', DATABASE_URL: this.cluster.url, PORT: String(port), PUBLIC_ORIGIN: ORIGIN,
        SERVER_SECRET: SECRET, RATE_LIMIT_FACTOR: '1000', LOG_LEVEL: 'info', MAX_EVENT_LOOP_DELAY_MS: '0', ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Keep the tail of the output, for the message of a failed test.
    let output = '';
    const keep = (d: Buffer) => (output = (output + d).slice(-20_000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const app: AppProcess = { port, child, alive: true, output: () => output, exited: new Promise((r) => child.on('exit', (code) => r(code))) };
    void app.exited.then(() => (app.alive = false));
    await until(() => output.includes('Haven is listening') || !app.alive, 'the server to listen', 60_000);
    if (!app.alive) throw new Error(`the server did not start:\n${output}`);
    return app;
  }

  live() {
    return this.apps.filter((a) => a.alive);
  }

  post(app: AppProcess, url: string, as: Member, body: unknown, headers: Record<string, string> = {}, timeoutMs = 60_000) {
    return fetch(`http://127.0.0.1:${app.port}${url}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: ORIGIN, cookie: as.cookie, ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  }

  /**
   * One reply, acknowledged at last: sent to a live process, again with the same key after
   * a 503 or a lost connection. Every failure is recorded with how long it took.
   */
  async reply(writer: Member, n: number, boundMs: number): Promise<string> {
    const key = randomUUID();
    const threadId = this.threadIds[n % this.threadIds.length]!;
    for (let attempt = 0; ; attempt++) {
      const app = this.live()[(n + attempt) % Math.max(1, this.live().length)];
      if (!app) {
        await until(() => this.live().length > 0, 'a live server', 60_000);
        continue;
      }
      const began = Date.now();
      try {
        const res = await this.post(app, `/api/threads/${threadId}/posts`, writer, { body: `${writer.pseudonym} #${n}` }, { 'idempotency-key': key }, boundMs);
        if (res.status === 201 || res.status === 200) {
          const id = (await res.json()).post.id as string;
          this.acked.set(key, id);
          return id;
        }
        await res.arrayBuffer();
        this.failures.push({ status: res.status, ms: Date.now() - began });
        if (res.status !== 503) this.unexpected.push(`${res.status} from ${app.port}`);
      } catch (err) {
        const code = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
        this.failures.push({ status: code, ms: Date.now() - began });
      }
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200)); // retry spacing, not a wait for a result
    }
  }

  /** Writers post replies one after another until stopped. */
  startWriting(boundMs: number) {
    this.#stop = false;
    this.#writing = this.writers.map(async (w, i) => {
      for (let n = i * 100_000; !this.#stop; n++) await this.reply(w, n, boundMs);
    });
  }

  async stopWriting() {
    this.#stop = true;
    await Promise.all(this.#writing);
  }

  /** Waits for `count` more acknowledged replies: the load is flowing. */
  async moreAcked(count: number, timeoutMs = 60_000) {
    const target = this.acked.size + count;
    await until(() => this.acked.size >= target, `${count} more acknowledged replies`, timeoutMs);
  }

  startReaders(count: number) {
    for (let i = 0; i < count; i++) this.readers.push(new Reader(this));
  }

  /** What the database holds, compared with what members were told and shown. */
  async verify() {
    const { db } = this.database;
    const ids = [...this.acked.values()];
    const stored = await db.selectFrom('posts').select(['id', 'body_md']).where('thread_id', 'in', this.threadIds).execute();
    const storedIds = new Set(stored.map((p) => String(p.id)));
    const lost = ids.filter((id) => !storedIds.has(id)).length;
    const bodies = new Map<string, number>();
    for (const p of stored) bodies.set(p.body_md, (bodies.get(p.body_md) ?? 0) + 1);
    const duplicated = [...bodies.values()].filter((n) => n > 1).length;
    const events = await db.selectFrom('events').select('seq').where('topic', 'in', this.topics).where('seq', '>', this.start).orderBy('seq').execute();
    const expected = events.map((e) => String(e.seq));
    const last = expected[expected.length - 1];
    for (const r of this.readers) r.ending(last);
    // Readers that never get there are reported below as missing events, not as a hang.
    await until(() => this.readers.every((r) => r.finished), 'every reader to reach the last event', 60_000).catch(() => {});
    const streams = this.readers.map((r) => {
      const got = r.received;
      const missing = expected.filter((id) => !got.includes(id)).length;
      const twice = got.length - new Set(got).size;
      const disorder = got.filter((id, i) => i > 0 && BigInt(id) <= BigInt(got[i - 1]!)).length;
      return { missing, twice, disorder, resyncs: r.resyncs };
    });
    return { acknowledged: ids.length, lost, duplicated, events: expected.length, streams };
  }

  /** Stops the writers, checks what the database holds, and records the scenario's figures. */
  async finish(scenario: string, recoveriesMs: number[], failures: Failure[] = this.failures) {
    await this.stopWriting();
    const result = await this.verify();
    report(scenario, result, failures, recoveriesMs);
    return result;
  }

  async tearDown() {
    this.#stop = true;
    for (const r of this.readers) r.close();
    for (const app of this.apps) if (app.alive) app.child.kill('SIGKILL');
    await this.database?.close().catch(() => {});
    this.cluster?.remove();
  }
}

/** A live reader that fails over: on any close it reconnects to a live process with `since`. */
class Reader {
  readonly received: string[] = [];
  resyncs = 0;
  #socket: WebSocket | undefined;
  #last: string | undefined;
  #closed = false;
  finished = false;

  constructor(private readonly rig: Rig) {
    void this.#connect();
  }

  /** The writes are over: once `last` has arrived, this reader is done. */
  ending(last: string | undefined) {
    this.#last = last;
    this.#check();
  }

  #check() {
    const got = this.received[this.received.length - 1];
    if (this.#last === undefined || (got !== undefined && BigInt(got) >= BigInt(this.#last))) {
      this.close();
      this.finished = true;
    }
  }

  async #connect() {
    while (!this.#closed) {
      const live = this.rig.live();
      const app = live[Math.floor(Math.random() * live.length)];
      if (!app) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      const since = this.received[this.received.length - 1] ?? this.rig.start;
      const socket = new WebSocket(`ws://127.0.0.1:${app.port}/api/live`, { headers: { origin: ORIGIN } });
      this.#socket = socket;
      socket.on('message', (data) => {
        const m = JSON.parse(String(data));
        if (m.type === 'event') {
          this.received.push(String(m.id));
          if (this.#last) this.#check();
        } else if (m.type === 'resync') this.resyncs++;
      });
      socket.on('open', () => socket.send(JSON.stringify({ type: 'subscribe', topics: this.rig.topics, since })));
      await new Promise<void>((resolve) => {
        socket.on('close', () => resolve());
        socket.on('error', () => resolve());
      });
      if (!this.#closed) await new Promise((r) => setTimeout(r, 100 + Math.random() * 400)); // reconnect spacing
    }
  }

  close() {
    this.#closed = true;
    this.#socket?.terminate();
  }
}

/** Reads /readyz of a process: 200 ready, 503 not; null when it does not answer. */
export async function readiness(app: AppProcess): Promise<number | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${app.port}/readyz`, { signal: AbortSignal.timeout(5_000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return null;
  }
}


/**
 * The promise under any fault: no acknowledged reply lost or stored twice, every reader's
 * events complete, once each and in order, no answer but 503 (or a cut connection), and
 * every failed request over within its bound.
 */
export function expectIntact(rig: Rig, result: Awaited<ReturnType<Rig['verify']>>, boundMs?: number) {
  expect(rig.unexpected).toEqual([]);
  expect(result.lost).toBe(0);
  expect(result.duplicated).toBe(0);
  for (const s of result.streams) expect(s).toEqual({ missing: 0, twice: 0, disorder: 0, resyncs: 0 });
  if (boundMs !== undefined) for (const f of rig.failures) expect(f.ms).toBeLessThan(boundMs);
}
