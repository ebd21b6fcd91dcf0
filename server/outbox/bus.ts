import pg from 'pg';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { yieldToEventLoop } from '../lib/gate';
import { eventsAfter, lastEventId, NOTIFY_CHANNEL, type Appended, type EventRow } from './outbox.repository';

export type EventListener = (events: EventRow[]) => Promise<void>;

/**
 * The live bus: tells this process about every committed event, in id order, once.
 * It always reads the rows itself ("id > last read"); a notification only says when.
 * The in-process form serves the embedded database (one process); the PostgreSQL form
 * adds a LISTEN connection so that N processes on one database hear each other.
 */
export interface Bus {
  start(): Promise<void>;
  close(): Promise<void>;
  /** True while events will reach this process promptly. */
  ready(): boolean;
  /** Read what is new now rather than wait for NOTIFY (up to `upTo`, when given). */
  wake(upTo?: string): void;
  /** A commit in this process wrote these events: hand them on, reading the outbox only if need be. */
  committed(written: Appended): void;
  /** The global event id this process started reading after: everything later reaches the listener. */
  startedAt(): string;
  /** The one listener every committed event goes to (set once, before start). */
  onEvents(listener: EventListener): void;
}

const BATCH = 500;
const SAFETY_POLL_MS = 5_000;
/** How long the LISTEN connection's heartbeat waits for an answer. */
const HEARTBEAT_TIMEOUT_MS = 3_000;

/**
 * Reads events after the last one dispatched, one reader at a time, in order. Its position
 * moves past a batch only once the listener has taken it: a listener that throws gets
 * the same batch again, after a growing pause, and the bus reports itself not ready until
 * it does. (The hub never throws for one recipient's failure: it tells that recipient to
 * resync, which is how an event is explicitly given up on.)
 */
