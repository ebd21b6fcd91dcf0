import type { EventRow } from '../outbox/outbox.service';
import type { Client, ClientRegistry } from './clients';
import type { Prepared } from './event-views';
import { big, type HubDeps, type HubOptions } from './hub-options';
import { patiently } from './patience';
import type { StreamPositions } from './positions';
import type { Serial } from './serial';

function mapSet<K, V>(map: Map<K, Set<V>>, key: K): Set<V> {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  return set;
}

/**
 * Sends events to sockets: live, as the bus dispatches them in id order, and from a
 * replay. A batch is loaded once for all its recipients; a recipient gets each event once,
 * in seq order, or a `resync` when its batch could not be loaded.
 */
export class Delivery {
  constructor(
    private readonly deps: Pick<HubDeps, 'prepare' | 'probe' | 'onInternal' | 'log'>,
    private readonly opts: Pick<HubOptions, 'renderTimeoutMs' | 'outageGraceMs'>,
    private readonly clients: ClientRegistry,
    private readonly positions: StreamPositions,
    private readonly serial: Serial,
  ) {}

  /** The bus's listener: every committed event, in id order, exactly once per process. */
  dispatch(rows: EventRow[]): Promise<void> {
    return this.serial.run(async () => {
      const wanted = rows.filter((r) => r.topic !== 'internal' && this.clients.onTopic(r.topic)?.size);
      const prepared = wanted.length ? await this.load(wanted) : null;
      // A recipient told to resync a topic is told once per batch, not once per event.
      const resynced = new Map<string, Set<Client>>();
      for (const row of rows) {
        if (row.topic === 'internal') this.deps.onInternal(row);
        else await this.#toRecipients(row, prepared, resynced);
        this.positions.passed(row);
      }
    });
  }

  async #toRecipients(row: EventRow, prepared: Prepared | null, resynced: Map<string, Set<Client>>) {
    for (const client of this.clients.onTopic(row.topic) ?? []) {
      const held = client.replaying?.get(row.topic);
      if (held) held.push(row);
      // (Resync bookkeeping only when the batch failed: the common path allocates nothing.)
      else await this.deliver(client, row, prepared, prepared ? undefined : mapSet(resynced, row.topic));
    }
  }

  /** Rows for one client (a replay page, or what was held back during it), loaded together. */
  async deliverAll(client: Client, rows: EventRow[]) {
    const prepared = await this.load(rows);
    const resynced = new Map<string, Set<Client>>();
    for (const row of rows) await this.deliver(client, row, prepared, prepared ? undefined : mapSet(resynced, row.topic));
  }

  async deliver(client: Client, row: EventRow, prepared: Prepared | null, resynced?: Set<Client>) {
    const last = client.sent.get(row.topic);
    if (last === undefined) return; // left the topic meanwhile
    const seq = big(row.seq);
    if (seq <= last) return;
    client.sent.set(row.topic, seq);
    if (!prepared) {
      if (resynced?.has(client)) return;
      resynced?.add(client);
      return this.clients.reply(client, { type: 'resync', topic: row.topic });
    }
    let text: string | null;
    try {
      text = await prepared(row)(client.viewer);
    } catch (err) {
      // This recipient's view could not be made (their mutes, say): they refetch that topic.
      this.deps.log.warn({ err }, 'live: an event could not be rendered');
      return this.clients.reply(client, { type: 'resync', topic: row.topic });
    }
    if (text) this.clients.send(client, text);
  }

  /**
   * Loads a batch for delivery within the time bound, trying twice (a connection dropped by
   * a database restart fails once); null when it cannot: its recipients resync.
   */
  async load(rows: EventRow[]): Promise<Prepared | null> {
    try {
      return await this.patiently(() => this.deps.prepare(rows), 'live: a batch of events could not be loaded');
    } catch {
      return null;
    }
  }

  /** A database read of the live path, bounded in time and patient through an outage (see patiently). */
  patiently<T>(work: () => Promise<T>, what: string, tries = 2): Promise<T> {
    return patiently(work, {
      timeoutMs: this.opts.renderTimeoutMs,
      graceMs: this.opts.outageGraceMs,
      tries,
      probe: this.deps.probe,
      onFailure: (err, attempt) => this.deps.log.warn({ err, attempt }, what),
    });
  }
}
