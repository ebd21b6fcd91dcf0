import { z } from 'zod';

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

export const contentWarning = z.enum(CONTENT_WARNING_CATEGORIES);
export const WARNING_PREFERENCES = ['show', 'collapse', 'hide'] as const;
export const warningPreference = z.enum(WARNING_PREFERENCES);
export type WarningPreference = z.infer<typeof warningPreference>;

/** Collapse is the default: a warned post is never shown unasked. */
export const DEFAULT_WARNING_PREFERENCE: WarningPreference = 'collapse';

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
