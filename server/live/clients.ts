import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import type { Viewer } from '../accounts/viewer';
import type { ServerMessage } from '../contract/live';
import type { EventRow } from '../outbox/outbox.service';

/** One socket and what it has joined. Kept small: at 20,000 idle sockets every field counts. */
export interface Client {
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

function mapSet<K, V>(map: Map<K, Set<V>>, key: K): Set<V> {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  return set;
}

function unindex<K, V>(map: Map<K, Set<V>>, key: K, value: V) {
  const set = map.get(key);
  set?.delete(value);
  if (set && set.size === 0) map.delete(key);
}

export interface ClientLimits {
  maxBufferedBytes: number;
  maxSocketsPerAccount: number;
  maxVisitorSocketsPerAddress: number;
  messagesPerSecond: number;
}

/**
 * This process's sockets, indexed by topic, member and address group, and the one way
 * anything is written to them: a reader that does not keep up is cut off rather than
 * buffered without end.
 */
export class ClientRegistry {
  readonly #clients = new Set<Client>();
  readonly #byTopic = new Map<string, Set<Client>>();
  readonly #byUser = new Map<string, Set<Client>>();
  readonly #byAddress = new Map<string, number>();
  readonly #bySocket = new WeakMap<WebSocket, Client>();

  constructor(
    private readonly limits: ClientLimits,
    private readonly log: FastifyBaseLogger,
    /** A member's last socket here closed: their own stream need not be followed. */
    private readonly onUserGone: (userId: string) => void,
  ) {}

  /** Whether one more socket may open: per account for members, per address group for visitors. */
  mayOpen(viewer: Viewer | null, address: string): boolean {
    if (viewer) return (this.#byUser.get(viewer.id)?.size ?? 0) < this.limits.maxSocketsPerAccount;
    return (this.#byAddress.get(address) ?? 0) < this.limits.maxVisitorSocketsPerAddress;
  }

  add(socket: WebSocket, viewer: Viewer | null, address: string): Client {
    const client: Client = {
      socket, viewer, address: viewer ? null : address, sent: new Map(), replaying: null, subscribing: null, pending: 0,
      alive: true, tokens: this.limits.messagesPerSecond * 2, refilledAt: Date.now(),
    };
    this.#clients.add(client);
    this.#bySocket.set(socket, client);
    if (viewer) mapSet(this.#byUser, viewer.id).add(client);
    else this.#byAddress.set(address, (this.#byAddress.get(address) ?? 0) + 1);
    return client;
  }

  of(socket: WebSocket): Client | undefined {
    return this.#bySocket.get(socket);
  }

  has(client: Client): boolean {
    return this.#clients.has(client);
  }

  all(): Iterable<Client> {
    return this.#clients;
  }

  onTopic(topic: string): Set<Client> | undefined {
    return this.#byTopic.get(topic);
  }

  /** A member's sockets here, as a list (refreshing access may drop some of them). */
  ofUser(userId: string): Client[] {
    return [...(this.#byUser.get(userId) ?? [])];
  }

  drop(client: Client) {
    if (!this.#clients.delete(client)) return;
    for (const topic of client.sent.keys()) unindex(this.#byTopic, topic, client);
    if (client.viewer) {
      unindex(this.#byUser, client.viewer.id, client);
      if (!this.#byUser.has(client.viewer.id)) this.onUserGone(client.viewer.id);
    }
    if (client.address) {
      const left = (this.#byAddress.get(client.address) ?? 1) - 1;
      if (left > 0) this.#byAddress.set(client.address, left);
      else this.#byAddress.delete(client.address);
    }
  }

  /** Joins topics, delivering nothing at or below `from` (never going back on a topic already joined). */
  join(client: Client, topics: string[], from: bigint) {
    // A join queued behind a dispatch may run after the socket closed: index nothing then.
    if (!this.#clients.has(client)) return;
    for (const topic of topics) {
      const current = client.sent.get(topic);
      if (current === undefined) mapSet(this.#byTopic, topic).add(client);
      if (current === undefined || current < from) client.sent.set(topic, from);
    }
  }

  leave(client: Client, topics: string[]) {
    for (const topic of topics) {
      client.sent.delete(topic);
      client.replaying?.delete(topic);
      unindex(this.#byTopic, topic, client);
    }
  }

  send(client: Client, text: string) {
    const { socket } = client;
    if (socket.readyState !== socket.OPEN) return;
    // A reader that does not keep up is cut off rather than buffered without end; the
    // client reconnects with `since` and catches up from the backlog.
    if (socket.bufferedAmount > this.limits.maxBufferedBytes) {
      this.log.info({ buffered: socket.bufferedAmount }, 'live: closing a socket that stopped reading');
      socket.terminate();
      this.drop(client);
      return;
    }
    socket.send(text);
  }

  reply(client: Client, message: ServerMessage) {
    this.send(client, JSON.stringify(message));
  }

  /** Work for one socket failed (the database away, say): tell it plainly, keep the process. */
  failed(client: Client, err: unknown) {
    this.log.warn({ err }, 'live: a socket could not be served');
    this.reply(client, { type: 'error', code: 'unavailable', message: 'Live updates are briefly unavailable; they will resume.' });
  }

  /** Forgets every socket (shutdown); the sockets themselves are closed by the caller. */
  clear(): WebSocket[] {
    const sockets = [...this.#clients].map((c) => c.socket);
    this.#clients.clear();
    this.#byTopic.clear();
    this.#byUser.clear();
    this.#byAddress.clear();
    return sockets;
  }
}