class EventPump {
  #last = '0';
  #start = '0';
  #running = false;
  /** A bus that was never started (a one-off command) reads nothing. */
  #started = false;
  /** Asked again while reading: false, true (read on), or the id that must be read up to. */
  #again: boolean | bigint = false;
  #listener: EventListener | undefined;
  #timer: NodeJS.Timeout | undefined;
  #retry: NodeJS.Timeout | undefined;
  #failures = 0;
  #closed = false;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly onError: (err: unknown) => void,
    private readonly safetyPollMs = SAFETY_POLL_MS,
  ) {}

  async start() {
    // A new process starts at the present; clients catch up on the past with `since`.
    this.#last = this.#start = await lastEventId(this.db);
    this.#started = true;
    // A safety net: even if a notification were lost, nothing waits longer than this.
    this.#timer = setInterval(() => this.pump(), this.safetyPollMs).unref();
  }

  stop() {
    this.#closed = true;
    clearInterval(this.#timer);
    clearTimeout(this.#retry);
  }

  startedAt() {
    return this.#start;
  }

  /** False while a batch keeps failing to reach a listener: this process is behind. */
  healthy() {
    return this.#failures === 0;
  }

  onEvents(listener: EventListener) {
    if (this.#listener) throw new Error('the bus has its listener already');
    this.#listener = listener;
  }

  /**
   * Reads what is new. `upTo`, a notification's last event id, makes a read needless once
   * this process has read that far: a process's own commit wakes it first, and its NOTIFY
   * arriving after must not cost a second, empty read of the outbox.
   */
  pump(upTo?: string): void {
    if (this.#closed || !this.#started) return;
    const wanted = upTo === undefined || !/^\d{1,19}$/.test(upTo) ? true : BigInt(upTo);
    if (wanted !== true && wanted <= BigInt(this.#last)) return;
    if (this.#running) {
      this.#again = this.#again === true || wanted === true ? true : this.#again === false || wanted > this.#again ? wanted : this.#again;
      return;
    }
    this.#run();
  }

  /**
   * This process's own commit wrote `rows`, straight after id `after`. Ids commit in order
   * (appendEvents), so when this reader has read exactly up to `after` and is idle, these
   * rows are the next in the outbox: they go to the listener as written, without a read.
   * Anything else (a reader behind, busy, or a batch too big) reads up to them as usual.
   */
  take({ rows, after }: Appended): void {
    if (this.#closed || !this.#started || rows.length === 0) return;
    if (this.#running || rows.length > BATCH || BigInt(this.#last) !== BigInt(after)) return this.pump(rows.at(-1)!.id);
    this.#run(rows);
  }

  #run(given?: EventRow[]) {
    this.#running = true;
    void this.#drain(given).finally(() => {
      this.#running = false;
      const again = this.#again;
      this.#again = false;
      if (again === true) this.pump();
      else if (again !== false) this.pump(String(again));
    });
  }

  async #drain(given?: EventRow[]) {
    try {
      for (;;) {
        const rows = given ?? (await eventsAfter(this.db, this.#last, BATCH));
        given = undefined;
        if (rows.length === 0) break;
        await this.#listener?.(rows);
        this.#last = rows[rows.length - 1]!.id;
        if (rows.length < BATCH) break;
        await yieldToEventLoop();
      }
      this.#failures = 0;
    } catch (err) {
      // The database is away, or a listener failed: nothing moves past the batch. Try the
      // same position again soon (the next wake or notification may come first).
      this.onError(err);
      this.#failures++;
      this.#again = false;
      if (!this.#retry && !this.#closed) {
        this.#retry = setTimeout(() => {
          this.#retry = undefined;
          this.pump();
        }, Math.min(this.safetyPollMs, 50 * 2 ** Math.min(this.#failures, 7))).unref();
      }
    }
  }
}

/** What both buses share: the pump that reads events in order after the last id. */
abstract class PumpedBus implements Bus {
  protected readonly pump: EventPump;
  constructor(db: Kysely<DB>, protected readonly onError: (err: unknown) => void, safetyPollMs?: number) {
    this.pump = new EventPump(db, onError, safetyPollMs);
  }
  abstract start(): Promise<void>;
  abstract close(): Promise<void>;
  abstract ready(): boolean;
  wake(upTo?: string) {
    this.pump.pump(upTo);
  }
  committed(written: Appended) {
    this.pump.take(written);
  }
  startedAt() {
    return this.pump.startedAt();
  }
  onEvents(listener: EventListener) {
    this.pump.onEvents(listener);
  }
}

export class InProcessBus extends PumpedBus {
  start() {
    return this.pump.start();
  }
  async close() {
    this.pump.stop();
  }
  ready() {
    return this.pump.healthy();
  }
}

/**
 * One dedicated LISTEN connection per process. When it drops (database restart, backend
 * killed), the process reconnects with backoff and then reads everything after its last
 * id, so events written meanwhile arrive late but none is skipped.
 */
export class PostgresBus extends PumpedBus {
  #client: pg.Client | undefined;
  #listening = false;
  #closed = false;
  #retry: NodeJS.Timeout | undefined;

  constructor(
    db: Kysely<DB>,
    private readonly connectionString: string,
    onError: (err: unknown) => void,
    private readonly heartbeatMs = 5_000,
    /** How often the outbox is read even without a notification (tests lengthen it). */
    safetyPollMs?: number,
  ) {
    super(db, onError, safetyPollMs);
  }

  async start() {
    await this.pump.start();
    await this.#connect(0);
  }

  async #connect(attempt: number): Promise<void> {
    if (this.#closed) return;
    // query_timeout bounds the heartbeat: a frozen database cannot hold it forever.
    const client = new pg.Client({ connectionString: this.connectionString, connectionTimeoutMillis: 5_000, query_timeout: HEARTBEAT_TIMEOUT_MS });
    client.on('notification', (msg) => this.pump.pump(msg.payload));
    client.on('error', (err) => this.#lost(client, err));
    client.on('end', () => this.#lost(client));
    try {
      await client.connect();
      await client.query(`listen ${NOTIFY_CHANNEL}`);
      this.#client = client;
      this.#listening = true;
      this.#beat(client);
      this.pump.pump(); // catch up on whatever was written while we were not listening
    } catch (err) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
      if (attempt === 0) this.onError(err);
      this.#scheduleReconnect(attempt + 1);
    }
  }

  /**
   * A LISTEN connection to a stalled database looks open and hears nothing, so it is asked
   * a question now and then; no answer within the bound counts as a lost connection.
   */
  #beat(client: pg.Client) {
    const timer = setInterval(() => {
      if (this.#client !== client) return clearInterval(timer);
      client.query('select 1').catch((err: unknown) => {
        clearInterval(timer);
        this.#lost(client, err);
      });
    }, this.heartbeatMs);
    timer.unref();
  }

  #lost(client: pg.Client, err?: unknown) {
    if (this.#client !== client) return;
    this.#client = undefined;
    this.#listening = false;
    if (err) this.onError(err);
    client.removeAllListeners();
    client.on('error', () => {});
    void client.end().catch(() => {});
    this.#scheduleReconnect(1);
  }

  #scheduleReconnect(attempt: number) {
    if (this.#closed || this.#retry) return;
    const delay = Math.min(5_000, 100 * 2 ** Math.min(attempt, 6));
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      void this.#connect(attempt);
    }, delay);
    this.#retry.unref();
  }

  async close() {
    this.#closed = true;
    clearTimeout(this.#retry);
    this.pump.stop();
    const client = this.#client;
    this.#client = undefined;
    this.#listening = false;
    if (client) {
      client.removeAllListeners();
      client.on('error', () => {});
      await client.end().catch(() => {});
    }
  }

  ready() {
    return this.#listening && this.pump.healthy();
  }
}

/** PostgreSQL's LISTEN bus when the database is a server, the in-process one for the embedded database. */
export function createBus(database: { db: Kysely<DB>; kind: 'postgres' | 'pglite'; connectionString?: string }, onError: (err: unknown) => void): Bus {
  return database.kind === 'postgres' && database.connectionString
    ? new PostgresBus(database.db, database.connectionString, onError)
    : new InProcessBus(database.db, onError);
}
