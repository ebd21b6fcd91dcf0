import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import { isModerator, type Viewer } from '../accounts/accounts.service';
import { clientMessage, MAX_TOPICS_PER_SOCKET, type ServerMessage } from '../contract/live';
import type { EventRow } from './events.repository';
import type { Render } from './event-views';

export interface HubOptions {
  /** Past this many bytes waiting to go out, a socket is cut off (it resyncs on reconnect). */
  maxBufferedBytes: number;
  maxSocketsPerAccount: number;
  heartbeatMs: number;
  /** Client frames allowed per second, with a burst of twice that. */
  messagesPerSecond: number;
  backlogLimit: number;
}

export interface HubDeps {
  renderer: (row: EventRow) => Render;
  position: () => string;
  horizon: () => Promise<string>;
  backlog: (topics: string[], afterId: string, uptoId: string, limit: number) => Promise<EventRow[]>;
  /** Re-reads a session after an access change; null when it has ended. */
  reloadViewer: (tokenHash: string) => Promise<Viewer | null>;
  /** Cross-process cache drops, for the internal topic. */
  onInternal: (row: EventRow) => void;
  log: FastifyBaseLogger;
}

/** Kept small: at 20,000 idle sockets every field counts. */
interface Client {
  socket: WebSocket;
  viewer: Viewer | null;
  /** The joined topics, each with the last event id sent: nothing at or below it goes out again. */
  sent: Map<string, bigint>;
  /** Topics being replayed, with the live events that arrived meanwhile (null: none). */
  replaying: Map<string, EventRow[]> | null;
  alive: boolean;
  tokens: number;
  refilledAt: number;
}

const big = (id: string) => BigInt(id);

/**
 * The live hub of one process: its sockets, their topics, and the fan-out of the bus's
 * events to them, filtered per recipient. Dispatch and the registration of a replaying
 * subscription run one at a time, so a reconnecting client's backlog ends exactly where
 * live delivery begins: nothing is lost at the seam and nothing comes twice.
 */
export class LiveHub {
  #clients = new Set<Client>();
  #byTopic = new Map<string, Set<Client>>();
  #byUser = new Map<string, Set<Client>>();
  #serial: Promise<unknown> = Promise.resolve();
  #position = '0';
  #heartbeat: NodeJS.Timeout | undefined;
  #closing = false;
  #bySocket = new WeakMap<WebSocket, Client>();
  // One set of socket listeners for all sockets; `this` is the socket that emitted.
  readonly #onPong: (this: WebSocket) => void;
  readonly #onFrame: (this: WebSocket, data: unknown, isBinary: boolean) => void;
  readonly #onClose: (this: WebSocket) => void;

