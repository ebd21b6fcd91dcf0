import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import { isModerator, type Viewer } from '../accounts/viewer';
import { clientMessage, MAX_TOPICS_PER_SOCKET, streamOf, type ServerMessage } from '../contract/live';
import { Gate, GateFull, yieldToEventLoop } from '../lib/gate';
import { patiently } from './patience';
import type { EventRow } from './events.repository';
import type { Prepared } from './event-views';

export interface HubOptions {
  /** Past this many bytes waiting to go out, a socket is cut off (it resyncs on reconnect). */
  maxBufferedBytes: number;
  maxSocketsPerAccount: number;
  /** Visitors' sockets per address group (members are counted per account). */
  maxVisitorSocketsPerAddress: number;
  heartbeatMs: number;
  /** Client frames allowed per second, with a burst of twice that. */
  messagesPerSecond: number;
  /** Past this many events, a replay gives up with `resync`. */
  backlogLimit: number;
  /** Events read and rendered together in a replay: a fixed number of queries each. */
  replayBatch: number;
  /** Replays running at once in this process, and waiting; past that, `resync` at once. */
  replayConcurrency: number;
  replayQueue: number;
  /** Subscribe frames one socket may have waiting while its earlier ones run. */
  maxPendingSubscribes: number;
  /**
   * How long loading a batch of events for delivery may take. Dispatch runs in order, so
   * one slow load (a locked table, a stalled database) would hold every topic back: past
   * this bound the batch is tried once more, and then its recipients are told to resync.
   */
  renderTimeoutMs: number;
  /**
   * While the database is away (a restart, a freeze), the live path waits this long for it,
   * trying again, before it gives up and sends resync: an outage loses no event.
   */
  outageGraceMs: number;
}

export interface HubDeps {
  prepare: (rows: EventRow[]) => Promise<Prepared>;
  /** Each stream's last seq as of a global event id. */
  positions: (streams: string[], asOfId: string) => Promise<Map<string, bigint>>;
  /** The global id the bus started after: what this hub dispatches comes after it. */
  startedAt: () => string;
  /** What is stored of a stream: trimmed through, and written through. */
  bounds: (stream: string) => Promise<{ horizon: bigint; last: bigint }>;
  backlog: (topics: string[], afterSeq: string, uptoSeq: string, limit: number) => Promise<EventRow[]>;
  /** The backlog's length, counted no further than `cap`. */
  backlogSize: (topics: string[], afterSeq: string, uptoSeq: string, cap: number) => Promise<number>;
  /** Re-reads a session after an access change; null when it has ended. */
  reloadViewer: (tokenHash: string) => Promise<Viewer | null>;
  /** Whether the database answers a trivial question now (tells an outage from one stuck load). */
  probe: () => Promise<boolean>;
  /** Cross-process cache drops, for the internal topic. */
  onInternal: (row: EventRow) => void;
  log: FastifyBaseLogger;
}

/** Kept small: at 20,000 idle sockets every field counts. */
interface Client {
  socket: WebSocket;
  viewer: Viewer | null;
  /** A visitor's address group (its keyed hash), for the per-address cap; null for members. */
  address: string | null;
  /** The joined topics, each with the last event seq sent: nothing at or below it goes out again. */
  sent: Map<string, bigint>;
  /** Topics being replayed, with the live events that arrived meanwhile (null: none). */
  replaying: Map<string, EventRow[]> | null;
  /** The socket's subscribe frames run one after another: the last one queued, and how many wait. */
  subscribing: Promise<void> | null;
  pending: number;
  alive: boolean;
  tokens: number;
  refilledAt: number;
}

const big = (id: string) => BigInt(id);

function mapSet<K, V>(map: Map<K, Set<V>>, key: K): Set<V> {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  return set;
}

/** Streams whose position the hub always knows; a member's own stream is looked up when asked. */
const SHARED_STREAMS = ['public', 'mod'];

