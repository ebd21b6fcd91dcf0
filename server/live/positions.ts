import type { EventRow } from '../outbox/outbox.service';
import { big, type HubDeps } from './hub-options';
import type { Serial } from './serial';

/** Streams whose position the hub always knows; a member's own stream is looked up when asked. */
export const SHARED_STREAMS = ['public', 'mod'];

/**
 * Where dispatch stands: the last global event id dispatched here, and each known stream's
 * last seq dispatched. A subscriber without `since` joins at its stream's position; one
 * with `since` is replayed up to it.
 */
export class StreamPositions {
  #dispatched = '0';
  readonly #positions = new Map<string, bigint>();

  constructor(private readonly deps: Pick<HubDeps, 'positions' | 'startedAt'>, private readonly serial: Serial) {}

  /** The shared streams' positions as of where the bus started. */
  async start() {
    const startedAt = this.deps.startedAt();
    const base = await this.deps.positions(SHARED_STREAMS, startedAt);
    await this.serial.run(() => {
      if (big(this.#dispatched) < big(startedAt)) this.#dispatched = startedAt;
      // Dispatch may already have moved a stream past the snapshot: never go back.
      for (const [stream, seq] of base) if ((this.#positions.get(stream) ?? -1n) < seq) this.#positions.set(stream, seq);
    });
  }

  /** A stream's last seq dispatched here; a member's own stream is read once, in order, when first asked. */
  async of(stream: string): Promise<bigint> {
    const known = this.#positions.get(stream);
    if (known !== undefined) return known;
    const looked = (await this.deps.positions([stream], this.#dispatched)).get(stream) ?? 0n;
    this.#positions.set(stream, looked);
    return looked;
  }

  /** A row was dispatched: the global position, and its stream's when that stream is followed. */
  passed(row: EventRow) {
    this.#dispatched = row.id;
    if (this.#positions.has(row.stream) || SHARED_STREAMS.includes(row.stream)) this.#positions.set(row.stream, big(row.seq));
  }

  /** A member's last socket here closed: their stream need not be followed. */
  forget(stream: string) {
    this.#positions.delete(stream);
  }
}
