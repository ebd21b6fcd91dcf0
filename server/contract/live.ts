import { z } from 'zod';
import { isBigintId, isPosition } from './common';
import { streamOf } from './vocabulary';

export { streamOf, type Stream } from './vocabulary';

/** API.md "Live channel": frames, shared by server and client. */
export const MAX_TOPICS_PER_SOCKET = 200;
export const TOPIC_PATTERN = /^(thread:[1-9]\d{0,18}|community:[a-z0-9-]{1,64}|user:[1-9]\d{0,18}|mod)$/;

const topic = z.string().regex(TOPIC_PATTERN, 'is not a topic')
  .refine((t) => !/^(thread|user):/.test(t) || isBigintId(t.slice(t.indexOf(':') + 1)), 'is not a topic');
const eventId = z.string().regex(/^\d{1,19}$/, 'must be an event id').refine(isPosition, 'must be an event id');


export const clientMessage = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('subscribe'), topics: z.array(topic).min(1).max(MAX_TOPICS_PER_SOCKET), since: eventId.optional() })
    .refine((m) => new Set(m.topics.map(streamOf)).size === 1, {
      message: 'topics of one subscribe share their event ids: send thread and community topics together, and your user topic and mod each in a frame of its own',
      path: ['topics'],
    }),
  z.strictObject({ type: z.literal('unsubscribe'), topics: z.array(topic).min(1).max(MAX_TOPICS_PER_SOCKET) }),
  z.strictObject({ type: z.literal('ping') }),
]);

export const LIVE_EVENTS = [
  'post.created',
  'post.updated',
  'post.hidden',
  'post.restored',
  'post.deleted',
  'thread.created',
  'notification.created',
  'flag.created',
  'queue.changed',
] as const;
export type LiveEventKind = (typeof LIVE_EVENTS)[number];

export type ServerMessage =
  | { type: 'event'; id: string; topic: string; event: LiveEventKind; at: string; data: Record<string, unknown> }
  | { type: 'subscribed'; topics: string[]; lastEventId: string }
  | { type: 'unsubscribed'; topics: string[] }
  | { type: 'resync'; topic: string }
  | { type: 'pong' }
  | { type: 'access'; role: string | null; suspendedUntil: string | null }
  | { type: 'error'; code: string; message: string };