  constructor(private readonly deps: HubDeps, private readonly opts: HubOptions) {
    const clients = this.#bySocket;
    const hub = this;
    this.#onPong = function () {
      const client = clients.get(this);
      if (client) client.alive = true;
    };
    this.#onFrame = function (data, isBinary) {
      const client = clients.get(this);
      if (client) void hub.#onMessage(client, data, isBinary);
    };
    this.#onClose = function () {
      const client = clients.get(this);
      if (client) hub.#drop(client);
    };
  }

  start() {
    this.#position = this.deps.position();
    this.#heartbeat = setInterval(() => this.#beat(), this.opts.heartbeatMs).unref();
  }

  /** Runs `fn` after everything queued before it (dispatches and registrations). */
  #inOrder<T>(fn: () => Promise<T> | T): Promise<T> {
    const next = this.#serial.then(fn, fn);
    this.#serial = next.catch(() => {});
    return next;
  }

  get maxSocketsPerAccount() {
    return this.opts.maxSocketsPerAccount;
  }

  socketsOf(userId: string): number {
    return this.#byUser.get(userId)?.size ?? 0;
  }

  get size() {
    return this.#clients.size;
  }

  accept(socket: WebSocket, viewer: Viewer | null) {
    const client: Client = {
      socket, viewer, sent: new Map(), replaying: null,
      alive: true, tokens: this.opts.messagesPerSecond * 2, refilledAt: Date.now(),
    };
    this.#clients.add(client);
    this.#bySocket.set(socket, client);
    if (viewer) this.#index(this.#byUser, viewer.id, client);
    // @fastify/websocket's own 'error' listener closes over the upgrade's request and reply,
    // which would keep them alive as long as the socket (kilobytes per idle socket). Ours
    // drops the client; the socket is closed by ws after an error either way.
    socket.removeAllListeners('error');
    // Shared handlers (no closures per socket): they find the client through the socket.
    socket.on('pong', this.#onPong);
    socket.on('message', this.#onFrame);
    socket.on('close', this.#onClose);
    socket.on('error', this.#onClose);
    // A member's own topic (and, for moderators, the queue) are joined from the start.
    const own = viewer ? [`user:${viewer.id}`, ...(isModerator(viewer) ? ['mod'] : [])] : [];
    if (own.length) void this.#inOrder(() => this.#join(client, own, this.#position));
  }

  #index(map: Map<string, Set<Client>>, key: string, client: Client) {
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    set.add(client);
  }

  #unindex(map: Map<string, Set<Client>>, key: string, client: Client) {
    const set = map.get(key);
    set?.delete(client);
    if (set && set.size === 0) map.delete(key);
  }

  #drop(client: Client) {
    if (!this.#clients.delete(client)) return;
    for (const topic of client.sent.keys()) this.#unindex(this.#byTopic, topic, client);
    if (client.viewer) this.#unindex(this.#byUser, client.viewer.id, client);
  }

  #join(client: Client, topics: string[], from: string) {
    // A join queued behind a dispatch may run after the socket closed: index nothing then.
    if (!this.#clients.has(client)) return;
    for (const topic of topics) {
      const current = client.sent.get(topic);
      if (current === undefined) this.#index(this.#byTopic, topic, client);
      if (current === undefined || current < big(from)) client.sent.set(topic, big(from));
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

  async #onMessage(client: Client, data: unknown, isBinary: boolean) {
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
    await this.#subscribe(client, topics, message.since);
  }

  async #subscribe(client: Client, topics: string[], since: string | undefined) {
    if (since === undefined) {
      const at = await this.#inOrder(() => {
        this.#join(client, topics, this.#position);
        return this.#position;
      });
      return this.#reply(client, { type: 'subscribed', topics, lastEventId: at });
    }
    // Register under the dispatch order: the backlog covers (since, upto], and every event
    // after upto is dispatched after registration, held back until the backlog is out.
    const upto = await this.#inOrder(() => {
      client.replaying ??= new Map();
      for (const t of topics) client.replaying.set(t, []);
      this.#join(client, topics, since);
      return this.#position;
    });
    try {
      const horizon = await this.deps.horizon();
      let rows: EventRow[] = [];
      let resync = big(since) < big(horizon) || big(since) > big(upto);
      if (!resync && big(since) < big(upto)) {
        rows = await this.deps.backlog(topics, since, upto, this.opts.backlogLimit + 1);
        resync = rows.length > this.opts.backlogLimit;
      }
      if (resync) {
        // The backlog no longer reaches back to `since` (or lies ahead of us): the client
        // refetches over HTTP; live delivery goes on from here.
        for (const t of topics) {
          this.#reply(client, { type: 'resync', topic: t });
          client.sent.set(t, big(upto));
        }
      } else {
        for (const row of rows) await this.#deliver(client, row, this.deps.renderer(row));
        for (const t of topics) if ((client.sent.get(t) ?? 0n) < big(upto)) client.sent.set(t, big(upto));
      }
      this.#reply(client, { type: 'subscribed', topics, lastEventId: upto });
    } finally {
      for (const t of topics) {
        const held = client.replaying?.get(t) ?? [];
        client.replaying?.delete(t);
        for (const row of held) await this.#deliver(client, row, this.deps.renderer(row));
      }
      if (client.replaying?.size === 0) client.replaying = null;
    }
  }

  async #deliver(client: Client, row: EventRow, render: Render) {
    const last = client.sent.get(row.topic);
    if (last === undefined) return; // left the topic meanwhile
    const id = big(row.id);
    if (id <= last) return;
    client.sent.set(row.topic, id);
    const text = await render(client.viewer);
    if (text) this.#send(client, text);
  }

  /** The bus's listener: every committed event, in id order, exactly once per process. */
  dispatch(rows: EventRow[]): Promise<void> {
    return this.#inOrder(async () => {
      for (const row of rows) {
        if (row.topic === 'internal') {
          this.deps.onInternal(row);
        } else {
          const subscribers = this.#byTopic.get(row.topic);
          if (subscribers?.size) {
            const render = this.deps.renderer(row);
            for (const client of subscribers) {
              const held = client.replaying?.get(row.topic);
              if (held) held.push(row);
              else await this.#deliver(client, row, render);
            }
          }
        }
        this.#position = row.id;
      }
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
      if (isModerator(viewer) && !client.sent.has('mod')) await this.#inOrder(() => this.#join(client, ['mod'], this.#position));
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

  /** Shutdown: a close frame with 1001 (going away), so clients reconnect elsewhere. */
  closeAll() {
    this.#closing = true;
    clearInterval(this.#heartbeat);
    for (const client of this.#clients) client.socket.close(1001, 'server shutting down');
    this.#clients.clear();
    this.#byTopic.clear();
    this.#byUser.clear();
  }

  get closing() {
    return this.#closing;
  }
}
