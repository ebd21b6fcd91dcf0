import { z } from 'zod';
import { idParam, isoTime, memberText, pageQuery, shortString } from './common';
import { contentWarning } from './content-warnings';

/** API.md "Communities, threads, posts": shapes shared by server and client. */

export const MAX_BODY_CHARS = 20_000;
export const MAX_TITLE_CHARS = 200;

export const community = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  description: z.string(),
  threadCount: z.number().int(),
});
export const communitiesResponse = z.object({ communities: z.array(community) });

/**
 * Who wrote a post, as readers see it. The two shapes are disjoint on `anonymous`; the
 * serializer keeps only the fields of the matching shape, so an anonymous author can
 * never carry a pseudonym or recoveryDays out of the server even if one slipped in.
 */
export const author = z.discriminatedUnion('anonymous', [
  z.object({ anonymous: z.literal(false), pseudonym: z.string(), recoveryDays: z.number().int().optional() }),
  z.object({ anonymous: z.literal(true), alias: z.string() }),
]);
export type Author = z.infer<typeof author>;

export const contentWarnings = z.array(contentWarning);

export const hidden = z.object({ reason: z.string(), by: z.enum(['moderator', 'community']) }).nullable();

export const post = z.object({
  id: z.string(),
  threadId: z.string(),
  parentId: z.string().nullable(),
  depth: z.number().int(),
  author,
  bodyHtml: z.string().nullable(),
  contentWarnings,
  createdAt: isoTime,
  editedAt: isoTime.nullable(),
  deleted: z.boolean(),
  hidden,
  mine: z.boolean(),
  muted: z.boolean().optional(),
});
export type Post = z.infer<typeof post>;

export const thread = z.object({
  id: z.string(),
  communitySlug: z.string(),
  title: z.string(),
  author,
  createdAt: isoTime,
  lastActivityAt: isoTime,
  replyCount: z.number().int(),
  contentWarnings,
});
export type Thread = z.infer<typeof thread>;

export const crisisResource = z.object({ name: z.string(), contact: z.string(), url: z.string().optional(), region: z.string().optional() });

const title = memberText()
  .transform((v) => v.trim())
  .pipe(z.string().min(1, 'must not be empty').max(MAX_TITLE_CHARS, `must be at most ${MAX_TITLE_CHARS} characters`));
// The length cap is checked by the service so that an over-long body gets 413 too_large.
const body = memberText().refine((v) => v.trim().length > 0, 'must not be empty');
const warningsInput = z.array(contentWarning).max(8).transform((v) => [...new Set(v)]);

export const slugParams = z.strictObject({ slug: shortString(64) });
export const idParams = z.strictObject({ id: idParam });
export const pseudonymParams = z.strictObject({ pseudonym: shortString(64) });

export const threadsQuery = pageQuery;
export const threadsResponse = z.object({ threads: z.array(thread), nextCursor: z.string().nullable() });

export const createThreadBody = z.strictObject({
  title,
  body,
  contentWarnings: warningsInput.optional(),
  anonymous: z.boolean().optional(),
});
export const createThreadResponse = z.object({ thread, post, crisisResources: z.array(crisisResource).optional() });

export const threadQuery = pageQuery;
export const threadResponse = z.object({ thread, posts: z.array(post), nextCursor: z.string().nullable() });
export type ThreadResponse = z.infer<typeof threadResponse>;

export const createPostBody = z.strictObject({
  parentId: idParam.optional(),
  body,
  contentWarnings: warningsInput.optional(),
  anonymous: z.boolean().optional(),
});
export const createPostResponse = z.object({ post, crisisResources: z.array(crisisResource).optional() });

export const editPostBody = z
  .strictObject({ body: body.optional(), contentWarnings: warningsInput.optional() })
  .refine((v) => v.body !== undefined || v.contentWarnings !== undefined, 'give a body or contentWarnings');
export const postResponse = z.object({ post });
/** GET /api/posts/:id/source: what the author wrote, to edit it (the author only). */
export const postSourceResponse = z.object({ body: z.string(), contentWarnings });

export const searchQuery = pageQuery.extend({ q: memberText().pipe(z.string().trim().min(1).max(200)) });
export const searchResponse = z.object({ posts: z.array(post), nextCursor: z.string().nullable() });

export const guidelinesResponse = z.object({ html: z.string() });

/** A draft rendered as it would be stored; sent only when the member asks for a preview. */
export const previewBody = z.strictObject({ body: body.pipe(z.string().max(MAX_BODY_CHARS, `must be at most ${MAX_BODY_CHARS} characters`)) });
export const previewResponse = z.object({ html: z.string() });

export const idempotencyKey = z.string().min(1).max(200).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII');
export type CrisisResource = z.infer<typeof crisisResource>;
