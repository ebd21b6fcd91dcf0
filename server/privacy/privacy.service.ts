import type { Viewer } from '../accounts/viewer';
import { eraseAccount, type ErasureDoors } from './erasure';
import { exportJson, type ExportDoors } from './export';
import { retentionRound, type RetentionDoors } from './retention';

/** A member's export and erasure, and the retention round: each an ordered list of steps (export.ts, erasure.ts, retention.ts). */
export class PrivacyService {
  constructor(private readonly doors: { exports: ExportDoors; erasure: ErasureDoors; retention: RetentionDoors }) {}

  exportJson(viewer: Viewer): Promise<AsyncIterable<string>> {
    return exportJson(this.doors.exports, viewer.id);
  }

  eraseAccount(viewer: Viewer, password: string, erasePosts: boolean): Promise<void> {
    return eraseAccount(this.doors.erasure, viewer, password, erasePosts);
  }

  retentionRound(): Promise<boolean> {
    return retentionRound(this.doors.retention);
  }
}
