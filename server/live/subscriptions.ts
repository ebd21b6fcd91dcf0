import { isModerator, type Viewer } from '../accounts/viewer';
import { streamOf } from '../contract/live';
import { Gate, GateFull, yieldToEventLoop } from '../lib/gate';
import type { EventRow } from '../outbox/outbox.service';
import type { Client, ClientRegistry } from './clients';
import type { Delivery } from './delivery';
import { big, type HubDeps, type HubOptions } from './hub-options';
import type { StreamPositions } from './positions';
import type { Serial } from './serial';

/** Whether this reader may join a topic: thread and community topics are public. */
export function mayJoin(viewer: Viewer | null, topic: string): boolean {
  if (topic === 'mod') return isModerator(viewer);
  if (topic.startsWith('user:')) return viewer !== null && topic === `user:${viewer.id}`;
  return true;
}

/**
 * Joining topics, with or without `since`. Registration of a replaying subscription and
 * the final hand-over from replay to live delivery run in the dispatch order, so a
 * reconnecting client's backlog ends exactly where live delivery begins: nothing is lost
 * at the seam and nothing comes twice. Ids sent to clients are per-audience seqs.
 */
export class Subscriptions {
  readonly #replays: Gate;

  constructor(
    private readonly deps: Pick<HubDeps, 'bounds' | 'backlog' | 'backlogSize' | 'log'>,
    private readonly opts: Pick<HubOptions, 'replayConcurrency' | 'replayQueue' | 'backlogLimit' | 'replayBatch'>,
    private readonly clients: ClientRegistry,
    private readonly positions: StreamPositions,
    private readonly delivery: Delivery,
    private readonly serial: Serial,
  ) {
    this.#replays = new Gate(opts.replayConcurrency, opts.replayQueue);
  }

  async subscribe(client: Client, topics: string[], since: string | undefined) {
    const stream = streamOf(topics[0]!);
    if (since === undefined) {
      const at = await this.serial.run(async () => {
        const position = await this.positions.of(stream);
        this.clients.join(client, topics, position);
        return position;
      });
      return this.clients.reply(client, { type: 'subscribed', topics, lastEventId: String(at) });
    }
    // Register under the dispatch order: the backlog covers (since, upto], and every event
    // after upto is dispatched after registration, held back until the backlog is out.
    const upto = await this.serial.run(async () => {
      const position = await this.positions.of(stream);
      client.replaying ??= new Map();
      for (const t of topics) client.replaying.set(t, []);
      this.clients.join(client, topics, big(since));
      return position;
    });
    const at = await this.#replayThenHandOver(client, topics, stream, big(since), upto);
    this.clients.reply(client, { type: 'subscribed', topics, lastEventId: String(at) });
  }

  /** Replays (since, upto] and hands over to live delivery; the position the client is at afterwards. */
  async #replayThenHandOver(client: Client, topics: string[], stream: string, since: bigint, upto: bigint): Promise<bigint> {
    let at = upto;
    try {
      const complete = await this.#replays.run(() => this.#replay(client, topics, stream, since, upto));
      if (!complete) this.#resync(client, topics, upto);
      else if (since > upto) at = since;
    } catch (err) {
      // Too many replays waiting, or the database away: the client refetches over HTTP and
      // live delivery goes on from here.
      if (!(err instanceof GateFull)) this.deps.log.warn({ err }, 'live: a replay failed');
      this.#resync(client, topics, upto);
    } finally {
      await this.#handOver(client, topics);
    }
    return at;
  }

  /**
   * Sends the backlog in (since, upto], a batch at a time, each batch loaded with a fixed
   * number of queries. False when it cannot be served in full (trimmed, too long, or `since`
   * lies ahead): the caller sends `resync`.
   */
  async #replay(client: Client, topics: string[], stream: string, since: bigint, upto: bigint): Promise<boolean> {
    const read = <T>(work: () => Promise<T>) => this.delivery.patiently(work, 'live: a replay could not read its backlog', 1);
    const stored = await read(() => this.deps.bounds(stream));
    if (since < stored.horizon || since > stored.last) return false;
    // The client saw events this process has not dispatched yet (it was served by another
    // process, further ahead): nothing to replay; live delivery goes on after `since`.
    if (since >= upto) return true;
    // A backlog too long to send is known before any of it is read: one capped count.
    const { backlogLimit, replayBatch } = this.opts;
    if ((await read(() => this.deps.backlogSize(topics, String(since), String(upto), backlogLimit + 1))) > backlogLimit) return false;
    let after = since;
    while (after < upto && this.clients.has(client)) {
      const rows = await read(() => this.deps.backlog(topics, String(after), String(upto), replayBatch));
      if (rows.length === 0) break;
      await this.delivery.deliverAll(client, rows);
      after = big(rows[rows.length - 1]!.seq);
      if (rows.length < replayBatch) break;
      await yieldToEventLoop();
    }
    return true;
  }

  #resync(client: Client, topics: string[], upto: bigint) {
    for (const t of topics) {
      if (!client.sent.has(t)) continue;
      this.clients.reply(client, { type: 'resync', topic: t });
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
    const take = () => takeHeld(client, topics);
    try {
      for (let held = take(); held.length; held = take()) {
        await this.delivery.deliverAll(client, held);
        await yieldToEventLoop();
      }
    } catch (err) {
      this.clients.failed(client, err);
    }
    await this.serial.run(async () => {
      try {
        const rest = take();
        if (rest.length) await this.delivery.deliverAll(client, rest);
      } catch (err) {
        this.clients.failed(client, err);
      } finally {
        for (const t of topics) client.replaying?.delete(t);
        if (client.replaying?.size === 0) client.replaying = null;
      }
    });
  }
}

/** The live events held back for these topics during a replay, in id order, and the holds emptied. */
function takeHeld(client: Client, topics: string[]): EventRow[] {
  const held: EventRow[] = [];
  for (const t of topics) {
    const rows = client.replaying?.get(t);
    if (rows?.length) {
      held.push(...rows);
      client.replaying!.set(t, []);
    }
  }
  return held.sort((a, b) => (big(a.id) < big(b.id) ? -1 : 1));
}
