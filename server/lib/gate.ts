/** Thrown by Gate.run when too many callers are already waiting. */
export class GateFull extends Error {
  override name = 'GateFull';
}

/**
 * At most `concurrency` runs at once, and at most `queue` more waiting in order; past
 * that, `run` refuses at once rather than let work pile up without end.
 */
export class Gate {
  #running = 0;
  #waiting: Array<() => void> = [];

  constructor(private readonly concurrency: number, private readonly queue: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#running >= this.concurrency) {
      if (this.#waiting.length >= this.queue) throw new GateFull('busy');
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running++;
    }
    try {
      return await fn();
    } finally {
      // Hand the slot straight to the next waiter, so the count never dips and overshoots.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }

  get busy() {
    return this.#running;
  }
}

/**
 * Lets the event loop run timers and I/O before going on. Long work done batch by batch
 * (replays, the outbox pump) calls it between batches: with the embedded database, queries
 * run on this very thread and resolve without ever giving the loop a turn, so without it a
 * long replay would hold off every request, health checks included, until it ended.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
