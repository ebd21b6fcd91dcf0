import { z } from 'zod';

import { CONTENT_WARNING_CATEGORIES, WARNING_PREFERENCES, type WarningPreference } from './vocabulary';

export { CONTENT_WARNING_CATEGORIES, CONTENT_WARNING_LABELS, WARNING_PREFERENCES, type ContentWarning, type WarningPreference } from './vocabulary';

export const contentWarning = z.enum(CONTENT_WARNING_CATEGORIES);
export const warningPreference = z.enum(WARNING_PREFERENCES);

/** Collapse is the default: a warned post is never shown unasked. */
export const DEFAULT_WARNING_PREFERENCE: WarningPreference = 'collapse';

