import type { AccountsService } from '../accounts/accounts.service';
import type { MemberWrites } from '../accounts/accounts.doors';
import type { Viewer } from '../accounts/viewer';
import type { Trx } from '../db/executor';
import type { ForumPrivacy } from '../forum/forum.doors';
import type { ModerationPrivacy } from '../moderation/moderation.doors';

export interface ErasureDoors {
  writes: MemberWrites;
  accounts: Pick<AccountsService, 'withPassword' | 'deleteAccountRow' | 'announceProfile' | 'announceAccess'>;
  forum: Pick<ForumPrivacy, 'eraseAuthorContent'>;
  moderation: Pick<ModerationPrivacy, 'forgetMember'>;
}

/**
 * What erasing an account does, in order, in one transaction: the one place that says it.
 * Notifications, mutes, goals, streaks, toolkits and sessions go with the account row
 * (ON DELETE CASCADE); posts stay, shown as by "deleted member", unless `erasePosts`.
 */
async function eraseSteps(d: ErasureDoors, trx: Trx, userId: string, pseudonym: string, erasePosts: boolean) {
  // 1. With erasePosts, every body and title the member wrote is emptied.
  if (erasePosts) await d.forum.eraseAuthorContent(trx, userId);
  // 2. Moderation records keep what happened, under a placeholder instead of the name.
  await d.moderation.forgetMember(trx, userId, pseudonym);
  // 3. The account row goes, and its pseudonym stays unavailable for a while.
  await d.accounts.deleteAccountRow(trx, userId, pseudonym);
  // 4. Every process drops its cached pages (authors changed) and the member's sessions.
  await d.accounts.announceProfile(trx);
  await d.accounts.announceAccess(trx, userId);
}

/** DELETE /api/me: the member's password confirms it, then the steps above. */
export async function eraseAccount(d: ErasureDoors, viewer: Viewer, password: string, erasePosts: boolean): Promise<void> {
  const row = await d.accounts.withPassword(viewer.id, password);
  await d.writes.writeAs(viewer, 'member', (trx) => eraseSteps(d, trx, viewer.id, row.pseudonym, erasePosts));
}
