/**
 * The contract's fixed words, with no zod in them: the web app imports these at run time
 * (and only types from the zod modules), so that its bundle does not carry the schemas.
 * The zod modules build their enums from the same lists.
 */

/** The fixed list of content-warning categories (API.md "Content warnings"). */
export const CONTENT_WARNING_CATEGORIES = [
  'substance-use',
  'relapse',
  'self-harm',
  'suicide',
  'abuse',
  'trauma',
  'eating-disorder',
  'grief',
] as const;
export type ContentWarning = (typeof CONTENT_WARNING_CATEGORIES)[number];

export const WARNING_PREFERENCES = ['show', 'collapse', 'hide'] as const;
export type WarningPreference = (typeof WARNING_PREFERENCES)[number];

export const CONTENT_WARNING_LABELS: Record<ContentWarning, string> = {
  'substance-use': 'Substance use',
  relapse: 'Relapse',
  'self-harm': 'Self-harm',
  suicide: 'Suicide',
  abuse: 'Abuse',
  trauma: 'Trauma',
  'eating-disorder': 'Eating disorder',
  grief: 'Grief',
};

export const FLAG_REASONS = ['triggering', 'harassment', 'spam', 'crisis', 'other'] as const;
export type FlagReason = (typeof FLAG_REASONS)[number];

/**
 * The audience a topic belongs to; event ids are counted per audience. Thread and community
 * topics are all public and share one count; `mod` has its own, and so does each member's
 * `user:` topic. (Server-only messages travel on `internal`.)
 */
export type Stream = 'public' | 'mod' | 'internal' | `user:${string}`;
export function streamOf(topic: string): Stream {
  if (topic.startsWith('thread:') || topic.startsWith('community:')) return 'public';
  if (topic === 'mod' || topic === 'internal') return topic;
  return topic as `user:${string}`;
}

/**
 * What the moderation log records, with the words the console and the author's inbox use.
 * The author's words never name the moderator: a notice says "a moderator".
 */
export const MOD_ACTIONS = {
  hide: { log: 'Hid a post', author: 'A moderator hid your post' },
  'community-hide': { log: 'Hidden by members’ flags', author: 'Your post was hidden after several members flagged it' },
  'confirm-hide': { log: 'Kept a post hidden', author: 'A moderator kept your post hidden' },
  restore: { log: 'Restored a post', author: 'A moderator restored your post' },
  'dismiss-and-restore': { log: 'Dismissed flags and restored', author: 'A moderator restored your post' },
  'resolve-actioned': { log: 'Resolved flags', author: 'A moderator reviewed your post' },
  'resolve-dismissed': { log: 'Dismissed flags', author: 'A moderator reviewed your post' },
  'content-warnings': { log: 'Set warnings', author: 'A moderator changed the content warnings on your post' },
  'suspend-author': { log: 'Suspended an author', author: 'A moderator suspended your account from posting' },
  'lift-suspension': { log: 'Lifted a suspension', author: 'A suspension on your account was lifted' },
  'reach-out': { log: 'Reached out', author: 'A moderator reached out to you' },
  delete: { log: 'Deleted a post', author: 'A moderator deleted your post' },
  'role-change': { log: 'Changed a role', author: 'Your role changed' },
  'pin-resource': { log: 'Pinned a resource', author: 'A moderator pinned your post as one of the community’s resources' },
  'unpin-resource': { log: 'Unpinned a resource', author: 'A moderator unpinned your post from the community’s resources' },
} as const;
export type ModAction = keyof typeof MOD_ACTIONS;
export const MOD_ACTION_NAMES = Object.keys(MOD_ACTIONS) as [ModAction, ...ModAction[]];
