/**
 * One line of work: each function runs after everything queued before it has settled.
 * The hub's dispatches, the registration of a replaying subscription and the hand-over from
 * replay to live delivery all go through one, so none of them slips in between another's
 * steps.
 */
export class Serial {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const next = this.#tail.then(fn, fn);
    this.#tail = next.catch(() => {});
    return next;
  }
}
