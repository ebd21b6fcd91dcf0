import fs from 'node:fs';
import os from 'node:os';
import type { Failure } from './rig';

/**
 * Prints a scenario's figures, and appends them to FAULT_REPORT when set (the source of
 * the table in docs/reliability.md).
 */
export function report(
  scenario: string,
  result: { acknowledged: number; lost: number; duplicated: number; events?: number; streams?: Array<{ missing: number; twice: number; disorder: number; resyncs: number }> },
  failures: Failure[],
  recoveriesMs: number[],
) {
  const line = {
    scenario,
    acknowledged: result.acknowledged,
    lost: result.lost,
    duplicated: result.duplicated,
    events: result.events,
    missingEvents: result.streams?.reduce((n, s) => n + s.missing, 0),
    outOfOrder: result.streams?.reduce((n, s) => n + s.disorder + s.twice, 0),
    failedRequests: failures.length,
    failureStatuses: [...new Set(failures.map((f) => String(f.status)))],
    slowestFailureMs: Math.max(0, ...failures.map((f) => f.ms)),
    recoveryMs: recoveriesMs,
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load ${os.loadavg()[0]!.toFixed(1)}`,
  };
  console.log(JSON.stringify(line));
  if (process.env.FAULT_REPORT) fs.appendFileSync(process.env.FAULT_REPORT, `${JSON.stringify(line)}\n`);
}
