import type { AccountsService } from '../accounts/accounts.service';
import type { ForumPrivacy } from '../forum/forum.doors';
import type { JourneyService } from '../journey/journey.service';
import type { ModerationPrivacy } from '../moderation/moderation.doors';
import type { NotificationsService } from '../notifications/notifications.service';
import type { ResourcesService } from '../resources/resources.service';

/** A section of the export: a value, or (for long lists) an async iterable of items. */
type Section = (userId: string) => Promise<unknown> | AsyncIterable<unknown>;

export interface ExportDoors {
  accounts: Pick<AccountsService, 'exportHead'>;
  forum: Pick<ForumPrivacy, 'exportPosts' | 'exportMutes'>;
  moderation: Pick<ModerationPrivacy, 'exportFlags'>;
  notifications: Pick<NotificationsService, 'exportAll'>;
  journey: Pick<JourneyService, 'exportStreaks' | 'exportMilestones' | 'exportGoals'>;
  resources: Pick<ResourcesService, 'exportToolkit'>;
}

/**
 * Everything Haven keeps about a member, in document order (server/contract/export.ts):
 * the account first, then each feature's section. The one place that lists them.
 */
export function exportSections(d: ExportDoors): Array<[string, Section]> {
  return [
    ['posts', (userId) => d.forum.exportPosts(userId)],
    ['flagsRaised', (userId) => d.moderation.exportFlags(userId)],
    ['notifications', (userId) => d.notifications.exportAll(userId)],
    ['mutes', (userId) => d.forum.exportMutes(userId)],
    ['streaks', (userId) => d.journey.exportStreaks(userId)],
    ['milestonesCelebrated', (userId) => d.journey.exportMilestones(userId)],
    ['goals', (userId) => d.journey.exportGoals(userId)],
    ['toolkit', (userId) => d.resources.exportToolkit(userId)],
  ];
}

const isIterable = (value: unknown): value is AsyncIterable<unknown> => !!value && typeof value === 'object' && Symbol.asyncIterator in value;

/**
 * The member's export as JSON text, piece by piece: the account first (a missing account
 * fails before anything is sent), then each section, long lists an item at a time.
 */
export async function exportJson(d: ExportDoors, userId: string): Promise<AsyncIterable<string>> {
  const head = await d.accounts.exportHead(userId);
  const sections = exportSections(d);
  return (async function* () {
    yield JSON.stringify(head).slice(0, -1);
    for (const [name, section] of sections) {
      const value = await section(userId);
      if (!isIterable(value)) {
        yield `,${JSON.stringify(name)}:${JSON.stringify(value)}`;
        continue;
      }
      yield `,${JSON.stringify(name)}:[`;
      let first = true;
      for await (const item of value) {
        yield `${first ? '' : ','}${JSON.stringify(item)}`;
        first = false;
      }
      yield ']';
    }
    yield '}';
  })();
}
