import { clientMessage, MAX_TOPICS_PER_SOCKET } from '../contract/live';
import type { Client, ClientRegistry } from './clients';
import type { HubOptions } from './hub-options';
import { mayJoin, type Subscriptions } from './subscriptions';

/** A token bucket per socket: `messagesPerSecond`, with a burst of twice that. */
function allowMessage(client: Client, rate: number): boolean {
  const now = Date.now();
  client.tokens = Math.min(rate * 2, client.tokens + ((now - client.refilledAt) / 1000) * rate);
  client.refilledAt = now;
  if (client.tokens < 1) return false;
  client.tokens -= 1;
  return true;
}

/**
 * What a client's frame asks for (contract/live.ts): ping, unsubscribe or subscribe. Every
 * frame is checked (rate, JSON text, shape, topics the reader may join, how many) before
 * anything runs; a socket's subscriptions run one after another, a few waiting at most.
 */
export class Frames {
  constructor(
    private readonly opts: Pick<HubOptions, 'messagesPerSecond' | 'maxPendingSubscribes'>,
    private readonly clients: ClientRegistry,
    private readonly subscriptions: Subscriptions,
  ) {}

  received(client: Client, data: unknown, isBinary: boolean) {
    const { clients } = this;
    if (!allowMessage(client, this.opts.messagesPerSecond)) return clients.reply(client, { type: 'error', code: 'rate_limited', message: 'Too many messages; slow down.' });
    let parsed: unknown;
    try {
      if (isBinary) throw new Error('binary');
      parsed = JSON.parse(String(data));
    } catch {
      return clients.reply(client, { type: 'error', code: 'validation_failed', message: 'Frames must be JSON text.' });
    }
    const result = clientMessage.safeParse(parsed);
    if (!result.success) {
      const issue = result.error.issues[0];
      return clients.reply(client, { type: 'error', code: 'validation_failed', message: `${issue?.path.join('.') || 'frame'}: ${issue?.message ?? 'invalid'}` });
    }
    const message = result.data;
    if (message.type === 'ping') return clients.reply(client, { type: 'pong' });
    if (message.type === 'unsubscribe') {
      clients.leave(client, message.topics);
      return clients.reply(client, { type: 'unsubscribed', topics: message.topics });
    }
    this.#subscribe(client, [...new Set(message.topics)], message.since);
  }

  #subscribe(client: Client, topics: string[], since: string | undefined) {
    const { clients } = this;
    const refused = topics.filter((t) => !mayJoin(client.viewer, t));
    if (refused.length) {
      return clients.reply(client, { type: 'error', code: 'forbidden', message: `You may not join ${refused.join(', ')}.` });
    }
    const fresh = topics.filter((t) => !client.sent.has(t));
    if (client.sent.size + fresh.length > MAX_TOPICS_PER_SOCKET) {
      return clients.reply(client, { type: 'error', code: 'too_many_topics', message: `At most ${MAX_TOPICS_PER_SOCKET} topics per connection.` });
    }
    // One subscription at a time per socket, a few waiting: a socket cannot start replays
    // faster than they finish.
    if (client.pending >= this.opts.maxPendingSubscribes) {
      return clients.reply(client, { type: 'error', code: 'rate_limited', message: 'Wait for your earlier subscriptions to finish.' });
    }
    client.pending++;
    const run = () => this.subscriptions.subscribe(client, topics, since).catch((err) => clients.failed(client, err));
    const queued = (client.subscribing ?? Promise.resolve()).then(run).finally(() => {
      client.pending--;
      if (client.pending === 0) client.subscribing = null;
    });
    client.subscribing = queued;
  }
}
