import { isDatabaseUnavailable } from '../db/unavailable';

export class TimedOut extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'TimedOut';
  }
}

/** Settles with `work`, or rejects with TimedOut after `ms` (the work runs on, ignored). */
export function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimedOut(ms)), ms);
  });
  work.catch(() => {}); // a late failure of ignored work is not unhandled
  return Promise.race([work, bound]).finally(() => clearTimeout(timer));
}

export interface Patience {
  /** One attempt may take this long. */
  timeoutMs: number;
  /** While the database is away, attempts go on for this long before giving up. */
  graceMs: number;
  /** Attempts for any other failure (a locked table, a bug). */
  tries: number;
  /** Whether the database answers a trivial question right now. */
  probe: () => Promise<boolean>;
  onFailure: (err: unknown, attempt: number) => void;
}

const PROBE_TIMEOUT_MS = 1_000;

/**
 * Runs `work` until it succeeds. During an outage (the error says the database is away, or
 * an attempt timed out and the database does not answer a trivial question either) it waits
 * and tries again, for up to `graceMs`: once the database is back, nothing has been given
 * up on. Any other failure, such as one batch stuck behind a locked table while the
 * database answers, gets `tries` attempts, so that it cannot hold everything else back.
 */
export async function patiently<T>(work: () => Promise<T>, p: Patience): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await withTimeout(work(), p.timeoutMs);
    } catch (err) {
      p.onFailure(err, attempt);
      const outage = isDatabaseUnavailable(err) || (err instanceof TimedOut && !(await withTimeout(p.probe(), PROBE_TIMEOUT_MS).catch(() => false)));
      if (outage ? Date.now() - started >= p.graceMs : attempt >= p.tries) throw err;
      if (outage) await new Promise((r) => setTimeout(r, Math.min(2_000, 100 * 2 ** Math.min(attempt, 5))));
    }
  }
}
