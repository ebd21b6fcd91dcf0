import { z } from 'zod';
import { idParam, isoTime, trimmedText } from './common';
import { post } from './forum';

/** Coping resources pinned per community by moderators (docs/api.md "Resources"). */
const title = trimmedText(100);

export const resource = z.object({ id: z.string(), title: z.string(), position: z.number().int(), post, pinnedAt: isoTime });
export type Resource = z.infer<typeof resource>;
export const resourcesResponse = z.object({ resources: z.array(resource) });
export const pinBody = z.strictObject({ postId: idParam, title, position: z.number().int().min(0).max(1000).optional() });
export const pinPatch = z.strictObject({ title: title.optional(), position: z.number().int().min(0).max(1000).optional() });
export const resourceParams = z.strictObject({ id: idParam });
export const resourceResponse = z.object({ resource });
