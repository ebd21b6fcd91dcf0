import type { Config } from '../config';

/**
 * How often the retention round runs: every tenth of the event window, but at least hourly
 * and at most every second, so that an event outlives its window by a tenth at the most.
 */
export const trimEveryMs = (retentionHours: number) => Math.min(3_600_000, Math.max(1_000, (retentionHours * 3_600_000) / 10));

export interface MaintenanceDeps {
  config: Pick<Config, 'eventRetentionHours' | 'milestoneEveryMs'>;
  /** privacy/retention.ts: what Haven forgets, and when. */
  retentionRound(): Promise<boolean>;
  /** The journey's milestone round. */
  celebrateMilestones(): Promise<unknown>;
  onError(err: unknown): void;
}

/**
 * Haven's scheduled work, on timers: the retention round and the milestone round. Each
 * round runs under an advisory lock of its own, so N processes do it once between them.
 */
export class Maintenance {
  readonly #timers: NodeJS.Timeout[] = [];

  constructor(private readonly deps: MaintenanceDeps) {}

  retentionRound(): Promise<boolean> {
    return this.deps.retentionRound();
  }

  async start() {
    const { deps } = this;
    await deps.retentionRound();
    await deps.celebrateMilestones();
    this.#timers.push(setInterval(() => void deps.retentionRound().catch(deps.onError), trimEveryMs(deps.config.eventRetentionHours)).unref());
    this.#timers.push(setInterval(() => void deps.celebrateMilestones().catch(deps.onError), deps.config.milestoneEveryMs).unref());
  }

  stop() {
    for (const t of this.#timers.splice(0)) clearInterval(t);
  }
}