/**
 * The live hub of one process: its sockets, their topics, and the fan-out of the bus's
 * events to them, filtered per recipient. Dispatch, the registration of a replaying
 * subscription and the final hand-over from replay to live delivery run one at a time, so
 * a reconnecting client's backlog ends exactly where live delivery begins: nothing is lost
 * at the seam and nothing comes twice. Ids sent to clients are per-audience seqs.
 */
export class LiveHub {
  #clients = new Set<Client>();
  #byTopic = new Map<string, Set<Client>>();
  #byUser = new Map<string, Set<Client>>();
  #byAddress = new Map<string, number>();
  #serial: Promise<unknown> = Promise.resolve();
  /** The last global id dispatched, and each known stream's last seq dispatched. */
  #dispatched = '0';
  #positions = new Map<string, bigint>();
  #heartbeat: NodeJS.Timeout | undefined;
  #closing = false;
  #bySocket = new WeakMap<WebSocket, Client>();
  readonly #replays: Gate;
  // One set of socket listeners for all sockets; `this` is the socket that emitted.
  readonly #onPong: (this: WebSocket) => void;
  readonly #onFrame: (this: WebSocket, data: unknown, isBinary: boolean) => void;
  readonly #onClose: (this: WebSocket) => void;

  constructor(private readonly deps: HubDeps, private readonly opts: HubOptions) {
    this.#replays = new Gate(opts.replayConcurrency, opts.replayQueue);
    const clients = this.#bySocket;
    const hub = this;
    this.#onPong = function () {
      const client = clients.get(this);
      if (client) client.alive = true;
    };
    this.#onFrame = function (data, isBinary) {
      const client = clients.get(this);
      if (client) hub.#onMessage(client, data, isBinary);
    };
    this.#onClose = function () {
      const client = clients.get(this);
      if (client) hub.#drop(client);
    };
  }

  async start() {
    const startedAt = this.deps.startedAt();
    const base = await this.deps.positions(SHARED_STREAMS, startedAt);
    await this.#inOrder(() => {
      if (big(this.#dispatched) < big(startedAt)) this.#dispatched = startedAt;
      // Dispatch may already have moved a stream past the snapshot: never go back.
      for (const [stream, seq] of base) if ((this.#positions.get(stream) ?? -1n) < seq) this.#positions.set(stream, seq);
    });
    this.#heartbeat = setInterval(() => this.#beat(), this.opts.heartbeatMs).unref();
  }

  /** Runs `fn` after everything queued before it (dispatches, registrations, hand-overs). */
  #inOrder<T>(fn: () => Promise<T> | T): Promise<T> {
    const next = this.#serial.then(fn, fn);
    this.#serial = next.catch(() => {});
    return next;
  }

  get maxSocketsPerAccount() {
    return this.opts.maxSocketsPerAccount;
  }

  /** Whether one more socket may open: per account for members, per address group for visitors. */
  mayOpen(viewer: Viewer | null, address: string): boolean {
    if (viewer) return (this.#byUser.get(viewer.id)?.size ?? 0) < this.opts.maxSocketsPerAccount;
    return (this.#byAddress.get(address) ?? 0) < this.opts.maxVisitorSocketsPerAddress;
  }

  get size() {
    return this.#clients.size;
  }

  accept(socket: WebSocket, viewer: Viewer | null, address: string) {
    const client: Client = {
      socket, viewer, address: viewer ? null : address, sent: new Map(), replaying: null, subscribing: null, pending: 0,
      alive: true, tokens: this.opts.messagesPerSecond * 2, refilledAt: Date.now(),
    };
    this.#clients.add(client);
    this.#bySocket.set(socket, client);
    if (viewer) this.#index(this.#byUser, viewer.id, client);
    else this.#byAddress.set(address, (this.#byAddress.get(address) ?? 0) + 1);
    // @fastify/websocket's own 'error' listener closes over the upgrade's request and reply,
    // which would keep them alive as long as the socket (kilobytes per idle socket). Ours
    // drops the client; the socket is closed by ws after an error either way.
    socket.removeAllListeners('error');
    // Shared handlers (no closures per socket): they find the client through the socket.
    socket.on('pong', this.#onPong);
    socket.on('message', this.#onFrame);
    socket.on('close', this.#onClose);
    socket.on('error', this.#onClose);
    // A member's own topic (and, for moderators, the queue) are joined from the start: every
    // event dispatched from here on is new to them, so they join at the beginning of time.
    const own = viewer ? [`user:${viewer.id}`, ...(isModerator(viewer) ? ['mod'] : [])] : [];
    if (own.length) this.#inOrder(() => this.#join(client, own, 0n)).catch((err) => this.#failed(client, err));
  }

  #index(map: Map<string, Set<Client>>, key: string, client: Client) {
    mapSet(map, key).add(client);
  }

  #unindex(map: Map<string, Set<Client>>, key: string, client: Client) {
    const set = map.get(key);
    set?.delete(client);
    if (set && set.size === 0) map.delete(key);
  }

  #drop(client: Client) {
    if (!this.#clients.delete(client)) return;
    for (const topic of client.sent.keys()) this.#unindex(this.#byTopic, topic, client);
    if (client.viewer) {
      this.#unindex(this.#byUser, client.viewer.id, client);
      if (!this.#byUser.has(client.viewer.id)) this.#positions.delete(`user:${client.viewer.id}`);
    }
    if (client.address) {
      const left = (this.#byAddress.get(client.address) ?? 1) - 1;
      if (left > 0) this.#byAddress.set(client.address, left);
      else this.#byAddress.delete(client.address);
    }
  }

  #join(client: Client, topics: string[], from: bigint) {
    // A join queued behind a dispatch may run after the socket closed: index nothing then.
    if (!this.#clients.has(client)) return;
    for (const topic of topics) {
      const current = client.sent.get(topic);
      if (current === undefined) this.#index(this.#byTopic, topic, client);
      if (current === undefined || current < from) client.sent.set(topic, from);
    }
  }

  #leave(client: Client, topics: string[]) {
    for (const topic of topics) {
      client.sent.delete(topic);
      client.replaying?.delete(topic);
      this.#unindex(this.#byTopic, topic, client);
    }
  }

  #send(client: Client, text: string) {
    const { socket } = client;
    if (socket.readyState !== socket.OPEN) return;
    // A reader that does not keep up is cut off rather than buffered without end; the
    // client reconnects with `since` and catches up from the backlog.
    if (socket.bufferedAmount > this.opts.maxBufferedBytes) {
      this.deps.log.info({ buffered: socket.bufferedAmount }, 'live: closing a socket that stopped reading');
      socket.terminate();
      this.#drop(client);
      return;
    }
    socket.send(text);
  }

  #reply(client: Client, message: ServerMessage) {
    this.#send(client, JSON.stringify(message));
  }

  /** Work for one socket failed (the database away, say): tell it plainly, keep the process. */
  #failed(client: Client, err: unknown) {
    this.deps.log.warn({ err }, 'live: a socket could not be served');
    this.#reply(client, { type: 'error', code: 'unavailable', message: 'Live updates are briefly unavailable; they will resume.' });
  }

  #mayJoin(viewer: Viewer | null, topic: string): boolean {
    if (topic === 'mod') return isModerator(viewer);
    if (topic.startsWith('user:')) return viewer !== null && topic === `user:${viewer.id}`;
    return true; // thread: and community: topics are public
  }

  #allowMessage(client: Client): boolean {
    const now = Date.now();
    const rate = this.opts.messagesPerSecond;
    client.tokens = Math.min(rate * 2, client.tokens + ((now - client.refilledAt) / 1000) * rate);
    client.refilledAt = now;
    if (client.tokens < 1) return false;
    client.tokens -= 1;
    return true;
  }

  #onMessage(client: Client, data: unknown, isBinary: boolean) {
    if (!this.#allowMessage(client)) return this.#reply(client, { type: 'error', code: 'rate_limited', message: 'Too many messages; slow down.' });
    let parsed: unknown;
    try {
      if (isBinary) throw new Error('binary');
      parsed = JSON.parse(String(data));
    } catch {
      return this.#reply(client, { type: 'error', code: 'validation_failed', message: 'Frames must be JSON text.' });
    }
    const result = clientMessage.safeParse(parsed);
    if (!result.success) {
      const issue = result.error.issues[0];
      return this.#reply(client, { type: 'error', code: 'validation_failed', message: `${issue?.path.join('.') || 'frame'}: ${issue?.message ?? 'invalid'}` });
    }
    const message = result.data;
    if (message.type === 'ping') return this.#reply(client, { type: 'pong' });
    if (message.type === 'unsubscribe') {
      this.#leave(client, message.topics);
      return this.#reply(client, { type: 'unsubscribed', topics: message.topics });
    }
    const topics = [...new Set(message.topics)];
    const refused = topics.filter((t) => !this.#mayJoin(client.viewer, t));
    if (refused.length) {
      return this.#reply(client, { type: 'error', code: 'forbidden', message: `You may not join ${refused.join(', ')}.` });
    }
    const fresh = topics.filter((t) => !client.sent.has(t));
    if (client.sent.size + fresh.length > MAX_TOPICS_PER_SOCKET) {
      return this.#reply(client, { type: 'error', code: 'too_many_topics', message: `At most ${MAX_TOPICS_PER_SOCKET} topics per connection.` });
    }
    // One subscription at a time per socket, a few waiting: a socket cannot start replays
    // faster than they finish.
    if (client.pending >= this.opts.maxPendingSubscribes) {
      return this.#reply(client, { type: 'error', code: 'rate_limited', message: 'Wait for your earlier subscriptions to finish.' });
    }
    client.pending++;
    const run = () => this.#subscribe(client, topics, message.since).catch((err) => this.#failed(client, err));
    const queued = (client.subscribing ?? Promise.resolve()).then(run).finally(() => {
      client.pending--;
      if (client.pending === 0) client.subscribing = null;
    });
    client.subscribing = queued;
  }

  /** A stream's last seq dispatched here; a member's own stream is read once, in order, when first asked. */
  async #position(stream: string): Promise<bigint> {
    const known = this.#positions.get(stream);
    if (known !== undefined) return known;
    const looked = (await this.deps.positions([stream], this.#dispatched)).get(stream) ?? 0n;
    this.#positions.set(stream, looked);
    return looked;
  }

  async #subscribe(client: Client, topics: string[], since: string | undefined) {
    const stream = streamOf(topics[0]!);
    if (since === undefined) {
      const at = await this.#inOrder(async () => {
        const position = await this.#position(stream);
        this.#join(client, topics, position);
        return position;
      });
      return this.#reply(client, { type: 'subscribed', topics, lastEventId: String(at) });
    }
    // Register under the dispatch order: the backlog covers (since, upto], and every event
    // after upto is dispatched after registration, held back until the backlog is out.
    const upto = await this.#inOrder(async () => {
      const position = await this.#position(stream);
      client.replaying ??= new Map();
      for (const t of topics) client.replaying.set(t, []);
      this.#join(client, topics, big(since));
      return position;
    });
    let at = upto;
    try {
      const complete = await this.#replays.run(() => this.#replay(client, topics, stream, big(since), upto));
      if (!complete) this.#resync(client, topics, upto);
      else if (big(since) > upto) at = big(since);
    } catch (err) {
      // Too many replays waiting, or the database away: the client refetches over HTTP and
      // live delivery goes on from here.
      if (!(err instanceof GateFull)) this.deps.log.warn({ err }, 'live: a replay failed');
      this.#resync(client, topics, upto);
    } finally {
      await this.#handOver(client, topics);
    }
    this.#reply(client, { type: 'subscribed', topics, lastEventId: String(at) });
  }

  /**
   * Sends the backlog in (since, upto], a batch at a time, each batch loaded with a fixed
   * number of queries. False when it cannot be served in full (trimmed, too long, or `since`
   * lies ahead): the caller sends `resync`.
   */
  async #replay(client: Client, topics: string[], stream: string, since: bigint, upto: bigint): Promise<boolean> {
    const read = <T>(work: () => Promise<T>) => this.#patiently(work, 'live: a replay could not read its backlog', 1);
    const stored = await read(() => this.deps.bounds(stream));
    if (since < stored.horizon || since > stored.last) return false;
    // The client saw events this process has not dispatched yet (it was served by another
    // process, further ahead): nothing to replay; live delivery goes on after `since`.
    if (since >= upto) return true;
    // A backlog too long to send is known before any of it is read: one capped count.
    if (since < upto && (await read(() => this.deps.backlogSize(topics, String(since), String(upto), this.opts.backlogLimit + 1))) > this.opts.backlogLimit) return false;
    let after = since;
    while (after < upto && this.#clients.has(client)) {
      const rows = await read(() => this.deps.backlog(topics, String(after), String(upto), this.opts.replayBatch));
      if (rows.length === 0) break;
      await this.#deliverAll(client, rows);
      after = big(rows[rows.length - 1]!.seq);
      if (rows.length < this.opts.replayBatch) break;
      await yieldToEventLoop();
    }
    return true;
  }

  #resync(client: Client, topics: string[], upto: bigint) {
    for (const t of topics) {
      if (!client.sent.has(t)) continue;
      this.#reply(client, { type: 'resync', topic: t });
      // Live delivery goes on after upto (also when the client's `since` was beyond anything written).
      client.sent.set(t, upto);
    }
  }

  /**
   * From replay to live: the events held back meanwhile go out in order, batch by batch,
   * while more may still arrive; the last of them, and the switch itself, under the
   * dispatch order, so that no dispatch slips in between.
   */
  async #handOver(client: Client, topics: string[]) {
    const take = () => {
      const held: EventRow[] = [];
      for (const t of topics) {
        const rows = client.replaying?.get(t);
        if (rows?.length) {
          held.push(...rows);
          client.replaying!.set(t, []);
        }
      }
      return held.sort((a, b) => (big(a.id) < big(b.id) ? -1 : 1));
    };
    try {
      for (let held = take(); held.length; held = take()) {
        await this.#deliverAll(client, held);
        await yieldToEventLoop();
      }
    } catch (err) {
      this.#failed(client, err);
    }
    await this.#inOrder(async () => {
      try {
        const rest = take();
        if (rest.length) await this.#deliverAll(client, rest);
      } catch (err) {
        this.#failed(client, err);
      } finally {
        for (const t of topics) client.replaying?.delete(t);
        if (client.replaying?.size === 0) client.replaying = null;
      }
    });
  }

  async #deliverAll(client: Client, rows: EventRow[]) {
    const prepared = await this.#load(rows);
    const resynced = new Map<string, Set<Client>>();
    for (const row of rows) await this.#deliver(client, row, prepared, prepared ? undefined : mapSet(resynced, row.topic));
  }

  async #deliver(client: Client, row: EventRow, prepared: Prepared | null, resynced?: Set<Client>) {
    const last = client.sent.get(row.topic);
    if (last === undefined) return; // left the topic meanwhile
    const seq = big(row.seq);
    if (seq <= last) return;
    client.sent.set(row.topic, seq);
    if (!prepared) {
      if (resynced?.has(client)) return;
      resynced?.add(client);
      return this.#reply(client, { type: 'resync', topic: row.topic });
    }
    let text: string | null;
    try {
      text = await prepared(row)(client.viewer);
    } catch (err) {
      // This recipient's view could not be made (their mutes, say): they refetch that topic.
      this.deps.log.warn({ err }, 'live: an event could not be rendered');
      return this.#reply(client, { type: 'resync', topic: row.topic });
    }
    if (text) this.#send(client, text);
  }

  /** The bus's listener: every committed event, in id order, exactly once per process. */
  dispatch(rows: EventRow[]): Promise<void> {
    return this.#inOrder(async () => {
      const wanted = rows.filter((r) => r.topic !== 'internal' && this.#byTopic.get(r.topic)?.size);
      const prepared = wanted.length ? await this.#load(wanted) : null;
      // A recipient told to resync a topic is told once per batch, not once per event.
      const resynced = new Map<string, Set<Client>>();
      for (const row of rows) {
        if (row.topic === 'internal') {
          this.deps.onInternal(row);
        } else {
          for (const client of this.#byTopic.get(row.topic) ?? []) {
            const held = client.replaying?.get(row.topic);
            if (held) held.push(row);
            // (Resync bookkeeping only when the batch failed: the common path allocates nothing.)
            else await this.#deliver(client, row, prepared, prepared ? undefined : mapSet(resynced, row.topic));
          }
        }
        this.#dispatched = row.id;
        if (this.#positions.has(row.stream) || SHARED_STREAMS.includes(row.stream)) this.#positions.set(row.stream, big(row.seq));
      }
    });
  }

  /**
   * Loads a batch for delivery within the time bound, trying twice (a connection dropped by
   * a database restart fails once); null when it cannot: its recipients resync.
   */
  async #load(rows: EventRow[]): Promise<Prepared | null> {
    try {
      return await this.#patiently(() => this.deps.prepare(rows), 'live: a batch of events could not be loaded');
    } catch {
      return null;
    }
  }

  /** A database read of the live path, bounded in time and patient through an outage (see patiently). */
  #patiently<T>(work: () => Promise<T>, what: string, tries = 2): Promise<T> {
    return patiently(work, {
      timeoutMs: this.opts.renderTimeoutMs,
      graceMs: this.opts.outageGraceMs,
      tries,
      probe: this.deps.probe,
      onFailure: (err, attempt) => this.deps.log.warn({ err, attempt }, what),
    });
  }

  /** After logout, recovery, deletion, a role change or a suspension: update or close that member's sockets. */
  async refreshAccess(userId: string) {
    for (const client of [...(this.#byUser.get(userId) ?? [])]) {
      const before = client.viewer;
      const viewer = before ? await this.deps.reloadViewer(before.tokenHash) : null;
      if (!viewer) {
        client.socket.close(1008, 'session ended');
        this.#drop(client);
        continue;
      }
      client.viewer = viewer;
      if (!isModerator(viewer) && client.sent.has('mod')) this.#leave(client, ['mod']);
      if (isModerator(viewer) && !client.sent.has('mod')) await this.#inOrder(() => this.#join(client, ['mod'], 0n));
      this.#reply(client, { type: 'access', role: viewer.role, suspendedUntil: viewer.suspendedUntil?.toISOString() ?? null });
    }
  }

  #beat() {
    for (const client of this.#clients) {
      if (!client.alive) {
        client.socket.terminate();
        this.#drop(client);
        continue;
      }
      client.alive = false;
      client.socket.ping();
    }
  }

  /**
   * Shutdown: a close frame with 1001 (going away), so clients reconnect elsewhere. A
   * client that does not answer it soon (it stopped reading) is cut off, so that one
   * stalled socket cannot hold the process past its shutdown grace.
   */
  closeAll(closeTimeoutMs = 1_000) {
    this.#closing = true;
    clearInterval(this.#heartbeat);
    const sockets = [...this.#clients].map((c) => c.socket);
    for (const socket of sockets) socket.close(1001, 'server shutting down');
    if (sockets.length) {
      setTimeout(() => {
        for (const socket of sockets) if (socket.readyState !== socket.CLOSED) socket.terminate();
      }, closeTimeoutMs).unref();
    }
    this.#clients.clear();
    this.#byTopic.clear();
    this.#byUser.clear();
    this.#byAddress.clear();
  }

  get closing() {
    return this.#closing;
  }
}
