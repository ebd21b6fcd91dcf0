import type { Kysely } from 'kysely';
import type { RoleChange } from '../accounts/accounts.service';
import type { Trx } from '../db/executor';
import type { DB } from '../db/schema';
import { DELETED_MEMBER } from '../forum/forum.doors';
import * as repo from './moderation.repository';

/**
 * What other features may ask of moderation's tables (flags, the log, suspensions), built
 * from the repository alone so that accounts can be given one before moderation's service
 * exists.
 */

/** Who was given or lost moderating powers, by whom and when, is moderation history too. */
export const roleLog = {
  async logRoleChange(trx: Trx, change: RoleChange): Promise<void> {
    await repo.insertLog(trx, {
      actorId: change.actor?.id ?? null, actor: change.actor?.pseudonym ?? 'command line', action: 'role-change',
      postId: null, threadId: null, target: change.pseudonym, reason: `${change.from} → ${change.to}`,
    });
  },
};

/** Moderation's part of a member's export and erasure, and of the retention round. */
export interface ModerationPrivacy {
  exportFlags(userId: string): Promise<unknown[]>;
  forgetMember(trx: Trx, userId: string, pseudonym: string): Promise<void>;
  trimFinishedSuspensions(trx: Trx): Promise<void>;
}

export function moderationPrivacy(db: Kysely<DB>): ModerationPrivacy {
  return {
    async exportFlags(userId) {
      return (await repo.flagsRaisedBy(db, userId)).map((f) => ({
        postId: f.post_id, reason: f.reason, note: f.note, status: f.status, outcome: f.outcome,
        createdAt: f.created_at.toISOString(), resolvedAt: f.resolved_at ? new Date(f.resolved_at).toISOString() : null,
      }));
    },
    /**
     * An erased member leaves no name behind in moderation records: not as the author the
     * log names, not as the moderator who acted, and not in the notes of flags they raised.
     */
    async forgetMember(trx, userId, pseudonym) {
      await repo.forgetNameInLog(trx, userId, pseudonym, DELETED_MEMBER);
      await repo.forgetNameInSuspensions(trx, userId, DELETED_MEMBER);
      await repo.eraseFlagNotesBy(trx, userId);
    },
    trimFinishedSuspensions: repo.trimFinishedSuspensions,
  };
}
