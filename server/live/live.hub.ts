import type { WebSocket } from 'ws';
import { isModerator, type Viewer } from '../accounts/viewer';
import type { EventRow } from '../outbox/outbox.service';
import { ClientRegistry, type Client } from './clients';
import { Delivery } from './delivery';
import { Frames } from './frames';
import type { HubDeps, HubOptions } from './hub-options';
import { StreamPositions } from './positions';
import { Serial } from './serial';
import { Subscriptions } from './subscriptions';

export type { HubDeps, HubOptions } from './hub-options';

/**
 * The live hub of one process: its sockets (clients.ts), what they ask for (frames.ts,
 * subscriptions.ts), and the fan-out of the bus's events to them, filtered per recipient
 * (delivery.ts). This class puts those together and keeps the sockets alive.
 */
export class LiveHub {
  readonly #serial = new Serial();
  readonly #clients: ClientRegistry;
  readonly #positions: StreamPositions;
  readonly #delivery: Delivery;
  #heartbeat: NodeJS.Timeout | undefined;
  #closing = false;
  // One set of socket listeners for all sockets; `this` is the socket that emitted.
  readonly #onPong: (this: WebSocket) => void;
  readonly #onFrame: (this: WebSocket, data: unknown, isBinary: boolean) => void;
  readonly #onClose: (this: WebSocket) => void;

  constructor(private readonly deps: HubDeps, private readonly opts: HubOptions) {
    this.#positions = new StreamPositions(deps, this.#serial);
    const clients = (this.#clients = new ClientRegistry(opts, deps.log, (userId) => this.#positions.forget(`user:${userId}`)));
    this.#delivery = new Delivery(deps, opts, clients, this.#positions, this.#serial);
    const subscriptions = new Subscriptions(deps, opts, clients, this.#positions, this.#delivery, this.#serial);
    const frames = new Frames(opts, clients, subscriptions);
    this.#onPong = function () {
      const client = clients.of(this);
      if (client) client.alive = true;
    };
    this.#onFrame = function (data, isBinary) {
      const client = clients.of(this);
      if (client) frames.received(client, data, isBinary);
    };
    this.#onClose = function () {
      const client = clients.of(this);
      if (client) clients.drop(client);
    };
  }

  async start() {
    await this.#positions.start();
    this.#heartbeat = setInterval(() => this.#beat(), this.opts.heartbeatMs).unref();
  }

  /** Whether one more socket may open: per account for members, per address group for visitors. */
  mayOpen(viewer: Viewer | null, address: string): boolean {
    return this.#clients.mayOpen(viewer, address);
  }

  accept(socket: WebSocket, viewer: Viewer | null, address: string) {
    const client = this.#clients.add(socket, viewer, address);
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
    if (own.length) this.#serial.run(() => this.#clients.join(client, own, 0n)).catch((err) => this.#clients.failed(client, err));
  }

  /** The bus's listener: every committed event, in id order, exactly once per process. */
  dispatch(rows: EventRow[]): Promise<void> {
    return this.#delivery.dispatch(rows);
  }

  /** After logout, recovery, deletion, a role change or a suspension: update or close that member's sockets. */
  async refreshAccess(userId: string) {
    for (const client of this.#clients.ofUser(userId)) await this.#refresh(client);
  }

  async #refresh(client: Client) {
    const clients = this.#clients;
    const before = client.viewer;
    const viewer = before ? await this.deps.reloadViewer(before.tokenHash) : null;
    if (!viewer) {
      client.socket.close(1008, 'session ended');
      clients.drop(client);
      return;
    }
    client.viewer = viewer;
    if (!isModerator(viewer) && client.sent.has('mod')) clients.leave(client, ['mod']);
    if (isModerator(viewer) && !client.sent.has('mod')) await this.#serial.run(() => clients.join(client, ['mod'], 0n));
    clients.reply(client, { type: 'access', role: viewer.role, suspendedUntil: viewer.suspendedUntil?.toISOString() ?? null });
  }

  /** Pings every socket; one that did not answer the last ping is cut off. */
  #beat() {
    for (const client of [...this.#clients.all()]) {
      if (!client.alive) {
        client.socket.terminate();
        this.#clients.drop(client);
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
    const sockets = this.#clients.clear();
    for (const socket of sockets) socket.close(1001, 'server shutting down');
    if (sockets.length) {
      setTimeout(() => {
        for (const socket of sockets) if (socket.readyState !== socket.CLOSED) socket.terminate();
      }, closeTimeoutMs).unref();
    }
  }

  get closing() {
    return this.#closing;
  }
}
